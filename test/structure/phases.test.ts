// The compiler's folders import one way: a phase may use only the phases below it. This reads
// every import of src/ (type-only ones too, since a type circle is still a circle) and fails on an
// import that runs against the order, on a cycle between files, and on a devDependency in a phase.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/**
 * Rank of each folder of src/ (files at the top of src/ are named by file). A file may import from
 * its own folder and from folders of a lower rank; folders of equal rank may not import each other.
 */
const RANK: Record<string, number> = {
  units: 0,
  source: 0,
  diagnostics: 1,
  generated: 2, // generated AST/CST declarations: part of the ast layer
  ast: 2,
  syntax: 3,
  program: 4,
  schedule: 5,
  estimate: 5,
  language: 5.5, // the words of the language and the editor vocabulary: below the checker
  profile: 5, // cluster profiles (schema + YAML loader): used by emit, exec and the CLI
  check: 6,
  plan: 7,
  proptest: 8,
  emit: 9,
  exec: 10,
  report: 11,
  lsp: 11,
  "pipeline.ts": 12,
  "index.ts": 13,
  cli: 13,
  // Build tools and benchmarks may use any phase; nothing may use them.
  gen: 20,
  bench: 20,
};
/** Folders that share a rank but form one layer (they may import each other). */
const SAME_LAYER = [new Set(["generated", "ast"])];
const DEV_ONLY = ["ts-morph", "vitest", "typescript", "@xterm/headless"];
const MAY_USE_DEV = new Set(["gen", "bench"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The folder of src/ a file belongs to, or the file's own name at the top of src/. */
function unit(file: string): string {
  return relative(SRC, file.replace(/\.js$/, ".ts")).split("/")[0]!;
}

function imports(file: string): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  const re = /(?:^|\s)(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  lines.forEach((text, i) => {
    for (const m of text.matchAll(re)) out.push({ spec: (m[1] ?? m[2])!, line: i + 1 });
  });
  return out;
}

const all = files(SRC);
const edges = new Map<string, string[]>();
for (const f of all) {
  edges.set(f, imports(f).filter((i) => i.spec.startsWith(".")).map((i) => resolve(dirname(f), i.spec).replace(/\.js$/, ".ts")));
}

describe("phase order of src/", () => {
  it("knows every folder of src/", () => {
    const unknown = [...new Set(all.map(unit))].filter((u) => !(u in RANK));
    expect(unknown, "add new folders to RANK in this test, at their place in the phase order").toEqual([]);
  });

  it("has no import against the order", () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = unit(f);
      for (const i of imports(f)) {
        if (!i.spec.startsWith(".")) continue;
        const to = unit(resolve(dirname(f), i.spec));
        if (to === from || SAME_LAYER.some((s) => s.has(to) && s.has(from))) continue;
        if (!(RANK[to]! < RANK[from]!)) bad.push(`${relative(SRC, f)}:${i.line} imports ${i.spec} (${from} may not use ${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("has no import cycle between files", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(" -> "));
        return;
      }
      state.set(f, "open");
      for (const t of edges.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of all) visit(f, []);
    // The generated AST walk and nodes.ts name each other's types by design (nodes.ts re-exports
    // the generated union); that pair is the one allowed.
    const allowed = (c: string) => c.split(" -> ").every((p) => p === "ast/nodes.ts" || p === "generated/ast-walk.ts");
    expect(cycles.filter((c) => !allowed(c))).toEqual([]);
  });

  it("keeps devDependencies out of the phases", () => {
    const bad: string[] = [];
    for (const f of all) {
      if (MAY_USE_DEV.has(unit(f))) continue;
      for (const i of imports(f)) {
        if (DEV_ONLY.some((d) => i.spec === d.replace(/\/$/, "") || i.spec.startsWith(d))) bad.push(`${relative(SRC, f)}:${i.line} imports ${i.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
