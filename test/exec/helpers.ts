// Shared by the tests of src/exec: a transport that counts the commands it runs (a real transport
// underneath: it proves "one batched query", not a stand-in), and fresh tags.
import { randomBytes } from "node:crypto";
import type { JobTag } from "../../src/emit/slurmTag.js";
import type { RunOptions, RunResult, Transport, UploadOptions, UploadResult } from "../../src/exec/transport.js";

export class CountingTransport implements Transport {
  readonly commands: string[][] = [];
  constructor(readonly inner: Transport) {}
  get where() {
    return this.inner.where;
  }
  get kind() {
    return this.inner.kind;
  }
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.commands.push([...argv]);
    return this.inner.run(argv, opts);
  }
  readFile(path: string): Promise<Buffer> {
    return this.inner.readFile(path);
  }
  writeFile(path: string, data: string | Buffer, opts?: { readonly mode?: number }): Promise<void> {
    return this.inner.writeFile(path, data, opts);
  }
  uploadDir(from: string, to: string, opts?: UploadOptions): Promise<UploadResult> {
    return this.inner.uploadDir(from, to, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  /** Commands run since `mark` whose program is `prog`. */
  count(prog: string, mark = 0): number {
    return this.commands.slice(mark).filter((c) => c[0] === prog).length;
  }
}

export function freshPlanHash(): string {
  return randomBytes(32).toString("hex");
}

export function tag(plan: string, run: string, step: string, part?: JobTag["part"]): JobTag {
  return { plan, run, step, ...(part ? { part } : {}) };
}
