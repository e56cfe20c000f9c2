// `npm run schema` (with writeSchema.ts): the plan IR's JSON Schema turned into the frozen,
// keyword-only Python dataclasses flowrt loads plans into (runtime-py/flowrt/plan_types.py), so
// the runtime's types are the compiler's schema, never a hand-kept copy. Every `$defs` entry with
// properties becomes a class with a `from_json`; a discriminated union becomes a type alias, a
// `*_from_json` that dispatches on its discriminator and a `*_KINDS` table; `format: fraction`
// strings become `Fraction`s, arrays tuples, records FrozenDicts; `default`s become field defaults.

type Schema = {
  readonly type?: string;
  readonly $ref?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: Schema | boolean;
  readonly items?: Schema | boolean;
  readonly prefixItems?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly [k: string]: unknown;
};

const HEADER = `"""The plan IR as frozen, keyword-only dataclasses. Generated from plan.schema.json (itself generated
from the compiler's src/plan/ir.ts) by src/gen/pyPlan.ts: run \`npm run schema\`, do not edit.
Load a plan with \`flowrt.plan.load_plan\`, which validates it against the JSON Schema first."""
# ruff: noqa: E501
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Union

from .frozen import FrozenDict


def _fraction(s: str) -> Fraction:
    return Fraction(s)
`;

// Python keywords a JSON key may be: the field gets a trailing underscore (`from` -> `from_`).
const KEYWORDS = new Set(["False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
  "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
  "while", "with", "yield"]);
const field = (key: string) => (KEYWORDS.has(key) ? `${key}_` : key);
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const pascal = (name: string) => name.split(/[_\W]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");

function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 0 ? "()" : `(${v.map(pyLiteral).join(", ")}${v.length === 1 ? "," : ""})`;
  throw new Error(`no Python literal for ${JSON.stringify(v)}`);
}

function comment(text: string, indent: string): string[] {
  return text.split("\n").map((l) => `${indent}#: ${l}`);
}

class Generator {
  private readonly classes: string[] = [];
  private readonly unions: string[] = [];
  private readonly emitted = new Set<string>();

  constructor(private readonly defs: Readonly<Record<string, Schema>>) {}

  private refName(s: Schema): string | undefined {
    return s.$ref?.replace("#/$defs/", "");
  }

  private isUnion(s: Schema): boolean {
    return !!s.oneOf && s.oneOf.every((m) => this.refName(m) !== undefined);
  }

  /** Members of a union, with nested unions kept as themselves. */
  private discriminator(name: string, s: Schema): { prop: string; cases: [string, string][] } {
    const members = s.oneOf!.map((m) => this.refName(m)!);
    const constsOf = (n: string): Record<string, unknown> => {
      const d = this.defs[n]!;
      if (this.isUnion(d)) {
        const inner = d.oneOf!.map((m) => constsOf(this.refName(m)!));
        return Object.fromEntries(Object.entries(inner[0]!).filter(([k, v]) => inner.every((c) => c[k] === v)));
      }
      return Object.fromEntries(Object.entries(d.properties ?? {}).filter(([, p]) => p.const !== undefined).map(([k, p]) => [k, p.const]));
    };
    const all = members.map(constsOf);
    const prop = Object.keys(all[0]!).find((k) => all.every((c) => c[k] !== undefined) && new Set(all.map((c) => c[k])).size === all.length);
    if (!prop) throw new Error(`union ${name} has no discriminator`);
    return { prop, cases: members.map((m, i) => [String(all[i]![prop]), m]) };
  }

