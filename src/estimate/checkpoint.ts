// How long a train run takes to write one checkpoint, and so how early the scheduler must send the
// stop signal for the run to checkpoint before its walltime ends.
import type { Backend } from "./memory.js";

/**
 * Write bandwidth to shared storage assumed per node: 1 GB/s, a conservative figure for one client
 * of a parallel filesystem (Lustre/GPFS/Weka clients on 100–200 Gb/s links sustain several GB/s;
 * NFS gives less). Ranks write their shards in parallel (torch.distributed.checkpoint), so the run
 * writes at nodes × this.
 */
export const WRITE_BYTES_PER_S_PER_NODE = 1e9;
/** Slurm may deliver `--signal` up to 60 s early or late (sbatch(1)); the lead keeps that slack. */
const SIGNAL_SLACK_S = 60;
const MIN_LEAD_S = 120;

/**
 * Bytes of one checkpoint, all ranks together. FSDP2 (DCP of the model and AdamW state dicts): fp32
 * parameters 4N (sharded fp32 masters, whatever the compute dtype; fp32 runs alike) + Adam's two fp32 moments 8N =
 * 12N. Megatron: bf16 weights 2N + fp32 main parameters 4N + moments 8N = 14N.
 */
export function checkpointBytes(params: bigint, backend: Backend): number {
  return Number(params) * (backend === "megatron" ? 14 : 12);
}

export interface CheckpointEstimate {
  readonly stateBytes: number;
  readonly writeBytesPerS: number;
  readonly writeSeconds: number;
  /** Seconds before the walltime limit to send the stop signal. */
  readonly stopSignalLeadS: number;
}

/**
 * The lead covers the step in flight (it finishes before the loop checkpoints), the write itself,
 * both doubled for slow steps and a busy filesystem, plus Slurm's signal timing slack; at least 2 min.
 */
export function checkpointEstimate(params: bigint, backend: Backend, nodes: number, stepSeconds: number): CheckpointEstimate {
  const stateBytes = checkpointBytes(params, backend);
  const writeBytesPerS = Math.max(1, nodes) * WRITE_BYTES_PER_S_PER_NODE;
  const writeSeconds = stateBytes / writeBytesPerS;
  const stopSignalLeadS = Math.max(MIN_LEAD_S, Math.ceil(2 * (stepSeconds + writeSeconds)) + SIGNAL_SLACK_S);
  return { stateBytes, writeBytesPerS, writeSeconds, stopSignalLeadS };
}
