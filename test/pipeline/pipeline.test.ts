// The one pipeline, as the library exposes it (src/index.ts): the stages chained by hand give what the
// *Path functions give, a stage does not run after an error that blocks it, and no stage throws on a
// program it cannot handle (a program without a cluster is E0400 from lowering).
import { describe, expect, it } from "vitest";
import * as flowc from "../../src/index.js";

describe("the pipeline", () => {
  it("load -> check -> lower, stage by stage, is planPath; properties after it is testPath", () => {
    const loaded = flowc.load("examples/tiny.flow");
    expect(loaded.diagnostics).toEqual([]);
    const checked = flowc.check(loaded);
    expect(checked.checked).toBeDefined();
    const planned = flowc.lower(checked);
    expect(planned.plan).toEqual(flowc.planPath("examples/tiny.flow").plan);
    const tested = flowc.properties(planned, { runs: 5, seed: 3 });
    expect(tested.properties?.map((p) => p.name)).toEqual(flowc.testPath("examples/tiny.flow", { runs: 5, seed: 3 }).properties?.map((p) => p.name));
  });

  it("a plan comes with the checked program it was lowered from (the types say so, no casts)", () => {
    const res = flowc.planPath("examples/tiny.flow");
    if (res.plan === undefined) throw new Error("tiny.flow must plan");
    // `res.checked` is a CheckedProgram here, not `CheckedProgram | undefined`.
    expect(flowc.renderPlan(res.plan, res.checked)).toContain("pretrain");
  });

  it("after a syntax error neither the checker nor lowering runs", () => {
    const host = flowc.memoryHost({ "/v/a.flow": "cluster c {\n  nodes = = 1\n}\n" });
    const res = flowc.planPath("/v/a.flow", { host });
    expect(res.diagnostics.map((d) => d.code)).toEqual(["E0001"]);
    expect(res.checked).toBeUndefined();
    expect(res.plan).toBeUndefined();
  });

  it("a program without a cluster checks clean, and lowering says why there is no plan (E0400)", () => {
    const host = flowc.memoryHost({ "/v/lib.flow": 'source web { uri = "d/*.jsonl", format = jsonl, tokens = 2M, kind = web }\n' });
    expect(flowc.checkPath("/v/lib.flow", { host }).diagnostics).toEqual([]);
    const planned = flowc.planPath("/v/lib.flow", { host });
    expect(planned.plan).toBeUndefined();
    expect(planned.diagnostics.map((d) => [d.code, d.primary.span.file])).toEqual([["E0400", "/v/lib.flow"]]);
    expect(flowc.testPath("/v/lib.flow", { runs: 1, seed: 1 }, { host }).properties).toBeUndefined();
  });

  it("`flowc test` goes on past the errors its properties report (E0140, E0200), and stops at others", () => {
    const over = flowc.testPath("test/fixtures/overdraw.flow", { runs: 5, seed: 1 });
    expect(over.diagnostics.some((d) => d.code === "E0140")).toBe(true);
    expect(over.properties).toBeDefined();
    expect(flowc.lower(flowc.checkPath("test/fixtures/overdraw.flow")).plan).toBeUndefined();
  });
});
