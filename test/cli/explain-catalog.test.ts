// `flowc explain` on the real catalog. Needs published codes: the front end's (codes/syntax.ts) and the
// checker's (codes/check.ts) land at merge; until then the first test fails by design.
import { afterAll, describe, expect, test } from "vitest";
import { ALL_CODES } from "../../src/diagnostics/catalog.js";
import { runCli, scratch } from "./harness.js";

const files = scratch({});
afterAll(files.cleanup);
const at = { cwd: files.dir };

test("the catalog has codes to explain", () => {
  expect(ALL_CODES.length).toBeGreaterThan(0);
});

describe.each(ALL_CODES.map((c) => [c.code, c] as const))("flowc explain %s", (code, info) => {
  test("prints its title, explanation and both examples; exit 0", async () => {
    const r = await runCli(["explain", code.toLowerCase()], at);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")[0]).toBe(`${info.severity}[${code}]: ${info.title}`);
    expect(r.stdout).toContain(info.explain.trim().split("\n")[0]);
    expect(r.stdout).toContain(`    ${info.wrong.trim().split("\n")[0]}`);
    expect(r.stdout).toContain(`    ${info.right.trim().split("\n")[0]}`);
  });
});

test("a near miss of a real code suggests it", async () => {
  const code = ALL_CODES[0]?.code ?? "E0001";
  const typo = code.slice(0, 3) + code[4] + code[3]; // swap the last two digits
  const r = await runCli(["explain", typo], at);
  if (ALL_CODES.some((c) => c.code === typo)) return; // the swap happens to be a real code too
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/\nhelp: did you mean `[EW]\d{4}`\?\n$/);
});

test("color: never without a terminal; --color always forces it; NO_COLOR beats a terminal", async () => {
  const code = ALL_CODES[0]?.code ?? "E0001";
  expect((await runCli(["explain", code], at)).stdout).not.toContain("\x1b[");
  expect((await runCli(["--color", "always", "explain", code], at)).stdout).toContain("\x1b[");
  expect((await runCli(["explain", code, "--color=always"], at)).stdout).toContain("\x1b[");
  expect((await runCli(["explain", code], { ...at, tty: true })).stdout).toContain("\x1b[");
  expect((await runCli(["explain", code], { ...at, tty: true, env: { NO_COLOR: "1" } })).stdout).not.toContain("\x1b[");
});
