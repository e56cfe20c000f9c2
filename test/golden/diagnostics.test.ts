// Golden diagnostics (Pkl style): test/golden/diagnostics/CODE.flow triggers CODE (its header says
// so), and what `flowc check` prints for it is CODE.err beside it. Each input holds only the
// declarations it changes and imports the rest of the standard program from base/ (cluster,
// sources, prep, model, train, release). UPDATE_GOLDEN=1 rewrites the
// .err files. The diagnostics are those of `flowc plan` (load, check, lower), so lowering's codes have
// examples too. Every code of the catalog has a golden example (E0012, a missing entry file, cannot be
// a file; it is checked through the loader; E0015, a file over 8 MiB, is rendered by
// test/program/loader.test.ts; E0220 is `flowc run`'s).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_CODES } from "../../src/diagnostics/catalog.js";
import { renderAll } from "../../src/diagnostics/render.js";
import { loadProgram } from "../../src/program/loader.js";
import { planPath } from "../../src/pipeline.js";

const DIR = "test/golden/diagnostics";
const cases = readdirSync(DIR).filter((f) => /^[EW]\d{4}\.flow$/.test(f)).map((f) => f.slice(0, 5)).sort();

describe("golden diagnostics", () => {
  it.each(cases)("%s", (code) => {
    const res = planPath(join(DIR, `${code}.flow`));
    expect(res.diagnostics.map((d) => d.code)).toContain(code);
    const text = renderAll(res.diagnostics, res.texts, { color: false, cwd: process.cwd() });
    const golden = join(DIR, `${code}.err`);
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(golden)) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  it("every code of the catalog has a golden example", () => {
    // E0220 (an input this machine cannot read) comes from `flowc run`: test/e2e/run-local.test.ts.
    // E05xx are about the cluster profiles YAML, not a .flow file: test/profile/profiles.test.ts.
    const missing = ALL_CODES.map((c) => c.code).filter((c) => !cases.includes(c) && !["E0012", "E0015", "E0220"].includes(c) && !/^E05\d\d$/.test(c));
    expect(missing).toEqual([]);
  });

  it("E0012: a missing entry file", () => {
    const r = loadProgram("test/golden/diagnostics/no-such-file.flow");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0012"]);
  });
});
