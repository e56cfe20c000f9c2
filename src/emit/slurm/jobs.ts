// DIR/slurm/jobs.json: the jobs of the plan in dependency order, exactly what `flowc submit` hands
// to exec/submitJobs.ts (script paths relative to DIR), and what submit.sh is written from.
import type { PlanIR } from "../../plan/ir.js";
import { arrayParts, arrayThrottle, DEFAULT_MAX_ARRAY_SIZE, isArrayStep } from "./resources.js";
import { scriptPath } from "./fileName.js";

export const JOBS_VERSION = 1;

export interface CompiledJob {
  readonly key: string;
  readonly step: string;
  readonly part?: { readonly index: number; readonly count: number };
  /** Relative to DIR. */
  readonly script: string;
  readonly after: readonly string[];
  readonly sbatch_args: readonly string[];
}

export interface JobsFile {
  readonly version: typeof JOBS_VERSION;
  readonly plan_hash: string;
  readonly jobs: readonly CompiledJob[];
}

/** The environment variable carrying a split array's first shard (read by the sbatch script). */
export const SHARD_OFFSET_ENV = "FLOWRT_SHARD_OFFSET";

export function compiledJobs(plan: PlanIR, planHash: string, maxArraySize = DEFAULT_MAX_ARRAY_SIZE): JobsFile {
  const keysOf = new Map<string, string[]>();
  const jobs: CompiledJob[] = [];
  // The plan lists every step after the steps it needs (lower.ts builds it so; checked here).
  for (const step of plan.steps) {
    const after: string[] = [];
    for (const n of step.needs) {
      const ks = keysOf.get(n);
      if (!ks) throw new Error(`plan: step ${step.id} needs ${n}, which does not come before it`);
      after.push(...ks);
    }
    const script = scriptPath(step.id);
    if (!isArrayStep(step)) {
      jobs.push({ key: step.id, step: step.id, script, after, sbatch_args: [] });
      keysOf.set(step.id, [step.id]);
      continue;
    }
    const parts = arrayParts(step.shards, maxArraySize);
    const keys: string[] = [];
    for (const p of parts) {
      const key = parts.length === 1 ? step.id : `${step.id}~${p.index}`;
      const k = arrayThrottle(step, p.count, plan.cluster);
      jobs.push({
        key, step: step.id, ...(parts.length > 1 ? { part: { index: p.index, count: p.parts } } : {}), script, after,
        sbatch_args: [`--array=0-${p.count - 1}%${k}`, ...(p.offset > 0 ? [`--export=ALL,${SHARD_OFFSET_ENV}=${p.offset}`] : [])],
      });
      keys.push(key);
    }
    keysOf.set(step.id, keys);
  }
  return { version: JOBS_VERSION, plan_hash: planHash, jobs };
}
