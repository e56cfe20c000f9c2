// The words of the language, declared once: every enum a `.flow` file may write, and the defaults
// of the attributes that have one. The checker's readers (check/read/), its typed program
// (check/typed.ts), the plan IR's schemas (plan/ir.ts) and the editor vocabulary
// (language/vocabulary.ts) all derive from these tuples; nothing else spells them.

export const DECL_KINDS = [
  "cluster", "source", "evalset", "tokenizer", "curate", "model", "train", "eval", "release", "assert",
] as const;
export type DeclKind = (typeof DECL_KINDS)[number];

export const SCHEDULERS = ["slurm", "ray"] as const;
export const SOURCE_FORMATS = ["jsonl", "parquet"] as const;
export const SOURCE_KINDS = ["web", "code", "math", "academic", "books", "synthetic"] as const;
export const EVAL_TASKS = ["perplexity", "multiple_choice", "generation"] as const;
export const TOKENIZER_KINDS = ["bpe", "unigram"] as const;
export const ARCHS = ["llama"] as const;
export const CURATE_STEPS = ["language", "quality", "perplexity", "pii", "nsfw", "filter", "dedup", "decontaminate", "review"] as const;
export const QUALITY_METHODS = ["gopher", "c4", "classifier"] as const;
export const PII_KINDS = ["email", "phone", "ip"] as const;
export const DEDUP_METHODS = ["exact", "minhash", "simhash", "semantic", "ast"] as const;
export const PRECISIONS = ["bf16", "fp8", "fp32"] as const;
export const BACKENDS = ["fsdp", "megatron"] as const;
export const RECOMPUTE = ["none", "selective", "full"] as const;
export const LR_SCHEDULES = ["cosine", "wsd", "constant"] as const;
export const PACKINGS = ["best_fit", "concat"] as const;
export const METRICS = ["perplexity", "bits_per_byte", "loss", "acc", "acc_norm", "exact_match"] as const;
export const RELEASE_FORMATS = ["hf_safetensors"] as const;
export const COMPARE_OPS = ["<", "<=", ">", ">=", "==", "!="] as const;
export const ASSERT_FUNCTIONS = ["tokens", "epochs", "steps", "gpu_hours", "memory"] as const;

export type Scheduler = (typeof SCHEDULERS)[number];
export type SourceFormat = (typeof SOURCE_FORMATS)[number];
export type SourceKind = (typeof SOURCE_KINDS)[number];
export type EvalTask = (typeof EVAL_TASKS)[number];
export type TokenizerKind = (typeof TOKENIZER_KINDS)[number];
export type CurateStep = (typeof CURATE_STEPS)[number];
export type QualityMethod = (typeof QUALITY_METHODS)[number];
export type PiiKind = (typeof PII_KINDS)[number];
export type DedupMethod = (typeof DEDUP_METHODS)[number];
export type Precision = (typeof PRECISIONS)[number];
export type Backend = (typeof BACKENDS)[number];
export type Recompute = (typeof RECOMPUTE)[number];
export type LrScheduleKind = (typeof LR_SCHEDULES)[number];
export type Packing = (typeof PACKINGS)[number];
export type Metric = (typeof METRICS)[number];
export type ReleaseFormat = (typeof RELEASE_FORMATS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];

/**
 * What an attribute is when a program leaves it out. The readers use these values and the editor
 * vocabulary prints them; the plan carries the resolved value, so the runtime never defaults again.
 */
export const DEFAULTS = {
  precision: "bf16" as Precision,
  backend: "fsdp" as Backend,
  microBatch: 1,
  /** Muennighoff et al. (2023): repeated data loses value quickly past about 4 epochs. */
  maxEpochs: 4n,
  checkpointEvery: 1000,
  seed: 0,
  betas: [0.9, 0.95] as const,
  weightDecay: 0.0,
  eps: 1e-8,
  clip: 1.0,
  /** The final learning rate as a share of the peak, by schedule (constant: the peak throughout). */
  minLrRatio: { cosine: 0.1, wsd: 0, constant: 1 } as Readonly<Record<LrScheduleKind, number>>,
  recompute: "none" as Recompute,
  zero: 3 as 0 | 1 | 2 | 3,
  packing: "best_fit" as Packing,
  releaseFormat: "hf_safetensors" as ReleaseFormat,
  dedupMethod: "minhash" as DedupMethod,
} as const;

/** Whether `w` is one of `words` (narrowing it to that enum). */
export function isWord<const Ws extends readonly string[]>(words: Ws, w: string | undefined): w is Ws[number] {
  return w !== undefined && (words as readonly string[]).includes(w);
}
