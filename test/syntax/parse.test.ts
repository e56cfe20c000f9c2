// The parser on the surface of docs/language.md: literals with exact units, expressions, recovery.
import { describe, expect, it } from "vitest";
import type { Attribute, Block, Expr, NumberLit } from "../../src/ast/nodes.js";
import { parseText } from "../../src/syntax/parse.js";
import { loadProgram } from "../../src/program/loader.js";
import { memoryHost } from "../../src/program/host.js";

function value(src: string): Expr {
  const r = parseText(`x { v = ${src} }`, "t.flow");
  expect(r.diagnostics).toEqual([]);
  return ((r.value.decls[0] as Block).items[0] as Attribute).value;
}
const q = (src: string) => (value(src) as NumberLit).quantity;

describe("literals are exact", () => {
  it.each([
    ["1.3T", 1_300_000_000_000n, 1n, "number"], ["75B", 75_000_000_000n, 1n, "number"], ["2M", 2_000_000n, 1n, "number"],
    ["1_000_000", 1_000_000n, 1n, "number"], ["3.5e-4", 7n, 20000n, "number"], ["64GiB", 68_719_476_736n, 1n, "bytes"],
    ["80GB", 80_000_000_000n, 1n, "bytes"], ["48h", 172_800n, 1n, "duration"], ["90m", 5_400n, 1n, "duration"],
    ["70%", 7n, 10n, "percent"], ["8_192 tokens", 8192n, 1n, "tokens"], ["20 steps", 20n, 1n, "steps"],
    ["1_200_000 gpu_hours", 1_200_000n, 1n, "gpu_hours"], ["20.5B", 20_500_000_000n, 1n, "number"],
  ] as const)("%s", (src, num, den, dim) => {
    expect(q(src)).toEqual({ value: { num, den }, dim });
  });
  it("M is a million and m minutes", () => {
    expect(q("2M").dim).toBe("number");
    expect(q("2m").dim).toBe("duration");
  });
});

describe("expressions", () => {
  it("arithmetic is left-associative with * before +", () => {
    const e = value("11T - 75B - 1 * 2");
    expect(e.kind).toBe("Binary");
    if (e.kind === "Binary") {
      expect(e.op).toBe("-");
      expect(e.right.kind).toBe("Binary");
      expect(e.left.kind).toBe("Binary");
    }
  });
  it("a unit word is not taken when it starts the next item", () => {
    const r = parseText("assert {\n  epochs(clean.math) <= 4\n  tokens(p.a, clean.math) == 102_400\n}", "a.flow");
    expect(r.diagnostics).toEqual([]);
    const items = (r.value.decls[0] as Block).items;
    expect(items.map((i) => i.kind)).toEqual(["ExprItem", "ExprItem"]);
  });
  it("dotted keys in a mix, nested blocks, optional commas", () => {
    const r = parseText("stage s { until = 1M, mix { clean.web = 70%, clean.code = 30% } }", "s.flow");
    expect(r.diagnostics).toEqual([]);
    const stage = r.value.decls[0] as Block;
    expect(stage.items.map((i) => i.kind)).toEqual(["Attribute", "Block"]);
  });
});

describe("errors", () => {
  it("three mistakes give three diagnostics, each at its place", () => {
    const text = "model m {\n  layers = \n}\nsource s { uri = \"x }\ncluster c { gpu = 80Gib }\n";
    const r = parseText(text, "e.flow");
    const codes = r.diagnostics.map((d) => d.code);
    expect(codes).toContain("E0001");
    expect(codes).toContain("E0002");
    expect(codes).toContain("E0003");
    const unit = r.diagnostics.find((d) => d.code === "E0003")!;
    expect(text.slice(unit.primary.span.start, unit.primary.span.end)).toBe("80Gib");
    expect(unit.help).toBe("did you mean `80GiB`?");
  });
  it("an unclosed block says so at the end of the file", () => {
    const r = parseText("model m {\n  layers = 2\n", "u.flow");
    expect(r.diagnostics[0]!.message).toBe("Expected `}`, but got the end of the file.");
  });
});

describe("imports", () => {
  const files: Record<string, string> = {
    "/p/main.flow": 'import "lib/a.flow"\nmodel m { }\n',
    "/p/lib/a.flow": 'import "b.flow"\nsource s { }\n',
    "/p/lib/b.flow": 'import "a.flow"\n',
    "/p/missing.flow": 'import "nope.flow"\n',
  };
  const host = memoryHost(files);
  it("are resolved relative to the importing file; a cycle is an error naming it", () => {
    const r = loadProgram("/p/main.flow", { host });
    expect(r.value.files.map((f) => f.path.replace(/^.*\/p\//, ""))).toEqual(["lib/b.flow", "lib/a.flow", "main.flow"]);
    const cyc = r.diagnostics.find((d) => d.code === "E0011")!;
    expect(cyc.message).toMatch(/Import cycle: .*a\.flow → .*b\.flow → .*a\.flow/);
  });
  it("a missing import is reported on the import", () => {
    const r = loadProgram("/p/missing.flow", { host });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0010"]);
  });
});
