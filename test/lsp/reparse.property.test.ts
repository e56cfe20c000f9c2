// The editor's incremental parse is the compiler's parse: after any sequence of edits (typing,
// deleting, unbalancing braces, opening comments and strings), the incrementally kept AST and
// diagnostics equal those of parsing the whole new text.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IncrementalParser } from "../../src/lsp/reparse.js";
import { parseText } from "../../src/syntax/parse.js";
import { assertYielding } from "../helpers/yielding.js";

const examples = ["examples/tiny.flow", "examples/smollm2-1.7b.flow", "examples/errors/typo.flow"].map((p) => readFileSync(p, "utf8"));

const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
/** A parse result as text (bigints as strings); diagnostics as a sorted list, since their order is not part of the result. */
const canon = (r: ReturnType<typeof parseText>) => `${json(r.value)}\n${r.diagnostics.map(json).sort().join("\n")}`;

const snippet = fc.constantFrom("1", "a", " ", "\n", "{", "}", "\"", "/*", "*/", "//", ",", "=", "%", ".", "x = 1", "mix { a.b = 1% }", "5T", "GiB", "[", "]", "(", "");

/** An edit: at a position (modulo the length of the text), delete some characters and insert a snippet. */
interface Edit { readonly at: number; readonly del: number; readonly ins: string; readonly benign: boolean }
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ at: fc.nat(1_000_000), del: fc.nat(8), ins: snippet, benign: fc.constant(false) }),
  // What typing mostly is: a digit next to a digit, a letter inside a name, a space beside a space.
  fc.record({ at: fc.nat(1_000_000), del: fc.nat(1), ins: fc.constantFrom("7", "0", "q", "_", " "), benign: fc.constant(true) }),
);

function apply(text: string, e: Edit): string {
  let at = e.at % (text.length + 1);
  if (e.benign) {
    // Move to the next character of the same class as the insertion, so the edit keeps the syntax.
    const cls = /[0-9]/.test(e.ins) ? /[0-9]/ : /[a-z_]/.test(e.ins) ? /[a-z_]/ : /[ ]/;
    while (at < text.length && !cls.test(text[at]!)) at++;
    const del = at + e.del < text.length && cls.test(text[at + e.del - 1] ?? "") ? e.del : 0;
    return text.slice(0, at) + e.ins + text.slice(at + del);
  }
  return text.slice(0, at) + e.ins + text.slice(Math.min(text.length, at + e.del));
}

/** Runs `edits` through one parser, comparing each result with a full parse; returns how many were incremental. */
function replay(start: string, edits: readonly Edit[]): number {
  const p = new IncrementalParser();
  let text = start;
  let incremental = 0;
  p.parse(text, "f.flow");
  for (const e of edits) {
    text = apply(text, e);
    const got = p.parse(text, "f.flow");
    if (p.lastKind === "incremental") incremental++;
    expect(canon(got)).toBe(canon(parseText(text, "f.flow")));
  }
  return incremental;
}

describe("incremental parse", () => {
  it("equals a full parse after every edit of a sequence", async () => {
    await assertYielding([fc.constantFrom(...examples), fc.array(edit, { minLength: 1, maxLength: 10 })], (start, edits) => void replay(start, edits), { numRuns: 300, seed: 42 });
  });

  it("takes the incremental path for most edits that keep the syntax", async () => {
    let edits = 0;
    let incremental = 0;
    await assertYielding([fc.constantFrom(...examples), fc.array(edit.filter((e) => e.benign), { minLength: 1, maxLength: 10 })], (start, es) => {
      edits += es.length;
      incremental += replay(start, es);
    }, { numRuns: 100, seed: 7 });
    // Edits in the comments between declarations are parsed in full; the rest should not be.
    expect(incremental / edits).toBeGreaterThan(0.5);
  });

  it("reparses one declaration for a one-character edit inside it, and returns the cached AST for the same text", () => {
    const p = new IncrementalParser();
    const text = examples[0]!;
    const first = p.parse(text, "t.flow");
    expect(p.parse(text, "t.flow")).toBe(first);
    expect(p.lastKind).toBe("cached");
    const edited = text.replace("layers   = 2", "layers   = 3");
    const r = p.parse(edited, "t.flow");
    expect(p.lastKind).toBe("incremental");
    expect(canon(r)).toBe(canon(parseText(edited, "t.flow")));
    // Declarations before the edit are the very same objects; only the edited one and those after are new.
    expect(r.value.decls[0]).toBe(first.value.decls[0]);
  });
});
