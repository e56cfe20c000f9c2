// `flowc test` (the schedule's properties on the user's own file): passes on the examples, and
// fails with a counterexample on a false assert and on a mid-stage over-draw.
import { describe, expect, it } from "vitest";
import { testPath } from "../../src/pipeline.js";

const opts = { runs: 50, seed: 7 };

describe("flowc test", () => {
  for (const f of ["examples/tiny.flow", "examples/smollm2-1.7b.flow"]) {
    it(`passes on ${f}`, () => {
      const res = testPath(f, opts);
      expect(res.properties, JSON.stringify(res.diagnostics)).toBeDefined();
      const failed = res.properties!.filter((p) => !p.ok);
      expect(failed).toEqual([]);
      expect(res.properties!.length).toBeGreaterThanOrEqual(6);
    });
  }

  it("bounds its time: a property stops at its time limit and says how many runs it checked", () => {
    const res = testPath("examples/smollm2-1.7b.flow", { runs: 100_000_000, seed: 7, timeLimitMs: 300 });
    const props = res.properties!;
    expect(props.some((p) => p.interrupted && p.checks < 100_000_000)).toBe(true);
    expect(props.filter((p) => !p.ok)).toEqual([]);
  });

  it("reports a false assert with its values", () => {
    const res = testPath("test/fixtures/assert-false.flow", opts);
    const failed = res.properties!.filter((p) => !p.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.name).toContain("tokens(pretrain.anneal, clean.math) == 100_000");
    expect(failed[0]!.counterexample!.join("\n")).toContain("102,400 tokens == 100,000");
  });

  it("finds the first step at which a source is over-drawn mid-stage", () => {
    const res = testPath("test/fixtures/overdraw.flow", opts);
    const failed = res.properties!.filter((p) => !p.ok);
    expect(failed.map((p) => p.name)).toContain("no dataset drawn past max_epochs at any step");
    const ce = failed.find((p) => p.name === "no dataset drawn past max_epochs at any step")!.counterexample!.join("\n");
    // 960,000 tokens (240,000 x 4) is the cap; anneal draws 8,192 math tokens per step from step 75 on,
    // so the cap is first passed at the end of step 75 + ceil(960,000 / 8,192) - 1 = 192.
    expect(ce).toContain("step 192 (stage anneal), dataset clean.math");
  });
});
