// check and plan on the examples with their numbers moved near and past every bound of
// src/units/limits.ts (and of the plan's exact integers): never a crash, only diagnostics at a span
// inside the text, and a plan only when there is no error, finite and accepted by the plan loader
// (so every count an exact JSON integer).
// A sample goes through the CLI too: exit 0 or 1, never a stack trace.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseText } from "../../src/syntax/parse.js";
import { checkFiles } from "../../src/check/check.js";
import { lowerProgram } from "../../src/plan/lower.js";
import { planFromJson } from "../../src/plan/load.js";
import { MAX_COUNT, MAX_JOBS, MAX_LITERAL_DIGITS, MAX_LITERAL_EXPONENT } from "../../src/units/limits.js";
import { spansInside } from "../helpers/ast.js";

const FILES = ["examples/tiny.flow", "examples/smollm2-135m.flow", "examples/olmo-7b.flow", "examples/redpajama-clean.flow"];
const EXAMPLES = FILES.map((f) => readFileSync(f, "utf8"));
const NUMBER = /(?<![\w.])\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?/g;

const max = Number(MAX_COUNT);
const NEAR: string[] = [
  "0", "-1", "1", String(max - 1), String(max), String(max + 1), `1e${15}`, `1e${16}`,
  String(2 ** 53 - 1), String(2 ** 53 + 2), "9".repeat(MAX_LITERAL_DIGITS), "9".repeat(MAX_LITERAL_DIGITS + 1), "9".repeat(400),
  `1e${MAX_LITERAL_EXPONENT}`, `1e${MAX_LITERAL_EXPONENT + 1}`, `1e-${MAX_LITERAL_EXPONENT + 1}`, "1e400", "1e30", "1e100",
  String(MAX_JOBS), String(MAX_JOBS + 1), "0.0000001", "1.5", "4294967296", "100T", "1e30T", "1e14B",
];

const numberSites = EXAMPLES.map((t) => [...t.matchAll(NUMBER)].map((m) => ({ at: m.index!, len: m[0].length })));
const mutation = fc.nat({ max: EXAMPLES.length - 1 }).chain((which) => fc.record({
  which: fc.constant(which),
  edits: fc.uniqueArray(fc.record({ site: fc.nat({ max: numberSites[which]!.length - 1 }), to: fc.constantFrom(...NEAR) }), { minLength: 1, maxLength: 3, selector: (e) => e.site }),
}));

function mutate({ which, edits }: { which: number; edits: { site: number; to: string }[] }): string {
  let t = EXAMPLES[which]!;
  // Right to left, so earlier offsets stay valid.
  for (const e of [...edits].sort((a, b) => b.site - a.site)) {
    const s = numberSites[which]![e.site]!;
    t = t.slice(0, s.at) + e.to + t.slice(s.at + s.len);
  }
  return t;
}

// Counts are exact by the schema (zod's int() is a safe integer), which planFromJson checks; estimates
// (flops, GPU-hours) are doubles and only need to be finite.
function finite(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(finite);
  if (v && typeof v === "object") return Object.values(v).every(finite);
  return true;
}

describe("numbers near and past every bound", () => {
  it("check and plan never throw; diagnostics lie inside the text; a plan's numbers are finite and it loads back (counts exact)", () => {
    fc.assert(fc.property(mutation, (m) => {
      const text = mutate(m);
      const parsed = parseText(text, "mut.flow");
      expect(spansInside(parsed.diagnostics, text.length)).toBe(true);
      if (parsed.diagnostics.some((d) => d.severity === "error")) return;
      const checked = checkFiles([parsed.value]);
      expect(spansInside(checked.diagnostics, text.length)).toBe(true);
      if (checked.diagnostics.some((d) => d.severity === "error")) return;
      const lowered = lowerProgram({ checked: checked.value, entryPath: "mut.flow", texts: new Map([["mut.flow", text]]) });
      expect(spansInside(lowered.diagnostics, text.length)).toBe(true);
      if (!lowered.value) return;
      const json = JSON.parse(JSON.stringify(lowered.value));
      expect(finite(json), text).toBe(true);
      expect(() => planFromJson(json)).not.toThrow();
    }), { numRuns: 250 });
  }, 120_000);

  it("through the CLI: `flowc check` and `flowc plan --json` exit 0 or 1, with no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-bounds-"));
    const samples = fc.sample(mutation, { numRuns: 8, seed: 20261202 });
    for (const [i, m] of samples.entries()) {
      const f = join(dir, `m${i}.flow`);
      writeFileSync(f, mutate(m));
      for (const args of [["check", f], ["plan", "--json", f]]) {
        let code = 0, err = "";
        try {
          execFileSync("node", ["bin/flowc.js", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
        } catch (e) {
          const x = e as { status: number; stderr: string };
          code = x.status;
          err = x.stderr;
        }
        expect([0, 1], `${args.join(" ")}: ${err.slice(0, 500)}`).toContain(code);
        expect(err).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
        if (code === 1) expect(err).toMatch(/m\d+\.flow:\d+:\d+/);
      }
    }
  }, 180_000);
});
