// Hostile input through the CLI: every case is a clear diagnostic (file:line:col, code, help) and
// exit 1, or the right result; never an internal error or a stack trace, never a hang.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { MAX_EXPRESSION_DEPTH, MAX_NESTING } from "../../src/units/limits.js";
import { REPO, runCli, scratch } from "./harness.js";

const TINY = fs.readFileSync(path.join(REPO, "examples/tiny.flow"), "utf8");
const files = scratch({});
afterAll(files.cleanup);

/** Runs `flowc ARGS… FILE` on `text` written to a scratch file. */
async function on(text: string, ...args: string[]) {
  const name = `case-${Math.random().toString(36).slice(2)}.flow`;
  fs.writeFileSync(path.join(files.dir, name), text);
  for (const d of ["data"]) if (!fs.existsSync(path.join(files.dir, d))) fs.symlinkSync(path.join(REPO, "examples", d), path.join(files.dir, d));
  const r = await runCli([...(args.length ? args : ["check"]), name], { cwd: files.dir });
  expect(r.stderr).not.toMatch(/internal error|    at /);
  return r;
}

const codes = (stderr: string) => [...stderr.matchAll(/error\[(E\d{4})\]/g)].map((m) => m[1]);

describe("crashes: nesting and long chains", () => {
  test("300 `[` and 300 `(` are E0008 at the level past the limit", async () => {
    for (const [open, close] of [["[", "]"], ["(", ")"]] as const) {
      const r = await on(`source web { tags = ${open.repeat(300)}1${close.repeat(300)} }\n`);
      expect(r.code).toBe(1);
      expect(codes(r.stderr)).toEqual(["E0008"]);
      // The block's `{` is the first level, so the 64th `[` is the one past the limit.
      expect(r.stderr).toContain(`:1:${"source web { tags = ".length + MAX_NESTING}: error[E0008]`);
    }
  });

  test(`nesting of exactly ${MAX_NESTING} levels parses`, async () => {
    const r = await on(`assert { ${"(".repeat(MAX_NESTING - 1)}1${")".repeat(MAX_NESTING - 1)} == 1 }\n`, "fmt");
    expect(r.code).toBe(0);
  });

  test("`1 + 1 + …` ×20,000 is E0009, once, in check, plan and fmt", async () => {
    const text = TINY.replace("nodes       = 1", `nodes       = ${Array(20000).fill("1").join(" + ")}`);
    for (const cmd of ["check", "plan", "fmt"]) {
      const r = await on(text, cmd);
      expect(r.code).toBe(1);
      expect(codes(r.stderr)).toEqual(["E0009"]);
    }
  });

  test(`an expression ${MAX_EXPRESSION_DEPTH} deep is still a value`, async () => {
    // n - 1 terms and one subtraction: a tree of n - 1 operations over a leaf, n deep.
    const r = await on(TINY.replace("nodes       = 1", `nodes       = ${Array(MAX_EXPRESSION_DEPTH - 1).fill("1").join(" + ")} - ${MAX_EXPRESSION_DEPTH - 2}`));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
