// The catalog of every diagnostic code, aggregated from one file per phase under codes/.
import type { CodeInfo } from "./codes/types.js";
import { SYNTAX_CODES } from "./codes/syntax.js";
import { CHECK_CODES } from "./codes/check.js";
import { PLAN_CODES } from "./codes/plan.js";
import { CLUSTER_CODES } from "./codes/cluster.js";

export type { CodeInfo } from "./codes/types.js";

export const ALL_CODES: readonly CodeInfo[] = [...SYNTAX_CODES, ...CHECK_CODES, ...PLAN_CODES, ...CLUSTER_CODES];

const BY_CODE = new Map(ALL_CODES.map((c) => [c.code, c] as const));

export function lookupCode(code: string): CodeInfo | undefined {
  return BY_CODE.get(code.toUpperCase());
}
