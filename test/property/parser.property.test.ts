// Parser and formatter properties: format/parse round trip, idempotence, and no crash (only
// diagnostics with valid spans, and AST nodes nested by span) on arbitrary input and on mutations of the examples.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseText } from "../../src/syntax/parse.js";
import { formatText } from "../../src/syntax/format.js";
import { checkFiles } from "../../src/check/check.js";
import { stripSpans, spansInside } from "../helpers/ast.js";
import { syntacticProgram } from "../helpers/programs.js";
import { badNodeSpan } from "../helpers/ast-spans.js";
import { assertYielding } from "../helpers/yielding.js";

const EXAMPLES = ["examples/tiny.flow", "examples/smollm2-1.7b.flow", "examples/errors/typo.flow"].map((f) => readFileSync(f, "utf8"));
const noComments = (x: unknown) => { const o = stripSpans(x) as Record<string, unknown>; delete o.comments; return o; };

describe("parser and formatter", () => {
  it("generated programs parse without errors", async () => {
    await assertYielding([syntacticProgram], (p) => {
      const r = parseText(p, "gen.flow");
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(badNodeSpan(r.value, p.length)).toBeUndefined();
    }, { numRuns: 300 });
  });

  it("parse(format(p)) equals parse(p), and format is idempotent", async () => {
    await assertYielding([syntacticProgram], (p) => {
      const f1 = formatText(p, "gen.flow");
      expect(f1.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(noComments(parseText(f1.value, "gen.flow").value)).toEqual(noComments(parseText(p, "gen.flow").value));
      expect(formatText(f1.value, "gen.flow").value).toBe(f1.value);
    }, { numRuns: 300 });
  });

  it("keeps every comment of the examples", () => {
    for (const text of EXAMPLES) {
      const out = formatText(text, "x.flow").value;
      const before = parseText(text, "x.flow").value.comments.map((c) => c.text.trim());
      const after = parseText(out, "x.flow").value.comments.map((c) => c.text.trim());
      expect(after).toEqual(before);
      expect(noComments(parseText(out, "x.flow").value)).toEqual(noComments(parseText(text, "x.flow").value));
    }
  });

  it("never throws on arbitrary strings; every diagnostic span lies inside the text", async () => {
    await assertYielding([fc.string({ maxLength: 300 })], (s) => {
      const r = parseText(s, "any.flow");
      expect(spansInside(r.diagnostics, s.length)).toBe(true);
      expect(badNodeSpan(r.value, s.length)).toBeUndefined();
      if (!r.diagnostics.some((d) => d.severity === "error")) checkFiles([r.value]);
    }, { numRuns: 500 });
  });

  it("never throws on single-character mutations of the examples, through the checker too", async () => {
    const chars = fc.constantFrom("{", "}", "=", ",", "\"", "/", "*", ".", "%", "x", "1", " ", "\n", "[", "]", "(", ")", "-");
    await assertYielding([fc.nat(), chars, fc.constantFrom("replace", "insert", "delete"), fc.nat({ max: EXAMPLES.length - 1 })], (pos, ch, op, which) => {
      const t = EXAMPLES[which]!;
      const i = pos % t.length;
      const m = op === "replace" ? t.slice(0, i) + ch + t.slice(i + 1) : op === "insert" ? t.slice(0, i) + ch + t.slice(i) : t.slice(0, i) + t.slice(i + 1);
      const r = parseText(m, "mut.flow");
      expect(spansInside(r.diagnostics, m.length)).toBe(true);
      expect(badNodeSpan(r.value, m.length)).toBeUndefined();
      const c = checkFiles([r.value]);
      expect(spansInside(c.diagnostics, m.length)).toBe(true);
    }, { numRuns: 400 });
  });
});
