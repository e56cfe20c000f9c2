// `flowc run FILE --target ray`: writes the compiled directory (plan.json, ray/dag.py) into the run
// directory, starts a local Ray (or joins --address), runs the DAG's driver and turns its progress
// lines into the live display (steps done, the training step's metrics, tokens/s, ETA), then stops
// the Ray it started. What is done is decided in the driver from the same completion markers as
// the local target. Side effects live here.
import { execa } from "execa";
import { createWriteStream, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { writeCompiledDir } from "../emit/compiledDir.js";
import { EVENT_PREFIX } from "../emit/ray/driver.js";
import { emitRay, RAY_DAG_FILE } from "../emit/ray/index.js";
import type { PlanIR } from "../plan/ir.js";
import { MetricsTail } from "./metricsTail.js";
import { planSteps, type Progress, type StepProgress, type StepState } from "./progress.js";
import { LOCAL_RAY_ENV, startLocalRay, type LocalRay } from "./rayCluster.js";

export interface RayRunOptions {
  readonly outDir: string;
  readonly inputRoot: string;
  readonly python: string;
  /** Join this cluster instead of starting one. */
  readonly address?: string;
  readonly progress: Progress;
  /** CPUs of the local Ray started here (default: Ray's count of this machine's). */
  readonly numCpus?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** One line of the driver's progress (flowrt.ray_dag's `event`). */
export interface DriverEvent {
  readonly event: "queued" | "running" | "progress" | "shard_done" | "done" | "failed" | "skipped" | "finished";
  readonly step: string | null;
  readonly time: number;
  readonly note?: string;
  readonly error?: string;
  readonly shards?: number;
  readonly left?: number;
  readonly failed?: Readonly<Record<string, string>>;
}

export interface RayStepOutcome {
  readonly id: string;
  readonly status: "done" | "failed" | "skipped";
  readonly error?: string;
}

export interface RayRunResult {
  readonly outcomes: readonly RayStepOutcome[];
  /** The driver's exit code (0: every step done). */
  readonly exitCode: number;
  readonly driverLog: string;
}

export function parseEvent(line: string): DriverEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(EVENT_PREFIX.length)) as DriverEvent;
  } catch {
    return undefined;
  }
}

const STATE: Partial<Record<DriverEvent["event"], StepState>> = { queued: "queued", running: "running", done: "done", failed: "failed", skipped: "skipped" };

/** The display's steps after one driver event (pure: the tests feed it lines). */
export function applyEvent(steps: StepProgress[], e: DriverEvent): StepProgress[] {
  if (e.step === null) return steps;
  return steps.map((s) => {
    if (s.id !== e.step) return s;
    const state = STATE[e.event] ?? s.state;
    const at = e.time * 1000;
    const shards = !s.shards ? undefined
      : e.event === "done" ? { done: s.shards.of, of: s.shards.of }
      : e.event === "shard_done" ? { done: Math.min(s.shards.of, s.shards.done + 1), of: s.shards.of } : s.shards;
    const note = e.note ?? (e.event === "failed" ? e.error : s.note);
    return {
      ...s,
      state,
      ...(shards ? { shards } : {}),
      ...(e.event === "running" ? { startedAt: at } : {}),
      ...((e.event === "done" || e.event === "failed") && s.startedAt !== undefined ? { seconds: (at - s.startedAt) / 1000 } : {}),
      ...(note !== undefined ? { note } : {}),
    };
  });
}

export async function runRay(plan: PlanIR, o: RayRunOptions): Promise<RayRunResult | { error: string }> {
  const out = resolve(o.outDir);
  // The run directory is the compiled directory: a changed plan is written over (the markers, not
  // the directory, decide what is redone).
  writeCompiledDir({ dir: out, plan, target: "ray", files: emitRay(plan), force: true });
  mkdirSync(join(out, "logs"), { recursive: true });
  let ray: LocalRay | undefined;
  let address = o.address;
  if (address === undefined) {
    o.progress.log("starting a local Ray…");
    const started = await startLocalRay({ python: o.python, ...(o.numCpus !== undefined ? { numCpus: o.numCpus } : {}), ...(o.env ? { env: o.env } : {}) });
    if ("error" in started) return started;
    ray = started;
    address = started.address;
    o.progress.log(`Ray started at ${address} (pid ${started.pid})`);
  }
  try {
    return await drive(plan, out, address, ray ? { ...o, env: { ...o.env, ...LOCAL_RAY_ENV } } : o);
  } finally {
    if (ray) {
      await ray.stop();
      o.progress.log("Ray stopped");
    }
  }
}

async function drive(plan: PlanIR, out: string, address: string, o: RayRunOptions): Promise<RayRunResult> {
  const driverLog = join(out, "logs", "ray-driver.log");
  const log = createWriteStream(driverLog, { flags: "a" });
  let steps = planSteps(plan);
  const tails = new Map(plan.steps.filter((s) => s.kind === "train").map((s) => [s.id, new MetricsTail(join(out, s.out_dir, "metrics.jsonl"))]));
  const startedAt = Date.now();
  const refresh = () => {
    steps = steps.map((s) => {
      const tail = tails.get(s.id);
      return tail && s.train && s.state === "running" ? { ...s, train: { ...s.train, records: tail.poll() } } : s;
    });
    o.progress.update({ steps, startedAt });
  };
  const timer = setInterval(refresh, 1000);
  const child = execa(o.python, [join(out, RAY_DAG_FILE), "--address", address, "--run-dir", out, "--input-root", resolve(o.inputRoot)], {
    reject: false, cwd: out, buffer: false,
    env: { ...o.env, PYTHONUNBUFFERED: "1", RAY_TRAIN_ENABLE_PRINT_PATCH: "0" },
  });
  const errors = new Map<string, string>();
  const finishedSteps = new Map<string, RayStepOutcome["status"]>();
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    const e = parseEvent(line);
    if (!e) return void log.write(`${line}\n`);
    log.write(`${line}\n`);
    steps = applyEvent(steps, e);
    if (e.step !== null) {
      if (e.event === "done") {
        finishedSteps.set(e.step, "done");
        o.progress.log(`${e.step}: ${e.note ?? "done"}`);
      } else if (e.event === "failed") {
        finishedSteps.set(e.step, "failed");
        errors.set(e.step, e.error ?? "failed");
        o.progress.log(`${e.step}: failed: ${e.error ?? ""}`);
      } else if (e.event === "skipped") {
        finishedSteps.set(e.step, "skipped");
        o.progress.log(`${e.step}: ${e.note ?? "not run"}`);
      } else if (e.event === "running") {
        o.progress.log(`${e.step} (${plan.steps.find((s) => s.id === e.step)?.kind ?? "step"})…`);
      }
    }
    refresh();
  });
  child.stderr!.on("data", (b: Buffer) => log.write(b));
  const r = await child;
  clearInterval(timer);
  await new Promise<void>((res) => log.end(res));
  const outcomes = plan.steps.map((s): RayStepOutcome => {
    const status = finishedSteps.get(s.id) ?? "failed";
    const error = errors.get(s.id) ?? (finishedSteps.has(s.id) ? undefined : `the driver ended (exit ${r.exitCode ?? "signal"}) before this step finished; see ${driverLog}`);
    return { id: s.id, status, ...(error !== undefined ? { error } : {}) };
  });
  return { outcomes, exitCode: r.exitCode ?? 1, driverLog };
}
