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

/** tiny.flow with its run's token count (and its last stage's end) replaced. */
const RUN_TOKENS = /tokens      = ([\d_]+)/.exec(TINY)![1]!;
const tinyWithTokens = (t: string) => TINY.replace(`tokens      = ${RUN_TOKENS}`, `tokens      = ${t}`).replace(`until = ${RUN_TOKENS}`, `until = ${t}`);
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length;

describe("exactness: quantities are exact or a range error at their span", () => {
  test.each([
    ["1e30", "E0115"],
    ["9007199254740993", "E0115"],
    ["1" + "0".repeat(399), "E0017"],
    ["1e400", "E0017"],
    ["1e99999999", "E0017"],
  ])("tokens = %s is %s on the run's tokens line", async (value, code) => {
    const text = tinyWithTokens(value);
    const r = await on(text, "plan", "--json");
    expect(r.code).toBe(1);
    expect(codes(r.stderr)[0]).toBe(code);
    expect(r.stderr).toContain(`:${lineOf(text, `tokens      = ${value}`)}:`);
    expect(r.stderr.length).toBeLessThan(20_000);
  });

  test("`lr = 1e400` is reported at its own span", async () => {
    const text = TINY.replace("lr = 3e-3", "lr = 1e400");
    const r = await on(text);
    expect(r.code).toBe(1);
    expect(codes(r.stderr)).toEqual(["E0017"]);
    expect(r.stderr).toContain(`:${lineOf(text, "lr = 1e400")}:${text.split("\n")[lineOf(text, "lr = 1e400") - 1]!.indexOf("1e400") + 1}: error[E0017]`);
  });

  test("model sizes of 1e100 are E0017, of 1e20 E0115; never an internal error", async () => {
    expect(codes((await on(TINY.replace("d_model  = 64", "d_model  = 1e100"))).stderr)).toContain("E0017");
    expect(codes((await on(TINY.replace("d_model  = 64", "d_model  = 1e20"))).stderr)).toContain("E0115");
    const big = await on(TINY.replace("layers   = 2", "layers   = 1e15").replace("d_model  = 64", "d_model  = 1e15"));
    expect(big.code).toBe(1);
  });

  test("a 100T-token run on a 30-minute walltime: E0171, not a heap of jobs", async () => {
    const text = tinyWithTokens("100T").replace(/tokens = (2M|500K|300K),/g, "tokens = 300T,").replace(/assert \{[^}]*\}/, "");
    for (const cmd of ["check", "plan"]) {
      const r = await on(text, cmd, ...(cmd === "plan" ? ["--json"] : []));
      expect(r.code).toBe(1);
      expect(codes(r.stderr)).toContain("E0171");
    }
  });

  test("plan of an empty file is E0400", async () => {
    const r = await on("", "plan");
    expect(r.code).toBe(1);
    expect(codes(r.stderr)).toEqual(["E0400"]);
  });
});

describe("silent wrong results the checker now refuses", () => {
  test("a batch larger than the run's tokens is E0112 at the batch", async () => {
    const text = TINY.replace(/tokens      = [\d_]+/, "tokens      = 4_096").replace(/until = [\d_]+, mix \{ clean.web = 50%/, "until = 4_096, mix { clean.web = 50%").replace(/until = 614_400/, "until = 2_048").replace(/assert \{[^}]*\}/, "");
    const r = await on(text);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E0112\]: The batch of 8,192 tokens is larger than the run's 4,096 tokens/);
    expect(r.stderr).toContain(`:${lineOf(text, "batch       =")}:`);
  });

  test.each([["weight_decay = 0.1", "weight_decay = -0.1"], ["clip = 1.0", "clip = -1"]])("`%s` → `%s` is E0112", async (from, to) => {
    const text = TINY.replace(from, to);
    const r = await on(text);
    expect(r.code).toBe(1);
    expect(codes(r.stderr)).toEqual(["E0112"]);
    expect(r.stderr).toContain(`\`${to.split(" ")[0]}\` must be`);
  });

  test.each([
    ["ngram = 5, permutations = 64", "ngram = 0, permutations = 64", /`ngram` must be at least 1 in the `dedup` step/],
    ["permutations = 64, bands = 8", "permutations = 60, bands = 8", /8 bands do not divide 60 permutations/],
  ])("dedup `%s` → `%s` is E0112 at the value", async (from, to, message) => {
    const text = TINY.replace(from, to);
    expect(text).not.toBe(TINY);
    const r = await on(text);
    expect(r.code).toBe(1);
    expect(codes(r.stderr)).toEqual(["E0112"]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`:${lineOf(text, to)}:`);
  });

  // Found by test/property/bounds.property.test.ts: each planned, then crashed the lowering or was a
  // plan flowrt's loader refuses.
  test.each([
    ["ngram = 5, permutations = 64", "ngram = 1e15, permutations = 64", "E0112", /`ngram` must be at most 1000 in the `dedup` step, but is 1000000000000000/],
    ["ngram = 5, permutations = 64", "ngram = 5, permutations = 8192", "E0112", /`permutations` must be at most 4096/],
    ["max_walltime   = 30m", "max_walltime   = 1e30m", "E0115", /This duration is more than the limit of 1,000,000,000,000,000 seconds/],
    ["  heads    = 4", "  heads    = 4\n  rope_theta = 0", "E0112", /`rope_theta` must be positive, but is 0/],
  ])("`%s` → `%s` is %s at the value, not a crash", async (from, to, code, message) => {
    const text = TINY.replace(from, to);
    expect(text).not.toBe(TINY);
    for (const cmd of ["check", "plan"]) {
      const r = await on(text, cmd);
      expect(r.code).toBe(1);
      expect(codes(r.stderr)).toEqual([code]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(`:${lineOf(text, to.split("\n").at(-1)!)}:`);
    }
  });
});

describe("messages", () => {
  test("a 5 MB one-line identifier prints a short excerpt around the span", async () => {
    const r = await on(`source ${"x".repeat(5_000_000)} { tokens = 2M, bogus = 1 }\n`);
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/…/);
  });

  test("a NUL byte is named, not printed raw", async () => {
    const r = await on("source web {\n  tokens = 2M \u0000\n}\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("U+0000");
    expect(r.stderr).not.toContain("\u0000");
  });

  test("a budget exceeded a billion times over reads as a multiple, not `2.7e+52%`", async () => {
    const olmo = fs.readFileSync(path.join(REPO, "examples/olmo-7b.flow"), "utf8").replace("budget        = 100_000 gpu_hours", "budget        = 0.000001 gpu_hours");
    const r = await on(olmo);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/over by [\d,.e+]+ GPU-hours \([\d,.e+]+× the budget\)/);
    expect(r.stderr).not.toMatch(/e\+\d+%/);
  });

  test("a control character inside a string is shown in the excerpt as its picture, not dropped", async () => {
    const r = await on('source web { uri = "a\u0000b.jsonl", tokens = 2M }\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"a\u2400b.jsonl"');
    expect(r.stderr).not.toContain('"ab.jsonl"');
  });
});
