// Live progress of a run's steps: one renderer for `flowc run` (local processes), `flowc status`
// (a submission) and the Ray run's display. Input: each step's state (and shards), and for a
// training step the tail of its metrics.jsonl with the run's planned total steps. Output: on a
// terminal, a region redrawn in place (log-update) under the permanent lines; elsewhere (CI logs,
// pipes, TERM=dumb), plain lines: whatever the caller logs, and a status line of every running step
// at least every `intervalMs`, even when nothing new arrived (a heartbeat says the run is alive).
import { createLogUpdate } from "log-update";
import type { PlanIR } from "../plan/ir.js";
import { grouped } from "../units/print.js";

/** What a step is doing. Targets map their own states here and keep theirs in `note`. */
export type StepState = "waiting" | "queued" | "running" | "done" | "skipped" | "failed";

/** One line of a train step's metrics.jsonl (runtime-py/STEPS.md, "train"); fields read here. */
export interface MetricsRecord {
  /** The optimizer step just finished (0-based): `step + 1` steps are done. */
  readonly step: number;
  readonly stage: string;
  readonly loss: number;
  readonly tokens_per_s: number;
  readonly lr?: number;
  /** Wall seconds of this step (its micro-batches, clipping, optimizer). */
  readonly step_s?: number;
  /** Unix seconds when the record was written. */
  readonly time?: number;
}

export interface TrainProgress {
  /** The run's planned total optimizer steps (the plan's `trains[].total_steps`). */
  readonly totalSteps: number;
  /** The latest records of metrics.jsonl, oldest first; empty before the first step ends. */
  readonly records: readonly MetricsRecord[];
}

export interface StepProgress {
  readonly id: string;
  readonly kind: string;
  readonly state: StepState;
  /** An array step's shards: how many of how many are done. */
  readonly shards?: { readonly done: number; readonly of: number };
  /** When it started (ms since the epoch, `Date.now()`'s clock): a running step's clock ticks. */
  readonly startedAt?: number;
  /** How long it ran, for a finished step. */
  readonly seconds?: number;
  /** What the target says beside the state: "already done", "job 4242 PENDING (Resources)". */
  readonly note?: string;
  readonly train?: TrainProgress;
}

export interface Snapshot {
  readonly steps: readonly StepProgress[];
  /** When the run started (ms since the epoch), for the elapsed clock of the summary. */
  readonly startedAt?: number;
}

/** Every step of a plan, waiting, with its shard count and (for training) the run's total steps. */
export function planSteps(plan: PlanIR): StepProgress[] {
  return plan.steps.map((s) => {
    const base = { id: s.id, kind: s.kind, state: "waiting" as const };
    const shards = s.shards > 1 ? { shards: { done: 0, of: s.shards } } : {};
    if (s.kind !== "train") return { ...base, ...shards };
    const total = plan.trains.find((t) => t.name === s.params.train)?.total_steps ?? s.params.last_step;
    return { ...base, ...shards, train: { totalSteps: total, records: [] } };
  });
}

/** Seconds as a clock: 0:07, 1:05, 1:02:03. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

function finite(n: unknown): n is number {
  return typeof n === "number" && Number.isFinite(n);
}

/**
 * Seconds until the run's last step, from the records' pace: the wall time between the oldest and
 * newest timed record over the steps between them (evals and checkpoints included, as they will
 * recur), else the mean of their step times; undefined before two steps give a pace.
 */
export function trainEta(t: TrainProgress): number | undefined {
  const last = t.records.at(-1);
  if (last === undefined) return undefined;
  const remaining = t.totalSteps - (last.step + 1);
  if (remaining <= 0) return 0;
  const timed = t.records.filter((r) => finite(r.time));
  const a = timed[0], b = timed.at(-1);
  if (a !== undefined && b !== undefined && b.step > a.step) return (remaining * (b.time! - a.time!)) / (b.step - a.step);
  const steps = t.records.map((r) => r.step_s).filter(finite);
  return steps.length ? (remaining * steps.reduce((x, y) => x + y, 0)) / steps.length : undefined;
}

/** `[██████░░░░]` of `width` cells (the eighth-blocks give a smooth edge). */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, finite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8), part = eighths % 8;
  const partial = part ? "▏▎▍▌▋▊▉"[part - 1]! : "";
  return `[${"█".repeat(full)}${partial}${" ".repeat(Math.max(0, width - full - (partial ? 1 : 0)))}]`;
}

