// DIR/state.json: what a `flowc submit` of DIR has put on the scheduler — the run id its job tags
// carry and the job id of every job submitted. Rewritten atomically after every job (a crash leaves
// the old file or the new one, never half of one), and guarded by a lock so that two submits of one
// DIR cannot interleave. A state file flowc cannot read is refused, never overwritten.
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./atomicWrite.js";
import { ExecError } from "./transport.js";

export const STATE_VERSION = 1;

const isoTime = z.string().datetime({ offset: true });

export const PartState = z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).strict();

/** An earlier job of the same key that ended unsuccessfully and was submitted again. */
export const PreviousJob = z.object({
  job_id: z.string().regex(/^\d+$/),
  state: z.string().describe("its final Slurm state (FAILED, TIMEOUT, CANCELLED, …)"),
}).strict();

export const JobState = z.object({
  step: z.string(),
  part: PartState.optional(),
  job_id: z.string().regex(/^\d+$/).describe("the id sbatch printed (an array's id for an array)"),
  submitted_at: isoTime,
  found_by: z.enum(["sbatch", "reconcile"]).describe("sbatch: recorded when submitted; reconcile: found on the scheduler by its tag after a crash"),
  previous: z.array(PreviousJob).default([]),
}).strict();

export const SubmissionState = z.object({
  version: z.literal(STATE_VERSION),
  plan_hash: z.string(),
  /** Carried in every job's tag (emit/slurmTag.ts): tells this run from another run of the same plan. */
  run_id: z.string().regex(/^[A-Za-z0-9]{1,32}$/),
  target: z.object({ kind: z.enum(["local", "ssh", "controlmaster"]), where: z.string() }).strict(),
  remote_dir: z.string().describe("the run directory on the cluster (each job's --chdir)"),
  host: z.string().optional().describe("USER@HOST[:PORT] submitted to over SSH; absent: this machine"),
  python: z.string().optional().describe("the Python on the cluster that asks flowrt what is done"),
  input_root: z.string().optional().describe("where the plan's relative inputs resolve on the cluster"),
  pythonpath: z.string().optional().describe("the uploaded flowrt package's parent directory, put first on the jobs' PYTHONPATH"),
  created_at: isoTime,
  updated_at: isoTime,
  jobs: z.record(z.string(), JobState).describe("by job key: the step id, or STEP~PART for a split step"),
}).strict();

export type SubmissionState = z.infer<typeof SubmissionState>;
export type JobState = z.infer<typeof JobState>;

/** The state file can not be used as it is. */
export class StateError extends ExecError {
  constructor(message: string, help: string, details: readonly string[] = []) {
    super(message, help, details);
    this.name = "StateError";
  }
}

export function stateFile(dir: string): string {
  return join(dir, "state.json");
}

export function newRunId(): string {
  return randomBytes(6).toString("hex");
}

export interface StateOrigin {
  readonly host?: string;
  readonly python?: string;
  readonly inputRoot?: string;
  readonly pythonpath?: string;
}

export function newState(o: { planHash: string; target: SubmissionState["target"]; remoteDir: string; now?: Date; origin?: StateOrigin }): SubmissionState {
  const t = (o.now ?? new Date()).toISOString();
  const g = o.origin ?? {};
  return {
    version: STATE_VERSION, plan_hash: o.planHash, run_id: newRunId(), target: o.target, remote_dir: o.remoteDir,
    ...(g.host !== undefined ? { host: g.host } : {}), ...(g.python !== undefined ? { python: g.python } : {}),
    ...(g.inputRoot !== undefined ? { input_root: g.inputRoot } : {}), ...(g.pythonpath !== undefined ? { pythonpath: g.pythonpath } : {}),
    created_at: t, updated_at: t, jobs: {},
  };
}

/** The state in `path`, or undefined when there is none. Anything else wrong with it is a StateError. */
export function readState(path: string): SubmissionState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateError(`cannot read ${path}: ${(e as Error).message}`, "check the file's permissions");
  }
  const keep = `it records which jobs are on the scheduler: do not delete it while they run; move it aside only after \`flowc cancel\``;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StateError(`${path} is not valid JSON (${(e as Error).message}); flowc will not overwrite it`, keep);
  }
  if (typeof json === "object" && json !== null && typeof (json as { version?: unknown }).version === "number" && (json as { version: number }).version > STATE_VERSION) {
    throw new StateError(`${path} was written by a newer flowc (state version ${(json as { version: number }).version}; this flowc reads ${STATE_VERSION})`, "use the flowc that submitted this directory");
  }
  const r = SubmissionState.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top)"}: ${i.message}`);
    throw new StateError(`${path} is not a flowc submission state; flowc will not overwrite it`, keep, issues);
  }
  return r.data;
}

/** Writes the state atomically (temporary file + rename + fsync). */
export async function writeState(path: string, s: SubmissionState): Promise<void> {
  SubmissionState.parse(s);
  await writeFileAtomic(path, `${JSON.stringify(s, null, 2)}\n`);
}

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes DIR's submission lock (O_EXCL create of DIR/.state.lock). A lock left by a process of this
 * host that no longer runs is taken over; a live one is an error naming its holder. Returns the release.
 */
export function lockState(dir: string): () => void {
  const file = join(dir, ".state.lock");
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new StateError(`cannot create ${file}: ${(e as Error).message}`, "check that the directory is writable");
    }
    let held: LockInfo | undefined;
    try {
      held = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
    } catch {
      held = undefined; // torn by a crash between create and write: stale
    }
    if (held && (held.host !== me.host || alive(held.pid))) {
      throw new StateError(`another flowc (pid ${held.pid} on ${held.host}, since ${held.since}) is submitting ${dir}`,
        held.host === me.host ? "wait for it to finish" : `wait for it to finish; if that machine crashed, remove ${file}`);
    }
    rmSync(file, { force: true });
  }
  throw new StateError(`cannot take the lock ${file}`, "another flowc is starting on the same directory: try again");
}
