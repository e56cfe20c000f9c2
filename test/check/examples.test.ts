// The acceptance examples of examples/ and examples/errors/: each error file fails
// `check` as its header says, at the line its header names; tiny and smollm2 check clean.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkPath, planPath } from "../../src/pipeline.js";
import { LineIndex } from "../../src/source/lineIndex.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

function located(path: string, ds: readonly Diagnostic[]) {
  const text = readFileSync(path, "utf8");
  const idx = new LineIndex(text);
  return ds.map((d) => ({ ...d, line: idx.position(d.primary.span.start).line, lineText: idx.lineText(idx.position(d.primary.span.start).line) }));
}

const errorsOf = (path: string) => located(path, checkPath(path).diagnostics).filter((d) => d.severity === "error");

describe("acceptance examples", () => {
  it("tiny.flow checks clean", () => {
    const res = checkPath("examples/tiny.flow");
    expect(res.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("smollm2-1.7b.flow checks clean (warnings allowed)", () => {
    const res = checkPath("examples/smollm2-1.7b.flow");
    expect(res.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("errors/mix-sum.flow: one error on the `stage warm` line showing 110%", () => {
    const es = errorsOf("examples/errors/mix-sum.flow");
    expect(es).toHaveLength(1);
    expect(es[0]!.code).toBe("E0120");
    expect(es[0]!.lineText).toContain("stage warm");
    expect(es[0]!.message).toContain("110%");
    expect(es[0]!.notes.join("\n")).toContain("60% (clean.web) + 40% (clean.math) + 10% (clean.code) = 110%");
  });

  it("errors/typo.flow: names `clean.mth` on the `stage anneal` line and suggests `clean.math`", () => {
    const es = errorsOf("examples/errors/typo.flow");
    expect(es).toHaveLength(1);
    expect(es[0]!.code).toBe("E0101");
    expect(es[0]!.lineText).toContain("stage anneal");
    expect(es[0]!.message).toContain("`clean.mth`");
    expect(es[0]!.help).toContain("`clean.math`");
  });

  it("errors/units.flow: a token count expected, not bytes, on the `tokens = 64GiB` line", () => {
    const es = errorsOf("examples/errors/units.flow");
    expect(es).toHaveLength(1);
    expect(es[0]!.code).toBe("E0110");
    expect(es[0]!.lineText).toMatch(/tokens\s*=\s*64GiB/);
    expect(es[0]!.message).toBe("Expected a token count, but got a size in bytes.");
  });

  it("errors/stage-gap.flow: the stages end at 819,200 tokens while the run declares 1,024,000", () => {
    const es = errorsOf("examples/errors/stage-gap.flow");
    expect(es).toHaveLength(1);
    expect(es[0]!.code).toBe("E0130");
    expect(es[0]!.message).toContain("819,200");
    expect(es[0]!.message).toContain("1,024,000");
    expect(es[0]!.lineText).toContain("stage anneal");
  });

  it("errors/epochs.flow: clean.math drawn 10.24 epochs (2,457,600 of 240,000) against max_epochs 4", () => {
    const es = errorsOf("examples/errors/epochs.flow");
    expect(es).toHaveLength(1);
    expect(es[0]!.code).toBe("E0140");
    expect(es[0]!.message).toContain("`clean.math`");
    expect(es[0]!.message).toContain("10.24 epochs");
    const notes = es[0]!.notes.join("\n");
    expect(notes).toContain("2,457,600 tokens drawn of 240,000 available (300K declared x 80% retention) = 10.24 epochs, against max_epochs 4");
  });
});

describe("plan of smollm2-1.7b.flow", () => {
  const res = planPath("examples/smollm2-1.7b.flow");
  const t = res.plan!.trains[0]!;

  it("has the stage step boundaries of its header", () => {
    expect(t.stages.map((s) => s.last_step)).toEqual([2_861_023, 3_814_698, 4_768_372, 5_209_446, 5_245_209]);
    expect(t.total_steps).toBe(5_245_209);
    expect(t.stages[0]!.first_step).toBe(0);
    expect(t.stages[0]!.tokens).toBe(6_000_000_106_496);
    expect(t.params).toBe(1_711_376_384);
  });

  it("gives stable_1's fineweb_edu the largest-remainder quota", () => {
    expect(t.stages[0]!.mix["tok_all.fineweb_edu"]).toEqual({ sequences: 1_582_031_278, tokens: 3_240_000_057_344, weight: "0.54" });
  });

  it("has the per-source epochs of its header, to two decimals", () => {
    const want: Record<string, string> = {
      fineweb_edu: "3.79", dclm: "1.04", starcoder: "4.00", stack_edu: "5.06", owm: "15.00", infimm: "3.69",
      finemath: "1.99", infiwebmath: "1.91", cosmopedia: "1.43", long_docs: "0.60",
    };
    for (const [src, ep] of Object.entries(want)) expect(res.plan!.sources[`tok_all.${src}`]!.epochs.toFixed(2), src).toBe(ep);
  });
});

describe("plan of tiny.flow", () => {
  const res = planPath("examples/tiny.flow");
  it("gives pretrain.anneal exactly 49,152 tokens of clean.math and 64 steps, in fp32 (a CPU run)", () => {
    const t = res.plan!.trains[0]!;
    expect(t.total_steps).toBe(64);
    expect(t.precision).toBe("fp32");
    expect(t.stages[1]!.mix["clean.math"]!.tokens).toBe(49_152);
    expect(t.stages.map((s) => s.grad_accum)).toEqual([4, 4]);
  });
  it("has a job DAG in dependency order", () => {
    const ids = res.plan!.steps.map((s) => s.id);
    for (const s of res.plan!.steps) for (const n of s.needs) expect(ids.indexOf(n), `${s.id} needs ${n}`).toBeLessThan(ids.indexOf(s.id));
    expect(ids).toContain("train.pretrain");
    expect(ids).toContain("release.toy_v1");
  });
});