  /** Python annotation of a schema; `hint` names an inline object's class. */
  type(s: Schema, hint: string): string {
    const ref = this.refName(s);
    if (ref) { this.def(ref); return ref; }
    if (s.const !== undefined) return `Literal[${pyLiteral(s.const)}]`;
    if (s.enum) return `Literal[${s.enum.map(pyLiteral).join(", ")}]`;
    const alts = s.anyOf ?? s.oneOf;
    if (alts && alts.every((a) => a.const !== undefined)) return `Literal[${alts.map((a) => pyLiteral(a.const)).join(", ")}]`;
    switch (s.type) {
      case "string": return s.format === "fraction" ? "Fraction" : "str";
      case "integer": return "int";
      case "number": return "float";
      case "boolean": return "bool";
      case "array":
        if (s.prefixItems) return `tuple[${s.prefixItems.map((p, i) => this.type(p, `${hint}${i}`)).join(", ")}]`;
        return `tuple[${this.type(s.items as Schema, hint)}, ...]`;
      case "object":
        if (s.properties) { this.object(hint, s); return hint; }
        return `FrozenDict[str, ${this.type(s.additionalProperties as Schema, hint)}]`;
    }
    throw new Error(`no Python type for ${JSON.stringify(s).slice(0, 200)}`);
  }

  /** Expression converting the JSON value `e` to the annotation's type. */
  conv(s: Schema, e: string, hint: string): string {
    const ref = this.refName(s);
    if (ref) return this.isUnion(this.defs[ref]!) ? `${snake(ref)}_from_json(${e})` : `${ref}.from_json(${e})`;
    if (s.const !== undefined || s.enum) return e;
    if (s.type === "string" && s.format === "fraction") return `_fraction(${e})`;
    if (s.type === "number") return `float(${e})`;
    if (s.type === "array") {
      if (s.prefixItems) return `(${s.prefixItems.map((p, i) => this.conv(p, `${e}[${i}]`, `${hint}${i}`)).join(", ")})`;
      const inner = this.conv(s.items as Schema, "x", hint);
      return inner === "x" ? `tuple(${e})` : `tuple(${inner} for x in ${e})`;
    }
    if (s.type === "object") {
      if (s.properties) return `${hint}.from_json(${e})`;
      const inner = this.conv(s.additionalProperties as Schema, "v", hint);
      return inner === "v" ? `FrozenDict(${e})` : `FrozenDict({k: ${inner} for k, v in ${e}.items()})`;
    }
    return e;
  }

  def(name: string): void {
    if (this.emitted.has(name)) return;
    this.emitted.add(name);
    const s = this.defs[name];
    if (!s) throw new Error(`no $defs/${name}`);
    if (this.isUnion(s)) this.union(name, s);
    else this.object(name, s);
  }

  /**
   * A class for an object schema. `base`: the class holding the fields a union's members share
   * (`shared`), which this one extends instead of repeating them; `asBase`: this is that class, so
   * it converts its fields into keyword arguments for its subclasses instead of building itself.
   */
  private object(name: string, s: Schema, opts: { base?: string; shared?: ReadonlySet<string>; asBase?: boolean } = {}): void {
    this.emitted.add(name);
    const required = new Set(s.required ?? []);
    const fields: string[] = [];
    const args: string[] = opts.base ? [`**${opts.base}.fields_from_json(d)`] : [];
    for (const [key, p] of Object.entries(s.properties ?? {})) {
      if (opts.shared?.has(key)) continue;
      const hint = `${name}${pascal(key)}`;
      const t = this.type(p, hint);
      if (p.description) fields.push(...comment(p.description, "    "));
      const dflt = p.const !== undefined ? pyLiteral(p.const) : p.default !== undefined ? pyLiteral(p.default) : undefined;
      if (required.has(key)) {
        fields.push(`    ${field(key)}: ${t}${dflt !== undefined ? ` = ${dflt}` : ""}`);
        args.push(`${field(key)}=${this.conv(p, `d[${JSON.stringify(key)}]`, hint)}`);
      } else {
        fields.push(`    ${field(key)}: ${t} | None = None`);
        const c = this.conv(p, `d[${JSON.stringify(key)}]`, hint);
        args.push(c === `d[${JSON.stringify(key)}]` ? `${field(key)}=d.get(${JSON.stringify(key)})` : `${field(key)}=${c} if ${JSON.stringify(key)} in d else None`);
      }
    }
    const doc = s.description ? `    """${s.description.replace(/"""/g, "'''")}"""\n\n` : "";
    const build = opts.asBase
      ? `    @staticmethod\n    def fields_from_json(d: Any) -> dict[str, Any]:\n        return dict(${args.join(", ")})\n`
      : `    @classmethod\n    def from_json(cls, d: Any) -> ${name}:\n        return cls(${args.join(", ")})\n`;
    this.classes.push(
      `@dataclass(frozen=True, kw_only=True, slots=True)\nclass ${name}${opts.base ? `(${opts.base})` : ""}:\n${doc}${fields.join("\n") || "    pass"}\n\n${build}`,
    );
  }

