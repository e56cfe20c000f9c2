// `flowc run FILE --target local`: runs the plan's job DAG on this machine as local processes, in
// dependency order: data steps as `python -m flowrt step`, array steps shard by shard, training
// under torchrun with the plan's ranks. What to run comes from one `python -m flowrt status` call
// (content-keyed completion markers: a step whose definition, raw inputs or upstream changed is
// redone, the rest skipped). The laptop loop before a cluster. Side effects live here.
import { execa } from "execa";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlanIR, StepIR } from "../plan/ir.js";
import { MetricsTail } from "./metricsTail.js";
import { planSteps, type MetricsRecord, type Snapshot, type StepProgress } from "./progress.js";

export interface LocalRunOptions {
  readonly outDir: string;
  /** Where the plan's relative URIs and paths resolve: the .flow file's directory. */
  readonly inputRoot: string;
  /** The Python that has flowrt installed; default: FLOWRT_PYTHON, runtime-py/.venv, python3. */
  readonly python?: string;
  /** Permanent lines: a step started or finished, a warning a step printed, a failure's log tail. */
  readonly log: (line: string) => void;
  /** The run's state, at every change and every second while training (what the display draws). */
  readonly onProgress?: (snap: Snapshot) => void;
  /** Only these steps (and nothing else); default all. */
  readonly only?: ReadonlySet<string>;
}

export interface StepOutcome {
  readonly id: string;
  readonly status: "done" | "skipped" | "failed";
  readonly seconds: number;
  readonly exitCode?: number;
  readonly logFile: string;
}

/** One step in `python -m flowrt status` (runtime-py/STEPS.md, "Status"). */
export interface StepStatus {
  readonly id: string;
  readonly kind: StepIR["kind"];
  readonly state: "done" | "stale" | "missing" | "partial";
  readonly reason?: string;
  readonly shards?: { readonly of: number; readonly done: readonly number[]; readonly todo: readonly number[] };
  readonly refused?: string;
  readonly resume_step?: number;
}

export interface RunStatus {
  readonly steps: readonly StepStatus[];
}

const RUNTIME_DIR = fileURLToPath(new URL("../../runtime-py/", import.meta.url));

