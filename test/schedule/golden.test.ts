// Golden numbers from the spec's examples (docs/language.md, check 6; smollm2-1.7b.flow and tiny.flow
// headers). The inputs are built by hand here, independently of the lowering.
import { describe, expect, it } from "vitest";
import { rat, type Rational } from "../../src/units/rational.js";
import {
  resolveSchedule, drawnBefore, batchSources, tokensDrawnBefore, type ScheduleInput, type StageInput,
} from "../../src/schedule/index.js";

const pct = (n: number): Rational => rat(BigInt(n), 100n);
const mix = (m: Record<string, number>) => Object.entries(m).map(([source, w]) => ({ source, weight: pct(w) }));
const T = 10n ** 12n, G = 10n ** 9n;

function smollm2(): ScheduleInput {
  const st = (name: string, until: bigint, m: Record<string, number>, extra: Partial<StageInput> = {}): StageInput =>
    ({ name, until, seqLen: 2048, microBatch: 4, mix: mix(m), ...extra });
  return {
    batchTokens: 2_097_152n, dp: 256, totalTokens: 11n * T, seed: 0,
    lr: { kind: "wsd", peak: 5e-4, warmupSteps: 2000, decaySteps: 524_521, minRatio: 0 },
    stages: [
      st("stable_1", 6n * T, { fineweb_edu: 54, dclm: 36, starcoder: 10 }),
      st("stable_2", 8n * T, { fineweb_edu: 45, dclm: 30, starcoder: 20, owm: 5 }),
      st("stable_3", 10n * T, { fineweb_edu: 28, dclm: 42, stack_edu: 20, owm: 4, infimm: 6 }),
      st("decay", 11n * T - 75n * G, { fineweb_edu: 23, dclm: 35, stack_edu: 24, finemath: 7, infiwebmath: 4, infimm: 3, cosmopedia: 4 }),
      st("long_ctx", 11n * T, { long_docs: 40, fineweb_edu: 14, dclm: 21, stack_edu: 14, finemath: 4, infiwebmath: 3, cosmopedia: 4 },
        { seqLen: 8192, microBatch: 1 }),
    ],
  };
}

describe("smollm2-1.7b schedule", () => {
  const { schedule: s, problems } = resolveSchedule(smollm2());
  it("resolves without problems", () => expect(problems).toEqual([]));
  it("rounds stage ends up to whole 2,097,152-token steps", () => {
    expect(s!.stages.map((x) => x.lastStep)).toEqual([2_861_023, 3_814_698, 4_768_372, 5_209_446, 5_245_209]);
    expect(s!.totalSteps).toBe(5_245_209);
    expect(s!.stages[0]!.tokens).toBe(6_000_000_106_496n);
  });
  it("gives batch geometry per stage", () => {
    expect(s!.stages.map((x) => [x.sequencesPerStep, x.gradAccum])).toEqual([[1024, 1], [1024, 1], [1024, 1], [1024, 1], [256, 1]]);
    expect(s!.stages[4]!.firstToken).toBe(5_209_446n * 2_097_152n);
  });
  it("splits stable_1 by largest remainder", () => {
    const q = s!.stages[0]!.quotas;
    expect(q[0]).toEqual({ source: "fineweb_edu", sequences: 1_582_031_278n, tokens: 3_240_000_057_344n });
    for (const st of s!.stages) expect(st.quotas.reduce((a, b) => a + b.sequences, 0n)).toBe(st.sequences);
  });
  it("draws each source for the header's epochs", () => {
    const avail: Record<string, bigint> = {
      fineweb_edu: 1300n * G, dclm: 3800n * G, starcoder: 250n * G, stack_edu: 125n * G, owm: 12n * G,
      infimm: 40n * G, finemath: 34n * G, infiwebmath: 20_500_000_000n, cosmopedia: 28n * G, long_docs: 50n * G,
    };
    const want: Record<string, string> = {
      fineweb_edu: "3.79", dclm: "1.04", starcoder: "4.00", stack_edu: "5.06", owm: "15.00", infimm: "3.69",
      finemath: "1.99", infiwebmath: "1.91", cosmopedia: "1.43", long_docs: "0.60",
    };
    const drawn = tokensDrawnBefore(s!, s!.totalSteps);
    for (const [src, a] of Object.entries(avail)) {
      // Exact rounding to two decimals: floor((drawn·100·2 + a) / (2a)) / 100.
      const cents = (drawn.get(src)! * 200n + a) / (2n * a);
      expect(`${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`, src).toBe(want[src]);
    }
  });
  it("samples the first, a middle and the last step of a 3e9-sequence stage without replay", () => {
    for (const step of [0, 1_234_567, 2_861_022]) {
      const b = batchSources(s!, step);
      expect(b).toHaveLength(1024);
      const before = drawnBefore(s!, step), after = drawnBefore(s!, step + 1 === 2_861_023 ? step : step + 1);
      if (step + 1 < 2_861_023) for (const [src, n] of after) expect(n - before.get(src)!).toBe(BigInt(b.filter((x) => x === src).length));
    }
    const end = drawnBefore(s!, 2_861_022);
    const last = batchSources(s!, 2_861_022);
    for (const q of s!.stages[0]!.quotas) expect(end.get(q.source)! + BigInt(last.filter((x) => x === q.source).length)).toBe(q.sequences);
  });
});

describe("tiny schedule", () => {
  const input: ScheduleInput = {
    batchTokens: 8192n, dp: 2, totalTokens: 1_024_000n, seed: 0,
    lr: { kind: "wsd", peak: 3e-3, warmupSteps: 20, decaySteps: 25, minRatio: 0 },
    stages: [
      { name: "warm", until: 614_400n, seqLen: 128, microBatch: 8, mix: mix({ "clean.web": 70, "clean.code": 30 }) },
      { name: "anneal", until: 1_024_000n, seqLen: 128, microBatch: 8, mix: mix({ "clean.web": 50, "clean.code": 25, "clean.math": 25 }) },
    ],
  };
  const { schedule: s, problems } = resolveSchedule(input);
  it("resolves", () => expect(problems).toEqual([]));
  it("gives clean.math exactly 102,400 tokens in anneal", () => {
    const anneal = s!.stages[1]!;
    expect([anneal.firstStep, anneal.lastStep, anneal.gradAccum]).toEqual([75, 125, 4]);
    expect(anneal.quotas.find((q) => q.source === "clean.math")!.tokens).toBe(102_400n);
  });
});
