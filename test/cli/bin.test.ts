// The installed command as users run it: `node bin/flowc.js` on a fresh `tsc` build, exit codes of
// the README's exit codes, stdout/stderr split, and never a stack trace. None of these needs the parser.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildBin, scratch, spawnCli } from "./harness.js";

let bin = "";
const files = scratch({ "a.flow": "source web { tokens = 1M }\n" });
beforeAll(async () => {
  bin = await buildBin("bin");
}, 120_000);
afterAll(files.cleanup);

const noTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);

describe("bin/flowc.js", () => {
  test("--version exits 0 and prints to stdout", async () => {
    const r = await spawnCli(bin, ["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowc \d+\.\d+\.\d+\n$/);
    expect(r.stderr).toBe("");
  });

  test("--help exits 0; no command exits 2", async () => {
    expect((await spawnCli(bin, ["--help"])).code).toBe(0);
    const none = await spawnCli(bin, []);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe("");
  });

  test("usage errors exit 2 with a one-line hint, on stderr", async () => {
    const r = await spawnCli(bin, ["check", "--formt", "json", "a.flow"], { cwd: files.dir });
    expect(r).toEqual({ code: 2, stdout: "", stderr: "flowc check: unknown option `--formt`\nhelp: did you mean `--format`?\n" });
    const missing = await spawnCli(bin, ["fmt"], { cwd: files.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd().split("\n")).toHaveLength(2);
  });

  test("a missing file exits 2 with the reason and no stack trace", async () => {
    const r = await spawnCli(bin, ["check", "missing.flow"], { cwd: files.dir });
    expect(r).toEqual({ code: 2, stdout: "", stderr: "flowc check: cannot read `missing.flow`: no such file or directory\n" });
    noTrace(r.stderr);
  });

  test("compile of a program with errors exits 1 with its diagnostics and writes nothing", async () => {
    const r = await spawnCli(bin, ["compile", "a.flow", "--target", "ray", "--out", "out"], { cwd: files.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("a.flow:1:8: error[E0105]: Source `web` is missing `uri`.");
    noTrace(r.stderr);
    expect(existsSync(join(files.dir, "out"))).toBe(false);
  });

  test("explain of an unknown code exits 2", async () => {
    const r = await spawnCli(bin, ["explain", "Q0000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flowc explain: unknown code `Q0000`/);
    noTrace(r.stderr);
  });

  test("`| head` closing the pipe early is not an error", async () => {
    const { execa } = await import("execa");
    const r = await execa("bash", ["-c", `node ${JSON.stringify(bin)} --help | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], { reject: false });
    expect(r.stderr).toBe("");
    expect(["0", "141"]).toContain(String(r.stdout).trim()); // 141: SIGPIPE before the handler runs
  });
});
