// Submitting a DAG of batch scripts so that a re-run never submits a job twice. Before anything is
// submitted the run's state (and its run id) is on disk; after each sbatch the job id is added and
// the state rewritten atomically. A crash can still fall between sbatch and that write (or a
// dropped connection can lose sbatch's answer): so every run first asks the scheduler, in one
// batched query, for the jobs carrying this run's tags, and adopts those it finds instead of
// submitting them again.
//
// Dependencies are `afterok` on the job ids of the jobs named in `after`, with
// `--kill-on-invalid-dep=yes` so that a job whose dependency failed is cancelled rather than left
// pending forever; re-running then submits the failed job and what was cancelled behind it.
import { dirname } from "node:path";
import { jobComment, jobName, parseJobComment, type JobTag } from "../emit/slurmTag.js";
import { SlurmClient } from "./slurm.js";
import { isTerminal, isUnsuccessful, submittedId, type JobRecord } from "./slurmParse.js";
import { lockState, newState, readState, StateError, writeState, type JobState, type StateOrigin, type SubmissionState } from "./state.js";

export interface JobToSubmit {
  /** Unique in the submission: the step id, or `STEP~PART` for one part of a split step. */
  readonly key: string;
  readonly step: string;
  readonly part?: { readonly index: number; readonly count: number };
  /** The batch script, as a path on the cluster. */
  readonly script: string;
  /** Keys of the jobs that must complete first (each earlier in the list). */
  readonly after: readonly string[];
  /** sbatch options beyond the script's #SBATCH lines (`--array=0-999%8`). */
  readonly sbatchArgs?: readonly string[];
}

export interface SubmitJobsOptions {
  readonly slurm: SlurmClient;
  /** DIR/state.json on this machine. */
  readonly stateFile: string;
  readonly planHash: string;
  /** The run directory on the cluster: every job's --chdir, and the second witness of its tag. */
  readonly remoteDir: string;
  /** In dependency order. */
  readonly jobs: readonly JobToSubmit[];
  /** Print what would be submitted; change nothing (no state is written, nothing is locked). */
  readonly dryRun?: boolean;
  /** Submit again the jobs that ended FAILED/TIMEOUT/CANCELLED/… (default true). */
  readonly resubmitFailed?: boolean;
  /**
   * Keys whose job finished (COMPLETED, or forgotten by the scheduler) but whose output the runtime
   * says is not there or not current (a changed input): submitted again. A live job is never redone.
   */
  readonly redo?: ReadonlySet<string>;
  /**
   * Jobs not to submit (flowrt says their step is done) that a crashed run may still have submitted:
   * found on the scheduler by tag, they are recorded, so that status and cancel see every job of the run.
   */
  readonly settled?: readonly Pick<JobToSubmit, "key" | "step" | "part">[];
  /** sbatch options for every job, before its own (`--export=ALL,PYTHONPATH=…`). */
  readonly commonArgs?: readonly string[];
  /** Recorded in a new state file: how the cluster was reached (status, logs and cancel reuse it). */
  readonly origin?: StateOrigin;
  readonly log?: (line: string) => void;
}

/** What the scheduler says of one submitted job (all tasks of an array together). */
export interface ClusterView {
  /** `active` while any task is pending or running; else COMPLETED, or the first unsuccessful state. */
  readonly state: string;
  readonly records: readonly JobRecord[];
}

export interface SubmitReport {
  readonly runId: string;
  /** Submitted now. */
  readonly submitted: readonly { key: string; jobId: string }[];
  /** Found on the scheduler by tag but missing from state.json (a crash after sbatch): recorded, not resubmitted. */
  readonly adopted: readonly { key: string; jobId: string }[];
  /** Already submitted and left alone, with what the scheduler says (`unknown`: it no longer remembers the job). */
  readonly kept: readonly { key: string; jobId: string; state: string }[];
  /** Not submitted because a job they need ended unsuccessfully. */
  readonly blocked: readonly { key: string; because: string }[];
  /** Every sbatch command line run (or, in a dry run, that would run). */
  readonly commands: readonly (readonly string[])[];
}

