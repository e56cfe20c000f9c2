// `flowc check` through the real pipeline (loader, parser, checker): syntax errors, imports, JSON,
// directories. The files that should check clean are the bundled tiny example.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { REPO, runCli, scratch } from "./harness.js";

const TINY = fs.readFileSync(path.join(REPO, "examples/tiny.flow"), "utf8");

const files = scratch({
  "ok.flow": TINY,
  "broken.flow": "source web {\n  uri = \"data/*.jsonl\"\n  tokens = = 2M\n}\n",
  "two.flow": "source web {\n  tokens = = 2M\n}\n\n\n\nsource code {\n  uri = ]\n}\n",
  "imports-missing.flow": 'import "nope.flow"\n' + TINY,
  "main.flow": 'import "lib/bad.flow"\n',
  "lib/bad.flow": "model m {\n  layers = = 2\n}\n",
  "dir/a.flow": TINY,
  "dir/b.flow": TINY,
});
afterAll(files.cleanup);
const at = { cwd: files.dir };
const HEADER = /^([^\s:]+):(\d+):(\d+): (error|warning)\[([EW]\d{4})\]: (.+)$/;

const headers = (stderr: string) => stderr.split("\n").filter((l) => HEADER.test(l));

describe("flowc check (syntax, imports)", () => {
  test("the bundled examples have no syntax errors: exit 0, nothing on stdout", async () => {
    for (const ex of ["examples/tiny.flow", "examples/smollm2-1.7b.flow"]) {
      const r = await runCli(["check", ex], { cwd: REPO });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(headers(r.stderr)).toEqual([]);
    }
  });

  test("a syntax error: exit 1, `path:line:col: error[E00xx]: …`, the line, a caret, the summary", async () => {
    const r = await runCli(["check", "broken.flow"], at);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const [first] = headers(r.stderr);
    const m = HEADER.exec(first ?? "");
    expect(m?.[1]).toBe("broken.flow");
    expect(m?.[2]).toBe("3"); // the line of `tokens = = 2M`
    expect(m?.[5]).toMatch(/^E00\d\d$/); // syntax codes are E0001–E0099
    expect(r.stderr).toContain("3 |   tokens = = 2M\n");
    expect(r.stderr).toMatch(/\n {2}\| +\^/);
    expect(r.stderr).toMatch(/\nerror: \d+ errors?(?:, \d+ warnings?)? emitted\n/);
  });

  test("several syntax errors in one run", async () => {
    const r = await runCli(["check", "two.flow"], at);
    expect(r.code).toBe(1);
    const lines = headers(r.stderr).map((h) => Number(HEADER.exec(h)?.[2]));
    expect(lines).toContain(2);
    expect(lines).toContain(8);
  });

  test("--format json: the diagnostics as JSON on stdout, nothing human on stderr", async () => {
    const r = await runCli(["check", "--format", "json", "broken.flow"], at);
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(ds.length).toBeGreaterThan(0);
    for (const d of ds) {
      expect(Object.keys(d)).toEqual(expect.arrayContaining(["file", "line", "col", "endLine", "endCol", "severity", "code", "message", "hint"]));
    }
    expect(ds[0]).toMatchObject({ file: "broken.flow", line: 3, severity: "error" });
    expect(headers(r.stderr)).toEqual([]);
    const clean = await runCli(["check", "--format", "json", "ok.flow"], at);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual([]);
  });

  test("a missing import is an error at the import line", async () => {
    const r = await runCli(["check", "--format", "json", "imports-missing.flow"], at);
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout) as { file: string; line: number; message: string }[];
    expect(ds.some((d) => d.file === "imports-missing.flow" && d.line === 1 && d.message.includes("nope.flow"))).toBe(true);
  });

  test("an error inside an imported file names that file, relative to the working directory", async () => {
    const r = await runCli(["check", "main.flow"], at);
    expect(r.code).toBe(1);
    expect(HEADER.exec(headers(r.stderr)[0] ?? "")?.[1]).toBe("lib/bad.flow");
    expect(r.stderr).toContain("2 |   layers = = 2\n");
  });

  test("directories are searched for .flow files; several files are checked in one run", async () => {
    expect((await runCli(["check", "dir"], at)).code).toBe(0);
    const r = await runCli(["check", "dir", "broken.flow", "lib"], at);
    expect(r.code).toBe(1);
    expect(headers(r.stderr).map((h) => HEADER.exec(h)?.[1])).toEqual(expect.arrayContaining(["broken.flow", "lib/bad.flow"]));
  });
});
