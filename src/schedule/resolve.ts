// resolveSchedule: stage boundaries in whole optimizer steps, per-stage batch geometry and
// per-source quotas (docs/language.md, check 6). Pure; returns problems instead of throwing.
import { ONE, add, eq, format, type Rational } from "../units/rational.js";
import { largestRemainder } from "./apportion.js";
import { tieOrder } from "./tie.js";
import type { ResolvedSchedule, ResolvedStage, ScheduleInput, ScheduleProblem, StageInput } from "./types.js";

const isPosInt = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 1;
const isNatInt = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export function resolveSchedule(input: ScheduleInput): { schedule?: ResolvedSchedule; problems: ScheduleProblem[] } {
  const problems: ScheduleProblem[] = [];
  const p = (kind: ScheduleProblem["kind"], message: string, numbers: Record<string, string> = {}, stage?: string) =>
    problems.push(stage === undefined ? { kind, message, numbers } : { kind, stage, message, numbers });

  const B = input.batchTokens;
  if (B <= 0n) p("bad-input", "The global batch must be a positive number of tokens.", { batchTokens: String(B) });
  if (!isPosInt(input.dp)) p("bad-input", "dp must be a whole number ≥ 1.", { dp: String(input.dp) });
  if (input.totalTokens <= 0n) p("bad-input", "The run must train on a positive number of tokens.", { totalTokens: String(input.totalTokens) });
  if (!isNatInt(input.seed)) p("bad-input", "The seed must be a whole number ≥ 0.", { seed: String(input.seed) });
  if (input.stages.length === 0) p("bad-input", "A run needs at least one stage.");
  if (problems.length > 0) return { problems };

  const T = input.totalTokens;
  const totalSteps = ceilDiv(T, B);
  const stages: ResolvedStage[] = [];
  let prevUntil = 0n;
  let prevEnd = 0n;
  input.stages.forEach((st, index) => {
    const isLast = index === input.stages.length - 1;
    const before = problems.length;
    checkStageShape(st, p);
    if (st.until <= prevUntil) {
      p("stage-order", `Stage \`${st.name}\` ends at ${st.until} tokens, not after the previous stage's end (${prevUntil}).`,
        { until: String(st.until), previousUntil: String(prevUntil) }, st.name);
    } else if (!isLast && st.until >= T) {
      p("stage-order", `Stage \`${st.name}\` ends at ${st.until} tokens, at or past the run's ${T}; only the last stage may end there.`,
        { until: String(st.until), totalTokens: String(T) }, st.name);
    }
    if (isLast && st.until !== T) {
      p("stage-gap", `The last stage \`${st.name}\` ends at ${st.until} tokens, but the run trains on ${T}.`,
        { until: String(st.until), totalTokens: String(T) }, st.name);
    }
    const end = isLast ? totalSteps : ceilDiv(st.until > 0n ? st.until : 0n, B);
    if (problems.length === before && end <= prevEnd) {
      p("empty-stage", `Stage \`${st.name}\` has no optimizer step: its end (${st.until} tokens) rounds up to step ${end}, where the previous stage already ends.`,
        { until: String(st.until), endStep: String(end), previousEndStep: String(prevEnd), batchTokens: String(B) }, st.name);
    }
    if (problems.length === before) stages.push(stageGeometry(input, st, index, prevEnd, end, p));
    prevUntil = st.until > prevUntil ? st.until : prevUntil;
    if (end > prevEnd) prevEnd = end;
  });
  checkLr(input, Number(totalSteps), p);
  if (problems.length > 0) return { problems };
  return {
    schedule: { stages, totalSteps: Number(totalSteps), totalTokens: totalSteps * B, lr: input.lr, seed: input.seed, dp: input.dp, batchTokens: B },
    problems,
  };
}

type Report = (kind: ScheduleProblem["kind"], message: string, numbers?: Record<string, string>, stage?: string) => void;