export function tagOf(planHash: string, runId: string, j: Pick<JobToSubmit, "step" | "part">): JobTag {
  return { plan: planHash, run: runId, step: j.step, ...(j.part ? { part: j.part } : {}) };
}

function validate(jobs: readonly JobToSubmit[]): void {
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j.key)) throw new Error(`submitJobs: job key ${j.key} appears twice`);
    for (const a of j.after) if (!seen.has(a)) throw new Error(`submitJobs: ${j.key} needs ${a}, which is not before it in the list`);
    seen.add(j.key);
  }
}

/** One view per submitted id, from the records of the scheduler. */
function summarize(records: readonly JobRecord[]): Map<string, ClusterView> {
  const by = new Map<string, JobRecord[]>();
  for (const r of records) by.set(submittedId(r), [...(by.get(submittedId(r)) ?? []), r]);
  const out = new Map<string, ClusterView>();
  for (const [id, rs] of by) {
    const state = rs.some((r) => !isTerminal(r.state)) ? "active" : (rs.find((r) => isUnsuccessful(r.state))?.state ?? "COMPLETED");
    out.set(id, { state, records: rs });
  }
  return out;
}

/** Whether a record is one of this run's jobs for `j`: its comment's tag, else its name and working directory. */
function isOurs(r: JobRecord, tag: JobTag, name: string, remoteDir: string): boolean {
  if (r.name !== name) return false;
  if (r.comment !== undefined) {
    const t = parseJobComment(r.comment);
    return t !== undefined && t.plan === tag.plan && t.run === tag.run && t.step === tag.step && t.part?.index === tag.part?.index;
  }
  return r.workDir === remoteDir;
}

