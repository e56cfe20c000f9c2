// Helpers the declaration readers share: numbers from expressions, names for messages.
import type { Expr } from "../../ast/nodes.js";
import * as R from "../../units/rational.js";
import type { Rational } from "../../units/rational.js";
import type { Decl } from "../decls.js";
import type { Reporter } from "../report.js";
import { Evaluator } from "../values.js";

export const num = (r: Rational) => R.toNumber(r);

export function what(d: Decl): string {
  return `${d.kind} \`${d.name}\``;
}

export function int(ev: Evaluator, e: Expr | undefined, min = 1n): number | undefined {
  if (!e) return undefined;
  const v = ev.integer(e, "number", true, min);
  return v === undefined ? undefined : Number(v);
}

export function real(ev: Evaluator, e: Expr | undefined): number | undefined {
  if (!e) return undefined;
  const v = ev.dimensioned(e, "number", true);
  return v === undefined ? undefined : num(v);
}

/** A number that must be above zero (a RoPE base, a YaRN factor): zero or less is refused at the value. */
export function positiveReal(ev: Evaluator, r: Reporter, e: Expr | undefined, key: string, usual: string): number | undefined {
  const v = real(ev, e);
  if (v === undefined || v > 0) return v;
  r.report("E0112", e!, `\`${key}\` must be positive, but is ${v}.`, { help: `e.g. \`${key} = ${usual}\`` });
  return undefined;
}

export function optString(ev: Evaluator, e: Expr | undefined): string | undefined {
  return e ? ev.string(e) : undefined;
}

export function errorExpr(d: Decl): Expr {
  return { kind: "Error", span: d.block.keyword.span };
}
