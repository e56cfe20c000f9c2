// resolveSchedule reports problems (with their numbers) instead of throwing.
import { describe, expect, it } from "vitest";
import { rat } from "../../src/units/rational.js";
import { resolveSchedule, type ScheduleInput } from "../../src/schedule/index.js";

const base = (): ScheduleInput => ({
  batchTokens: 8192n, dp: 2, totalTokens: 1_024_000n, seed: 0,
  lr: { kind: "cosine", peak: 1e-3, warmupSteps: 10, minRatio: 0.1 },
  stages: [
    { name: "a", until: 614_400n, seqLen: 128, microBatch: 8, mix: [{ source: "x", weight: rat(7n, 10n) }, { source: "y", weight: rat(3n, 10n) }] },
    { name: "b", until: 1_024_000n, seqLen: 128, microBatch: 8, mix: [{ source: "x", weight: rat(1n) }] },
  ],
});
const kinds = (i: ScheduleInput) => resolveSchedule(i).problems.map((p) => [p.kind, p.stage]);

describe("resolveSchedule problems", () => {
  it("accepts the base input", () => expect(kinds(base())).toEqual([]));
  it("batch not a whole number of sequences", () => {
    const i = base(); i.stages[0]!.seqLen = 100;
    const r = resolveSchedule(i);
    expect(r.schedule).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ kind: "batch-not-divisible", stage: "a", numbers: { batchTokens: "8192", seqLen: "100", remainder: "92" } });
  });
  it("grad_accum not whole", () => expect(kinds({ ...base(), dp: 3 })).toEqual([["grad-accum", "a"], ["grad-accum", "b"]]));
  it("stages out of order, and a last stage short of the run", () => {
    const i = base(); i.stages[1]!.until = 500_000n;
    expect(kinds(i)).toEqual([["stage-order", "b"], ["stage-gap", "b"]]);
  });
  it("a stage that rounds to no step", () => {
    const i = base();
    i.stages.splice(1, 0, { ...i.stages[0]!, name: "tiny", until: 615_000n });
    i.stages.splice(2, 0, { ...i.stages[0]!, name: "empty", until: 615_100n });
    expect(kinds(i)).toEqual([["empty-stage", "empty"]]);
  });
  it("a mix that does not sum to 1 shows every term", () => {
    const i = base(); i.stages[1]!.mix = [{ source: "x", weight: rat(1n, 2n) }, { source: "y", weight: rat(1n, 4n) }];
    expect(resolveSchedule(i).problems[0]).toMatchObject({ kind: "mix-sum", numbers: { sum: "0.75", x: "0.5", y: "0.25" } });
  });
  it("bad numbers are problems, not exceptions", () => {
    expect(kinds({ ...base(), batchTokens: 0n })).toEqual([["bad-input", undefined]]);
    expect(kinds({ ...base(), seed: -1 })).toEqual([["bad-input", undefined]]);
    expect(kinds({ ...base(), stages: [] })).toEqual([["bad-input", undefined]]);
    expect(kinds({ ...base(), lr: { kind: "wsd", peak: 1e-3, warmupSteps: 0, decaySteps: 1000, minRatio: 0 } })).toEqual([["lr-schedule", undefined]]);
  });
  it("rounds the run up to whole steps", () => {
    const i = base(); i.totalTokens = 1_024_001n; i.stages[1]!.until = 1_024_001n;
    const s = resolveSchedule(i).schedule!;
    expect([s.totalSteps, s.totalTokens, s.stages[1]!.tokens]).toEqual([126, 126n * 8192n, 51n * 8192n]);
  });
});
