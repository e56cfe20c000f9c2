// The compiled directory `flowc compile FILE --target slurm|ray --out DIR` writes, shared by the
// Slurm and Ray emitters: DIR/plan.json, DIR/target.json, the target's own files, and DIR/logs/.
//
// A DIR holding another plan is refused (unless forced): its state.json, logs and outputs belong to
// that plan, and a submission there would mix the two. The same plan is rewritten idempotently
// (same bytes), so re-running `compile` after an edit that does not change the plan is harmless.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import type { PlanIR } from "../plan/ir.js";
import { hashPlanText, planHash, planJson } from "./planFile.js";

export type Target = "slurm" | "ray";

/** A file of the target, by its path relative to DIR (`slurm/train.pretrain.sbatch`). */
export interface EmittedFile {
  readonly path: string;
  readonly text: string;
  /** Executable (submit.sh). */
  readonly executable?: boolean;
}

export interface TargetInfo {
  readonly target: Target;
  readonly plan_hash: string;
  readonly source_file: string;
  readonly flowc_version: string;
  readonly flowrt_version: string;
}

/** The flowrt version the compiled jobs expect (runtime-py/flowrt/__init__.py has the same). */
export const FLOWRT_VERSION = "0.1.0";

/** Why DIR cannot be written, for the command to report (exit 1). */
export class CompiledDirError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = "CompiledDirError";
  }
}

export interface WriteCompiledDirOptions {
  readonly dir: string;
  readonly plan: PlanIR;
  readonly target: Target;
  readonly files: readonly EmittedFile[];
  /** Write over a DIR that holds a different plan. */
  readonly force?: boolean;
}

export interface WriteReport {
  readonly planHash: string;
  /** Paths written, relative to DIR. */
  readonly written: readonly string[];
  /** DIR held another plan (written over because of `force`). */
  readonly replaced?: string;
}

/** The plan hash of DIR/plan.json, or undefined when there is none. */
export function existingPlanHash(dir: string): string | undefined {
  const p = join(dir, "plan.json");
  if (!existsSync(p)) return undefined;
  return hashPlanText(readFileSync(p, "utf8"));
}

export function writeCompiledDir(o: WriteCompiledDirOptions): WriteReport {
  const dir = resolve(o.dir);
  const hash = planHash(o.plan);
  const old = existingPlanHash(dir);
  if (old !== undefined && old !== hash && !o.force) {
    throw new CompiledDirError(
      `${o.dir} holds another plan (plan hash ${old.slice(0, 12)}…; this one is ${hash.slice(0, 12)}…)`,
      "compile into a new directory, or pass --force to replace it (its submission state, logs and outputs belong to the old plan)",
    );
  }
  for (const f of o.files) {
    if (f.path.startsWith("/") || f.path.split("/").includes("..") || !f.path.startsWith(`${o.target}/`)) {
      throw new Error(`compiledDir: ${f.path} is not a path under ${o.target}/`);
    }
  }
  mkdirSync(dir, { recursive: true });
  // The target's folder holds exactly this plan's files: a step the plan no longer has leaves no script.
  rmSync(join(dir, o.target), { recursive: true, force: true });
  const info: TargetInfo = { target: o.target, plan_hash: hash, source_file: o.plan.source_file, flowc_version: o.plan.flowc_version, flowrt_version: FLOWRT_VERSION };
  const written: string[] = [];
  const put = (rel: string, text: string, executable = false) => {
    const p = join(dir, ...rel.split("/"));
    if (!p.startsWith(dir + sep)) throw new Error(`compiledDir: ${rel} leaves ${dir}`);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    if (executable) chmodSync(p, 0o755);
    written.push(rel);
  };
  put("plan.json", planJson(o.plan));
  put("target.json", `${JSON.stringify(info, null, 2)}\n`);
  for (const f of o.files) put(f.path, f.text, f.executable);
  mkdirSync(join(dir, "logs"), { recursive: true });
  return { planHash: hash, written, ...(old !== undefined && old !== hash ? { replaced: old } : {}) };
}
