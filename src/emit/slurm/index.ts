// The Slurm target: the files of DIR/slurm/ for a plan (written by emit/compiledDir.ts).
import type { PlanIR } from "../../plan/ir.js";
import type { ClusterProfile } from "../../profile/schema.js";
import type { EmittedFile } from "../compiledDir.js";
import { planHash } from "../planFile.js";
import { scriptPath } from "./fileName.js";
import { compiledJobs } from "./jobs.js";
import { DEFAULT_MAX_ARRAY_SIZE } from "./resources.js";
import { sbatchScript } from "./script.js";
import { submitScript } from "./submitScript.js";

export interface SlurmEmitOptions {
  readonly profile?: ClusterProfile;
}

export function emitSlurm(plan: PlanIR, o: SlurmEmitOptions = {}): EmittedFile[] {
  const hash = planHash(plan);
  const ctx = { plan, planHash: hash, ...(o.profile ? { profile: o.profile } : {}) };
  const files: EmittedFile[] = [];
  const seen = new Set<string>();
  for (const step of plan.steps) {
    const path = scriptPath(step.id);
    if (seen.has(path)) throw new Error(`slurm: two steps map to ${path}`);
    seen.add(path);
    files.push({ path, text: sbatchScript(step, ctx) });
  }
  const jobs = compiledJobs(plan, hash, o.profile?.max_array_size ?? DEFAULT_MAX_ARRAY_SIZE);
  files.push({ path: "slurm/jobs.json", text: `${JSON.stringify(jobs, null, 2)}\n` });
  files.push({ path: "slurm/submit.sh", text: submitScript(jobs, plan.source_file), executable: true });
  return files;
}
