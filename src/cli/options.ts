// The typed option table: every command declares its flags and arguments as data, and one parser
// turns argv into typed values (or a usage error with a hint). Help text is generated from the
// same data, so what `--help` says and what the parser accepts cannot drift apart.
import { suggest } from "../diagnostics/suggest.js";

interface FlagBase {
  /** One line for `--help`. */
  readonly help: string;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
}
export interface BooleanFlag extends FlagBase {
  readonly type: "boolean";
}
export interface StringFlag extends FlagBase {
  readonly type: "string";
  /** The value's name in help: `--out DIR`. */
  readonly value: string;
  readonly default?: string;
  readonly required?: boolean;
}
export interface IntegerFlag extends FlagBase {
  readonly type: "integer";
  readonly value: string;
  readonly default?: number;
  readonly min?: number;
  readonly required?: boolean;
}
export interface EnumFlag extends FlagBase {
  readonly type: "enum";
  readonly choices: readonly string[];
  readonly default?: string;
  readonly required?: boolean;
}
export type FlagSpec = BooleanFlag | StringFlag | IntegerFlag | EnumFlag;
export type FlagTable = Readonly<Record<string, FlagSpec>>;

export interface PositionalSpec {
  /** Upper case in help: `FILE`. */
  readonly name: string;
  readonly help: string;
  /** `one`: exactly one; `optional`: zero or one; `many`: one or more. */
  readonly arity: "one" | "optional" | "many";
}

/** A flag's parsed type: defaults and `required` make it present; otherwise it may be undefined. */
type Present<F, T> = F extends { readonly default: unknown } | { readonly required: true } ? T : T | undefined;
export type FlagValue<F extends FlagSpec> = F extends BooleanFlag
  ? boolean
  : F extends EnumFlag
    ? Present<F, F["choices"][number]>
    : F extends IntegerFlag
      ? Present<F, number>
      : Present<F, string>;
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: FlagValue<T[K]> };

export interface Parsed<T extends FlagTable> {
  readonly flags: FlagValues<T>;
  readonly positionals: readonly string[];
}

export interface UsageProblem {
  readonly message: string;
  /** One line that says what to do instead. */
  readonly hint?: string;
}

export type ParseResult<T extends FlagTable> = { readonly ok: true; readonly value: Parsed<T> } | { readonly ok: false; readonly problem: UsageProblem };

export function flagName(name: string): string {
  return `--${name}`;
}

/** How a flag's value looks in help and messages: `<text|json>`, `DIR`. */
export function valueHint(f: FlagSpec): string {
  if (f.type === "boolean") return "";
  if (f.type === "enum") return `<${f.choices.join("|")}>`;
  return f.value;
}

const orList = (xs: readonly string[]) =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1] ?? ""}`;

/**
 * Parse `argv` against a flag table and positional specs. `--name value`, `--name=value`, `-x`,
 * and `--` (everything after it is positional) are understood; anything else is a usage problem.
 */
export function parseArgs<T extends FlagTable>(
  flags: T,
  positionalSpecs: readonly PositionalSpec[],
  argv: readonly string[],
  helpCommand: string,
): ParseResult<T> {
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(flags)) if (spec.short) byShort.set(spec.short, name);
  const fail = (message: string, hint?: string): ParseResult<T> => ({
    ok: false,
    problem: { message, hint: hint ?? `run \`${helpCommand} --help\` for usage` },
  });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      name = arg.length === 2 ? byShort.get(arg.slice(1)) : undefined;
      if (name === undefined) {
        const long = arg.slice(1);
        if (long in flags) return fail(`unknown option \`${arg}\``, `did you mean \`--${long}\`?`);
        return fail(`unknown option \`${arg}\``);
      }
    }
    const spec = Object.prototype.hasOwnProperty.call(flags, name) ? flags[name] : undefined;
    if (spec === undefined) {
      const near = suggest(name, Object.keys(flags));
      return fail(`unknown option \`${arg.split("=")[0]}\``, near !== undefined ? `did you mean \`--${near}\`?` : undefined);
    }
    const shown = flagName(name);
    if (spec.type === "boolean") {
      if (inline !== undefined) return fail(`option \`${shown}\` takes no value`, `write \`${shown}\` alone`);
      values[name] = true;
      continue;
    }
    if (given.has(name)) return fail(`option \`${shown}\` is given twice`, "give it once");
    given.add(name);
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-" && !/^-\d/.test(next))) {
        return fail(`option \`${shown}\` needs a value`, `write \`${shown} ${valueHint(spec)}\``);
      }
      raw = next;
      i++;
    }
    const v = convert(name, spec, raw);
    if (!v.ok) return { ok: false, problem: v.problem };
    values[name] = v.value;
  }

  for (const [name, spec] of Object.entries(flags)) {
    if (values[name] !== undefined) continue;
    if (spec.type === "boolean") values[name] = false;
    else if (spec.default !== undefined) values[name] = spec.default;
    else if (spec.required) return fail(`missing option \`${flagName(name)} ${valueHint(spec)}\``, `run \`${helpCommand} --help\` for usage`);
  }

  const counted = checkPositionals(positionalSpecs, positionals, helpCommand);
  if (counted) return { ok: false, problem: counted };
  return { ok: true, value: { flags: values as FlagValues<T>, positionals } };
}

function convert(name: string, spec: Exclude<FlagSpec, BooleanFlag>, raw: string): { ok: true; value: unknown } | { ok: false; problem: UsageProblem } {
  const shown = flagName(name);
  if (spec.type === "enum") {
    if (spec.choices.includes(raw)) return { ok: true, value: raw };
    const near = suggest(raw, spec.choices);
    return {
      ok: false,
      problem: {
        message: `invalid value \`${raw}\` for \`${shown}\``,
        hint: near !== undefined ? `did you mean \`${near}\`?` : `expected ${orList(spec.choices.map((c) => `\`${c}\``))}`,
      },
    };
  }
  if (spec.type === "integer") {
    const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n)) return { ok: false, problem: { message: `invalid value \`${raw}\` for \`${shown}\``, hint: `expected a whole number` } };
    if (spec.min !== undefined && n < spec.min) {
      return { ok: false, problem: { message: `invalid value \`${raw}\` for \`${shown}\``, hint: `expected a whole number of at least ${spec.min}` } };
    }
    return { ok: true, value: n };
  }
  if (raw === "") return { ok: false, problem: { message: `option \`${shown}\` needs a non-empty value`, hint: `write \`${shown} ${spec.value}\`` } };
  return { ok: true, value: raw };
}

function checkPositionals(specs: readonly PositionalSpec[], got: readonly string[], helpCommand: string): UsageProblem | undefined {
  const usage = `usage: ${helpCommand} [options] ${usageArgs(specs)}`.trimEnd();
  let i = 0;
  for (const spec of specs) {
    if (spec.arity === "many") {
      if (i >= got.length) return { message: `missing ${spec.name}`, hint: usage };
      i = got.length;
    } else if (spec.arity === "one") {
      if (i >= got.length) return { message: `missing ${spec.name}`, hint: usage };
      i++;
    } else if (i < got.length) i++;
  }
  if (i < got.length) return { message: `unexpected argument \`${got[i] ?? ""}\``, hint: usage };
  return undefined;
}

export function usageArgs(specs: readonly PositionalSpec[]): string {
  return specs
    .map((s) => (s.arity === "many" ? `${s.name}...` : s.arity === "optional" ? `[${s.name}]` : s.name))
    .join(" ");
}
