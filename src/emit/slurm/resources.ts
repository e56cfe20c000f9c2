// A step's resources as Slurm reads them: `--time` and `--mem` values, and the array split.
import type { StepIR } from "../../plan/ir.js";

/** `--time`: [D-]HH:MM:SS, rounded up to whole minutes (Slurm counts in minutes). */
export function slurmTime(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const hms = `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00`;
  return d > 0 ? `${d}-${hms}` : hms;
}

const MiB = 1024 * 1024;

/** `--mem` per node: whole MiB rounded up (`4096M`), as Slurm's default unit is MB = MiB. */
export function slurmMem(bytes: number): string {
  const mib = Math.max(1, Math.ceil(bytes / MiB));
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

/** Slurm's default MaxArraySize: array indices 0..1000. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/** Curation and tokenization run one array task per shard; any step with shards > 1 does. */
export function isArrayStep(step: StepIR): boolean {
  return step.kind === "curate" || step.kind === "tokenize" || step.shards > 1;
}

/** One job of an array step: shards [offset, offset + count), as array indices 0..count-1. */
export interface ArrayPart {
  readonly index: number;
  readonly parts: number;
  readonly offset: number;
  readonly count: number;
}

/**
 * The shards of a step split into jobs of at most `maxArraySize` tasks: array indices must stay
 * below MaxArraySize, so each part counts from 0 and carries its first shard (FLOWRT_SHARD_OFFSET).
 */
export function arrayParts(shards: number, maxArraySize = DEFAULT_MAX_ARRAY_SIZE): ArrayPart[] {
  const size = Math.max(1, Math.floor(maxArraySize));
  const parts = Math.ceil(shards / size);
  return Array.from({ length: parts }, (_, index) => ({ index, parts, offset: index * size, count: Math.min(size, shards - index * size) }));
}

/** How many tasks of one array may run at once (`%K`): what the cluster's CPUs hold, at most the tasks. */
export function arrayThrottle(step: StepIR, count: number, cluster: { nodes: number; cpus_per_node?: number | undefined }): number {
  const perNode = cluster.cpus_per_node !== undefined ? Math.max(1, Math.floor(cluster.cpus_per_node / step.resources.cpus_per_task)) : 64;
  return Math.max(1, Math.min(count, cluster.nodes * perNode));
}
