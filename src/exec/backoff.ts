// Exponential backoff for polling the scheduler: a status poll of a long run should cost the
// cluster a query every half minute, not ten a second (submitit and Nextflow both learned this).
import { ExecError } from "./transport.js";

export interface Backoff {
  /** The first wait (ms). */
  readonly initialMs: number;
  /** No wait is longer than this (ms). */
  readonly maxMs: number;
  /** Each wait is the previous one times this. */
  readonly factor: number;
  /** ± this fraction of random spread on each wait, so that many pollers do not line up (0 = none). */
  readonly jitter?: number;
}

/** The waits, in order: initial, initial·factor, … capped at maxMs (before jitter). */
export function* delays(b: Backoff, random: () => number = Math.random): Generator<number> {
  let d = b.initialMs;
  for (;;) {
    const spread = b.jitter ? d * b.jitter * (2 * random() - 1) : 0;
    yield Math.max(0, Math.round(d + spread));
    d = Math.min(b.maxMs, d * b.factor);
  }
}

export class PollTimeout extends ExecError {
  constructor(
    readonly what: string,
    readonly seconds: number,
    readonly polls: number,
  ) {
    super(`gave up waiting for ${what} after ${seconds} s (${polls} polls)`, "the jobs may still be queued or running: `flowc status DIR` shows where they are");
    this.name = "PollTimeout";
  }
}

export interface PollOptions extends Backoff {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** Named in the timeout message. */
  readonly what?: string;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Calls `probe` until it returns a value, waiting by `delays` in between; PollTimeout past `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, o: PollOptions): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const start = now();
  let polls = 0;
  for (const wait of delays(o)) {
    polls++;
    const v = await probe();
    if (v !== undefined) return v;
    const left = start + o.timeoutMs - now();
    if (left <= 0) throw new PollTimeout(o.what ?? "the scheduler", Math.round(o.timeoutMs / 1000), polls);
    await sleep(Math.min(wait, left));
  }
  throw new Error("unreachable");
}
