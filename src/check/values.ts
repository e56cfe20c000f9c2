// Evaluation of attribute expressions into typed values, with dimension checks.
// Numbers stay exact (Rational); dotted references such as `tok.vocab` read another declaration's
// attribute. Every problem is reported on the node that caused it, and evaluation yields undefined.
import type { Attribute, Block, Expr, Path } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import { DIMENSION_NOUN, type Dimension, type Quantity } from "../units/dimension.js";
import * as R from "../units/rational.js";
import { MAX_COUNT } from "../units/limits.js";
import { grouped } from "../units/print.js";
import type { Rational } from "../units/rational.js";
import type { Decl, DeclKind, SymbolTable } from "./decls.js";
import { KIND_NOUN } from "./decls.js";
import { replaceWith, type Reporter } from "./report.js";
import { suggest } from "../diagnostics/suggest.js";

export class Evaluator {
  private readonly inProgress = new Set<Attribute>();

  constructor(readonly symbols: SymbolTable, readonly r: Reporter) {}

  /** Evaluates a numeric expression to a quantity, or reports and returns undefined. */
  quantity(e: Expr): Quantity | undefined {
    switch (e.kind) {
      case "Number":
        return e.quantity;
      case "Paren":
        return this.quantity(e.expr);
      case "Unary": {
        const q = this.quantity(e.operand);
        return q && { value: R.neg(q.value), dim: q.dim };
      }
      case "Binary": {
        if (!["+", "-", "*", "/"].includes(e.op)) {
          this.r.report("E0113", e, "A comparison is not allowed here.", {
            help: "comparisons belong in `gate`, `rollback_if` and `assert` blocks",
          });
          return undefined;
        }
        const a = this.quantity(e.left);
        const b = this.quantity(e.right);
        if (!a || !b) return undefined;
        return this.arith(e.op as "+" | "-" | "*" | "/", a, b, e);
      }
      case "Path":
        return this.attributeRef(e);
      case "Error":
        return undefined;
      default:
        this.r.report("E0113", e, `Expected a number, but got ${exprNoun(e)}.`);
        return undefined;
    }
  }

  private arith(op: "+" | "-" | "*" | "/", a: Quantity, b: Quantity, at: Expr & { opSpan: { file: string } }): Quantity | undefined {
    if (op === "+" || op === "-") {
      const dim = a.dim === "number" ? b.dim : b.dim === "number" || b.dim === a.dim ? a.dim : undefined;
      if (!dim) {
        this.r.report("E0110", at, `Cannot ${op === "+" ? "add" : "subtract"} ${DIMENSION_NOUN[b.dim]} ${op === "+" ? "to" : "from"} ${DIMENSION_NOUN[a.dim]}.`, {
          help: "both sides of `+` and `-` must have the same unit",
        });
        return undefined;
      }
      return { value: op === "+" ? R.add(a.value, b.value) : R.sub(a.value, b.value), dim };
    }
    if (op === "*") {
      if (a.dim !== "number" && b.dim !== "number") {
        this.r.report("E0110", at, `Cannot multiply ${DIMENSION_NOUN[a.dim]} by ${DIMENSION_NOUN[b.dim]}.`, {
          help: "multiply a quantity by a plain number",
        });
        return undefined;
      }
      return { value: R.mul(a.value, b.value), dim: a.dim === "number" ? b.dim : a.dim };
    }
    if (b.value.num === 0n) {
      this.r.report("E0112", at, "Division by zero.");
      return undefined;
    }
    if (b.dim === "number") return { value: R.div(a.value, b.value), dim: a.dim };
    if (a.dim === b.dim) return { value: R.div(a.value, b.value), dim: "number" };
    this.r.report("E0110", at, `Cannot divide ${DIMENSION_NOUN[a.dim]} by ${DIMENSION_NOUN[b.dim]}.`);
    return undefined;
  }

