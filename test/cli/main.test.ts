// The CLI's own behaviour: help, version, usage errors, explain, unreadable FILEs, and the commands
// that are not built yet. Runs in-process (src/cli/main.ts) with real files in a scratch directory.
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { ALL_CODES } from "../../src/diagnostics/catalog.js";
import { runCli, scratch } from "./harness.js";

const files = scratch({ "a.flow": "source web { tokens = 1M }\n", "sub/b.flow": "", "empty/readme.txt": "x" });
afterAll(files.cleanup);
const at = { cwd: files.dir };

describe("flowc", () => {
  test("--help lists every command of the README; exit 0 on stdout", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const name of ["check", "fmt", "explain", "plan", "compile", "test", "run", "submit", "status", "logs", "cancel"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    }
  });

  test("no command: the help on stderr, exit 2", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Usage: flowc");
  });

  test("--version and -V print the package version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^flowc \d+\.\d+\.\d+\n$/), stderr: "" });
    }
  });

  test("every command has --help (before or after it, or via `flowc help`) naming its options", async () => {
    for (const cmd of COMMANDS) {
      const forms = [[cmd.name, "--help"], ["--help", cmd.name], ["help", cmd.name], [cmd.name, "-h", "--bogus"]];
      for (const argv of forms) {
        const r = await runCli(argv, at);
        expect(r.code, argv.join(" ")).toBe(0);
        expect(r.stdout).toContain(`Usage: flowc ${cmd.name}`);
        for (const flag of Object.keys(cmd.flags)) expect(r.stdout).toContain(`--${flag}`);
      }
    }
  });

  test("unknown command: did you mean, exit 2", async () => {
    expect(await runCli(["chek", "a.flow"], at)).toEqual({
      code: 2,
      stdout: "",
      stderr: "flowc: unknown command `chek`\nhelp: did you mean `flowc check`?\n",
    });
    expect((await runCli(["frobnicate"], at)).stderr).toBe("flowc: unknown command `frobnicate`\nhelp: run `flowc --help` to see the commands\n");
    expect((await runCli(["help", "fnt"], at)).stderr).toBe("flowc: unknown command `fnt`\nhelp: did you mean `flowc help fmt`?\n");
  });

  test("usage errors are two lines, exit 2: unknown flag, missing FILE, bad value", async () => {
    expect(await runCli(["check", "--formt", "json", "a.flow"], at)).toEqual({
      code: 2,
      stdout: "",
      stderr: "flowc check: unknown option `--formt`\nhelp: did you mean `--format`?\n",
    });
    expect(await runCli(["check"], at)).toEqual({ code: 2, stdout: "", stderr: "flowc check: missing FILE\nhelp: usage: flowc check [options] FILE...\n" });
    expect((await runCli(["--color", "sometimes", "check", "a.flow"], at)).stderr).toBe(
      "flowc: invalid value `sometimes` for `--color`\nhelp: expected `auto`, `always` or `never`\n",
    );
    expect((await runCli(["fmt", "--check", "--write", "a.flow"], at)).code).toBe(2);
  });

  test("missing or unreadable FILE: exit 2 with the reason, for check, fmt, plan, test and run", async () => {
    for (const cmd of ["check", "fmt", "plan", "test", "run"]) {
      const r = await runCli([cmd, "nope.flow"], at);
      expect(r).toEqual({ code: 2, stdout: "", stderr: `flowc ${cmd}: cannot read \`nope.flow\`: no such file or directory\n` });
    }
    expect((await runCli(["check", "empty"], at)).stderr).toBe("flowc check: no .flow files under `empty`\n");
    expect((await runCli(["plan", "sub"], at)).stderr).toBe("flowc plan: cannot read `sub`: is a directory\n");
  });

  test.each([
    [["submit", "build", "--dry-run"], "flowc submit: error: build is not a directory"],
    [["status", "build"], "flowc status: error: build is not a directory"],
    [["logs", "build", "curate.clean"], "flowc logs: error: build is not a directory"],
    [["cancel", "build"], "flowc cancel: error: build is not a directory"],
    [["status", "sub"], "flowc status: error: " + "SUB/target.json does not exist: this is not a compiled directory"],
  ])("flowc %j: a DIR that is not a compiled directory, exit 2 with what to do", async (argv, first) => {
    const r = await runCli(argv, at);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${first.replace("SUB", `${files.dir}/sub`)}\nhelp: write it with \`flowc compile FILE --target slurm --out DIR\`\n`);
  });

  test("commands not built yet still check their arguments first", async () => {
    expect((await runCli(["compile", "a.flow", "--out", "b"], at)).stderr).toBe(
      "flowc compile: missing option `--target <slurm|ray>`\nhelp: run `flowc compile --help` for usage\n",
    );
    expect((await runCli(["compile", "a.flow", "--target", "slrum", "--out", "b"], at)).stderr).toBe(
      "flowc compile: invalid value `slrum` for `--target`\nhelp: did you mean `slurm`?\n",
    );
    expect((await runCli(["logs", "build"], at)).stderr).toBe("flowc logs: missing STEP\nhelp: usage: flowc logs [options] DIR STEP\n");
  });
});

describe("flowc explain", () => {
  test("an unknown code: exit 2 with a hint", async () => {
    const r = await runCli(["explain", "X123"], at);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^flowc explain: unknown code `X123`/);
    if (ALL_CODES.length === 0) expect(r.stderr).toContain("the catalog has no codes yet");
    else expect(r.stderr.split("\n")[1]).toMatch(/^help: (did you mean `[EW]\d{4}`\?|run `flowc explain --list`)/);
  });

  test("missing CODE, or CODE with --list: exit 2", async () => {
    expect((await runCli(["explain"], at)).code).toBe(2);
    expect((await runCli(["explain", "E0001", "--list"], at)).code).toBe(2);
  });

  test("--list prints one line per code", async () => {
    const r = await runCli(["explain", "--list"], at);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(Math.max(1, ALL_CODES.length));
  });
});

test("scratch paths are real", () => {
  expect(path.isAbsolute(files.dir)).toBe(true);
});
