// `flowc status DIR`: where every step of a submission stands. The scheduler is asked once for all
// of the submission's jobs (one squeue, and one sacct or jobcomp read for what squeue has
// forgotten: SlurmClient.find), never once per job. Then only what explains a step is read from the
// run directory: the tail of a running train step's metrics.jsonl (step/total, loss, tokens/s,
// ETA), a failed eval's results.json (which gate failed, with the value measured), the last lines
// of a failed step's log, and what a step that never ran was waiting for.
import { posix } from "node:path";
import { jobName } from "../emit/slurmTag.js";
import type { StepIR } from "../plan/ir.js";
import type { CompiledDir } from "./compiledDir.js";
import { parseMetrics } from "./metricsTail.js";
import { planSteps, type StepProgress, type StepState } from "./progress.js";
import type { SlurmClient } from "./slurm.js";
import { isTerminal, isUnsuccessful, submittedId, type JobRecord } from "./slurmParse.js";
import type { SubmissionState } from "./state.js";
import { tagOf } from "./submitJobs.js";

export interface GateVerdict {
  readonly evalset: string;
  readonly metric: string;
  readonly op: string;
  readonly value: number;
  readonly actual: number | null;
  readonly passed: boolean;
}

export interface StepView extends StepProgress {
  /** The job ids of the step (several for a split array). */
  readonly jobIds: readonly string[];
  /** Slurm's state of the step's job(s): the first unsuccessful one, else the least advanced. */
  readonly slurmState?: string;
  /** Why it failed or never ran, in words (the failed gate and its value, the dependency that failed). */
  readonly why?: string;
  /** The failed gates of an eval step. */
  readonly failedGates?: readonly GateVerdict[];
  /** The last lines of a failed step's log. */
  readonly logTail?: readonly string[];
  /** Requeues of a train job (preemption, the walltime signal). */
  readonly restarts?: number;
}

export interface StatusView {
  readonly steps: readonly StepView[];
  /** Every job of the submission has ended. */
  readonly finished: boolean;
  readonly runId: string;
}

export interface StatusOptions {
  readonly compiled: CompiledDir;
  readonly state: SubmissionState;
  readonly slurm: SlurmClient;
  /** Read the metrics, results and log tails (default true); false: the scheduler's answer only. */
  readonly details?: boolean;
}

const PENDING_LIKE = new Set(["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED", "CONFIGURING", "RESIZING"]);

/** The job names of the submission's jobs (the batched query asks for these). */
export function submissionNames(compiled: CompiledDir, state: SubmissionState): string[] {
  const keys = new Set(Object.keys(state.jobs));
  return [...new Set(compiled.jobs.filter((j) => keys.has(j.key)).map((j) => jobName(tagOf(state.plan_hash, state.run_id, j))))];
}

function stepState(recs: readonly JobRecord[]): { state: StepState; slurm: string } {
  const bad = recs.find((r) => isUnsuccessful(r.state));
  if (bad) return { state: "failed", slurm: bad.state };
  if (recs.some((r) => r.state === "RUNNING" || r.state === "COMPLETING")) return { state: "running", slurm: "RUNNING" };
  if (recs.some((r) => !isTerminal(r.state))) return { state: "queued", slurm: recs.find((r) => !isTerminal(r.state))!.state };
  return { state: "done", slurm: "COMPLETED" };
}

/** Array tasks not started yet are one record with a range (`3-9%4`): how many tasks it stands for. */
function taskCount(r: JobRecord): number {
  const spec = (r.arrayTaskId ?? "").replace(/%\d+$/, "");
  if (spec === "") return 1;
  let n = 0;
  for (const part of spec.split(",")) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!m) return 1;
    const a = Number(m[1]), b = m[2] !== undefined ? Number(m[2]) : a, step = m[3] !== undefined ? Number(m[3]) : 1;
    n += Math.floor((b - a) / step) + 1;
  }
  return n;
}