export function defaultPython(): string {
  if (process.env.FLOWRT_PYTHON) return process.env.FLOWRT_PYTHON;
  const venv = join(RUNTIME_DIR, ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

/** Steps in an order where every step comes after its needs (the plan is already so; we verify). */
export function topoOrder(steps: readonly StepIR[]): StepIR[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const done = new Set<string>();
  const out: StepIR[] = [];
  const visit = (s: StepIR, path: string[]) => {
    if (done.has(s.id)) return;
    if (path.includes(s.id)) throw new Error(`cycle in the plan's steps: ${[...path, s.id].join(" -> ")}`);
    for (const n of s.needs) {
      const dep = byId.get(n);
      if (!dep) throw new Error(`step ${s.id} needs ${n}, which the plan does not have`);
      visit(dep, [...path, s.id]);
    }
    done.add(s.id);
    out.push(s);
  };
  for (const s of steps) visit(s, []);
  return out;
}

/** Writes OUT/plan.json (creating OUT) and returns its path. */
export function writePlan(plan: PlanIR, outDir: string): string {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const planPath = join(out, "plan.json");
  writeFileSync(planPath, JSON.stringify(plan, null, 2) + "\n");
  return planPath;
}

/** What flowrt says about every step of the run directory, or why it could not say. */
export async function runStatus(python: string, planPath: string, runDir: string, inputRoot: string): Promise<RunStatus | { error: string }> {
  const r = await execa(python, ["-m", "flowrt", "status", "--plan", planPath, "--run-dir", runDir, "--input-root", inputRoot],
    { reject: false, env: { FLOWRT_LOG: "WARNING" }, timeout: 300_000 });
  if (r.failed || r.exitCode !== 0) {
    const why = (r.stderr || r.stdout || (r as { shortMessage?: string }).shortMessage || "").toString().trim().split("\n").slice(-3).join("\n");
    return { error: `\`${python} -m flowrt status\` failed: ${why}` };
  }
  try {
    return JSON.parse(r.stdout.toString()) as RunStatus;
  } catch {
    return { error: `\`${python} -m flowrt status\` printed something that is not its JSON answer` };
  }
}

export async function runLocal(plan: PlanIR, o: LocalRunOptions): Promise<{ outcomes: StepOutcome[] } | { error: string }> {
  const out = resolve(o.outDir);
  const inputRoot = resolve(o.inputRoot);
  mkdirSync(join(out, "logs"), { recursive: true });
  const planPath = writePlan(plan, out);
  const python = o.python ?? defaultPython();
  const status = await runStatus(python, planPath, out, inputRoot);
  if ("error" in status) return status;
  const byId = new Map(status.steps.map((s) => [s.id, s]));
  const outcomes: StepOutcome[] = [];
  const failed = new Set<string>();
  const order = topoOrder(plan.steps).filter((s) => !o.only || o.only.has(s.id));
  const board = new Board(plan, order, o.onProgress);
  for (const [i, step] of order.entries()) {
    const logFile = join(out, "logs", `${step.id}.log`);
    const st = byId.get(step.id);
    if (step.needs.some((n) => failed.has(n))) {
      failed.add(step.id);
      o.log(`[${i + 1}/${order.length}] ${step.id}: not run (a step it needs failed)`);
      board.set(step.id, { state: "skipped", note: "a step it needs failed" });
      outcomes.push({ id: step.id, status: "skipped", seconds: 0, logFile });
      continue;
    }
    if (st?.state === "done") {
      o.log(`[${i + 1}/${order.length}] ${step.id}: already done`);
      board.set(step.id, { state: "done", note: "already done", ...(step.shards > 1 ? { shards: { done: step.shards, of: step.shards } } : {}) });
      outcomes.push({ id: step.id, status: "done", seconds: 0, logFile });
      continue;
    }
    const why = st?.state === "stale" ? ` (redo: ${st.reason})` : st?.state === "partial" ? ` (${st.shards?.done.length} of ${st.shards?.of} shards done)` : "";
    o.log(`[${i + 1}/${order.length}] ${step.id} (${step.kind})…${why}`);
    const t0 = Date.now();
    let code = 0;
    const shards = step.shards > 1 ? st?.shards?.todo ?? [...Array(step.shards).keys()] : [undefined];
    let shardsDone = step.shards - shards.length;
    board.set(step.id, { state: "running", startedAt: t0, ...(step.shards > 1 ? { shards: { done: shardsDone, of: step.shards } } : {}) });
    // A training step's progress is its metrics.jsonl, read every second while torchrun runs.
    const tail = step.kind === "train" ? new MetricsTail(join(out, step.out_dir, "metrics.jsonl")) : undefined;
    const poll = tail && setInterval(() => board.train(step.id, tail.poll()), 1000);
    // The marker a train step leaves when it stopped early (on the plan's stop signal) after a
    // checkpoint: under torchrun its workers exit 0 then, so the marker, not the exit code, says
    // the step is unfinished. A marker from an earlier run is removed first.
    const stopMarker = step.kind === "train" ? join(out, step.out_dir, plan.protocol.stop_marker) : undefined;
    if (stopMarker) rmSync(stopMarker, { force: true });
    for (const shard of shards) {
      if (code !== 0) break;
      const [cmd, args] = stepCommand(python, planPath, step, inputRoot, shard);
      mkdirSync(dirname(logFile), { recursive: true });
      const sub = execa(cmd, args, {
        reject: false, all: true, cwd: out,
        // OpenMP threads that sleep when idle: spinning ones (GOMP's default) burn the cores that the
        // other threads and processes need on a small shared machine (the eval step on 2 busy cores:
        // 38 CPU-s spinning against 6 CPU-s passive). A value the user set is kept.
        env: { PYTHONUNBUFFERED: "1", FLOWRT_RUN_DIR: out, OMP_NUM_THREADS: String(step.resources.cpus_per_task),
          OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? "PASSIVE" },
        stdout: ["pipe", { file: logFile, append: true }],
        stderr: ["pipe", { file: logFile, append: true }],
      });
      // A warning a step logs (flowrt's "WARNING" records) is shown, not only written to its log.
      forEachLine(sub.all, (line) => {
        const w = /\bflowrt WARNING (.*)$/.exec(line);
        if (w) o.log(`  ${step.id}: warning: ${w[1]}`);
      });
      const r = await sub;
      code = r.exitCode ?? 1;
      if (code === 0 && stopMarker && existsSync(stopMarker)) {
        code = plan.protocol.requeue_exit_code;
        o.log(`  ${step.id} stopped early on SIG${plan.protocol.stop_signal} after a checkpoint; run the same command again to resume it`);
        continue;
      }
      if (code !== 0) {
        const tailText = (r.all ?? "").split("\n").slice(-15).join("\n");
        o.log(`  ${step.id} failed (exit ${code}); last lines of ${logFile}:\n${tailText.replace(/^/gm, "    ")}`);
      } else if (step.shards > 1) {
        board.set(step.id, { shards: { done: ++shardsDone, of: step.shards } });
      }
    }
    if (poll) clearInterval(poll);
    if (tail) board.train(step.id, tail.poll());
    const seconds = (Date.now() - t0) / 1000;
    if (code === 0) o.log(`  ${step.id} done in ${seconds.toFixed(1)} s`);
    else failed.add(step.id);
    board.set(step.id, { state: code === 0 ? "done" : "failed", seconds });
    outcomes.push({ id: step.id, status: code === 0 ? "done" : "failed", seconds, exitCode: code, logFile });
  }
  return { outcomes };
}

/** The steps of the run with their states, told to the display at each change. */
class Board {
  private readonly steps: Map<string, StepProgress>;
  private readonly startedAt = Date.now();

  constructor(plan: PlanIR, order: readonly StepIR[], private readonly onProgress?: (snap: Snapshot) => void) {
    const all = new Map(planSteps(plan).map((s) => [s.id, s]));
    this.steps = new Map(order.map((s) => [s.id, all.get(s.id)!]));
    this.emit();
  }

  set(id: string, patch: Partial<StepProgress>): void {
    const cur = this.steps.get(id);
    if (cur === undefined) return;
    this.steps.set(id, { ...cur, ...patch });
    this.emit();
  }

  train(id: string, records: readonly MetricsRecord[]): void {
    const cur = this.steps.get(id);
    if (cur?.train === undefined) return;
    this.set(id, { train: { ...cur.train, records } });
  }

  private emit(): void {
    this.onProgress?.({ startedAt: this.startedAt, steps: [...this.steps.values()] });
  }
}

/** Calls `f` with each whole line of a stream as it arrives (the last one at its end). */
function forEachLine(stream: NodeJS.ReadableStream | undefined | null, f: (line: string) => void): void {
  if (!stream) return;
  let buf = "";
  stream.on("data", (chunk: Buffer | string) => {
    buf += chunk.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) f(l);
  });
  stream.on("end", () => {
    if (buf) f(buf);
  });
}

/** The command a step runs locally: training under torchrun with the plan's ranks per node. */
export function stepCommand(python: string, planPath: string, step: StepIR, inputRoot: string, shard?: number): [string, string[]] {
  const base = ["step", "--plan", planPath, "--step", step.id, "--input-root", inputRoot, ...(shard !== undefined ? ["--shard", String(shard)] : [])];
  if (step.kind === "train" && step.resources.ranks_per_node * step.resources.nodes > 1) {
    return [python, ["-m", "torch.distributed.run", "--standalone", `--nproc_per_node=${step.resources.ranks_per_node}`, "-m", "flowrt", ...base]];
  }
  return [python, ["-m", "flowrt", ...base]];
}
