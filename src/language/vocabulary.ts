// What may be written where: block kinds, the attributes of each with their type, default, enum
// values and a one-line description. Editor completion, hover, the reference index and the
// generated language docs read this module. Its enums and defaults are the language's words
// (language/words.ts), which the checker's readers use too; a test (test/lsp/vocabulary.test.ts)
// runs the real checker on every attribute named here, so the two cannot drift apart.
import { GPU_CATALOG } from "../estimate/index.js";
import * as W from "./words.js";
import { ASSERT_FUNCTIONS, DECL_KINDS, type DeclKind } from "./words.js";

export interface AttrSpec {
  readonly name: string;
  readonly doc: string;
  /** How the value is written, for people: "tokens", "integer ≥ 1", "`slurm` | `ray`". */
  readonly type: string;
  /** Bare words the value may be (an enum); never references to declarations. */
  readonly values?: readonly string[];
  /** The values are strings (`gpu = "H100-80GB"`): completion quotes them. */
  readonly quoted?: boolean;
  /** Free bare words (language codes, release phases): never references. */
  readonly words?: boolean;
  /** The value names declarations of these kinds. */
  readonly refs?: readonly DeclKind[];
  /** The value is a list `[a, b]` (a single item is accepted too). */
  readonly list?: boolean;
  /** `auto` is accepted (the planner chooses). */
  readonly auto?: boolean;
  readonly required?: boolean;
  /** The value when the attribute is left out, as flowc writes it. */
  readonly default?: string;
}

export interface BlockSpec {
  /** The keyword that opens the block. */
  readonly keyword: string;
  readonly doc: string;
  /** Whether the block has a name, and what it is: a declaration's name or an algorithm. */
  readonly name: "required" | "none" | "algorithm";
  readonly algorithms?: readonly string[];
  readonly attrs: readonly AttrSpec[];
  /** Keywords of the blocks allowed inside. */
  readonly blocks: readonly string[];
  /** What bare expressions mean here, where they are allowed. */
  readonly exprItems?: string;
  /** Attribute keys are dataset names `CURATE.SOURCE` (a mix). */
  readonly datasetKeys?: boolean;
}

const a = (name: string, type: string, doc: string, more: Partial<AttrSpec> = {}): AttrSpec => ({ name, type, doc, ...more });
const oneOf = (values: readonly string[]) => values.map((v) => `\`${v}\``).join(" | ");
const enumAttr = (name: string, values: readonly string[], doc: string, more: Partial<AttrSpec> = {}) =>
  a(name, oneOf(values), doc, { values, ...more });

export const GPU_NAMES: readonly string[] = Object.keys(GPU_CATALOG);
export const { PRECISIONS, RECOMPUTE, METRICS, CURATE_STEPS } = W;

const fraction = "fraction (`80%` or `0.8`)";

