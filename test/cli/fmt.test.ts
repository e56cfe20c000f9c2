// `flowc fmt` with the real formatter (src/syntax/format.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { formatText } from "../../src/syntax/format.js";
import { REPO, runCli, scratch } from "./harness.js";

const TINY = fs.readFileSync(path.join(REPO, "examples/tiny.flow"), "utf8");
const MESSY = "source   web{uri=\"data/*.jsonl\",tokens=2M}\n\n\n\nsource code { uri = \"c\"\n tokens = 1M }\n";
const BROKEN = "source web {\n  tokens = = 2M\n}\n";

describe("flowc fmt", () => {
  const files = scratch({ "messy.flow": MESSY, "broken.flow": BROKEN, "d/x.flow": MESSY, "d/y.flow": TINY });
  afterAll(files.cleanup);
  const at = { cwd: files.dir };
  const read = (f: string) => fs.readFileSync(path.join(files.dir, f), "utf8");

  test("default: the formatted text on stdout, the file untouched; formatting it again changes nothing", async () => {
    const r = await runCli(["fmt", "messy.flow"], at);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe(MESSY);
    expect(r.stdout).toContain("source web");
    expect(read("messy.flow")).toBe(MESSY);
    fs.writeFileSync(path.join(files.dir, "once.flow"), r.stdout);
    expect((await runCli(["fmt", "once.flow"], at)).stdout).toBe(r.stdout);
  });

  test("--check lists the files that would change and exits 1; leaves them alone", async () => {
    const r = await runCli(["fmt", "--check", "d"], at);
    expect(r.code).toBe(1);
    const expected = formatText(TINY, "y").value === TINY ? "d/x.flow\n" : "d/x.flow\nd/y.flow\n";
    expect(r.stdout).toBe(expected);
    expect(r.stderr).toMatch(/would be reformatted/);
    expect(read("d/x.flow")).toBe(MESSY);
  });

  test("--write rewrites in place, then --check passes", async () => {
    const w = await runCli(["fmt", "--write", "d/x.flow"], at);
    expect(w).toEqual({ code: 0, stdout: "formatted d/x.flow\n", stderr: "" });
    expect(read("d/x.flow")).not.toBe(MESSY);
    expect(await runCli(["fmt", "--check", "d/x.flow"], at)).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await runCli(["fmt", "--write", "d/x.flow"], at)).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("a file that does not parse: diagnostics, exit 1, and never rewritten", async () => {
    const r = await runCli(["fmt", "--write", "broken.flow"], at);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^broken\.flow:2:\d+: error\[E00\d\d\]: /m);
    expect(read("broken.flow")).toBe(BROKEN);
  });
});
