// `flowc submit DIR`: one connection to the cluster for the whole command. Upload the compiled
// directory (and this flowc's flowrt), ask flowrt on the cluster which steps are already done with
// the key they would run with now, and submit the rest in dependency order (submitJobs.ts: state
// written after every job, reconciled with the scheduler by tag, so a re-run never submits twice).
// A step whose job completed but whose output is no longer current (a changed input) is submitted
// again; a done step is not submitted at all, and what needs it does not wait for it.
import { renameSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { openTransport } from "./connect.js";
import type { CompiledDir } from "./compiledDir.js";
import type { RunStatus, StepStatus } from "./local.js";
import { remoteStatus } from "./remoteStatus.js";
import { ensureRuntime } from "./runtime.js";
import { SlurmClient } from "./slurm.js";
import { isTerminal } from "./slurmParse.js";
import { readState, StateError, stateFile } from "./state.js";
import { submitJobs, type JobToSubmit, type SubmitReport } from "./submitJobs.js";
import { ExecError, type Transport } from "./transport.js";
import type { Where } from "./where.js";

export interface SubmitDirOptions {
  readonly compiled: CompiledDir;
  readonly where: Where;
  readonly dryRun?: boolean;
  /** Upload this flowc's flowrt (default); false: use and check the cluster's. */
  readonly uploadRuntime?: boolean;
  readonly log: (line: string) => void;
}

export interface SubmitDirReport extends SubmitReport {
  readonly where: string;
  readonly remoteDir: string;
  /** Steps flowrt says are done: not submitted. */
  readonly done: readonly string[];
}

/** `~` and `~/x` made absolute with the login's home (sbatch --chdir does not expand `~`). */
export async function absoluteRemoteDir(t: Transport, dir: string): Promise<string> {
  if (t.kind === "local") return resolve(dir.replace(/^~(?=\/|$)/, process.env.HOME ?? "~"));
  if (dir !== "~" && !dir.startsWith("~/")) return dir;
  const r = await t.run(["sh", "-c", 'printf %s "$HOME"']);
  const home = r.stdout.trim();
  if (r.exitCode !== 0 || !home.startsWith("/")) throw new ExecError(`cannot find the home directory on ${t.where}`, "give the run directory as an absolute path (`--remote-dir /path`, or `run_dir:` in the cluster profile)");
  return dir === "~" ? home : posix.join(home, dir.slice(2));
}

/** `--export` takes a comma list: a value with a comma cannot be passed through it. */
function exportArg(vars: Readonly<Record<string, string>>): string {
  for (const [k, v] of Object.entries(vars)) {
    if (v.includes(",")) throw new ExecError(`${k}=${v} contains a comma, which sbatch --export cannot pass`, "use a run directory, input root and Python path without commas");
  }
  return `--export=ALL,${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(",")}`;
}

/** The variables of a job's own `--export=ALL,K=V,…` (a split array's FLOWRT_SHARD_OFFSET). */
function ownExports(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const m = /^--export=(.*)$/.exec(a);
    if (!m) continue;
    for (const kv of m[1]!.split(",")) {
      const i = kv.indexOf("=");
      if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  return out;
}

/**
 * The array indices a job still has to run, when flowrt says its step is partly done: the shards not
 * done that fall in this job's part (its indices count from FLOWRT_SHARD_OFFSET). Undefined: run
 * the array as compiled; empty: every shard of this part is done.
 */
function indicesToRun(args: readonly string[], offset: number, st: StepStatus | undefined): number[] | undefined {
  const todo = st?.state === "partial" ? st.shards?.todo : undefined;
  const m = args.map((a) => /^--array=(\d+)-(\d+)(%\d+)?$/.exec(a)).find((x) => x !== null);
  if (!todo || !m) return undefined;
  const lo = Number(m[1]), hi = Number(m[2]);
  return todo.map((t) => t - offset).filter((i) => i >= lo && i <= hi);
}

/**
 * The jobs still to run: done steps (and done parts of a split array) dropped, also from every
 * `after`; scripts made paths on the cluster; one `--export` with the run's variables and the job's own.
 */
export function jobsToRun(compiled: CompiledDir, remoteDir: string, status: RunStatus | undefined, env: Readonly<Record<string, string>>): { jobs: JobToSubmit[]; settled: Pick<JobToSubmit, "key" | "step" | "part">[]; redo: Set<string>; done: string[] } {
  const byId = new Map((status?.steps ?? []).map((s) => [s.id, s]));
  const done = new Set(compiled.plan.steps.filter((s) => byId.get(s.id)?.state === "done").map((s) => s.id));
  const dropped = new Set<string>();
  const jobs: JobToSubmit[] = [];
  const settled: Pick<JobToSubmit, "key" | "step" | "part">[] = [];
  for (const j of compiled.jobs) {
    const args = j.sbatchArgs ?? [];
    const own = ownExports(args);
    const indices = indicesToRun(args, Number(own.FLOWRT_SHARD_OFFSET ?? 0), byId.get(j.step));
    if (done.has(j.step) || indices?.length === 0) {
      dropped.add(j.key);
      settled.push({ key: j.key, step: j.step, ...(j.part ? { part: j.part } : {}) });
      continue;
    }
    const rest = args.filter((a) => !a.startsWith("--export=")).map((a) => {
      const m = /^--array=[^%]*(%\d+)?$/.exec(a);
      return m && indices ? `--array=${indices.join(",")}${m[1] ?? ""}` : a;
    });
    jobs.push({ ...j, script: posix.join(remoteDir, j.script), after: j.after.filter((a) => !dropped.has(a)), sbatchArgs: [exportArg({ ...env, ...own }), ...rest] });
  }
  // Without an answer from flowrt (a dry run) nothing is known to be stale.
  const redo = new Set(status ? jobs.map((j) => j.key) : []);
  return { jobs, settled, redo, done: [...done] };
}

export async function submitDir(o: SubmitDirOptions): Promise<SubmitDirReport> {
  const { compiled, where, log } = o;
  const transport = await openTransport(where.connect);
  try {
    const slurm = new SlurmClient(transport);
    const remoteDir = await absoluteRemoteDir(transport, where.remoteDir);
    const inputRoot = where.inputRoot === where.remoteDir ? remoteDir : await absoluteRemoteDir(transport, where.inputRoot);
    const file = stateFile(compiled.dir);

    // A state of another plan: set aside once every one of its jobs has ended, refused while one runs.
    const old = readState(file);
    if (old && old.remote_dir !== remoteDir) {
      throw new StateError(`${file} records a submission into ${old.remote_dir}${old.host ? ` on ${old.host}` : ""}, not ${remoteDir}`,
        "submit to the same cluster directory as before (`--remote-dir`), or compile into a new directory");
    }
    if (old && old.plan_hash !== compiled.planHash && !o.dryRun) {
      const ids = Object.values(old.jobs).map((j) => j.job_id);
      const live = (await slurm.queue({ jobIds: ids }).catch(() => [])).filter((r) => !isTerminal(r.state));
      if (live.length > 0) {
        throw new StateError(`jobs of the previous plan in ${compiled.dir} are still on the scheduler (${[...new Set(live.map((r) => r.arrayJobId ?? r.id))].join(", ")})`,
          "wait for them to end, or cancel them with `flowc cancel DIR`, then submit the new plan");
      }
      const aside = join(compiled.dir, `state.${old.run_id}.json`);
      renameSync(file, aside);
      log(`the previous submission (plan ${old.plan_hash.slice(0, 12)}…) has ended: its state moved to ${aside}`);
    }

    let status: RunStatus | undefined;
    let pythonpath: string | undefined;
    if (o.dryRun) {
      log(`dry run: would upload ${compiled.dir} to ${remoteDir} on ${transport.where}; the steps flowrt finds done there would be left out`);
    } else {
      const up = await transport.uploadDir(join(compiled.dir, "slurm"), posix.join(remoteDir, "slurm"));
      await transport.writeFile(posix.join(remoteDir, "plan.json"), JSON.stringify(compiled.plan, null, 2) + "\n");
      await transport.writeFile(posix.join(remoteDir, "target.json"), JSON.stringify(compiled.target, null, 2) + "\n");
      const mk = await transport.run(["mkdir", "-p", "--", posix.join(remoteDir, "logs")]);
      if (mk.exitCode !== 0) throw new ExecError(`cannot create ${posix.join(remoteDir, "logs")} on ${transport.where}: ${mk.stderr.trim()}`, "check that the run directory is writable");
      log(`uploaded ${compiled.dir} to ${remoteDir} on ${transport.where} (${up.uploaded} file(s) changed, ${up.unchanged} unchanged)`);
      const rt = await ensureRuntime({ transport, python: where.python, remoteDir, version: compiled.target.flowrt_version, upload: o.uploadRuntime ?? true, log });
      pythonpath = rt.pythonpath;
      status = await remoteStatus({ transport, python: where.python, remoteDir, inputRoot, ...(pythonpath ? { pythonpath } : {}) });
      const unreadable = status.steps.filter((s) => (s as { error?: string }).error !== undefined);
      if (unreadable.length > 0) {
        throw new ExecError(`the inputs of ${unreadable.length} step(s) cannot be read on ${transport.where} (input root ${inputRoot})`,
          "put the plan's inputs under the input root, or name where they are with `--input-root DIR` or `input_root:` in the cluster profile",
          unreadable.map((s) => `${s.id}: ${(s as { error?: string }).error}`));
      }
      for (const s of status.steps) if (s.refused) log(`warning: ${s.id} will refuse to run: ${s.refused}`);
    }

    // What every job needs to find its Python, flowrt, run directory and inputs on the cluster.
    const env: Record<string, string> = { FLOWRT_PYTHON: where.python, FLOWRT_RUN_DIR: remoteDir, FLOWRT_INPUT_ROOT: inputRoot, ...(pythonpath ? { PYTHONPATH: pythonpath } : {}) };
    const { jobs, settled, redo, done } = jobsToRun(compiled, remoteDir, status, env);
    if (done.length > 0) log(`already done on the cluster: ${done.join(", ")}`);
    const report = await submitJobs({
      slurm, stateFile: file, planHash: compiled.planHash, remoteDir, jobs, settled, redo,
      origin: { ...(where.connect.host !== undefined ? { host: where.connect.host } : {}), python: where.python, inputRoot, ...(pythonpath ? { pythonpath } : {}) },
      ...(o.dryRun ? { dryRun: true } : {}),
      log,
    });
    return { ...report, where: transport.where, remoteDir, done };
  } finally {
    await transport.close();
  }
}
