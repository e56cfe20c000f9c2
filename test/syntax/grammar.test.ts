// Generated grammar artifacts equal what the parser produces now (run `npm run gen` after changing
// the parser), and the TextMate grammar's patterns compile and colour the examples sensibly.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED } from "../../src/gen/grammar.js";

describe("generated from the parser", () => {
  it.each(Object.keys(GENERATED))("%s is up to date", (rel) => {
    expect(readFileSync(rel, "utf8")).toBe(GENERATED[rel]!());
  });
  it("the EBNF names every rule of the parser", () => {
    const ebnf = readFileSync("grammar/flow.ebnf", "utf8");
    for (const rule of ["file", "importDecl", "block", "item", "attribute", "path", "expression", "number", "list", "reference"]) {
      expect(ebnf).toMatch(new RegExp(`^${rule} = `, "m"));
    }
  });
});

describe("TextMate grammar", () => {
  const g = JSON.parse(readFileSync("grammar/flow.tmLanguage.json", "utf8"));
  const all: { match?: string; begin?: string; name?: string }[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      const o = x as Record<string, unknown>;
      if (typeof o.match === "string" || typeof o.begin === "string") all.push(o as never);
      Object.values(o).forEach(walk);
    }
  };
  walk(g);
  it("has a scope and compiles every pattern", () => {
    expect(g.scopeName).toBe("source.flow");
    for (const p of all) for (const re of [p.match, p.begin].filter(Boolean)) expect(() => new RegExp(re!, "m")).not.toThrow();
  });
  it("matches numbers with units, declarations and comments of the examples", () => {
    const num = all.find((p) => p.match?.includes("KiB"))!;
    for (const lit of ["1.3T", "80GiB", "48h", "8_192 tokens", "70%"]) expect(new RegExp(num.match!).exec(lit)?.[0]).toBe(lit);
    const decl = all.find((p) => p.match?.includes("cluster|source"))!;
    expect(new RegExp(decl.match!).exec("train pretrain {")?.[2]).toBe("pretrain");
  });
});