export async function submitJobs(o: SubmitJobsOptions): Promise<SubmitReport> {
  validate(o.jobs);
  const log = o.log ?? (() => {});
  const resubmitFailed = o.resubmitFailed ?? true;
  const dir = dirname(o.stateFile);
  const release = o.dryRun ? () => {} : lockState(dir);
  try {
    let state = readState(o.stateFile);
    if (state && state.plan_hash !== o.planHash) {
      throw new StateError(`${o.stateFile} records a submission of another plan (${state.plan_hash.slice(0, 12)}…; this plan is ${o.planHash.slice(0, 12)}…)`,
        "compile the new plan into a new directory, or cancel the old submission (`flowc cancel DIR`) and move its state.json aside");
    }
    if (state && state.remote_dir !== o.remoteDir) {
      throw new StateError(`${o.stateFile} records a submission into ${state.remote_dir} on the cluster, not ${o.remoteDir}`,
        "submit to the same cluster directory as before, or into a new directory");
    }
    if (!state) {
      state = newState({ planHash: o.planHash, target: { kind: o.slurm.transport.kind, where: o.slurm.transport.where }, remoteDir: o.remoteDir, ...(o.origin ? { origin: o.origin } : {}) });
      // The run id must be on disk before the first job carrying it exists.
      if (!o.dryRun) await writeState(o.stateFile, state);
    }
    const st: SubmissionState = state;
    const save = async () => {
      if (o.dryRun) return;
      st.updated_at = new Date().toISOString();
      await writeState(o.stateFile, st);
    };

    // One batched query for every job of the run, live or in the history.
    const settled = o.settled ?? [];
    const names = [...new Set([...o.jobs, ...settled].map((j) => jobName(tagOf(o.planHash, st.run_id, j))))];
    const records = await o.slurm.find(names, new Date(st.created_at));
    const views = summarize(records);

    const submitted: { key: string; jobId: string }[] = [];
    const adopted: { key: string; jobId: string }[] = [];
    const kept: { key: string; jobId: string; state: string }[] = [];
    const blocked: { key: string; because: string }[] = [];
    const commands: string[][] = [];
    /** What each key stands at after this pass: a job id (and its view), or blocked. */
    const outcome = new Map<string, { jobId: string; state: string } | { blocked: string }>();

    /** Records a job a crashed run submitted but did not write down (the newest of its tag). */
    const adopt = async (j: Pick<JobToSubmit, "key" | "step" | "part">): Promise<JobState | undefined> => {
      const tag = tagOf(o.planHash, st.run_id, j);
      const found = [...new Set(records.filter((r) => isOurs(r, tag, jobName(tag), o.remoteDir)).map(submittedId))].sort((a, b) => Number(b) - Number(a));
      if (found.length === 0 || o.dryRun) return undefined;
      const entry: JobState = { step: j.step, ...(j.part ? { part: j.part } : {}), job_id: found[0]!, submitted_at: new Date().toISOString(), found_by: "reconcile", previous: [] };
      st.jobs[j.key] = entry;
      await save();
      adopted.push({ key: j.key, jobId: entry.job_id });
      log(`${j.key}: found on the scheduler as job ${entry.job_id} (submitted before a crash); not submitting it again`);
      if (found.length > 1) log(`${j.key}: note: jobs ${found.slice(1).join(", ")} carry the same tag`);
      return entry;
    };
    for (const j of settled) if (!st.jobs[j.key]) await adopt(j);

    for (const j of o.jobs) {
      const tag = tagOf(o.planHash, st.run_id, j);
      const name = jobName(tag);
      let entry: JobState | undefined = st.jobs[j.key];
      if (!entry) entry = await adopt(j);
      const view = entry ? views.get(entry.job_id) : undefined;
      const failed = entry !== undefined && view !== undefined && isUnsuccessful(view.state);
      const finished = entry !== undefined && (view === undefined || view.state === "COMPLETED");
      const again = (failed && resubmitFailed) || (finished && (o.redo?.has(j.key) ?? false));
      if (entry && !again) {
        const s = view?.state ?? "unknown";
        outcome.set(j.key, { jobId: entry.job_id, state: s });
        if (!adopted.some((a) => a.key === j.key)) kept.push({ key: j.key, jobId: entry.job_id, state: s });
        continue;
      }

      // Submit it: first, where do the jobs it needs stand?
      const deps: string[] = [];
      let because: string | undefined;
      for (const a of j.after) {
        const d = outcome.get(a)!;
        if ("blocked" in d) because ??= `${a} was not submitted (${d.blocked})`;
        else if (isUnsuccessful(d.state)) because ??= `${a} (job ${d.jobId}) ended ${d.state}`;
        // A finished dependency is satisfied; one the scheduler forgot finished long ago, and
        // sbatch would refuse a dependency on an id it does not know.
        else if (d.state !== "COMPLETED" && d.state !== "unknown") deps.push(d.jobId);
      }
      if (because) {
        blocked.push({ key: j.key, because });
        outcome.set(j.key, { blocked: because });
        log(`${j.key}: not submitted: ${because}`);
        continue;
      }
      const args = [
        `--job-name=${name}`, `--comment=${jobComment(tag)}`, `--chdir=${o.remoteDir}`, "--kill-on-invalid-dep=yes",
        ...(deps.length > 0 ? [`--dependency=afterok:${deps.join(":")}`] : []), ...(o.commonArgs ?? []), ...(j.sbatchArgs ?? []),
      ];
      commands.push(["sbatch", "--parsable", ...args, j.script]);
      if (o.dryRun) {
        outcome.set(j.key, { jobId: `<${j.key}>`, state: "active" });
        continue;
      }
      const jobId = await o.slurm.sbatch(j.script, { args });
      const previous = entry ? [...entry.previous, { job_id: entry.job_id, state: view?.state ?? "unknown" }] : [];
      st.jobs[j.key] = { step: j.step, ...(j.part ? { part: j.part } : {}), job_id: jobId, submitted_at: new Date().toISOString(), found_by: "sbatch", previous };
      await save();
      submitted.push({ key: j.key, jobId });
      outcome.set(j.key, { jobId, state: "active" });
      log(`${j.key}: submitted as job ${jobId}${entry ? ` (again: job ${entry.job_id} ${view ? `ended ${view.state}` : "is no longer known to the scheduler"}${failed ? "" : ", and its output is not current"})` : ""}${deps.length > 0 ? `, after ${deps.join(", ")}` : ""}`);
    }
    return { runId: st.run_id, submitted, adopted, kept, blocked, commands };
  } finally {
    release();
  }
}
