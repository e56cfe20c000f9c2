// The plan IR: the single contract between the compiler and the runtime (runtime-py/flowrt).
// One zod schema gives the TypeScript type, the JSON Schema in runtime-py/flowrt/plan.schema.json
// (a test fails when they drift) and the documentation of every field.
//
// Conventions:
// - Token, sequence and step counts are JSON integers (safe integers; 2^53 tokens is ~9e15).
// - Fractions (weights, retention) are exact decimal strings ("0.8", "0.54") where exactness matters
//   to the runtime, numbers where they are estimates (MFU, GPU-hours).
// - Paths in sources/evalsets are as written in the .flow file; relative ones resolve against
//   `base_dir` (the directory of the entry .flow file when compiled).
// - Every step writes only under `<run dir>/steps/<step id>/` and marks completion with a `_DONE` file;
//   it reads the outputs of the steps in `needs` from their directories.
import { z } from "zod";

export const PLAN_IR_VERSION = 1 as const;

const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
const exactFraction = z.string().regex(/^\d+(\.\d+)?(\/\d+)?$/, "an exact fraction: a decimal such as \"0.8\", or \"num/den\"");

export const ClusterIR = z.object({
  name: z.string(),
  scheduler: z.enum(["slurm", "ray"]),
  partition: z.string().optional(),
  account: z.string().optional(),
  nodes: positive,
  gpus_per_node: count,
  cpus_per_node: positive.optional(),
  ranks_per_node: positive.optional().describe("CPU ranks per node (gloo) when gpus_per_node = 0"),
  gpu: z.string().describe("GPU kind from the catalog, or \"cpu\""),
  max_walltime_s: positive.optional(),
  budget_gpu_hours: z.number().nonnegative().optional(),
  ssh: z.string().optional(),
  address: z.string().optional(),
});

export const RawSourceIR = z.object({
  uri: z.string(),
  format: z.enum(["jsonl", "parquet"]),
  declared_tokens: count,
  upsample: positive.optional().describe("copies of every document in the source's pool (quality-aware upsampling)"),
  kind: z.enum(["web", "code", "math", "academic", "books", "synthetic"]),
});

export const EvalsetIR = z.object({
  uri: z.string(),
  task: z.enum(["perplexity", "multiple_choice", "generation"]),
});

export const TokenizerIR = z.object({
  kind: z.enum(["bpe", "unigram"]),
  vocab: positive,
  path: z.string().optional().describe("an existing tokenizer.json"),
  train_on: z.array(z.string()).optional().describe("raw source names to train on"),
});

/** One curation operation with its parameters as written (numbers, strings, lists). */
export const CurateOpIR = z.object({
  op: z.enum(["language", "quality", "pii", "dedup", "decontaminate", "filter"]),
  params: z.record(z.string(), z.unknown()),
});

export const CurationIR = z.object({
  from: z.array(z.string()),
  ops: z.array(CurateOpIR),
  tokenizer: z.string(),
  expect_retention: exactFraction,
});

/** A curated, tokenized dataset `CURATE.SOURCE` and what the schedule draws from it. */
export const DatasetIR = z.object({
  curation: z.string(),
  source: z.string(),
  available_tokens: count.describe("declared tokens x expect_retention, rounded down"),
  drawn_tokens: count,
  epochs: z.number().nonnegative().describe("drawn / available, for display"),
  max_epochs: z.number().positive(),
});

export const ModelIR = z.object({
  arch: z.literal("llama"),
  layers: positive,
  d_model: positive,
  heads: positive,
  kv_heads: positive,
  ffn: positive,
  vocab: positive,
  seq_len: positive,
  rope_theta: z.number().positive(),
  tie_embeddings: z.boolean(),
});

export const ParallelIR = z.object({
  tp: positive,
  pp: positive,
  dp: positive,
  cp: positive,
  zero: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  recompute: z.enum(["none", "selective", "full"]),
});

export const LrScheduleIR = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), peak: z.number().positive(), warmup_steps: count }),
  z.object({ kind: z.literal("cosine"), peak: z.number().positive(), warmup_steps: count, min_ratio: z.number().min(0).max(1) }),
  z.object({ kind: z.literal("wsd"), peak: z.number().positive(), warmup_steps: count, decay_steps: count, min_ratio: z.number().min(0).max(1) }),
]);

export const QuotaIR = z.object({ sequences: count, tokens: count });

export const StageIR = z.object({
  name: z.string(),
  first_step: count,
  last_step: count.describe("exclusive"),
  first_token: count,
  tokens: count,
  sequences: count,
  seq_len: positive,
  micro_batch: positive,
  grad_accum: positive,
  sequences_per_step: positive,
  rope_theta: z.number().positive(),
  yarn_factor: z.number().positive().optional(),
  lr_scale: z.number().positive(),
  lr_jump: z.boolean(),
  /** Keys are dataset names `CURATE.SOURCE`, in declaration order; weights as written. */
  mix: z.record(z.string(), QuotaIR.extend({ weight: exactFraction })),
});