  /** `tok.vocab`: the value of attribute `vocab` of declaration `tok`. */
  private attributeRef(p: Path): Quantity | undefined {
    const [head, attr, ...rest] = p.parts;
    if (!head) return undefined;
    const decl = this.symbols.byName.get(head.name);
    if (!decl) {
      this.unknownName(p, head.name);
      return undefined;
    }
    if (!attr || rest.length > 0) {
      this.r.report("E0113", p, `Expected a number, but \`${pathText(p)}\` names ${KIND_NOUN[decl.kind]}.`, {
        help: attr ? undefined : `read one of its attributes, e.g. \`${head.name}.${firstAttr(decl) ?? "vocab"}\``,
      });
      return undefined;
    }
    const target = findAttribute(decl.block, attr.name);
    if (!target) {
      const guess = suggest(attr.name, attributeNames(decl.block));
      this.r.report("E0104", attr, `\`${head.name}\` has no attribute \`${attr.name}\`.`, {
        help: guess ? `did you mean \`${head.name}.${guess}\`?` : undefined,
        fixes: [replaceWith(attr, guess)],
      });
      return undefined;
    }
    if (this.inProgress.has(target)) {
      this.r.report("E0114", p, `\`${pathText(p)}\` refers to itself.`, { help: "break the cycle with a literal value" });
      return undefined;
    }
    this.inProgress.add(target);
    try {
      return this.quantity(target.value);
    } finally {
      this.inProgress.delete(target);
    }
  }

  unknownName(at: { span: import("../source/span.js").Span }, name: string, kinds?: readonly DeclKind[]): void {
    const candidates = this.symbols.decls.filter((d) => !kinds || kinds.includes(d.kind)).map((d) => d.name);
    const guess = suggest(name, candidates);
    this.r.report("E0101", at, `Unknown name \`${name}\`.`, {
      label: "not declared",
      help: guess ? `did you mean \`${guess}\`?` : kinds ? `declare ${kinds.map((k) => KIND_NOUN[k]).join(" or ")} named \`${name}\`` : undefined,
      // In `tk.vocab` only the name `tk` is replaced.
      fixes: [replaceWith("kind" in at && at.kind === "Path" ? (at as Path).parts[0]! : at, guess)],
    });
  }

  // ---- conversions used by the attribute schema -------------------------------------------------

  /** A quantity of one of `dims`; a plain number is accepted where `acceptsPlain`. */
  dimensioned(e: Expr, want: Dimension, acceptsPlain: boolean): Rational | undefined {
    const q = this.quantity(e);
    if (!q) return undefined;
    if (want === "duration" && q.dim === want && R.cmp(q.value, R.rat(MAX_COUNT)) > 0) {
      // Durations become whole seconds in plan.json (walltimes, checkpoint intervals): exact integers like counts.
      this.r.report("E0115", e, `This duration is more than the limit of ${grouped(MAX_COUNT)} seconds (10^15).`, {
        label: "out of range",
        help: "check the suffix: `48h`, not `48e30h`",
      });
      return undefined;
    }
    if (q.dim === want || (acceptsPlain && q.dim === "number")) return q.value;
    this.r.report("E0110", e, `Expected ${DIMENSION_NOUN[want]}, but got ${DIMENSION_NOUN[q.dim]}.`, {
      label: `this is ${DIMENSION_NOUN[q.dim]}`,
      help: unitHelp(want),
    });
    return undefined;
  }

  integer(e: Expr, want: Dimension, acceptsPlain: boolean, min: bigint): bigint | undefined {
    const v = this.dimensioned(e, want, acceptsPlain);
    if (!v) return undefined;
    if (!R.isInteger(v)) {
      this.r.report("E0111", e, `Expected a whole number, but this is ${R.format(v)}.`, {
        help: "counts of tokens, steps, layers and ranks are whole numbers",
      });
      return undefined;
    }
    if (v.num < min) {
      this.r.report("E0112", e, `Expected at least ${min}, but got ${grouped(v.num)}.`);
      return undefined;
    }
    if (v.num > MAX_COUNT) {
      this.r.report("E0115", e, `This count is ${grouped(v.num)}, more than the limit of ${grouped(MAX_COUNT)} (10^15).`, {
        label: "out of range",
        help: "a count of a training run is at most a quadrillion; check the suffix (`15T`, not `15e30`)",
      });
      return undefined;
    }
    return v.num;
  }

  /** A fraction of one: `80%` or `0.8`, within [0, 1] unless `max` says otherwise. */
  fraction(e: Expr, max: Rational = R.ONE): Rational | undefined {
    const q = this.quantity(e);
    if (!q) return undefined;
    if (q.dim !== "percent" && q.dim !== "number") {
      this.r.report("E0110", e, `Expected a percentage, but got ${DIMENSION_NOUN[q.dim]}.`, { help: "write it as `80%` or `0.8`" });
      return undefined;
    }
    if (R.cmp(q.value, R.ZERO) < 0 || R.cmp(q.value, max) > 0) {
      this.r.report("E0112", e, `Expected a fraction between 0% and ${R.format(R.mul(max, R.rat(100n)))}%, but got ${R.format(R.mul(q.value, R.rat(100n)))}%.`);
      return undefined;
    }
    return q.value;
  }

