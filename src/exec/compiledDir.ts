// Reading a directory written by `flowc compile --target slurm` (the writer is emit/compiledDir.ts):
// DIR/plan.json, DIR/target.json and DIR/slurm/jobs.json, checked against each other so that
// `submit`, `status`, `logs` and `cancel` never act on a half-written or mixed directory.
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { PlanIR } from "../plan/ir.js";
import { PlanLoadError, planFromJson } from "../plan/load.js";
import type { JobToSubmit } from "./submitJobs.js";
import { ExecError } from "./transport.js";

export const TargetFile = z.object({
  target: z.enum(["slurm", "ray"]),
  plan_hash: z.string().regex(/^[0-9a-f]{8,128}$/),
  source_file: z.string(),
  flowc_version: z.string(),
  flowrt_version: z.string(),
}).passthrough();

const JobEntry = z.object({
  key: z.string().min(1),
  step: z.string().min(1),
  part: z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).optional(),
  script: z.string().min(1).refine((s) => !s.startsWith("/") && !s.split("/").includes(".."), "must be a path inside the compiled directory"),
  after: z.array(z.string()),
  sbatch_args: z.array(z.string()).default([]),
}).passthrough();

export const JobsFile = z.object({
  version: z.literal(1),
  plan_hash: z.string(),
  jobs: z.array(JobEntry),
}).passthrough();

export interface CompiledDir {
  /** The directory on this machine, absolute. */
  readonly dir: string;
  readonly plan: PlanIR;
  readonly planHash: string;
  readonly target: z.infer<typeof TargetFile>;
  /** In dependency order; `script` relative to the compiled directory. */
  readonly jobs: readonly JobToSubmit[];
}

export class CompiledDirError extends ExecError {
  constructor(message: string, help: string, details: readonly string[] = []) {
    super(message, help, details);
    this.name = "CompiledDirError";
  }
}

const RECOMPILE = "write it with `flowc compile FILE --target slurm --out DIR`";

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CompiledDirError(`${path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${(e as Error).message})`}: ${what}`, RECOMPILE);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CompiledDirError(`${path} is not valid JSON (${(e as Error).message})`, RECOMPILE);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top)"}: ${i.message}`);
  throw new CompiledDirError(`${path} is not what \`flowc compile\` writes`, `${RECOMPILE} (with this flowc)`, issues);
}

/** The compiled directory `dir` (relative to `cwd`), or a CompiledDirError saying what is wrong with it. */
export function readCompiledDir(dir: string, cwd = process.cwd()): CompiledDir {
  const abs = resolve(cwd, dir);
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CompiledDirError(`${dir} is not a directory`, RECOMPILE);
  }
  const targetPath = join(abs, "target.json");
  const target = parse(TargetFile, readJson(targetPath, "this is not a compiled directory"), targetPath);
  if (target.target !== "slurm") {
    throw new CompiledDirError(`${dir} was compiled for ${target.target}, not for Slurm`, "submit it with the Ray driver, or compile with `--target slurm` into another directory");
  }
  const planPath = join(abs, "plan.json");
  let plan: PlanIR;
  try {
    plan = planFromJson(readJson(planPath, "the compiled directory is incomplete"), planPath);
  } catch (e) {
    if (e instanceof PlanLoadError) throw new CompiledDirError(e.message, `${RECOMPILE} (with this flowc); do not edit plan.json by hand`);
    throw e;
  }
  const jobsPath = join(abs, "slurm", "jobs.json");
  const jobsFile = parse(JobsFile, readJson(jobsPath, "the compiled directory is incomplete"), jobsPath);
  if (jobsFile.plan_hash !== target.plan_hash) {
    throw new CompiledDirError(`${jobsPath} belongs to plan ${jobsFile.plan_hash.slice(0, 12)}…, target.json to ${target.plan_hash.slice(0, 12)}…`,
      "the directory was changed by hand or half-written: compile it again with `--force`");
  }
  const steps = new Set(plan.steps.map((s) => s.id));
  const keys = new Set<string>();
  for (const j of jobsFile.jobs) {
    if (!steps.has(j.step)) throw new CompiledDirError(`${jobsPath}: job ${j.key} runs step ${j.step}, which plan.json does not have`, "compile the directory again with `--force`");
    for (const a of j.after) if (!keys.has(a)) throw new CompiledDirError(`${jobsPath}: job ${j.key} comes after ${a}, which is not listed before it`, "compile the directory again with `--force`");
    if (keys.has(j.key)) throw new CompiledDirError(`${jobsPath}: job ${j.key} appears twice`, "compile the directory again with `--force`");
    keys.add(j.key);
    if (!statSync(join(abs, j.script), { throwIfNoEntry: false })?.isFile()) {
      throw new CompiledDirError(`${join(abs, j.script)} (the script of job ${j.key}) does not exist`, "compile the directory again with `--force`");
    }
  }
  const jobs: JobToSubmit[] = jobsFile.jobs.map((j) => ({
    key: j.key, step: j.step, ...(j.part ? { part: j.part } : {}), script: j.script, after: j.after, sbatchArgs: j.sbatch_args,
  }));
  return { dir: abs, plan, planHash: target.plan_hash, target, jobs };
}
