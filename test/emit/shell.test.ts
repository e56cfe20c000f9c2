// Shell quoting, proved on real shells: adversarial strings go through bash (and dash, the /bin/sh
// of Debian login shells) and must arrive byte for byte, with nothing executed and no glob expanded.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { assignment, joinArgv, literalFilenamePattern, quote, quotePath, sbatchDirective, ShellStringError } from "../../src/emit/shell.js";
import { bashSyntax, shellcheck } from "./shellcheck.js";

const work = mkdtempSync(join(tmpdir(), "flowc-shell-"));
// Files a stray glob would expand to, and the canary an injected command would create.
for (const f of ["a", "b", "-rf", "*", "x y"]) writeFileSync(join(work, f), "");
const CANARY = "PWNED";
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Fragments chosen to break naive quoting, mixed with arbitrary Unicode text. */
const fragment = fc.oneof(
  fc.constantFrom(
    "'", '"', "\\", "`touch PWNED`", "$(touch PWNED)", "$((1+1))", "${HOME}", "$HOME", "$1", "$@", "$'\\x41'",
    ";touch PWNED;", "&& touch PWNED", "| touch PWNED", "\n touch PWNED\n", "\r\n", "\t", " ", "  ",
    "*", "?", "[ab]", "{a,b}", "~", "~root", "!", "!!", "#", "-", "--", "-rf", "=", "a=b", "%", "%1",
    "<", ">", ">>x", "2>&1", "(", ")", "é", "日本語", "🚀", "\u00a0", "\u2028", "\u202e", "\x7f", "\x01",
  ),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.string({ unit: "binary-ascii", maxLength: 6 }),
);
const adversarial = fc
  .array(fragment, { maxLength: 6 })
  .map((parts) => parts.join(""))
  .filter((s) => !s.includes("\0"));

/** What a shell prints for `printf '%s\0' <args>`: the arguments it received. */
function received(shell: string, script: string): string[] {
  const out = execFileSync(shell, ["-c", script], { cwd: work, encoding: "utf8", maxBuffer: 1 << 24 });
  const parts = out.split("\0");
  expect(parts.pop()).toBe("");
  return parts;
}

function noInjection(): void {
  expect(existsSync(join(work, CANARY)), "a quoted string ran a command").toBe(false);
}

const shells = ["bash", ...(spawnSync("dash", ["-c", "true"]).status === 0 ? ["dash"] : [])];

describe.each(shells)("quote through real %s", (shell) => {
  it("every adversarial argument arrives intact and nothing runs", () => {
    fc.assert(
      fc.property(fc.array(adversarial, { minLength: 1, maxLength: 5 }), (args) => {
        const got = received(shell, `printf '%s\\0' ${args.map((a) => quote(a)).join(" ")}`);
        expect(got).toEqual(args);
        noInjection();
      }),
      { numRuns: 150 },
    );
  });

  it("an argv with an adversarial program name runs that very program", () => {
    fc.assert(
      fc.property(adversarial.filter((s) => s !== "" && !s.includes("/") && s !== "." && s !== ".."), fc.array(adversarial, { maxLength: 3 }), (name, args) => {
        const prog = join(work, `prog-${name}`);
        writeFileSync(prog, "#!/bin/sh\nprintf '%s\\0' \"$#\" \"$@\"\n");
        chmodSync(prog, 0o755);
        try {
          expect(received(shell, joinArgv([prog, ...args]))).toEqual([String(args.length), ...args]);
        } finally {
          rmSync(prog, { force: true });
        }
        noInjection();
      }),
      { numRuns: 60 },
    );
  });

  it("paths under ~/ resolve to the home directory, with the rest literal", () => {
    fc.assert(
      fc.property(adversarial, (rest) => {
        const got = execFileSync(shell, ["-c", `printf '%s\\0' ${quotePath(`~/${rest}`)} ${quotePath(rest)}`], { cwd: work, encoding: "utf8", env: { ...process.env, HOME: "/home/x y" } });
        const home = (p: string) => (p === "~" ? "/home/x y" : p.startsWith("~/") ? `/home/x y/${p.slice(2)}` : p);
        expect(got).toBe(`${home(`~/${rest}`)}\0${home(rest)}\0`);
        noInjection();
      }),
      { numRuns: 60 },
    );
  });

  it("assignments set the variable to the value", () => {
    fc.assert(
      fc.property(adversarial, (value) => {
        expect(received(shell, `${assignment("FLOWC_V", value)}; printf '%s\\0' "$FLOWC_V"`)).toEqual([value]);
        noInjection();
      }),
      { numRuns: 80 },
    );
  });
});

