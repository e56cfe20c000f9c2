// The schedule's data: what the plan lowering hands in (ScheduleInput) and what every consumer
// reads (ResolvedSchedule). Token counts are exact bigints; steps fit in a JS number.
import type { Rational } from "../units/rational.js";

export interface MixEntry {
  source: string;
  /** A fraction of the stage; the entries sum to 1 (the checker validated it; we re-check). */
  weight: Rational;
}

export interface StageInput {
  name: string;
  /** Requested cumulative end in tokens (`until`), before rounding to whole steps. */
  until: bigint;
  seqLen: number;
  microBatch: number;
  lrScale?: Rational;
  /** Declares an LR jump at the stage's start (its lrScale may differ from the previous stage's). */
  lrJump?: boolean;
  mix: MixEntry[];
}

export type LrSchedule =
  | { kind: "constant"; peak: number; warmupSteps: number }
  | { kind: "cosine"; peak: number; warmupSteps: number; /** default 0.1 */ minRatio: number }
  | { kind: "wsd"; peak: number; warmupSteps: number; decaySteps: number; /** default 0 */ minRatio: number };

export interface ScheduleInput {
  /** Global batch in tokens; constant across stages. */
  batchTokens: bigint;
  dp: number;
  totalTokens: bigint;
  stages: StageInput[];
  lr: LrSchedule;
  seed: number;
}

export interface SourceQuota {
  source: string;
  sequences: bigint;
  tokens: bigint;
}

export interface ResolvedStage {
  name: string;
  index: number;
  firstStep: number;
  /** Exclusive. */
  lastStep: number;
  firstToken: bigint;
  tokens: bigint;
  sequences: bigint;
  seqLen: number;
  microBatch: number;
  sequencesPerStep: number;
  gradAccum: number;
  /** Declaration order. */
  quotas: SourceQuota[];
  lrScale: Rational;
  lrJump: boolean;
  /**
   * Sampler block, in steps: the sampler's per-source counts are fixed in closed form at every
   * multiple of this many steps from the stage start; inside a block the order is replayed
   * (at most samplerBlockSteps × sequencesPerStep sequences). 1 unless a source gets less than one
   * sequence per step on average.
   */
  samplerBlockSteps: number;
  /** Seeded priority of the quota indices, used only to break exact ties in the sampler. */
  tieOrder: number[];
}

export interface ResolvedSchedule {
  stages: ResolvedStage[];
  totalSteps: number;
  totalTokens: bigint;
  lr: LrSchedule;
  seed: number;
  dp: number;
  batchTokens: bigint;
}

export type ScheduleProblemKind =
  | "bad-input"
  | "batch-not-divisible"
  | "grad-accum"
  | "stage-order"
  | "stage-gap"
  | "empty-stage"
  | "mix-sum"
  | "lr-schedule";

export interface ScheduleProblem {
  kind: ScheduleProblemKind;
  stage?: string;
  message: string;
  /** The numbers behind the message, as exact decimal strings (for diagnostics and JSON). */
  numbers: Record<string, string>;
}