  /**
   * The properties every member of a union has alike (same schema, same required-ness; not the
   * discriminator), when the members are plain objects no other union has emitted: those go into
   * one base class. Fewer than four shared are not worth a class.
   */
  private sharedFields(members: readonly string[]): Set<string> {
    const objs = members.map((m) => this.defs[m]!);
    if (members.some((m) => this.emitted.has(m)) || objs.some((o) => this.isUnion(o) || !o.properties)) return new Set();
    const first = objs[0]!;
    const shared = Object.entries(first.properties!).filter(([key, p]) => p.const === undefined && objs.every((o) =>
      o.properties![key] !== undefined && JSON.stringify(o.properties![key]) === JSON.stringify(p)
      && (o.required ?? []).includes(key) === (first.required ?? []).includes(key))).map(([key]) => key);
    return new Set(shared.length >= 4 ? shared : []);
  }

  private union(name: string, s: Schema): void {
    const { prop, cases } = this.discriminator(name, s);
    const shared = this.sharedFields(cases.map(([, m]) => m));
    if (shared.size > 0) {
      const base = `${name}Fields`;
      const first = this.defs[cases[0]![1]]!;
      const props = Object.fromEntries(Object.entries(first.properties!).filter(([k]) => shared.has(k)));
      this.object(base, { properties: props, required: (first.required ?? []).filter((k) => shared.has(k)),
        description: `The fields every ${name} has.` }, { asBase: true });
      for (const [, m] of cases) this.object(m, this.defs[m]!, { base, shared });
    }
    for (const [, m] of cases) this.def(m);
    const fn = `${snake(name)}_from_json`;
    const table = `${snake(name).toUpperCase()}_KINDS`;
    const defaults = Object.entries(s).filter(([k]) => k.startsWith("x-default-")).map(([k, v]) => `${snake(name).toUpperCase()}_DEFAULT_${k.slice("x-default-".length).toUpperCase()} = ${pyLiteral(v)}\n`).join("");
    const doc = s.description ? `#: ${s.description}\n` : "";
    this.unions.push(
      `${doc}${name} = Union[${cases.map(([, m]) => m).join(", ")}]\n` +
      `#: ${name} by \`${prop}\`: a class, or the table of a nested union.\n` +
      `${table}: dict[str, Any] = {${cases.map(([v, m]) => `${JSON.stringify(v)}: ${this.isUnion(this.defs[m]!) ? `${snake(m).toUpperCase()}_KINDS` : m}`).join(", ")}}\n${defaults}\n\n` +
      `_${table}_FROM: dict[str, Any] = {${cases.map(([v, m]) => `${JSON.stringify(v)}: ${this.isUnion(this.defs[m]!) ? `${snake(m)}_from_json` : `${m}.from_json`}`).join(", ")}}\n\n\n` +
      `def ${fn}(d: Any) -> ${name}:\n` +
      `    return _${table}_FROM[d[${JSON.stringify(prop)}]](d)\n`,
    );
  }

  text(root: string): string {
    this.def(root);
    return [HEADER, ...this.classes, ...this.unions].join("\n\n") + `\n\n__all__ = [${[...this.emitted].sort().map((n) => JSON.stringify(n)).join(", ")}]\n`;
  }
}

/** plan_types.py for a JSON Schema whose root is `{"$ref": "#/$defs/ROOT", "$defs": …}`. */
export function pythonPlanTypes(schema: unknown): string {
  const s = schema as { $ref: string; $defs: Record<string, Schema> };
  return new Generator(s.$defs).text(s.$ref.replace("#/$defs/", ""));
}