  string(e: Expr): string | undefined {
    if (e.kind === "String") return e.value;
    if (e.kind !== "Error") this.r.report("E0113", e, `Expected a string, but got ${exprNoun(e)}.`, { help: "put the value in double quotes" });
    return undefined;
  }

  bool(e: Expr): boolean | undefined {
    if (e.kind === "Bool") return e.value;
    if (e.kind !== "Error") this.r.report("E0113", e, `Expected \`true\` or \`false\`, but got ${exprNoun(e)}.`);
    return undefined;
  }

  /** A bare word from a fixed set (`slurm`, `jsonl`); a string with the same text is accepted. */
  word(e: Expr, allowed: readonly string[]): string | undefined {
    let text: string | undefined;
    if (e.kind === "Path" && e.parts.length === 1) text = e.parts[0]!.name;
    else if (e.kind === "String") text = e.value;
    if (text === undefined) {
      if (e.kind !== "Error") this.r.report("E0113", e, `Expected one of ${allowed.map((a) => `\`${a}\``).join(", ")}, but got ${exprNoun(e)}.`);
      return undefined;
    }
    if (!allowed.includes(text)) {
      const guess = suggest(text, allowed);
      this.r.report("E0112", e, `\`${text}\` is not one of ${allowed.map((a) => `\`${a}\``).join(", ")}.`, {
        help: guess ? `did you mean \`${guess}\`?` : undefined,
        fixes: [replaceWith(e, guess === undefined ? undefined : e.kind === "String" ? JSON.stringify(guess) : guess)],
      });
      return undefined;
    }
    return text;
  }

  /** A reference to a declaration of one of `kinds`. */
  ref(e: Expr, kinds: readonly DeclKind[]): Decl | undefined {
    if (e.kind !== "Path" || e.parts.length !== 1) {
      if (e.kind !== "Error") {
        this.r.report("E0113", e, `Expected the name of ${kinds.map((k) => KIND_NOUN[k]).join(" or ")}, but got ${exprNoun(e)}.`);
      }
      return undefined;
    }
    const name = e.parts[0]!.name;
    const decl = this.symbols.byName.get(name);
    if (!decl) {
      this.unknownName(e, name, kinds);
      return undefined;
    }
    if (!kinds.includes(decl.kind)) {
      this.r.report("E0102", e, `Expected ${kinds.map((k) => KIND_NOUN[k]).join(" or ")}, but \`${name}\` is ${KIND_NOUN[decl.kind]}.`, {
        secondary: decl.block.name ? [{ span: decl.block.name.span, message: `\`${name}\` is declared here` }] : [],
      });
      return undefined;
    }
    return decl;
  }

  /** A list `[a, b]`; a single item is accepted as a list of one. */
  list(e: Expr): readonly Expr[] {
    return e.kind === "List" ? e.items : [e];
  }
}

export function findAttribute(block: Block, key: string): Attribute | undefined {
  for (const item of block.items) {
    if (item.kind === "Attribute" && item.key.parts.length === 1 && item.key.parts[0]!.name === key) return item;
  }
  return undefined;
}

function attributeNames(block: Block): string[] {
  return block.items.filter((i): i is Attribute => i.kind === "Attribute").map((i) => pathText(i.key));
}

function firstAttr(decl: Decl): string | undefined {
  return attributeNames(decl.block)[0];
}

export function exprNoun(e: Expr): string {
  switch (e.kind) {
    case "Number": return DIMENSION_NOUN[e.quantity.dim];
    case "String": return "a string";
    case "Bool": return "a boolean";
    case "Path": return `\`${pathText(e)}\``;
    case "List": return "a list";
    case "Call": return `a call of \`${e.callee.name}\``;
    case "Binary": return ["+", "-", "*", "/"].includes(e.op) ? "an arithmetic expression" : "a comparison";
    default: return "an expression";
  }
}

function unitHelp(d: Dimension): string {
  switch (d) {
    case "tokens": return "write a token count such as `1.3T`, `75B` or `8_192 tokens`";
    case "bytes": return "write a size such as `80GiB` or `512MB`";
    case "duration": return "write a duration such as `48h`, `90m` or `30s`";
    case "steps": return "write a step count such as `2000 steps`";
    case "gpu_hours": return "write GPU-hours such as `1_200_000 gpu_hours`";
    case "epochs": return "write a number of epochs such as `4` or `4 epochs`";
    case "percent": return "write a percentage such as `80%`";
    default: return "write a plain number";
  }
}