async function tail(slurm: SlurmClient, path: string, lines: number): Promise<string[] | undefined> {
  const r = await slurm.transport.run(["tail", "-n", String(lines), "--", path]).catch(() => undefined);
  return r && r.exitCode === 0 ? r.stdout.split("\n").filter((l) => l !== "") : undefined;
}

async function readJson(slurm: SlurmClient, path: string): Promise<unknown> {
  try {
    return JSON.parse((await slurm.transport.readFile(path)).toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The log files of a job in RUN/logs (`NAME-JOBID.out`, `NAME-ARRAYID_TASK.out`), as paths on the cluster. */
export async function logFiles(slurm: SlurmClient, remoteDir: string, name: string, jobId: string): Promise<string[]> {
  const dir = posix.join(remoteDir, "logs");
  const r = await slurm.transport.run(["find", dir, "-maxdepth", "1", "-type", "f", "(", "-name", `${name}-${jobId}.*`, "-o", "-name", `${name}-${jobId}_*`, ")"]);
  if (r.exitCode !== 0) return [];
  return r.stdout.split("\n").filter((l) => l !== "").sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

export function gateText(g: GateVerdict): string {
  const got = g.actual === null ? "no value" : String(Number(g.actual.toPrecision(6)));
  return `gate ${g.evalset}.${g.metric} ${g.op} ${g.value} failed: ${g.evalset}.${g.metric} = ${got}`;
}

export async function statusView(o: StatusOptions): Promise<StatusView> {
  const { compiled, state, slurm } = o;
  const details = o.details ?? true;
  const records = await slurm.find(submissionNames(compiled, state), new Date(state.created_at));
  const byJob = new Map<string, JobRecord[]>();
  for (const r of records) byJob.set(submittedId(r), [...(byJob.get(submittedId(r)) ?? []), r]);
  const planById = new Map(compiled.plan.steps.map((s) => [s.id, s]));
  const base = new Map(planSteps(compiled.plan).map((s) => [s.id, s]));
  const views = new Map<string, StepView>();

  for (const step of compiled.plan.steps) {
    const b = base.get(step.id)!;
    const jobs = compiled.jobs.filter((j) => j.step === step.id);
    const entries = jobs.map((j) => ({ job: j, entry: state.jobs[j.key] })).filter((x) => x.entry !== undefined);
    if (entries.length === 0) {
      // submit leaves out exactly the steps flowrt found done, and those behind a failed job (blocked).
      const blocked = step.needs.some((n) => views.get(n)?.state !== "done");
      views.set(step.id, blocked
        ? { ...b, state: "waiting", jobIds: [], note: "not submitted" }
        : { ...b, state: "done", jobIds: [], note: "already done when submitted", ...(b.shards ? { shards: { done: b.shards.of, of: b.shards.of } } : {}) });
      continue;
    }
    const recs = entries.flatMap((x) => byJob.get(x.entry!.job_id) ?? []);
    const ids = entries.map((x) => x.entry!.job_id);
    if (recs.length === 0) {
      views.set(step.id, { ...b, state: "waiting", jobIds: ids, note: `job ${ids.join(", ")} is not known to the scheduler any more` });
      continue;
    }
    const st = stepState(recs);
    const restarts = Math.max(0, ...recs.map((r) => r.restarts ?? 0));
    // A job cancelled before it ran (a dependency failed) has a start time but never had a node.
    const start = recs.filter((r) => r.nodes !== undefined).map((r) => (r.startTime ? Date.parse(r.startTime) : NaN)).filter(Number.isFinite);
    const end = recs.map((r) => (r.endTime ? Date.parse(r.endTime) : NaN)).filter(Number.isFinite);
    const startedAt = start.length ? Math.min(...start) : undefined;
    const seconds = st.state !== "running" && startedAt !== undefined && end.length ? (Math.max(...end) - startedAt) / 1000 : undefined;
    let shards = b.shards;
    if (shards) {
      const done = recs.filter((r) => r.state === "COMPLETED").reduce((n, r) => n + taskCount(r), 0);
      shards = { done: Math.min(done + (shards.of - recs.reduce((n, r) => n + taskCount(r), 0)), shards.of), of: shards.of };
    }
    const reason = recs.find((r) => r.reason && r.reason !== "None")?.reason;
    const notes = [`job ${ids.join(", ")} ${st.slurm}${st.state === "queued" && reason ? ` (${reason})` : ""}`];
    if (restarts > 0) notes.push(`requeued ${restarts}×`);
    views.set(step.id, {
      ...b, state: st.state, jobIds: ids, slurmState: st.slurm, note: notes.join(", "),
      ...(shards ? { shards } : {}), ...(startedAt !== undefined ? { startedAt } : {}), ...(seconds !== undefined ? { seconds } : {}),
      ...(restarts > 0 ? { restarts } : {}),
    });
  }

  if (details) {
    for (const [id, v] of views) {
      const step = planById.get(id)!;
      if (v.state === "running" && step.kind === "train" && v.train) {
        const lines = await tail(slurm, posix.join(state.remote_dir, step.out_dir, "metrics.jsonl"), 20);
        if (lines) views.set(id, { ...v, train: { ...v.train, records: parseMetrics(lines.join("\n") + "\n") } });
      }
      if (v.state === "failed") views.set(id, await explainFailure(o, step, views.get(id)!));
    }
  }
  // A step that was cancelled because a job it needs failed never ran: say which and why.
  for (const step of compiled.plan.steps) {
    const v = views.get(step.id)!;
    const neverRan = v.state === "failed" && v.slurmState === "CANCELLED" && v.startedAt === undefined;
    const waitingOnFailure = v.state === "queued" || neverRan;
    if (!waitingOnFailure) continue;
    const failedDep = firstFailedNeed(step, views, planById);
    if (failedDep) {
      const d = views.get(failedDep)!;
      views.set(step.id, { ...v, state: neverRan ? "skipped" : v.state, why: `never ran: it needs ${failedDep}, which ${d.why ?? `ended ${d.slurmState}`}` });
    }
  }
  const steps = compiled.plan.steps.map((s) => views.get(s.id)!);
  const finished = steps.every((s) => s.state === "done" || s.state === "failed" || s.state === "skipped");
  return { steps, finished, runId: state.run_id };
}

/** The nearest step upstream of `step` that failed (itself failed, not merely skipped behind another). */
function firstFailedNeed(step: StepIR, views: ReadonlyMap<string, StepView>, plan: ReadonlyMap<string, StepIR>): string | undefined {
  for (const n of step.needs) {
    const v = views.get(n);
    if (v?.state === "failed" && !(v.slurmState === "CANCELLED" && v.startedAt === undefined)) return n;
    const up = plan.get(n);
    const deeper = up ? firstFailedNeed(up, views, plan) : undefined;
    if (deeper) return deeper;
  }
  return undefined;
}

async function explainFailure(o: StatusOptions, step: StepIR, v: StepView): Promise<StepView> {
  const { slurm, state } = o;
  if (step.kind === "eval") {
    const results = (await readJson(slurm, posix.join(state.remote_dir, step.out_dir, "results.json"))) as { gates?: GateVerdict[] } | undefined;
    const failed = (results?.gates ?? []).filter((g) => !g.passed);
    if (failed.length > 0) return { ...v, failedGates: failed, why: failed.map(gateText).join("; ") };
  }
  const job = o.compiled.jobs.find((j) => j.step === step.id && state.jobs[j.key]?.job_id === v.jobIds[0]);
  if (!job || v.startedAt === undefined) return v;
  const name = jobName(tagOf(state.plan_hash, state.run_id, job));
  const files = await logFiles(slurm, state.remote_dir, name, v.jobIds[0]!);
  const lines = files.length > 0 ? await tail(slurm, files[files.length - 1]!, 5) : undefined;
  return { ...v, why: `ended ${v.slurmState}${files.length ? ` (log: ${posix.relative(state.remote_dir, files[files.length - 1]!)})` : ""}`, ...(lines ? { logTail: lines } : {}) };
}
