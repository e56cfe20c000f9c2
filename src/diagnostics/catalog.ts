// The catalog of every diagnostic code, aggregated from one file per phase under codes/. `Code` is
// the union of the catalog's codes: a diagnostic with a code the catalog lacks does not compile.
import type { CodeInfo } from "./codes/types.js";
import { SYNTAX_CODES } from "./codes/syntax.js";
import { CHECK_CODES } from "./codes/check.js";
import { PLAN_CODES } from "./codes/plan.js";
import { CLUSTER_CODES } from "./codes/cluster.js";

export type { CodeInfo } from "./codes/types.js";

export const ALL_CODES = [...SYNTAX_CODES, ...CHECK_CODES, ...PLAN_CODES, ...CLUSTER_CODES] as const;

export type Code = (typeof ALL_CODES)[number]["code"];

const BY_CODE: ReadonlyMap<string, CodeInfo<Code>> = new Map(ALL_CODES.map((c) => [c.code, c] as const));

export function lookupCode(code: string): CodeInfo<Code> | undefined {
  return BY_CODE.get(code.toUpperCase());
}

/** A code's catalog entry (every `Code` has one). */
export function codeInfo(code: Code): CodeInfo<Code> {
  return BY_CODE.get(code)!;
}