describe("quote", () => {
  it("leaves plain words readable and quotes everything else", () => {
    expect(quote("--job-name=train.pretrain")).toBe("--job-name=train.pretrain");
    expect(quote("/scratch/run 1")).toBe("'/scratch/run 1'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote("$HOME/`id`")).toBe("\\$'HOME/'\\`'id'\\`");
    expect(quote("")).toBe("''");
    expect(joinArgv(["A=b", "c"])).toBe("'A=b' c");
    expect(quote("~/x")).toBe("\\~'/x'");
    expect(quotePath("~/runs/a b")).toBe(`"$HOME"/'runs/a b'`);
    expect(quotePath("/runs/a")).toBe("/runs/a");
  });

  it("refuses NUL, an empty argv and a bad variable name with a message naming the string", () => {
    expect(() => quote("a\0b", "module name")).toThrow(ShellStringError);
    expect(() => quote("a\0b", "module name")).toThrow(/module name "a\\u0000b" contains a NUL byte/);
    expect(() => joinArgv([])).toThrow(/empty command/);
    expect(() => assignment("1X", "v")).toThrow(/not an environment variable name/);
    expect(() => assignment("A-B", "v")).toThrow(ShellStringError);
  });

  it("leaves the work directory as it was (no glob matched, no file written)", () => {
    expect(readdirSync(work).sort()).toEqual(["*", "-rf", "a", "b", "x y"].sort());
  });
});

describe("sbatch directive values", () => {
  it("quote what sbatch's scanner splits on or strips (read back by real sbatch in test/exec/slurm.test.ts)", () => {
    expect(sbatchDirective("train.pretrain")).toBe("train.pretrain");
    expect(sbatchDirective("a b#c")).toBe('"a b#c"');
    expect(sbatchDirective(`it's "x"\\`)).toBe(`"it's \\"x\\"\\\\"`);
    expect(sbatchDirective("")).toBe('""');
    expect(() => sbatchDirective("a\nb", "job name")).toThrow(/job name "a\\nb" contains a line break/);
  });

  it("double % so Slurm keeps a literal path", () => {
    expect(literalFilenamePattern("/runs/100%/log")).toBe("/runs/100%%/log");
  });
});

describe("scripts built with the quoting functions", () => {
  it("pass shellcheck and bash -n whatever the user strings are", () => {
    fc.assert(
      fc.property(adversarial, adversarial, adversarial, adversarial.filter((s) => !/[\n\r]/.test(s)), (dir, module, value, name) => {
        const script = [
          "#!/bin/bash",
          `#SBATCH --job-name=${sbatchDirective(name)}`,
          "set -euo pipefail",
          `module load ${quote(module)}`,
          `export ${assignment("FLOWC_VALUE", value)}`,
          `cd -- ${quotePath(dir)}`,
          `exec ${joinArgv(["python", "-m", "flowrt", "step", "--step", name])} --plan ${quotePath(`${dir}/plan.json`)}`,
          "",
        ].join("\n");
        expect(shellcheck(script), script).toEqual([]);
        expect(bashSyntax(script), script).toEqual([]);
      }),
      { numRuns: Number(process.env.FLOWC_SHELLCHECK_RUNS ?? 20) },
    );
  });
});
