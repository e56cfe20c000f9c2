// `flowc fmt` keeps every comment: comments of both kinds inserted at random places between the
// tokens of generated programs and of the examples survive formatting as the same sequence (so
// the same multiset, in the same order), the program parses to the same AST, `check` says the
// same, a BOM and CRLF line endings are kept, and formatting twice changes nothing.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import type { IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import { parseText } from "../../src/syntax/parse.js";
import { formatText } from "../../src/syntax/format.js";
import { FlowLexer } from "../../src/syntax/tokens.js";
import { checkFiles } from "../../src/check/check.js";
import { stripSpans } from "../helpers/ast.js";
import { syntacticProgram } from "../helpers/programs.js";
import { assertYielding } from "../helpers/yielding.js";

const EXAMPLES = ["examples/tiny.flow", "examples/smollm2-1.7b.flow", "examples/errors/typo.flow", "examples/errors/mix-sum.flow"].map((f) => readFileSync(f, "utf8"));
const noComments = (x: unknown) => { const o = stripSpans(x) as Record<string, unknown>; delete o.comments; return o; };
const commentsOf = (t: string) => parseText(t, "x.flow").value.comments.map((c) => c.text.replace(/\r\n?/g, "\n"));
const checkCodes = (t: string) => checkFiles([parseText(t, "x.flow").value]).diagnostics.map((d) => `${d.severity}:${d.code}`).sort();

/** Token boundaries of a text: offsets where a comment can go without splitting a token. */
function gaps(text: string): number[] {
  const l = FlowLexer.tokenize(text);
  const toks = [...l.tokens, ...((l.groups.comments ?? []) as IToken[])];
  return [0, ...toks.map((t) => t.endOffset! + 1), text.length];
}

const commentText = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9 ,.{}=*\/"-]{0,16}$/).map((s) => `// c ${s}`.replace(/\*\//g, "")),
  fc.stringMatching(/^[a-zA-Z0-9 ,.{}=\n"-]{0,16}$/).map((s) => `/* c ${s} */`),
);

/** Inserts comments (a line comment always followed by a line break) at chosen token boundaries. */
const withComments = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, fc.array(fc.tuple(fc.nat(), commentText, fc.boolean()), { minLength: 1, maxLength: 6 })).map(([text, ins]) => {
    const at = gaps(text);
    const edits = ins.map(([p, c, nl]) => ({ pos: at[p % at.length]!, c: c.startsWith("//") || nl ? ` ${c}\n` : ` ${c} ` }));
    edits.sort((a, b) => b.pos - a.pos);
    let t = text;
    for (const e of edits) t = t.slice(0, e.pos) + e.c + t.slice(e.pos);
    return t;
  });

function keepsEverything(text: string): void {
  const before = parseText(text, "x.flow");
  if (before.diagnostics.some((d) => d.severity === "error")) return; // a comment that broke a line-sensitive spot
  const out = formatText(text, "x.flow");
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(commentsOf(out.value)).toEqual(commentsOf(text));
  expect(noComments(parseText(out.value, "x.flow").value)).toEqual(noComments(before.value));
  expect(checkCodes(out.value)).toEqual(checkCodes(text));
  expect(formatText(out.value, "x.flow").value).toBe(out.value);
}

describe("fmt keeps comments", () => {
  it("on generated programs with comments anywhere between tokens", async () => {
    await assertYielding([withComments(syntacticProgram)], keepsEverything, { numRuns: 300 });
  });

  it("on the examples with comments anywhere between tokens", async () => {
    await assertYielding([withComments(fc.constantFrom(...EXAMPLES))], keepsEverything, { numRuns: 150 });
  });

  it("in the places the hostile-input report named", () => {
    const cases = [
      "source web {\n  // right after the brace\n  tokens = 2M\n}\n",
      "source web { // note\n  tokens = 2M\n}\n",
      "source /* a */ web /* b */ {\n  tokens /* c */ = /* d */ 2M\n}\n",
      "assert {\n  tokens(t.a, /* which */ clean.web) == 1 + /* two */ 2\n}\n",
      "train t {\n  betas = [0.9, // first\n    0.95]\n}\n",
      // Commas the grammar needs between items on their own lines, and a unit word on the next line.
      "train t {\n  auto,\n  mix { a = 100% }\n  z = a,\n  (1) <= 2\n  y = 1,\n  -1 <= 2\n  b = [0\n    epochs]\n}\n",
    ];
    for (const c of cases) {
      keepsEverything(c);
      expect(formatText(c, "x.flow").value).toBe(c);
    }
  });

  it("keeps a byte-order mark and CRLF line endings", async () => {
    const t = "\ufeffsource web {\r\n  /* a\r\n     b */\r\n  tokens = 2M  // t\r\n}\r\n";
    expect(formatText(t, "x.flow").value).toBe(t);
    await assertYielding([withComments(syntacticProgram)], (p) => {
      const crlf = "\ufeff" + p.replace(/\r?\n/g, "\r\n");
      if (parseText(crlf, "x.flow").diagnostics.some((d) => d.severity === "error")) return;
      const out = formatText(crlf, "x.flow").value;
      expect(out.startsWith("\ufeff")).toBe(true);
      expect(out.replace(/\r\n/g, "")).not.toMatch(/\n/);
      expect(out).toBe("\ufeff" + formatText(p, "x.flow").value.replace(/\n/g, "\r\n"));
    }, { numRuns: 100 });
  });
});