const TOP: Record<DeclKind, BlockSpec> = {
  cluster: {
    keyword: "cluster", name: "required", blocks: [], doc: "Where jobs run: a Slurm or Ray cluster, its nodes and GPUs, walltime and budget.",
    attrs: [
      enumAttr("scheduler", W.SCHEDULERS, "The workload manager jobs are submitted to.", { required: true }),
      a("partition", "string", "Slurm partition (`#SBATCH --partition`)."),
      a("account", "string", "Slurm account charged for the jobs."),
      a("nodes", "integer ≥ 1", "Nodes of the cluster a run may use.", { required: true }),
      a("gpus_per_node", "integer ≥ 0", "GPUs per node; 0 for CPU ranks under gloo.", { required: true }),
      a("cpus_per_node", "integer ≥ 1", "CPU cores per node (`#SBATCH --cpus-per-task`)."),
      a("ranks_per_node", "integer ≥ 1", "Processes per node when the cluster has no GPUs.", { default: "one per GPU" }),
      enumAttr("gpu", GPU_NAMES, "The GPU model, from flowc's catalog (memory, peak FLOP/s, FP8).", { quoted: true, required: true, type: "string: " + GPU_NAMES.map((g) => `"${g}"`).join(" | ") }),
      a("max_walltime", "duration", "Longest job the scheduler allows; longer runs are split into chained, resumable jobs."),
      a("budget", "GPU-hours", "GPU-hours the runs on this cluster may spend (checked against the estimate)."),
      a("ssh", "string `user@host[:port]`", "Login node that `flowc submit` reaches over SSH."),
      a("address", "string", "Ray cluster address."),
    ],
  },
  source: {
    keyword: "source", name: "required", blocks: [], doc: "Raw data: where it is, its format, its declared size in tokens and its kind.",
    attrs: [
      a("uri", "string", "A local path, a glob, or an object-store URI (s3://, gs://, az://, hf://, file://, https://).", { required: true }),
      enumAttr("format", W.SOURCE_FORMATS, "File format of the documents.", { required: true }),
      a("tokens", "tokens", "Declared size in tokens, before curation (`1.3T` is exactly 1,300,000,000,000).", { required: true }),
      enumAttr("kind", W.SOURCE_KINDS, "What the data is; code sources get code-specific quality rules.", { required: true }),
      a("max_epochs", "epochs", "How often this source may be repeated; overrides the run's `max_epochs`."),
      a("upsample", "integer ≥ 1", "Repeat every document k times in the source's pool (quality-aware upsampling).", { default: "1" }),
    ],
  },
  evalset: {
    keyword: "evalset", name: "required", blocks: [], doc: "An evaluation set; also what curation decontaminates against.",
    attrs: [
      a("uri", "string", "Path of the evaluation data, or `lm_eval:TASK` for an lm-evaluation-harness task.", { required: true }),
      enumAttr("task", W.EVAL_TASKS, "How the set is scored.", { required: true }),
    ],
  },
  tokenizer: {
    keyword: "tokenizer", name: "required", blocks: [], doc: "A BPE or Unigram tokenizer: an existing `tokenizer.json`, or trained on sources.",
    attrs: [
      enumAttr("kind", W.TOKENIZER_KINDS, "The tokenization algorithm.", { required: true }),
      a("vocab", "integer ≥ 2", "Vocabulary size; models read it as `TOKENIZER.vocab`.", { required: true }),
      a("path", "string", "An existing Hugging Face `tokenizer.json` (give `path` or `train_on`)."),
      a("train_on", "list of sources", "Sources to train the tokenizer on (give `path` or `train_on`).", { refs: ["source"], list: true }),
    ],
  },
  curate: {
    keyword: "curate", name: "required", blocks: ["steps"], doc: "A curation pipeline: one dataset `CURATE.SOURCE` per source it reads.",
    attrs: [
      a("from", "list of sources", "The sources curated; each becomes the dataset `CURATE.SOURCE`.", { refs: ["source"], list: true, required: true }),
      a("tokenize", "tokenizer", "The tokenizer the curated text is encoded with.", { refs: ["tokenizer"], required: true }),
      a("expect_retention", fraction, "Share of the declared tokens expected to survive curation (available tokens are rounded down).", { default: "100%" }),
    ],
  },
  model: {
    keyword: "model", name: "required", blocks: [], doc: "The model architecture (a Llama decoder).",
    attrs: [
      enumAttr("arch", W.ARCHS, "Architecture family.", { required: true }),
      a("layers", "integer ≥ 1", "Transformer blocks.", { required: true }),
      a("d_model", "integer ≥ 1", "Hidden size.", { required: true }),
      a("heads", "integer ≥ 1", "Attention heads; `d_model` must divide evenly.", { required: true }),
      a("kv_heads", "integer ≥ 1", "Key/value heads (grouped-query attention).", { default: "= heads" }),
      a("ffn", "integer ≥ 1", "SwiGLU hidden size.", { required: true }),
      a("vocab", "integer ≥ 2", "Vocabulary size, usually `TOKENIZER.vocab`.", { required: true }),
      a("seq_len", "integer ≥ 1", "Training context length; stages may override it.", { required: true }),
      a("rope_theta", "number", "RoPE base frequency.", { default: "10000" }),
      a("tie_embeddings", "`true` | `false`", "Share the input embedding with the LM head.", { default: "false" }),
      a("sliding_window", "integer ≥ 1 (tokens)", "Sliding-window attention of this many tokens in every layer but the last `full_attention_layers`."),
      a("full_attention_layers", "integer ≥ 0", "With `sliding_window`: how many of the last layers keep full attention.", { default: "0" }),
    ],
  },
  train: {
    keyword: "train", name: "required", blocks: ["parallel", "optimizer", "schedule", "stage"],
    doc: "A training run: a model on a cluster, a token budget and its stages.",
    attrs: [
      a("model", "model", "The model trained.", { refs: ["model"], required: true }),
      a("cluster", "cluster", "Where the run executes.", { refs: ["cluster"], required: true }),
      a("nodes", "integer ≥ 1", "Nodes used, at most the cluster's.", { default: "all the cluster's nodes" }),
      a("init_from", "train run or checkpoint path", "Start from another run's final weights (or a path).", { refs: ["train"] }),
      a("tokens", "tokens", "Tokens trained on, in all stages.", { required: true }),
      a("batch", "tokens", "Global batch in tokens: micro_batch × seq_len × dp × grad_accum.", { required: true }),
      a("micro_batch", "integer ≥ 1", "Sequences per rank per forward pass.", { default: String(W.DEFAULTS.microBatch) }),
      enumAttr("precision", PRECISIONS, "Training precision; `fp8` needs a GPU with FP8 tensor cores.", { default: W.DEFAULTS.precision }),
      enumAttr("backend", W.BACKENDS, "The training loop: torch FSDP2, or Megatron-LM.", { default: W.DEFAULTS.backend }),
      a("max_epochs", "epochs", "How often any source may be repeated in this run.", { default: String(W.DEFAULTS.maxEpochs) }),
      a("checkpoint_every", "steps", "Steps between checkpoints.", { default: `${W.DEFAULTS.checkpointEvery} steps` }),
      a("seed", "integer ≥ 0", "Seed of the data order and initialisation.", { default: String(W.DEFAULTS.seed) }),
      a("seq_len", "integer ≥ 1", "Context length of the run (default: the model's)."),
    ],
  },
  eval: {
    keyword: "eval", name: "required", blocks: ["gate"], doc: "Evaluation of a run, with gates a release may require.",
    attrs: [
      a("after", "train run", "The run evaluated.", { refs: ["train"], required: true }),
      a("every", "steps", "Evaluate during training every this many steps."),
      a("tasks", "list of evalsets", "The evalsets scored.", { refs: ["evalset"], list: true, required: true }),
    ],
  },
  release: {
    keyword: "release", name: "required", blocks: ["rollback_if"], doc: "A gated, phased release of a run's weights.",
    attrs: [
      a("from", "train run", "The run released.", { refs: ["train"], required: true }),
      a("require", "list of evals", "Evals whose gates must pass.", { refs: ["eval"], list: true }),
      enumAttr("format", W.RELEASE_FORMATS, "Export format (Hugging Face safetensors).", { default: W.DEFAULTS.releaseFormat }),
      a("phases", "list of words", "Release phases, in order.", { words: true, list: true, default: "[internal]" }),
      a("rollback_if", "list of gates", "Gates that roll the release back when they fail."),
    ],
  },
  assert: {
    keyword: "assert", name: "none", blocks: [], attrs: [],
    doc: "Properties of the schedule that must hold: one comparison per line.",
    exprItems: `comparisons over ${ASSERT_FUNCTIONS.map((f) => `\`${f}(…)\``).join(", ")}`,
  },
};

const NESTED: Record<string, BlockSpec> = {
  "train/parallel": {
    keyword: "parallel", name: "none", blocks: [], exprItems: "`auto`: the planner chooses every size left out",
    doc: "The parallel layout: tp × pp × dp × cp must equal the run's ranks.",
    attrs: [
      a("tp", "integer ≥ 1 | `auto`", "Tensor parallelism (within a node).", { auto: true, default: "1" }),
      a("pp", "integer ≥ 1 | `auto`", "Pipeline parallelism (1F1B).", { auto: true, default: "1" }),
      a("dp", "integer ≥ 1 | `auto`", "Data parallelism.", { auto: true, default: "the ranks left" }),
      a("cp", "integer ≥ 1 | `auto`", "Context parallelism.", { auto: true, default: "1" }),
      enumAttr("zero", ["0", "1", "2", "3"], "ZeRO stage: 3 shards weights, gradients and optimizer states (FSDP).", { auto: true, default: String(W.DEFAULTS.zero), type: "`0` | `1` | `2` | `3` | `auto`" }),
      enumAttr("recompute", RECOMPUTE, "Activation checkpointing.", { auto: true, default: W.DEFAULTS.recompute }),
    ],
  },
  "train/optimizer:adamw": {
    keyword: "optimizer", name: "algorithm", algorithms: ["adamw"], blocks: [], doc: "AdamW with decoupled weight decay.",
    attrs: [
      a("lr", "number", "Peak learning rate.", { required: true }),
      a("betas", "two numbers in [0, 1)", "Adam's β1 and β2.", { default: `[${W.DEFAULTS.betas.join(", ")}]` }),
      a("weight_decay", "number", "Decoupled weight decay.", { default: W.DEFAULTS.weightDecay.toFixed(1) }),
      a("eps", "number", "Adam's ε.", { default: W.DEFAULTS.eps.toExponential() }),
      a("clip", "number", "Gradient-norm clipping.", { default: W.DEFAULTS.clip.toFixed(1) }),
    ],
  },
  "train/schedule:cosine": {
    keyword: "schedule", name: "algorithm", algorithms: ["cosine", "wsd", "constant"], blocks: [], doc: "Linear warmup, then cosine decay to `min_lr_ratio` of the peak.",
    attrs: [
      a("warmup", "steps", "Warmup steps.", { default: "0 steps" }),
      a("min_lr_ratio", fraction, "Final learning rate as a fraction of the peak.", { default: String(W.DEFAULTS.minLrRatio.cosine) }),
    ],
  },
  "train/schedule:wsd": {
    keyword: "schedule", name: "algorithm", algorithms: ["cosine", "wsd", "constant"], blocks: [], doc: "Warmup, stable, decay (WSD): constant at the peak, then a final decay phase.",
    attrs: [
      a("warmup", "steps", "Warmup steps.", { default: "0 steps" }),
      a("decay", "fraction of the steps, or steps", "The final decay phase (`10%` rounds down to whole steps).", { required: true }),
      a("min_lr_ratio", fraction, "Final learning rate as a fraction of the peak.", { default: String(W.DEFAULTS.minLrRatio.wsd) }),
    ],
  },
  "train/schedule:constant": {
    keyword: "schedule", name: "algorithm", algorithms: ["cosine", "wsd", "constant"], blocks: [], doc: "Linear warmup, then the peak learning rate.",
    attrs: [a("warmup", "steps", "Warmup steps.", { default: "0 steps" })],
  },
  "train/stage": {
    keyword: "stage", name: "required", blocks: ["mix"], doc: "A stage of the run: where it ends, its data mix, and what changes at its start.",
    attrs: [
      a("until", "tokens", "Cumulative end of the stage (rounded up to a whole optimizer step)."),
      a("last", "tokens", "The final tokens of the run (the last stage only)."),
      a("seq_len", "integer ≥ 1", "Context length from this stage on."),
      a("micro_batch", "integer ≥ 1", "Micro-batch from this stage on."),
      a("rope_theta", "number", "RoPE base from this stage on (long-context extension)."),
      a("yarn_factor", "number", "YaRN scaling factor from this stage on."),
      enumAttr("packing", W.PACKINGS, "How documents fill sequences: best-fit decreasing bins (few padding tokens, no document cut but the longest), or concatenated and cut.", { default: W.DEFAULTS.packing }),
      a("lr_scale", "number", "Multiplier on the schedule's learning rate in this stage.", { default: "1" }),
      a("lr_jump", "`true` | `false`", "Allow the learning rate to jump at the stage start.", { default: "false" }),
    ],
  },
  "train/stage/mix": {
    keyword: "mix", name: "none", blocks: [], attrs: [], datasetKeys: true,
    doc: "The stage's data: `CURATE.SOURCE = weight`, weights summing to exactly 100%.",
  },
  "curate/steps": {
    keyword: "steps", name: "none", blocks: CURATE_STEPS, attrs: [], doc: "Curation steps, applied in order; empty `steps { }` only tokenizes.",
  },
  "curate/steps/language": {
    keyword: "language", name: "none", blocks: [], doc: "Language identification (fastText lid.176, or a function-word score).",
    attrs: [
      a("keep", "list of language codes", "Languages kept, e.g. `[en]`.", { words: true, list: true }),
      a("min_score", fraction, "Minimum language-ID confidence."),
      a("model", "string", "Path of a fastText language-ID model."),
    ],
  },
  "curate/steps/quality": {
    keyword: "quality", name: "none", blocks: [], doc: "Quality filtering: Gopher or C4 rules, or a fastText classifier.",
    attrs: [
      enumAttr("method", W.QUALITY_METHODS, "The quality filter."),
      a("model", "string", "Path of the classifier model (`method = classifier`)."),
      a("threshold", fraction, "Classifier score threshold."),
      a("min_score", fraction, "Minimum quality score kept."),
    ],
  },
  "curate/steps/perplexity": {
    keyword: "perplexity", name: "none", blocks: [], doc: "Perplexity filter: a small causal LM scores each document; the least likely are dropped.",
    attrs: [
      a("model", "string", "The scoring LM: a directory with config.json, model.safetensors and tokenizer.json.", { required: true }),
      a("max", "number", "Largest perplexity kept.", { required: true }),
    ],
  },
  "curate/steps/nsfw": {
    keyword: "nsfw", name: "none", blocks: [], doc: "NSFW filter: a fastText classifier scores each document (code is not scored).",
    attrs: [
      a("model", "string", "Path of a fastText model whose label `__label__nsfw` is the NSFW score."),
      a("max_score", fraction, "Largest NSFW score kept.", { default: "0.05" }),
    ],
  },
  "curate/steps/review": {
    keyword: "review", name: "none", blocks: [], doc: "A sampled manual review: a share of the documents set aside for people to judge.",
    attrs: [
      a("sample", fraction, "Share of the documents reviewed.", { required: true }),
      a("min_accuracy", fraction, "Share of the reviewed documents that must be judged right."),
    ],
  },
  "curate/steps/pii": {
    keyword: "pii", name: "none", blocks: [], doc: "Redaction of personal information.",
    attrs: [
      enumAttr("redact", W.PII_KINDS, "What is redacted.", { list: true, type: "list of `email` | `phone` | `ip`" }),
      a("replacement", "string", "Text put in place of what is redacted (default: Dolma's placeholders)."),
    ],
  },
  "curate/steps/dedup": {
    keyword: "dedup", name: "none", blocks: [], doc: "Deduplication (one per curation): exact, MinHash-LSH, SimHash, semantic (embeddings) or code AST, merged across shards.",
    attrs: [
      enumAttr("method", W.DEDUP_METHODS, "The deduplication method.", { default: W.DEFAULTS.dedupMethod }),
      a("ngram", "integer", "Shingle size in words."),
      a("permutations", "integer", "MinHash permutations."),
      a("bands", "integer", "LSH bands (permutations must divide evenly)."),
      a("threshold", fraction, "Similarity treated as a duplicate: Jaccard (minhash) or cosine (semantic)."),
      a("seed", "integer", "Seed of the hash functions."),
      a("hamming", "integer", "SimHash: the Hamming distance treated as a duplicate."),
      a("model", "string", "Semantic: the sentence-embedding model."),
    ],
  },
  "curate/steps/decontaminate": {
    keyword: "decontaminate", name: "none", blocks: [], doc: "Removes documents sharing n-grams with evaluation sets.",
    attrs: [
      a("against", "list of evalsets", "The evalsets decontaminated against.", { refs: ["evalset"], list: true }),
      a("ngram", "integer", "N-gram size (13 as in GPT-3).", { default: "13" }),
    ],
  },
  "curate/steps/filter": {
    keyword: "filter", name: "none", blocks: [], doc: "Length and repetition filters.",
    attrs: [
      a("min_words", "integer", "Fewest words kept."),
      a("max_words", "integer", "Most words kept."),
      a("min_chars", "integer", "Fewest characters kept."),
      a("max_chars", "integer", "Most characters kept."),
      a("max_repetition", fraction, "Largest share of repeated lines."),
      a("max_symbol_ratio", fraction, "Largest share of symbols to words."),
    ],
  },
  "eval/gate": {
    keyword: "gate", name: "none", blocks: [], attrs: [], doc: "Conditions a release may require.",
    exprItems: "gates `EVALSET.METRIC OP VALUE`, e.g. `heldout.perplexity <= 2000`",
  },
  "release/rollback_if": {
    keyword: "rollback_if", name: "none", blocks: [], attrs: [], doc: "Gates that roll the release back.",
    exprItems: "gates `EVALSET.METRIC OP VALUE`",
  },
};

export const DECLARATION_KINDS: readonly DeclKind[] = DECL_KINDS;

/** One level of the blocks around a position: the keyword, and the name where there is one. */
export interface BlockFrame {
  readonly keyword: string;
  readonly name?: string;
}

/** The spec of the innermost block of `frames` (outermost first), or undefined where nothing is known. */
export function blockSpec(frames: readonly BlockFrame[]): BlockSpec | undefined {
  const [top, ...rest] = frames;
  if (!top) return undefined;
  if (!(DECL_KINDS as readonly string[]).includes(top.keyword)) return undefined;
  if (rest.length === 0) return TOP[top.keyword as DeclKind];
  const keys = [top.keyword, ...rest.map((f) => f.keyword)];
  const last = rest[rest.length - 1]!;
  const path = keys.join("/");
  if (last.keyword === "optimizer" || last.keyword === "schedule") {
    const known = NESTED[`${path}:${last.name ?? ""}`];
    if (known) return known;
    // An algorithm flowc does not have (or not typed yet): the block, without attributes to offer.
    const base = NESTED[`${path}:${last.keyword === "optimizer" ? "adamw" : "cosine"}`];
    return base && { ...base, attrs: [] };
  }
  return NESTED[path];
}

/** The spec of a top-level declaration kind. */
export function declSpec(kind: DeclKind): BlockSpec {
  return TOP[kind];
}

export function attrSpec(block: BlockSpec | undefined, name: string): AttrSpec | undefined {
  return block?.attrs.find((x) => x.name === name);
}

/** Every block spec with its context path (for tests that hold this table against the checker). */
export function allBlockSpecs(): { path: string; spec: BlockSpec }[] {
  return [
    ...DECL_KINDS.map((k) => ({ path: k, spec: TOP[k] })),
    ...Object.entries(NESTED).map(([path, spec]) => ({ path, spec })),
  ];
}

const BY_PATH: ReadonlyMap<string, BlockSpec> = new Map(allBlockSpecs().map(({ path, spec }) => [path, spec]));

/** The attribute names a block takes (`"train/parallel"`, `"curate/steps/dedup"`): what the checker's readers accept. */
export function attributesOf(path: string): readonly string[] {
  const spec = BY_PATH.get(path);
  if (!spec) throw new Error(`no block ${path} in the vocabulary`);
  return spec.attrs.map((a) => a.name);
}

/** The keywords of the blocks allowed inside a block. */
export function blocksOf(path: string): readonly string[] {
  const spec = BY_PATH.get(path);
  if (!spec) throw new Error(`no block ${path} in the vocabulary`);
  return spec.blocks;
}

/** The assert functions, with what they take. */
export const ASSERT_SIGNATURES: Readonly<Record<(typeof ASSERT_FUNCTIONS)[number], string>> = {
  tokens: "tokens(DATASET) | tokens(RUN) | tokens(RUN.STAGE, DATASET)",
  epochs: "epochs(DATASET)",
  steps: "steps(RUN[.STAGE])",
  gpu_hours: "gpu_hours(RUN)",
  memory: "memory(RUN[.STAGE])",
};
