// Shared TS↔Python test vectors: inputs and the expected outputs of this implementation.
// `npm run vectors` (after the build) writes test/vectors/*.json; test/schedule/vectors.test.ts
// fails when the committed files differ from a regeneration, and
// runtime-py/tests/test_schedule_vectors.py checks that flowrt.schedule reproduces every file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { rat, type Rational } from "../units/rational.js";
import { scheduleInputToJson, resolvedStageToJson, stringifyExact, type Json } from "../schedule/json.js";
import { lrAt } from "../schedule/lr.js";
import { resolveSchedule } from "../schedule/resolve.js";
import { batchSources, drawnBefore, rankMicroBatch, tokensDrawnBefore } from "../schedule/sampler.js";
import { stageAt } from "../schedule/stage.js";
import { splitmix64 } from "../schedule/tie.js";
import type { LrSchedule, ScheduleInput, StageInput } from "../schedule/types.js";

/** Deterministic generator for the random vectors (no dependency on fast-check in src/). */
class Rng {
  private state: bigint;
  constructor(seed: number) { this.state = BigInt(seed); }
  int(n: number): number {
    this.state = (this.state + 1n) & ((1n << 64n) - 1n);
    return Number(splitmix64(this.state) % BigInt(n));
  }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
}

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
const pct = (n: number): Rational => rat(BigInt(n), 100n);

function randomInput(seed: number): ScheduleInput {
  const r = new Rng(seed);
  const seqLenBase = r.pick([1, 2, 4, 8]);
  const perStep = 1 + r.int(32);
  const B = seqLenBase * perStep;
  const steps = 3 + r.int(40);
  const nStages = Math.min(1 + r.int(4), steps);
  const cuts = new Set<number>();
  while (cuts.size < nStages - 1) cuts.add(1 + r.int(steps - 1));
  const ends = [...cuts].sort((a, b) => a - b).concat([steps]);
  const seqLens = ends.map(() => (perStep % 2 === 0 && r.int(3) === 0 ? 2 * seqLenBase : seqLenBase));
  const perSteps = seqLens.map((l) => B / l);
  const dps = divisors(Math.min(...perSteps)).filter((d) => perSteps.every((p) => p % d === 0));
  const dp = r.pick(dps);
  const totalTokens = BigInt(steps * B - r.int(B));
  const stages: StageInput[] = ends.map((end, k) => {
    const n = 1 + r.int(7);
    const ws: number[] = Array.from({ length: n }, () => (r.int(5) === 0 ? r.int(3) : 1 + r.int(100)));
    if (!ws.some((w) => w > 0)) ws[0] = 1;
    const sum = ws.reduce((a, b) => a + b, 0);
    const last = k === ends.length - 1;
    const st: StageInput = {
      name: `stage_${k}`, until: last ? totalTokens : BigInt(end * B - r.int(B)), seqLen: seqLens[k]!,
      microBatch: r.pick(divisors(perSteps[k]! / dp)),
      mix: ws.map((w, j) => ({ source: `src_${(j + k) % 8}`, weight: rat(BigInt(w), BigInt(sum)) })),
    };
    if (k > 0 && r.int(4) === 0) { st.lrScale = r.pick([rat(1n, 2n), rat(2n), rat(3n, 10n)]); st.lrJump = r.int(2) === 0; }
    return st;
  });
  const peak = r.pick([3e-3, 6e-4, 1e-3, 2.5e-4]);
  const warmupSteps = r.int(Math.max(1, steps >> 1));
  const lr: LrSchedule = r.pick<LrSchedule>([
    { kind: "constant", peak, warmupSteps },
    { kind: "cosine", peak, warmupSteps, minRatio: r.pick([0, 0.1]) },
    { kind: "wsd", peak, warmupSteps, decaySteps: r.int(steps + 1), minRatio: r.pick([0, 0.1]) },
  ]);
  return { batchTokens: BigInt(B), dp, totalTokens, stages, lr, seed: r.int(1 << 20) };
}

const mix = (m: Record<string, number>) => Object.entries(m).map(([source, w]) => ({ source, weight: pct(w) }));