const MARK: Record<StepState, string> = { waiting: "·", queued: "…", running: "▸", done: "✓", skipped: "-", failed: "✗" };

function elapsed(s: StepProgress, now: number): number | undefined {
  if (s.state === "running" && s.startedAt !== undefined) return (now - s.startedAt) / 1000;
  return s.seconds;
}

/** The training figures of a running train step: step/total, stage, loss, tokens/s, ETA. */
function trainFigures(t: TrainProgress, now: number): { done: number; fields: string[] } {
  const last = t.records.at(-1);
  if (last === undefined) return { done: 0, fields: [`0/${t.totalSteps} steps`, "starting"] };
  const done = last.step + 1;
  const eta = trainEta(t);
  const fields = [`${done}/${t.totalSteps}`, `stage ${last.stage}`, `loss ${finite(last.loss) ? last.loss.toFixed(4) : String(last.loss)}`,
    `${finite(last.tokens_per_s) ? grouped(Math.round(last.tokens_per_s)) : "?"} tok/s`];
  if (eta !== undefined) fields.push(`ETA ${clock(eta)}`);
  // A step that takes long (an eval, a checkpoint, a slow first step) shows how long it has been silent.
  if (finite(last.time) && now / 1000 - last.time > 30) fields.push(`no new step for ${clock(now / 1000 - last.time)}`);
  return { done, fields };
}

/** One step as a line: mark, id, kind, and what it is doing (bar and figures when running). */
export function stepLine(s: StepProgress, now: number, opts: { columns?: number; barWidth?: number; idWidth?: number } = {}): string {
  const t = elapsed(s, now);
  const id = `${MARK[s.state]} ${s.id}`.padEnd((opts.idWidth ?? 26) + 2);
  const clockPart = t !== undefined ? `(${clock(t)})` : "";
  const parts: string[] = [];
  let progress: { fraction: number; text: string } | undefined;
  if (s.state === "running" && s.train) {
    const f = trainFigures(s.train, now);
    progress = { fraction: f.done / Math.max(1, s.train.totalSteps), text: f.fields.join("  ") };
  } else if (s.shards && s.shards.of > 1 && (s.state === "running" || s.state === "queued")) {
    progress = { fraction: s.shards.done / s.shards.of, text: `${s.shards.done}/${s.shards.of} shards` };
  } else if (s.shards && s.shards.of > 1) {
    parts.push(`${s.shards.done}/${s.shards.of} shards`);
  }
  if (s.note) parts.push(s.note);
  const tail = [...parts, clockPart].filter(Boolean).join("  ");
  let head = `${id} ${s.kind.padEnd(9)}`;
  if (progress === undefined) return `${head} ${tail}`.trimEnd();
  const rest = [progress.text, tail].filter(Boolean).join("  ");
  // The bar takes what the terminal has left (up to 30 cells), one column spare against wrapping;
  // on a narrow terminal the kind goes first, then the bar shrinks to 6.
  const room = (h: string) => (opts.columns ?? 100) - h.length - rest.length - 5;
  if (opts.barWidth === undefined && room(head) < 10) head = id;
  const width = opts.barWidth ?? Math.max(6, Math.min(30, room(head)));
  return `${head} ${bar(progress.fraction, width)} ${rest}`;
}

function idWidth(steps: readonly StepProgress[]): number {
  return Math.min(32, Math.max(0, ...steps.map((s) => s.id.length)));
}

/** The last line of the live region: counts by state and the run's elapsed time. */
export function summaryLine(snap: Snapshot, now: number): string {
  const n = (st: StepState) => snap.steps.filter((s) => s.state === st).length;
  const parts = [`${n("done")}/${snap.steps.length} steps done`];
  for (const st of ["running", "queued", "failed", "skipped", "waiting"] as const) if (n(st)) parts.push(`${n(st)} ${st}`);
  if (snap.startedAt !== undefined) parts.push(clock((now - snap.startedAt) / 1000));
  return parts.join(" · ");
}

/** The live region on a terminal: the steps that are running or queued, then the summary. */
export function renderLive(snap: Snapshot, now: number, columns = 100): string {
  const active = snap.steps.filter((s) => s.state === "running" || s.state === "queued");
  const w = idWidth(snap.steps);
  return [...active.map((s) => stepLine(s, now, { columns, idWidth: w })), summaryLine(snap, now)].join("\n");
}

