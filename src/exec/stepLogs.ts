// `flowc logs DIR STEP`: a step's Slurm log from RUN/logs (`NAME-JOBID.out`, `NAME-ARRAYID_TASK.out`
// for an array task, as the emitted scripts name them), printed once or followed (-f) until the job
// ends. Following reads only what was appended (`tail -c +OFFSET`), so a long log costs one small
// read per poll, over the same connection.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { jobName } from "../emit/slurmTag.js";
import type { CompiledDir } from "./compiledDir.js";
import type { SlurmClient } from "./slurm.js";
import { isTerminal } from "./slurmParse.js";
import { readState, type SubmissionState } from "./state.js";
import { logFiles } from "./statusView.js";
import { tagOf } from "./submitJobs.js";
import { ExecError } from "./transport.js";

export interface LogsOptions {
  readonly compiled: CompiledDir;
  readonly state: SubmissionState;
  readonly slurm: SlurmClient;
  readonly step: string;
  /** An array task index. */
  readonly task?: number;
  readonly follow?: boolean;
  readonly write: (text: string) => void;
  /** Between polls when following (ms). */
  readonly pollMs?: number;
}

interface Source {
  readonly jobId: string;
  readonly name: string;
}

function sources(o: LogsOptions): Source[] {
  const { compiled, state } = o;
  if (!compiled.plan.steps.some((s) => s.id === o.step)) {
    const near = compiled.plan.steps.map((s) => s.id).filter((id) => id.includes(o.step) || o.step.includes(id));
    throw new ExecError(`the plan has no step \`${o.step}\``, near.length ? `did you mean ${near.map((n) => `\`${n}\``).join(", ")}?` : "`flowc status DIR` lists the steps");
  }
  // This run's job of the step, else the latest earlier run's (a step done before a recompile is not resubmitted).
  for (const st of [state, ...earlierStates(compiled.dir)]) {
    const out = Object.entries(st.jobs).filter(([, j]) => j.step === o.step)
      .map(([, j]) => ({ jobId: j.job_id, name: jobName(tagOf(st.plan_hash, st.run_id, { step: j.step, ...(j.part ? { part: j.part } : {}) })) }));
    if (out.length > 0) return out;
  }
  throw new ExecError(`step ${o.step} was not submitted (it was already done, or a job it needs failed)`, "`flowc status DIR` says which");
}

/** The states set aside by submissions of earlier plans into DIR (`state.RUN.json`), newest first. */
function earlierStates(dir: string): SubmissionState[] {
  const out: SubmissionState[] = [];
  for (const f of readdirSync(dir).filter((n) => /^state\.[A-Za-z0-9]+\.json$/.test(n))) {
    try {
      const s = readState(join(dir, f));
      if (s) out.push(s);
    } catch {
      // not a state flowc can read: not one of ours
    }
  }
  return out.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}

async function findFiles(o: LogsOptions, src: readonly Source[]): Promise<string[]> {
  const all = (await Promise.all(src.map((s) => logFiles(o.slurm, o.state.remote_dir, s.name, s.jobId)))).flat();
  if (o.task === undefined) return all;
  return all.filter((f) => new RegExp(`_${o.task}\\.[A-Za-z]+$`).test(f));
}

export async function stepLogs(o: LogsOptions): Promise<void> {
  const src = sources(o);
  const t = o.slurm.transport;
  if (!o.follow) {
    const files = await findFiles(o, src);
    if (files.length === 0) throw noLog(o, src, await jobStates(o, src));
    for (const f of files) {
      if (files.length > 1) o.write(`==> ${f} <==\n`);
      o.write((await t.readFile(f)).toString("utf8"));
    }
    return;
  }
  const offsets = new Map<string, number>();
  const pollMs = o.pollMs ?? 2000;
  let announced = false;
  for (let i = 0; ; i++) {
    const files = await findFiles(o, src);
    let grew = false;
    for (const f of files) {
      const off = offsets.get(f) ?? 0;
      const r = await t.run(["tail", "-c", `+${off + 1}`, "--", f]);
      if (r.exitCode !== 0 || r.stdout === "") continue;
      if (files.length > 1) o.write(`==> ${f} <==\n`);
      o.write(r.stdout);
      offsets.set(f, off + Buffer.byteLength(r.stdout));
      grew = true;
    }
    // Ask the scheduler only now and then: the log is the cheap thing to poll.
    if (!grew && i % 3 === 0) {
      const states = await jobStates(o, src);
      if (states.length > 0 && states.every(isTerminal)) {
        if (files.length === 0) throw noLog(o, src, states);
        return;
      }
      if (files.length === 0 && !announced) {
        o.write(`(job ${src.map((s) => s.jobId).join(", ")} ${states.join(", ") || "not started"}: waiting for its log)\n`);
        announced = true;
      }
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function jobStates(o: LogsOptions, src: readonly Source[]): Promise<string[]> {
  const recs = await o.slurm.find(src.map((s) => s.name), new Date(o.state.created_at));
  const ids = new Set(src.map((s) => s.jobId));
  return recs.filter((r) => ids.has(r.arrayJobId ?? r.id) && (o.task === undefined || r.arrayTaskId === String(o.task))).map((r) => r.state);
}

function noLog(o: LogsOptions, src: readonly Source[], states: readonly string[]): ExecError {
  const jobs = src.map((s) => s.jobId).join(", ");
  const st = [...new Set(states)].join(", ");
  if (o.task !== undefined && states.length === 0) {
    return new ExecError(`job ${jobs} of ${o.step} has no array task ${o.task}`, "an array's task indices are its shards (`flowc status DIR` shows how many)");
  }
  return new ExecError(`no log of ${o.step}${o.task !== undefined ? ` task ${o.task}` : ""} in ${o.state.remote_dir}/logs (job ${jobs}${st ? ` ${st}` : ""})`,
    st.includes("PENDING") || st === "" ? "the job has not started yet: follow it with `flowc logs DIR STEP -f`" : o.task !== undefined ? "check the task index against the step's shards (`flowc status DIR`)" : "the job ended without writing a log: see `scontrol show job` or the cluster's slurmctld log");
}
