// Properties of the schedule and its sampler, on random small schedules.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  resolveSchedule, batchSources, drawnBefore, rankMicroBatch, lrAt, baseLr, undeclaredLrJumps, stageAt,
  type ResolvedSchedule, type ResolvedStage,
} from "../../src/schedule/index.js";
import { scheduleArb } from "./arbitraries.js";

const RUNS = Number(process.env.SCHEDULE_RUNS ?? 200);

function resolved(input: Parameters<typeof resolveSchedule>[0]): ResolvedSchedule {
  const r = resolveSchedule(input);
  expect(r.problems).toEqual([]);
  return r.schedule!;
}

/** The stage's whole order, step by step. */
function stageOrder(s: ResolvedSchedule, st: ResolvedStage): string[] {
  const out: string[] = [];
  for (let step = st.firstStep; step < st.lastStep; step++) out.push(...batchSources(s, step));
  return out;
}

describe("schedule properties", () => {
  it("generated inputs resolve, and quotas sum to each stage exactly", () => {
    fc.assert(fc.property(scheduleArb(), (input) => {
      const s = resolved(input);
      expect(s.stages[s.stages.length - 1]!.lastStep).toBe(s.totalSteps);
      for (const st of s.stages) {
        expect(st.quotas.reduce((a, q) => a + q.sequences, 0n)).toBe(st.sequences);
        expect(st.sequences * BigInt(st.seqLen)).toBe(st.tokens);
        expect(st.gradAccum * st.microBatch * s.dp).toBe(st.sequencesPerStep);
      }
    }), { numRuns: RUNS });
  });

  it("every prefix of every stage is within one sequence of the ideal, and the stage ends on its quotas", () => {
    fc.assert(fc.property(scheduleArb(), (input) => {
      const s = resolved(input);
      for (const st of s.stages) {
        const order = stageOrder(s, st);
        const S = st.sequences;
        expect(BigInt(order.length)).toBe(S);
        const c = new Map(st.quotas.map((q) => [q.source, 0n]));
        order.forEach((src, i0) => {
          c.set(src, c.get(src)! + 1n);
          const i = BigInt(i0 + 1);
          for (const q of st.quotas) {
            const dev = c.get(q.source)! * S - q.sequences * i; // (c − q·i/S)·S
            if (!(dev < S && dev > -S)) throw new Error(`stage ${st.name} prefix ${i}: ${q.source} has ${c.get(q.source)}, ideal ${q.sequences}·${i}/${S}`);
          }
        });
        for (const q of st.quotas) expect(c.get(q.source)).toBe(q.sequences);
      }
    }), { numRuns: RUNS });
  });

  it("drawnBefore agrees with a brute-force replay at every step", () => {
    fc.assert(fc.property(scheduleArb(), (input) => {
      const s = resolved(input);
      for (const st of s.stages) {
        const c = new Map(st.quotas.map((q) => [q.source, 0n]));
        for (let step = st.firstStep; step < st.lastStep; step++) {
          expect(drawnBefore(s, step)).toEqual(c);
          for (const src of batchSources(s, step)) c.set(src, c.get(src)! + 1n);
        }
      }
      const last = s.stages[s.stages.length - 1]!;
      expect(drawnBefore(s, s.totalSteps)).toEqual(new Map(last.quotas.map((q) => [q.source, q.sequences])));
    }), { numRuns: RUNS });
  });

  it("resuming at any step and micro-step reproduces the rest of the order", () => {
    fc.assert(fc.property(scheduleArb(), fc.nat(), fc.nat(), fc.nat(), (input, a, b, c) => {
      const s = resolved(input);
      const full: string[][] = [];
      for (let step = 0; step < s.totalSteps; step++) full.push(batchSources(s, step));
      // A fresh schedule object (nothing cached) resumed at a random step, in reverse order.
      const again = resolved(input);
      const from = a % s.totalSteps;
      for (let step = s.totalSteps - 1; step >= from; step--) expect(batchSources(again, step)).toEqual(full[step]);
      const st = stageAt(again, from);
      const micro = b % st.gradAccum, rank = c % again.dp;
      const per = st.sequencesPerStep / again.dp;
      expect(rankMicroBatch(again, from, micro, rank))
        .toEqual(full[from]!.slice(rank * per + micro * st.microBatch, rank * per + (micro + 1) * st.microBatch));
    }), { numRuns: RUNS });
  });

  it("changing dp with the same global batch keeps the order and the quotas", () => {
    fc.assert(fc.property(scheduleArb(), fc.nat(), (input, pick) => {
      const s1 = resolved(input);
      const per = s1.stages.map((st) => st.sequencesPerStep);
      const options = Array.from({ length: 64 }, (_, i) => i + 1).filter((d) => per.every((p) => p % d === 0));
      const dp = options[pick % options.length]!;
      const s2 = resolved({ ...input, dp, stages: input.stages.map((st) => ({ ...st, microBatch: 1 })) });
      expect(s2.stages.map((st) => st.quotas)).toEqual(s1.stages.map((st) => st.quotas));
      for (let step = 0; step < s1.totalSteps; step++) expect(batchSources(s2, step)).toEqual(batchSources(s1, step));
      // The ranks' micro-batches, concatenated rank-major, are the global batch.
      for (let step = 0; step < s2.totalSteps; step++) {
        const st = stageAt(s2, step);
        const parts: string[] = [];
        for (let r = 0; r < dp; r++) for (let m = 0; m < st.gradAccum; m++) parts.push(...rankMicroBatch(s2, step, m, r));
        expect(parts).toEqual(batchSources(s1, step));
      }
    }), { numRuns: 100 });
  });

  it("the learning rate is continuous at stage boundaries unless lr_scale changes, and such jumps are reported unless declared", () => {
    fc.assert(fc.property(scheduleArb(), (input) => {
      const s = resolved(input);
      const N = s.totalSteps, lr = s.lr;
      // The base schedule's largest per-step change, from its formulas.
      const slopes = [lr.peak / (lr.warmupSteps + 1)];
      if (lr.kind === "cosine") slopes.push((lr.peak * (1 - lr.minRatio) * Math.PI) / 2 / Math.max(1, N - lr.warmupSteps));
      if (lr.kind === "wsd") slopes.push((lr.peak * (1 - lr.minRatio)) / Math.max(1, lr.decaySteps));
      const maxSlope = Math.max(...slopes) * (1 + 1e-9);
      for (let step = 1; step < N; step++) {
        expect(Math.abs(baseLr(lr, N, step) - baseLr(lr, N, step - 1))).toBeLessThanOrEqual(maxSlope);
      }
      const undeclared = new Set(undeclaredLrJumps(s).map((b) => b.stage));
      for (const st of s.stages.slice(1)) {
        const prev = s.stages[st.index - 1]!;
        const same = prev.lrScale.num === st.lrScale.num && prev.lrScale.den === st.lrScale.den;
        const scale = Number(st.lrScale.num) / Number(st.lrScale.den);
        if (same) expect(Math.abs(lrAt(s, st.firstStep) - lrAt(s, st.firstStep - 1))).toBeLessThanOrEqual(maxSlope * scale);
        expect(undeclared.has(st.name)).toBe(!same && !st.lrJump);
      }
    }), { numRuns: RUNS });
  });

  it("the seed changes only tie-breaks: same quotas and counts at block boundaries", () => {
    fc.assert(fc.property(scheduleArb(), fc.nat({ max: 1000 }), (input, seed) => {
      const s1 = resolved(input), s2 = resolved({ ...input, seed });
      for (const [k, st] of s1.stages.entries()) {
        expect(s2.stages[k]!.quotas).toEqual(st.quotas);
        for (let step = st.firstStep; step <= st.lastStep; step += st.samplerBlockSteps) {
          if (step === st.lastStep) break;
          const a = drawnBefore(s1, step), b = drawnBefore(s2, step);
          for (const [src, n] of a) expect(Number(b.get(src)! - n)).toBeGreaterThanOrEqual(-1);
        }
      }
    }), { numRuns: 50 });
  });
});
