// The checked program: declarations with their values extracted and typed. Lowering (plan/) reads
// only this, never the AST; the AST nodes are kept for diagnostics that later checks report.
import type { Block, Expr, Node } from "../ast/nodes.js";
import type { Rational } from "../units/rational.js";
import type * as W from "../language/words.js";

export interface ClusterT {
  readonly name: string;
  readonly block: Block;
  readonly scheduler: W.Scheduler;
  readonly partition?: string;
  readonly account?: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly cpusPerNode?: number;
  readonly ranksPerNode?: number;
  readonly gpu: string;
  readonly gpuNode?: Expr;
  readonly maxWalltimeS?: number;
  readonly budgetGpuHours?: Rational;
  readonly budgetNode?: Expr;
  readonly ssh?: string;
  readonly address?: string;
}

export type SourceKind = W.SourceKind;

export interface SourceT {
  readonly name: string;
  readonly block: Block;
  readonly uri: string;
  readonly format: W.SourceFormat;
  readonly tokens: bigint;
  readonly kind: SourceKind;
  readonly maxEpochs?: Rational;
  readonly upsample?: number;
}

export interface EvalsetT {
  readonly name: string;
  readonly block: Block;
  readonly uri: string;
  readonly task: W.EvalTask;
}

export interface TokenizerT {
  readonly name: string;
  readonly block: Block;
  readonly kind: W.TokenizerKind;
  readonly vocab: number;
  readonly path?: string;
  readonly trainOn?: readonly string[];
}

/** The curation operations of `steps { }` (docs/language.md, "Curation steps"). */
export type CurateOpName = W.CurateStep;

export interface CurateOpT {
  readonly op: CurateOpName;
  readonly block: Block;
  /** Parameter values as plain JSON (numbers, strings, lists of words). */
  readonly params: Record<string, unknown>;
}

export interface CurateT {
  readonly name: string;
  readonly block: Block;
  readonly from: readonly string[];
  readonly ops: readonly CurateOpT[];
  readonly tokenizer?: string;
  readonly retention: Rational;
  /** Evalsets named in `decontaminate { against = … }`. */
  readonly decontaminated: ReadonlySet<string>;
}

export interface ModelT {
  readonly name: string;
  readonly block: Block;
  readonly layers: number;
  readonly dModel: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffn: number;
  readonly vocab: number;
  readonly vocabNode?: Expr;
  readonly seqLen: number;
  readonly ropeTheta: number;
  readonly tieEmbeddings: boolean;
  /** Sliding-window attention: the window in tokens, for every layer but the last `fullAttentionLayers`. */
  readonly slidingWindow?: number;
  readonly fullAttentionLayers?: number;
}

export interface MixEntryT {
  /** A curated dataset `CURATE.SOURCE`. */
  readonly dataset: string;
  readonly weight: Rational;
  readonly node: Node;
}

export interface StageT {
  readonly name: string;
  readonly block: Block;
  /** Exactly one of until / last (checked). Requested cumulative end, or the final tokens. */
  readonly until?: { readonly tokens: bigint; readonly node: Expr };
  readonly last?: { readonly tokens: bigint; readonly node: Expr };
  readonly mix: readonly MixEntryT[];
  readonly mixBlock?: Block;
  /** False when a mix entry failed to resolve or the weights do not sum to one. */
  readonly mixValid: boolean;
  readonly seqLen?: number;
  readonly microBatch?: number;
  readonly ropeTheta?: number;
  readonly yarnFactor?: number;
  /** How documents are packed into sequences: `best_fit` (the default) or `concat`. */
  readonly packing?: W.Packing;
  readonly lrScale?: Rational;
  readonly lrJump: boolean;
}

export type Auto<T> = T | "auto";

export interface ParallelT {
  readonly block?: Block;
  readonly tp: Auto<number>;
  readonly pp: Auto<number>;
  readonly dp: Auto<number>;
  readonly cp: Auto<number>;
  readonly zero: Auto<0 | 1 | 2 | 3>;
  readonly recompute: Auto<W.Recompute>;
}

export interface OptimizerT {
  readonly kind: "adamw";
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly weightDecay: number;
  readonly eps: number;
  readonly clip: number;
}

export interface LrT {
  readonly kind: W.LrScheduleKind;
  readonly block?: Block;
  readonly warmupSteps: number;
  /** wsd: the decay phase as a fraction of all steps, or as steps. */
  readonly decayFraction?: Rational;
  readonly decaySteps?: number;
  readonly minRatio: number;
}

export interface TrainT {
  readonly name: string;
  readonly block: Block;
  readonly model: string;
  readonly cluster: string;
  readonly nodes: number;
  readonly nodesNode?: Expr;
  readonly initFrom?: string;
  readonly tokens: bigint;
  readonly tokensNode?: Expr;
  readonly batch: bigint;
  readonly batchNode?: Expr;
  readonly microBatch: number;
  readonly precision: W.Precision;
  readonly precisionNode?: Expr;
  readonly backend: W.Backend;
  readonly backendNode?: Expr;
  readonly parallel: ParallelT;
  readonly optimizer: OptimizerT;
  readonly lr: LrT;
  readonly maxEpochs: Rational;
  readonly checkpointEvery: number;
  readonly seed: number;
  readonly stages: readonly StageT[];
}

export type CompareOp = W.CompareOp;

export interface GateT {
  readonly evalset: string;
  readonly metric: string;
  readonly op: CompareOp;
  readonly value: number;
  readonly node: Node;
}

export interface EvalT {
  readonly name: string;
  readonly block: Block;
  readonly after: string;
  readonly every?: number;
  readonly tasks: readonly string[];
  readonly gates: readonly GateT[];
}

export interface ReleaseT {
  readonly name: string;
  readonly block: Block;
  readonly from: string;
  readonly require: readonly string[];
  readonly format: W.ReleaseFormat;
  readonly phases: readonly string[];
  readonly rollbackIf: readonly GateT[];
}

export interface Declarations {
  readonly clusters: ReadonlyMap<string, ClusterT>;
  readonly sources: ReadonlyMap<string, SourceT>;
  readonly evalsets: ReadonlyMap<string, EvalsetT>;
  readonly tokenizers: ReadonlyMap<string, TokenizerT>;
  readonly curations: ReadonlyMap<string, CurateT>;
  readonly models: ReadonlyMap<string, ModelT>;
  readonly trains: ReadonlyMap<string, TrainT>;
  readonly evals: ReadonlyMap<string, EvalT>;
  readonly releases: ReadonlyMap<string, ReleaseT>;
  readonly asserts: readonly Block[];
}
