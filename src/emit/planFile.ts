// The bytes of DIR/plan.json and the plan hash that names them. The plan is already independent of
// the working directory and the checkout (src/plan/lower.ts), so its hash is too: the same program
// compiled anywhere gets the same hash, and any change to what the plan says changes it.
import { createHash } from "node:crypto";
import type { PlanIR } from "../plan/ir.js";

/** plan.json as written by `flowc compile` and `flowc run` (and printed by `flowc plan --json`). */
export function planJson(plan: PlanIR): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/** SHA-256 (hex) of plan.json's bytes. */
export function planHash(plan: PlanIR): string {
  return hashPlanText(planJson(plan));
}

export function hashPlanText(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
