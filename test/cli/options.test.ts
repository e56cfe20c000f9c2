import { describe, expect, test } from "vitest";
import { parseArgs, type FlagTable, type PositionalSpec } from "../../src/cli/options.js";

const flags = {
  format: { type: "enum", choices: ["text", "json"], default: "text", help: "" },
  "deny-warnings": { type: "boolean", help: "" },
  out: { type: "string", value: "DIR", help: "" },
  target: { type: "enum", choices: ["slurm", "ray"], help: "", required: true },
  runs: { type: "integer", value: "N", default: 100, min: 1, help: "" },
  seed: { type: "integer", value: "S", help: "" },
  help: { type: "boolean", short: "h", help: "" },
} as const satisfies FlagTable;
const files: PositionalSpec[] = [{ name: "FILE", arity: "many", help: "" }];

const ok = (argv: string[], pos: readonly PositionalSpec[] = files) => {
  const r = parseArgs(flags, pos, argv, "flowc x");
  if (!r.ok) throw new Error(`expected success, got ${r.problem.message}`);
  return r.value;
};
const problem = (argv: string[], pos: readonly PositionalSpec[] = files) => {
  const r = parseArgs(flags, pos, argv, "flowc x");
  if (r.ok) throw new Error("expected a usage problem");
  return r.problem;
};

describe("parseArgs", () => {
  test("defaults, typed values, and positionals in order wherever the flags are", () => {
    const v = ok(["a.flow", "--target", "ray", "b.flow", "--format=json", "--runs", "7", "--deny-warnings"]);
    expect(v.positionals).toEqual(["a.flow", "b.flow"]);
    expect(v.flags).toEqual({ format: "json", "deny-warnings": true, out: undefined, target: "ray", runs: 7, seed: undefined, help: false });
    // The types follow the table: a defaulted enum is never undefined, an optional string may be.
    const format: "text" | "json" = v.flags.format;
    const out: string | undefined = v.flags.out;
    const runs: number = v.flags.runs;
    expect([format, out, runs]).toEqual(["json", undefined, 7]);
  });

  test("short aliases, `--` and `-` (stdin) as positionals, negative numbers as values", () => {
    const v = ok(["-h", "--target=slurm", "--seed", "-3", "--", "--format", "-"]);
    expect(v.flags.help).toBe(true);
    expect(v.flags.seed).toBe(-3);
    expect(v.positionals).toEqual(["--format", "-"]);
  });

  test("unknown option: did you mean, or the help command", () => {
    expect(problem(["--formt", "json", "--target", "ray", "a"])).toEqual({ message: "unknown option `--formt`", hint: "did you mean `--format`?" });
    expect(problem(["--zzz", "a"])).toEqual({ message: "unknown option `--zzz`", hint: "run `flowc x --help` for usage" });
    expect(problem(["-format", "json"])).toEqual({ message: "unknown option `-format`", hint: "did you mean `--format`?" });
    expect(problem(["-q"]).message).toBe("unknown option `-q`");
  });

  test("bad values", () => {
    expect(problem(["--format", "xml", "--target", "ray", "a"])).toEqual({ message: "invalid value `xml` for `--format`", hint: "expected `text` or `json`" });
    expect(problem(["--target", "slrum", "a"])).toEqual({ message: "invalid value `slrum` for `--target`", hint: "did you mean `slurm`?" });
    expect(problem(["--runs", "1e3", "--target", "ray", "a"]).hint).toBe("expected a whole number");
    expect(problem(["--runs", "0", "--target", "ray", "a"]).hint).toBe("expected a whole number of at least 1");
    expect(problem(["--deny-warnings=yes"]).message).toBe("option `--deny-warnings` takes no value");
    expect(problem(["--out=", "--target", "ray", "a"]).message).toBe("option `--out` needs a non-empty value");
  });

  test("missing values, missing required options, repeated options", () => {
    expect(problem(["a", "--out"])).toEqual({ message: "option `--out` needs a value", hint: "write `--out DIR`" });
    expect(problem(["a", "--out", "--format", "json"]).message).toBe("option `--out` needs a value");
    expect(problem(["a"])).toEqual({ message: "missing option `--target <slurm|ray>`", hint: "run `flowc x --help` for usage" });
    expect(problem(["a", "--target", "ray", "--target", "slurm"]).message).toBe("option `--target` is given twice");
  });

  test("positional counts", () => {
    const one: PositionalSpec[] = [{ name: "DIR", arity: "one", help: "" }, { name: "STEP", arity: "optional", help: "" }];
    expect(ok(["--target", "ray", "d"], one).positionals).toEqual(["d"]);
    expect(ok(["--target", "ray", "d", "s"], one).positionals).toEqual(["d", "s"]);
    expect(problem(["--target", "ray"])).toEqual({ message: "missing FILE", hint: "usage: flowc x [options] FILE..." });
    expect(problem(["--target", "ray"], one)).toEqual({ message: "missing DIR", hint: "usage: flowc x [options] DIR [STEP]" });
    expect(problem(["--target", "ray", "d", "s", "extra"], one).message).toBe("unexpected argument `extra`");
  });

  test("flag names are looked up as own properties only", () => {
    expect(problem(["--constructor", "x"]).message).toBe("unknown option `--constructor`");
    expect(problem(["--__proto__=1"]).message).toBe("unknown option `--__proto__`");
  });
});
