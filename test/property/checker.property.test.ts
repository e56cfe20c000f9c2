// Checker, lowering and schedule properties on generated valid programs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseText } from "../../src/syntax/parse.js";
import { checkFiles } from "../../src/check/check.js";
import { lowerProgram } from "../../src/plan/lower.js";
import { PlanIR } from "../../src/plan/ir.js";
import { runProperties } from "../../src/proptest/properties.js";
import { validProgram } from "../helpers/programs.js";

function compile(text: string) {
  const parsed = parseText(text, "gen.flow");
  expect(parsed.diagnostics).toEqual([]);
  const checked = checkFiles([parsed.value]);
  const plan = () => {
    const lowered = lowerProgram({ checked: checked.value, entryPath: "gen.flow", texts: new Map([["gen.flow", text]]) });
    expect(lowered.diagnostics).toEqual([]);
    return lowered.value!;
  };
  return { checked, plan };
}

describe("generated valid programs", () => {
  it("check clean, lower to a plan the schema accepts, with stage ends where the generator put them", () => {
    fc.assert(fc.property(validProgram, (g) => {
      const { checked, plan } = compile(g.text);
      expect(checked.diagnostics.filter((d) => d.severity === "error"), g.text).toEqual([]);
      const ir = plan();
      expect(PlanIR.safeParse(ir).success).toBe(true);
      const t = ir.trains[0]!;
      expect(t.stages.map((s) => s.last_step * g.batchTokens)).toEqual(g.stageEnds);
      for (const s of t.stages) {
        expect(Object.values(s.mix).reduce((a, q) => a + q.sequences, 0)).toBe(s.sequences);
        expect(Object.values(s.mix).reduce((a, q) => a + q.tokens, 0)).toBe(s.tokens);
      }
    }), { numRuns: 60 });
  });

  it("lowering is deterministic", () => {
    fc.assert(fc.property(validProgram, (g) => {
      expect(JSON.stringify(compile(g.text).plan())).toBe(JSON.stringify(compile(g.text).plan()));
    }), { numRuns: 20 });
  });

  it("the schedule properties of `flowc test` hold", () => {
    fc.assert(fc.property(validProgram, (g) => {
      const { checked, plan } = compile(g.text);
      const failed = runProperties(checked.value, plan(), { runs: 20, seed: 1 }).filter((p) => !p.ok);
      expect(failed).toEqual([]);
    }), { numRuns: 25 });
  });

  it("GPU-hours are linear in tokens (doubling every stage doubles them)", () => {
    fc.assert(fc.property(validProgram, (g) => {
      const doubled = g.text.replace(/until = (\d+)/g, (_, n: string) => `until = ${2 * Number(n)}`).replace(/tokens = (\d+)\n/, (_, n: string) => `tokens = ${2 * Number(n)}\n`);
      const a = compile(g.text).plan().trains[0]!;
      const b = compile(doubled).plan().trains[0]!;
      if (b.total_steps !== 2 * a.total_steps) return; // rounding of requested ends moved; not comparable
      expect(b.gpu_hours / a.gpu_hours).toBeCloseTo(2, 9);
    }), { numRuns: 30 });
  });

  it("a mix that does not sum to 100% is reported once, on its stage, with the sum", () => {
    fc.assert(fc.property(validProgram, fc.integer({ min: 1, max: 50 }), (g, extra) => {
      const broken = g.text.replace(/mix \{ c\.s0 = ([\d.]+)%/, (_, w: string) => `mix { c.s0 = ${(Number(w) + extra).toFixed(2)}%`);
      const { checked } = compile(broken);
      const errs = checked.diagnostics.filter((d) => d.severity === "error");
      expect(errs.map((d) => d.code)).toEqual(["E0120"]);
      expect(errs[0]!.message).toContain(`${100 + extra}%`);
    }), { numRuns: 30 });
  });
});