export function tinyInput(): ScheduleInput {
  return {
    batchTokens: 8192n, dp: 2, totalTokens: 1_024_000n, seed: 0,
    lr: { kind: "wsd", peak: 3e-3, warmupSteps: 20, decaySteps: 25, minRatio: 0 },
    stages: [
      { name: "warm", until: 614_400n, seqLen: 128, microBatch: 8, mix: mix({ "clean.web": 70, "clean.code": 30 }) },
      { name: "anneal", until: 1_024_000n, seqLen: 128, microBatch: 8, mix: mix({ "clean.web": 50, "clean.code": 25, "clean.math": 25 }) },
    ],
  };
}

export function smollm2Input(): ScheduleInput {
  const T = 10n ** 12n, G = 10n ** 9n;
  const st = (name: string, until: bigint, m: Record<string, number>, extra: Partial<StageInput> = {}): StageInput =>
    ({ name, until, seqLen: 2048, microBatch: 4, mix: mix(m), ...extra });
  return {
    batchTokens: 2_097_152n, dp: 256, totalTokens: 11n * T, seed: 1234,
    lr: { kind: "wsd", peak: 5e-4, warmupSteps: 2000, decaySteps: 524_521, minRatio: 0 },
    stages: [
      st("stable_1", 6n * T, { "tok_all.fineweb_edu": 54, "tok_all.dclm": 36, "tok_all.starcoder": 10 }),
      st("stable_2", 8n * T, { "tok_all.fineweb_edu": 45, "tok_all.dclm": 30, "tok_all.starcoder": 20, "tok_all.owm": 5 }),
      st("stable_3", 10n * T, { "tok_all.fineweb_edu": 28, "tok_all.dclm": 42, "tok_all.stack_edu": 20, "tok_all.owm": 4, "tok_all.infimm": 6 }),
      st("decay", 11n * T - 75n * G, { "tok_all.fineweb_edu": 23, "tok_all.dclm": 35, "tok_all.stack_edu": 24, "tok_all.finemath": 7,
        "tok_all.infiwebmath": 4, "tok_all.infimm": 3, "tok_all.cosmopedia": 4 }),
      st("long_ctx", 11n * T, { "tok_all.long_docs": 40, "tok_all.fineweb_edu": 14, "tok_all.dclm": 21, "tok_all.stack_edu": 14,
        "tok_all.finemath": 4, "tok_all.infiwebmath": 3, "tok_all.cosmopedia": 4 }, { seqLen: 8192, microBatch: 1 }),
    ],
  };
}

/** One-stage inputs whose largest-remainder checkpoints are partly skipped (not on any within-one order). */
function skippedCheckpointInput(q: number[], perStep: number, steps: number, seed: number): ScheduleInput {
  const S = q.reduce((a, b) => a + b, 0);
  return {
    batchTokens: BigInt(perStep), dp: 1, totalTokens: BigInt(perStep * steps), seed,
    lr: { kind: "cosine", peak: 1e-3, warmupSteps: 3, minRatio: 0.1 },
    stages: [{ name: "skewed", until: BigInt(perStep * steps), seqLen: 1, microBatch: 1,
      mix: q.map((x, j) => ({ source: `s${j}`, weight: rat(BigInt(x), BigInt(S)) })) }],
  };
}

/** Inputs that must be rejected, with the problem kinds expected. */
function invalidInputs(): { name: string; input: ScheduleInput }[] {
  const t = tinyInput();
  return [
    { name: "invalid-grad-accum", input: { ...t, dp: 3 } },
    { name: "invalid-empty-stage", input: { ...t, stages: [{ ...t.stages[0]!, until: 8000n }, { ...t.stages[0]!, name: "warm2", until: 8100n }, t.stages[1]!] } },
    { name: "invalid-batch-and-mix", input: { ...t, stages: [{ ...t.stages[0]!, seqLen: 100 }, { ...t.stages[1]!, mix: mix({ "clean.web": 50, "clean.code": 25 }) }] } },
  ];
}

