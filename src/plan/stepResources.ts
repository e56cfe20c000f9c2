// What each step asks the scheduler for, estimated from what it reads: not the cluster's maximum.
// Data steps are single Python processes that hold their shard in memory (runtime-py/STEPS.md), so
// memory follows the bytes of the shard and time the bytes over a per-process throughput; eval runs
// one process on one device. The constants are deliberately round and conservative (a step asking
// for twice what it needs still packs far better than one asking for the 48 h walltime limit).
import type { StepDraft } from "./fingerprint.js";
import type { PlanInput } from "./ir.js";

type StepInput = StepDraft;
type Resources = PlanInput["steps"][number]["resources"];
type Sections = Omit<PlanInput, "steps">;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** UTF-8 bytes of raw text per declared token (BPE on English-heavy web text: ~4 characters a token). */
export const BYTES_PER_TOKEN = 4;
/** Python objects (str + dict per document, the kept list) hold about this many times the text's bytes. */
const IN_MEMORY_FACTOR = 3;
/** The interpreter, numpy, tokenizers, a fastText model. */
const BASE_MEMORY = 2 * GiB;
/** Per process, bytes of raw text a second: curation ops (language, quality, PII, signatures) and tokenization. */
const CURATE_BYTES_PER_S = 2 * 1e6;
const TOKENIZE_BYTES_PER_S = 5 * 1e6;
/** BPE/Unigram training on the text in memory. */
const TOKENIZER_TRAIN_BYTES_PER_S = 2 * 1e6;
/** Token bytes (uint32) read and packed a second by the mix step; weights copied a second by release. */
const STREAM_BYTES_PER_S = 100 * 1e6;
/** Documents a second merged by the dedup step, and the bytes each holds there (a 128-permutation signature and its id). */
const DEDUP_DOCS_PER_S = 20_000;
const TOKENS_PER_DOC = 1000;
const DEDUP_BYTES_PER_DOC = 128 * 4 + 100;
/** Start-up, imports and a slow file system: every step gets this on top. */
const STARTUP_S = 300;
/** The estimate doubled for the time limit (a job past its limit is killed and its work lost). */
const SAFETY = 2;
const MIN_WALLTIME_S = 600;
/** An eval: the evalsets through the final weights on one device. */
const EVAL_WALLTIME_S = 3600;

function walltime(workS: number, cap: number | undefined): number {
  const s = Math.max(MIN_WALLTIME_S, Math.ceil((STARTUP_S + workS * SAFETY) / 60) * 60);
  return cap !== undefined ? Math.min(cap, s) : s;
}

function memory(bytes: number): number {
  return Math.ceil((BASE_MEMORY + bytes) / GiB) * GiB;
}

/** Text bytes of a raw source (declared tokens, upsampled copies included). */
function sourceBytes(s: Sections, name: string): number {
  const r = s.raw_sources[name];
  return r ? r.declared_tokens * (r.upsample ?? 1) * BYTES_PER_TOKEN : 0;
}

function cpu(cpus: number, mem: number, wall: number): Resources {
  return { nodes: 1, gpus_per_node: 0, ranks_per_node: 1, cpus_per_task: cpus, memory_bytes: mem, walltime_s: wall };
}

/** The step with its estimated resources (train steps keep theirs, plus host memory). */
export function withResources(step: StepInput, s: Sections): StepInput {
  const cap = s.cluster.max_walltime_s;
  // One core per data process (they are single-threaded), two when the nodes have them (I/O beside compute).
  const cpus = Math.min(2, s.cluster.cpus_per_node ?? 2);
  switch (step.kind) {
    case "tokenizer": {
      const t = s.tokenizers[step.params.tokenizer];
      const bytes = t?.path !== undefined ? 0 : (t?.train_on ?? []).reduce((a, n) => a + sourceBytes(s, n), 0);
      return { ...step, resources: cpu(cpus, memory(bytes * IN_MEMORY_FACTOR), walltime(bytes / TOKENIZER_TRAIN_BYTES_PER_S, cap)) };
    }
    case "curate": {
      const bytes = sourceBytes(s, step.params.source) / step.shards;
      return { ...step, resources: cpu(cpus, memory(bytes * IN_MEMORY_FACTOR), walltime(bytes / CURATE_BYTES_PER_S, cap)) };
    }
    case "tokenize": {
      const ds = s.sources[step.params.dataset];
      const bytes = (ds ? ds.available_tokens : 0) * BYTES_PER_TOKEN / step.shards;
      return { ...step, resources: cpu(cpus, memory(bytes * IN_MEMORY_FACTOR), walltime(bytes / TOKENIZE_BYTES_PER_S, cap)) };
    }
    case "dedup": {
      const c = s.curations[step.params.curation];
      const docs = (c?.from ?? []).reduce((a, n) => a + (s.raw_sources[n]?.declared_tokens ?? 0), 0) / TOKENS_PER_DOC;
      return { ...step, resources: cpu(cpus, memory(docs * DEDUP_BYTES_PER_DOC * IN_MEMORY_FACTOR), walltime(docs / DEDUP_DOCS_PER_S, cap)) };
    }
    case "mix": {
      const t = s.trains.find((x) => x.name === step.params.train);
      const bytes = (t?.tokens ?? 0) * 4;
      // Packing streams through memory maps: the index of the schedule, not the tokens, stays resident.
      return { ...step, resources: cpu(cpus, memory(Math.min(bytes, 8 * GiB) / 8), walltime(bytes / STREAM_BYTES_PER_S, cap)) };
    }
    case "train": {
      const t = s.trains.find((x) => x.name === step.params.train)!;
      const r = step.resources;
      // Host memory per node: per rank a CPU rank's whole footprint (gloo) or a loader and staging
      // allowance (GPU), and one node's share of a checkpoint staged in host memory.
      const perRank = r.gpus_per_node > 0 ? 8 * GiB : t.memory.per_gpu_bytes + GiB;
      return { ...step, resources: { ...r, memory_bytes: memory(r.ranks_per_node * perRank + t.checkpoint.state_bytes / r.nodes) } };
    }
    case "eval": {
      const e = s.evals.find((x) => x.name === step.params.eval);
      const t = s.trains.find((x) => x.name === e?.after);
      const gpu = s.cluster.gpus_per_node > 0;
      // The final weights loaded (fp32) and a copy for the model, on one device.
      const weights = (t?.params ?? 0) * 4 * 2;
      return {
        ...step,
        resources: { nodes: 1, gpus_per_node: gpu ? 1 : 0, ranks_per_node: 1, cpus_per_task: gpu ? Math.min(8, s.cluster.cpus_per_node ?? 8) : cpus,
          memory_bytes: memory(weights), walltime_s: walltime(EVAL_WALLTIME_S / SAFETY, cap) },
      };
    }
    case "release": {
      const r = s.releases.find((x) => x.name === step.params.release);
      const t = s.trains.find((x) => x.name === r?.from);
      const bytes = (t?.params ?? 0) * 4 * (r?.phases.length ?? 1);
      return { ...step, resources: cpu(cpus, memory((t?.params ?? 0) * 4 * 2), walltime(bytes / STREAM_BYTES_PER_S, cap)) };
    }
  }
}
