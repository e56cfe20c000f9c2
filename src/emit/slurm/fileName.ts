// A plan step id as a file name under DIR/slurm/: ids are dotted words (`train.pretrain.j0`) and
// stay as they are; any other character becomes `_`, with a short hash of the id so two ids that
// map to the same name stay apart.
import { createHash } from "node:crypto";

const SAFE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function stepFileName(stepId: string): string {
  if (SAFE.test(stepId) && !stepId.includes("..")) return stepId;
  const h = createHash("sha256").update(stepId).digest("hex").slice(0, 8);
  return `${stepId.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/\.{2,}/g, "_").replace(/^[.-]/, "_").slice(0, 80)}-${h}`;
}

export function scriptPath(stepId: string): string {
  return `slurm/${stepFileName(stepId)}.sbatch`;
}