/** Plain status lines (no escape codes, no bar) for the steps that are running: one each. */
export function renderPlain(snap: Snapshot, now: number): string[] {
  return snap.steps.filter((s) => s.state === "running").map((s) => {
    const t = elapsed(s, now);
    const parts: string[] = [];
    if (s.train) {
      const f = trainFigures(s.train, now);
      const pct = Math.floor((100 * f.done) / Math.max(1, s.train.totalSteps));
      parts.push(`step ${f.fields[0]} (${pct}%)`, ...f.fields.slice(1));
    } else if (s.shards && s.shards.of > 1) {
      parts.push(`${s.shards.done}/${s.shards.of} shards`);
    } else {
      parts.push("running");
    }
    if (s.note) parts.push(s.note);
    if (t !== undefined) parts.push(`${clock(t)} elapsed`);
    return `  ${s.id}: ${parts.join(", ")}`;
  });
}

/** Every step as a line (what `flowc status` prints once), then the summary. */
export function renderTable(snap: Snapshot, now: number, columns = 100): string {
  const w = idWidth(snap.steps);
  return [...snap.steps.map((s) => stepLine(s, now, { columns, idWidth: w })), summaryLine(snap, now)].join("\n");
}

/** Where the display writes: a stream, or anything with `write` and what a terminal says of itself. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

export type ProgressMode = "auto" | "tty" | "plain";

export interface ProgressOptions {
  /** auto (default): in place when the sink is a terminal and TERM is not "dumb"; plain otherwise. */
  readonly mode?: ProgressMode;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Plain mode: a status line at most this often when records arrive, and at least this often without. Default 5 s. */
  readonly intervalMs?: number;
  /** The clock (ms since the epoch); default Date.now. */
  readonly now?: () => number;
  /** Redraw on a timer (default true); tests call tick() themselves. */
  readonly timer?: boolean;
  /** Hide the terminal's cursor while the region is live (default true; tests pass false). */
  readonly hideCursor?: boolean;
}

export interface Progress {
  /** The new state of the run (as often as wanted: the display throttles). */
  update(snap: Snapshot): void;
  /** A permanent line (a step started or finished, an error), above the live region. */
  log(line: string): void;
  /** Redraws (terminal) or writes a due status line (plain); the timer calls it every second. */
  tick(): void;
  /** Removes the live region (the permanent lines stay) and stops the timer. */
  stop(): void;
  readonly mode: "tty" | "plain";
}

export function resolveMode(mode: ProgressMode, sink: ProgressSink, env: Readonly<Record<string, string | undefined>>): "tty" | "plain" {
  if (mode !== "auto") return mode;
  return sink.isTTY === true && env.TERM !== "dumb" ? "tty" : "plain";
}

export function createProgress(sink: ProgressSink, opts: ProgressOptions = {}): Progress {
  const mode = resolveMode(opts.mode ?? "auto", sink, opts.env ?? process.env);
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 5000;
  let snap: Snapshot = { steps: [] };
  let lastPlain = now();
  let stopped = false;
  const live = mode === "tty" ? createLogUpdate(sink as NodeJS.WriteStream, { showCursor: opts.hideCursor === false }) : undefined;

  const draw = () => {
    if (stopped || live === undefined) return;
    live(renderLive(snap, now(), sink.columns ?? 100));
  };
  // One status line per running step every `interval`: with new records or without (a heartbeat).
  const plain = () => {
    const t = now();
    if (t - lastPlain < interval) return;
    const lines = renderPlain(snap, t);
    if (lines.length === 0) return;
    sink.write(lines.join("\n") + "\n");
    lastPlain = t;
  };
  const timer = opts.timer === false ? undefined : setInterval(() => progress.tick(), 1000);
  timer?.unref();

  const progress: Progress = {
    mode,
    update(next) {
      snap = next;
      if (mode === "tty") draw();
      else plain();
    },
    log(line) {
      if (stopped) return void sink.write(`${line}\n`);
      if (live !== undefined) {
        live.persist(line);
        draw();
      } else {
        sink.write(`${line}\n`);
        // A status line right after a step starts would repeat it: the interval counts from here.
        lastPlain = now();
      }
    },
    tick() {
      if (stopped) return;
      if (mode === "tty") draw();
      else plain();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (live !== undefined) {
        live.clear();
        live.done();
      }
    },
  };
  return progress;
}