/** Steps worth checking: both sides of every boundary, warmup and decay edges, and a few others. */
function sampleSteps(total: number, marks: number[], extra: number, seed: number): number[] {
  const r = new Rng(seed);
  const out = new Set<number>();
  for (const m of marks) for (const d of [-1, 0, 1]) if (m + d >= 0 && m + d < total) out.add(m + d);
  for (let k = 0; k < extra; k++) out.add(r.int(total));
  return [...out].sort((a, b) => a - b);
}

function vector(name: string, input: ScheduleInput, opts: { allBatches: boolean; extra: number }): Json {
  const { schedule: s, problems } = resolveSchedule(input);
  const base: { [k: string]: Json } = { name, input: scheduleInputToJson(input) };
  if (!s) return { ...base, expected: { problems: problems.map((p) => ({ kind: p.kind, stage: p.stage ?? null })) } };
  const lr = s.lr;
  const marks = [0, s.totalSteps - 1, lr.warmupSteps, ...s.stages.map((st) => st.firstStep),
    ...(lr.kind === "wsd" ? [s.totalSteps - lr.decaySteps] : [])];
  const steps = sampleSteps(s.totalSteps, marks, opts.extra, s.totalSteps);
  const batchSteps = opts.allBatches ? Array.from({ length: s.totalSteps }, (_, i) => i)
    : steps.filter((_, k) => k % Math.ceil(steps.length / 6) === 0);
  const drawSteps = [...steps, s.totalSteps];
  return {
    ...base,
    expected: {
      problems: [],
      totalSteps: s.totalSteps, totalTokens: s.totalTokens,
      stages: s.stages.map(resolvedStageToJson),
      lr: steps.map((t) => [t, lrAt(s, t)]),
      batches: batchSteps.map((t) => ({ step: t, sources: batchSources(s, t) })),
      drawnBefore: drawSteps.map((t) => ({ step: t, counts: Object.fromEntries(drawnBefore(s, t)) as Json })),
      tokensDrawnBefore: drawSteps.map((t) => ({ step: t, tokens: Object.fromEntries(tokensDrawnBefore(s, t)) as Json })),
      rankMicroBatch: steps.slice(0, 6).map((t) => {
        const st = stageAt(s, t);
        const micro = t % st.gradAccum, rank = (t * 7) % s.dp;
        return { step: t, microStep: micro, rank, sources: rankMicroBatch(s, t, micro, rank) };
      }),
    },
  };
}

/** Every vector as [file name, file text]. */
export function buildVectors(): [string, string][] {
  const vs: [string, Json][] = [];
  for (let k = 0; k < 18; k++) {
    const name = `random-${String(k).padStart(2, "0")}`;
    vs.push([name, vector(name, randomInput(1000 + k), { allBatches: true, extra: 8 })]);
  }
  vs.push(["skipped-checkpoints-a", vector("skipped-checkpoints-a", skippedCheckpointInput([5, 5, 188, 188, 5, 5], 36, 11, 7), { allBatches: true, extra: 4 })]);
  vs.push(["skipped-checkpoints-b", vector("skipped-checkpoints-b", skippedCheckpointInput([29, 420, 16, 8, 420, 16, 8, 8], 37, 25, 8), { allBatches: true, extra: 4 })]);
  vs.push(["tiny", vector("tiny", tinyInput(), { allBatches: true, extra: 8 })]);
  vs.push(["smollm2", vector("smollm2", smollm2Input(), { allBatches: false, extra: 4 })]);
  for (const { name, input } of invalidInputs()) vs.push([name, vector(name, input, { allBatches: false, extra: 0 })]);
  return vs.map(([name, v]) => [`${name}.json`, stringifyExact(v) + "\n"]);
}

/** Writes the vectors into `dir` (default test/vectors under the current directory). */
export function writeVectors(dir = join(process.cwd(), "test", "vectors")): string[] {
  mkdirSync(dir, { recursive: true });
  return buildVectors().map(([file, text]) => { writeFileSync(join(dir, file), text); return file; });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = writeVectors(process.argv[2]);
  console.log(`wrote ${files.length} schedule vectors`);
}
