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

  test("--write keeps a BOM, CRLF and the file's mode, follows a link, and replaces the file by rename", async () => {
    const crlf = "\ufeffsource   web{uri=\"d\",tokens=2M}  // t\r\n";
    fs.writeFileSync(path.join(files.dir, "crlf.flow"), crlf);
    fs.chmodSync(path.join(files.dir, "crlf.flow"), 0o640);
    fs.symlinkSync("crlf.flow", path.join(files.dir, "link.flow"));
    const inode = fs.statSync(path.join(files.dir, "crlf.flow")).ino;
    const w = await runCli(["fmt", "--write", "link.flow"], at);
    expect(w.code).toBe(0);
    expect(fs.lstatSync(path.join(files.dir, "link.flow")).isSymbolicLink()).toBe(true);
    const st = fs.statSync(path.join(files.dir, "crlf.flow"));
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.ino).not.toBe(inode); // a new file renamed into place, not the old one truncated
    expect(read("crlf.flow")).toBe("\ufeffsource web { uri = \"d\", tokens = 2M }  // t\r\n");
    expect(fs.readdirSync(files.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a file that is not UTF-8 is refused with the place of the bad byte, never rewritten", async () => {
    const bytes = Buffer.from("source web {\n  uri = \"caf\xe9\"\n}\n", "latin1");
    fs.writeFileSync(path.join(files.dir, "latin1.flow"), bytes);
    const r = await runCli(["fmt", "--write", "latin1.flow"], at);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/latin1\.flow.*not valid UTF-8 \(byte 0xE9 at line 2, column 13/);
    expect(fs.readFileSync(path.join(files.dir, "latin1.flow")).equals(bytes)).toBe(true);
  });

  test("the shipped examples are formatted", async () => {
    const examples = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".flow")).map((f) => path.join(REPO, "examples", f));
    const errors = fs.readdirSync(path.join(REPO, "examples/errors")).filter((f) => f.endsWith(".flow")).map((f) => path.join(REPO, "examples/errors", f));
    expect(await runCli(["fmt", "--check", ...examples, ...errors], at)).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});
