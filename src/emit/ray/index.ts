// The Ray target's files of the compiled directory: DIR/ray/dag.py (src/emit/compiledDir.ts writes
// them beside plan.json and target.json).
import type { EmittedFile } from "../compiledDir.js";
import type { PlanIR } from "../../plan/ir.js";
import { rayDagPy } from "./dagPy.js";

export const RAY_DAG_FILE = "ray/dag.py";

export function emitRay(plan: PlanIR): EmittedFile[] {
  return [{ path: RAY_DAG_FILE, text: rayDagPy(plan) }];
}
