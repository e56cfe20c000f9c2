// A train step's metrics.jsonl read as it grows: the local runner polls it while torchrun trains,
// and `flowc status` parses a copy of its tail. Only whole lines count (the writer may be mid-line);
// a file that shrank was truncated by a resumed run (records past its checkpoint are rewritten).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { MetricsRecord } from "./progress.js";

/** The records of JSONL text; a line that is not a record (partial, corrupt) is skipped. */
export function parseMetrics(text: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as Partial<MetricsRecord>;
      if (typeof r.step === "number" && typeof r.stage === "string") out.push(r as MetricsRecord);
    } catch {
      // a line still being written, or not JSON: not a record
    }
  }
  return out;
}

export class MetricsTail {
  private offset = 0;
  private recent: MetricsRecord[] = [];

  /** `keep`: how many of the latest records poll() returns (the ETA's window). */
  constructor(private readonly path: string, private readonly keep = 20) {}

  /** The latest records, after reading what was appended since the last call. */
  poll(): readonly MetricsRecord[] {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return this.recent; // not written yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) {
        this.offset = 0;
        this.recent = [];
      }
      if (size > this.offset) {
        const buf = Buffer.alloc(size - this.offset);
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        // Up to the last whole line (in bytes, so a character split by the writer stays whole).
        const cut = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
        this.offset += cut;
        this.recent = [...this.recent, ...parseMetrics(buf.subarray(0, cut).toString("utf8"))].slice(-this.keep);
      }
    } finally {
      closeSync(fd);
    }
    return this.recent;
  }
}