function checkStageShape(st: StageInput, p: Report): void {
  if (!isPosInt(st.seqLen)) p("bad-input", `Stage \`${st.name}\`: seq_len must be a whole number ≥ 1.`, { seqLen: String(st.seqLen) }, st.name);
  if (!isPosInt(st.microBatch)) p("bad-input", `Stage \`${st.name}\`: micro_batch must be a whole number ≥ 1.`, { microBatch: String(st.microBatch) }, st.name);
  if (st.lrScale !== undefined && st.lrScale.num <= 0n) p("bad-input", `Stage \`${st.name}\`: lr_scale must be positive.`, { lrScale: format(st.lrScale) }, st.name);
  if (st.mix.length === 0) { p("mix-sum", `Stage \`${st.name}\` has an empty mix.`, {}, st.name); return; }
  const seen = new Set<string>();
  let sum: Rational = { num: 0n, den: 1n };
  for (const m of st.mix) {
    if (seen.has(m.source)) p("bad-input", `Stage \`${st.name}\` lists \`${m.source}\` twice in its mix.`, {}, st.name);
    seen.add(m.source);
    if (m.weight.num < 0n) p("mix-sum", `Stage \`${st.name}\`: \`${m.source}\` has a negative weight.`, { weight: format(m.weight) }, st.name);
    sum = add(sum, m.weight);
  }
  if (!eq(sum, ONE)) {
    const terms: Record<string, string> = { sum: format(sum) };
    for (const m of st.mix) terms[m.source] = format(m.weight);
    p("mix-sum", `Stage \`${st.name}\`'s mix sums to ${format(sum)}, not 1.`, terms, st.name);
  }
}

function stageGeometry(input: ScheduleInput, st: StageInput, index: number, first: bigint, end: bigint, p: Report): ResolvedStage {
  const B = input.batchTokens;
  const seqLen = BigInt(st.seqLen);
  const perStep = B / seqLen;
  if (B % seqLen !== 0n) {
    p("batch-not-divisible", `Stage \`${st.name}\`: the batch of ${B} tokens is not a whole number of ${st.seqLen}-token sequences.`,
      { batchTokens: String(B), seqLen: String(st.seqLen), remainder: String(B % seqLen) }, st.name);
  }
  const perRankStep = BigInt(st.microBatch) * BigInt(input.dp);
  const gradAccum = perStep / perRankStep;
  if (B % seqLen === 0n && (perStep % perRankStep !== 0n || gradAccum < 1n)) {
    p("grad-accum", `Stage \`${st.name}\`: ${perStep} sequences per step is not a whole multiple of micro_batch ${st.microBatch} × dp ${input.dp}.`,
      { sequencesPerStep: String(perStep), microBatch: String(st.microBatch), dp: String(input.dp),
        gradAccum: `${perStep}/${perRankStep}` }, st.name);
  }
  const steps = end - first;
  const tokens = steps * B;
  const sequences = steps * perStep;
  const shares = largestRemainder(sequences, st.mix.map((m) => m.weight));
  const positive = shares.filter((q) => q > 0n);
  const qMin = positive.reduce((a, b) => (b < a ? b : a), positive[0] ?? 1n);
  let block = ceilDiv(steps, qMin);
  if (block < 1n) block = 1n;
  if (block > steps) block = steps;
  return {
    name: st.name, index, firstStep: Number(first), lastStep: Number(end),
    firstToken: first * B, tokens, sequences, seqLen: st.seqLen, microBatch: st.microBatch,
    sequencesPerStep: Number(perStep), gradAccum: Number(gradAccum),
    quotas: st.mix.map((m, j) => ({ source: m.source, sequences: shares[j]!, tokens: shares[j]! * seqLen })),
    lrScale: st.lrScale ?? ONE, lrJump: st.lrJump ?? false,
    samplerBlockSteps: Number(block), tieOrder: tieOrder(input.seed, index, st.mix.length),
  };
}

function checkLr(input: ScheduleInput, totalSteps: number, p: Report): void {
  const lr = input.lr;
  if (!(Number.isFinite(lr.peak) && lr.peak > 0)) p("lr-schedule", "The peak learning rate must be a positive number.", { peak: String(lr.peak) });
  if (!isNatInt(lr.warmupSteps)) p("lr-schedule", "Warmup must be a whole number of steps ≥ 0.", { warmupSteps: String(lr.warmupSteps) });
  if (lr.kind !== "constant" && !(lr.minRatio >= 0 && lr.minRatio <= 1)) {
    p("lr-schedule", "The final learning-rate ratio must lie in [0, 1].", { minRatio: String(lr.minRatio) });
  }
  if (lr.kind === "wsd" && !(isNatInt(lr.decaySteps) && lr.decaySteps <= totalSteps)) {
    p("lr-schedule", `The decay must be a whole number of steps within the run's ${totalSteps}.`,
      { decaySteps: String(lr.decaySteps), totalSteps: String(totalSteps) });
  }
}
