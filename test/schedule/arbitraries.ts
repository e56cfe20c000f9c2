// fast-check generators of small valid schedules (whole stages fit a brute-force replay).
import fc from "fast-check";
import { rat } from "../../src/units/rational.js";
import type { LrSchedule, ScheduleInput, StageInput } from "../../src/schedule/index.js";

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/** Integer weights → exact fractions summing to 1; sometimes one tiny weight (blocks of several steps). */
const mixArb = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(1), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 6 }),
  // Skewed: a few big sources and many small ones (where checkpoints get skipped).
  fc.array(fc.constantFrom(1, 1, 1, 2, 3, 50, 100), { minLength: 2, maxLength: 10 }),
)
  .filter((ws) => ws.some((w) => w > 0))
  .map((ws) => {
    const sum = ws.reduce((a, b) => a + b, 0);
    return ws.map((w, j) => ({ source: `s${j}`, weight: rat(BigInt(w), BigInt(sum)) }));
  });

const lrArb: fc.Arbitrary<LrSchedule> = fc.oneof(
  fc.record({ kind: fc.constant("constant" as const), peak: fc.double({ min: 1e-5, max: 1e-2, noNaN: true }), warmupSteps: fc.integer({ min: 0, max: 10 }) }),
  fc.record({ kind: fc.constant("cosine" as const), peak: fc.double({ min: 1e-5, max: 1e-2, noNaN: true }), warmupSteps: fc.integer({ min: 0, max: 10 }),
    minRatio: fc.constantFrom(0, 0.1, 0.25) }),
  fc.record({ kind: fc.constant("wsd" as const), peak: fc.double({ min: 1e-5, max: 1e-2, noNaN: true }), warmupSteps: fc.integer({ min: 0, max: 10 }),
    decaySteps: fc.integer({ min: 0, max: 8 }), minRatio: fc.constantFrom(0, 0.1) }),
);

export interface Geometry { seqLenBase: number; perStep: number; dp: number }

/** A valid ScheduleInput with at most `maxSteps` steps and `maxPerStep` sequences per step. */
export function scheduleArb(opts: { maxSteps?: number; maxPerStep?: number } = {}): fc.Arbitrary<ScheduleInput> {
  const maxSteps = opts.maxSteps ?? 30, maxPerStep = opts.maxPerStep ?? 24;
  return fc.record({
    seqLenBase: fc.constantFrom(1, 2, 4),
    perStep: fc.integer({ min: 1, max: maxPerStep }),
    nStages: fc.integer({ min: 1, max: 4 }),
    steps: fc.integer({ min: 4, max: maxSteps }),
    seed: fc.nat({ max: 1000 }),
    lr: lrArb,
    raw: fc.array(fc.record({ cut: fc.nat(), off: fc.nat(), dpPick: fc.nat(), mbPick: fc.nat(), doubleSeq: fc.boolean(),
      scale: fc.constantFrom(1, 1, 1, 2, 0.5), jump: fc.boolean(), mix: mixArb }), { minLength: 4, maxLength: 4 }),
    dpPick: fc.nat(),
  }).map((g) => {
    const B = g.seqLenBase * g.perStep;
    const nStages = Math.min(g.nStages, g.steps);
    // Distinct cut steps 1..steps-1 for the first nStages-1 stages, then the end.
    const cuts = new Set<number>();
    for (const r of g.raw.slice(0, nStages - 1)) cuts.add(1 + (r.cut % (g.steps - 1)));
    const ends = [...cuts].sort((a, b) => a - b).concat([g.steps]);
    // dp divides every stage's sequences per step: pick among divisors of perStep (seq_len is
    // base or 2·base; 2·base only when the batch stays divisible, which may halve perStep).
    const seqLens = ends.map((_, k) => (g.raw[k]!.doubleSeq && g.perStep % 2 === 0 ? 2 * g.seqLenBase : g.seqLenBase));
    const perSteps = seqLens.map((l) => B / l);
    const common = perSteps.reduce((a, b) => (a < b ? a : b));
    const dps = divisors(common).filter((d) => perSteps.every((p) => p % d === 0));
    const dp = dps[g.dpPick % dps.length]!;
    const totalTokens = BigInt(g.steps * B - (g.raw[0]!.off % B));
    const stages: StageInput[] = ends.map((end, k) => {
      const r = g.raw[k]!;
      const mbs = divisors(perSteps[k]! / dp);
      const last = k === ends.length - 1;
      const st: StageInput = {
        name: `st${k}`, until: last ? totalTokens : BigInt(end * B - (r.off % B)), seqLen: seqLens[k]!,
        microBatch: mbs[r.mbPick % mbs.length]!, mix: r.mix,
      };
      if (r.scale !== 1) st.lrScale = r.scale === 2 ? rat(2n) : rat(1n, 2n);
      if (r.jump) st.lrJump = true;
      return st;
    });
    const lr = g.lr.kind === "wsd" ? { ...g.lr, decaySteps: Math.min(g.lr.decaySteps, g.steps) } : g.lr;
    return { batchTokens: BigInt(B), dp, totalTokens, stages, lr, seed: g.seed };
  });
}