export const MemoryIR = z.object({
  stage: z.string().describe("the stage with the largest footprint"),
  per_gpu_bytes: count,
  weights: count,
  gradients: count,
  optimizer: count,
  activations: count,
  logits: count,
  overheads: count,
  gpu_bytes: count.describe("memory of one GPU (or one CPU rank's allowance)"),
});

export const JobIR = z.object({ index: count, first_step: count, last_step: count, walltime_s: positive });

export const TrainIR = z.object({
  name: z.string(),
  model: ModelIR,
  params: count,
  cluster: z.string(),
  nodes: positive,
  init_from: z.string().optional(),
  precision: z.enum(["bf16", "fp8", "fp32"]),
  backend: z.enum(["fsdp", "megatron"]),
  parallel: ParallelIR,
  optimizer: z.object({
    kind: z.literal("adamw"),
    lr: z.number().positive(),
    betas: z.tuple([z.number(), z.number()]),
    weight_decay: z.number().nonnegative(),
    eps: z.number().positive(),
    clip: z.number().nonnegative(),
  }),
  lr_schedule: LrScheduleIR,
  seed: count,
  batch_tokens: positive,
  tokens: count,
  total_steps: count,
  checkpoint_every: positive,
  stages: z.array(StageIR).min(1),
  memory: MemoryIR,
  flops: z.number().nonnegative(),
  mfu_assumed: z.number().positive().max(1),
  gpu_hours: z.number().nonnegative(),
  walltime_s: z.number().nonnegative(),
  jobs: z.array(JobIR),
});

export const GateIR = z.object({
  evalset: z.string(),
  metric: z.string(),
  op: z.enum(["<", "<=", ">", ">=", "==", "!="]),
  value: z.number(),
});

export const EvalIR = z.object({
  name: z.string(),
  after: z.string().describe("the train run evaluated"),
  every: count.optional().describe("also every N steps during training"),
  tasks: z.array(z.string()),
  gates: z.array(GateIR),
});

export const ReleaseIR = z.object({
  name: z.string(),
  from: z.string(),
  require: z.array(z.string()),
  format: z.literal("hf_safetensors"),
  phases: z.array(z.string()).min(1),
  rollback_if: z.array(GateIR),
});

export const StepKind = z.enum(["tokenizer", "curate", "dedup", "tokenize", "mix", "train", "eval", "release"]);

export const ResourcesIR = z.object({
  nodes: positive,
  gpus_per_node: count,
  ranks_per_node: positive.describe("processes per node (torchrun nproc_per_node / srun tasks)"),
  cpus_per_task: positive,
  walltime_s: positive,
  array: positive.optional().describe("number of shards for array steps (Slurm --array=0-(N-1))"),
});

/**
 * A node of the job DAG. Ids are dotted: `tokenizer.tok`, `curate.clean.web`, `dedup.clean`,
 * `tokenize.clean.web`, `mix.pretrain`, `train.pretrain`, `eval.base`, `release.toy_v1`.
 * `params` is what the runtime step needs beyond the top-level sections it may read by name.
 */
export const StepIR = z.object({
  id: z.string().regex(/^[a-z]+(\.[A-Za-z_][A-Za-z0-9_]*)+$/),
  kind: StepKind,
  needs: z.array(z.string()),
  resources: ResourcesIR,
  params: z.record(z.string(), z.unknown()),
});

export const PlanIR = z.object({
  version: z.literal(PLAN_IR_VERSION),
  flowc_version: z.string(),
  source_file: z.string(),
  base_dir: z.string(),
  /** SHA-256 of the entry file and its imports, so `compile` can tell whether a DIR holds another plan. */
  source_hash: z.string(),
  cluster: ClusterIR,
  raw_sources: z.record(z.string(), RawSourceIR),
  evalsets: z.record(z.string(), EvalsetIR),
  tokenizers: z.record(z.string(), TokenizerIR),
  curations: z.record(z.string(), CurationIR),
  sources: z.record(z.string(), DatasetIR).describe("curated datasets CURATE.SOURCE"),
  trains: z.array(TrainIR),
  evals: z.array(EvalIR),
  releases: z.array(ReleaseIR),
  steps: z.array(StepIR),
});

export type PlanIR = z.infer<typeof PlanIR>;
export type TrainIR = z.infer<typeof TrainIR>;
export type StageIR = z.infer<typeof StageIR>;
export type StepIR = z.infer<typeof StepIR>;

/** The JSON Schema written to runtime-py/flowrt/plan.schema.json. */
export function planJsonSchema(): unknown {
  return z.toJSONSchema(PlanIR, { target: "draft-2020-12" });
}
