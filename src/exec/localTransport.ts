// The transport for this machine (a login node with Slurm's commands): execa, no shell in between.
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { writeFileAtomic } from "./atomicWrite.js";
import { listTree } from "./tree.js";
import { DEFAULT_COMMAND_TIMEOUT_MS, TransportError, type RunOptions, type RunResult, type Transport, type UploadResult, type UploadOptions } from "./transport.js";

export class LocalTransport implements Transport {
  readonly where = "this machine";
  readonly kind = "local" as const;

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new TransportError("usage", "an empty command has no program to run", "pass the program and its arguments");
    const timeout = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const r = await execa(argv[0]!, argv.slice(1), {
      reject: false,
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" as const }),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      timeout,
      stripFinalNewline: false,
    });
    if (r.timedOut) {
      throw new TransportError("timeout", `\`${argv.join(" ")}\` did not finish within ${timeout / 1000} s on ${this.where}`, "try again; if the scheduler is overloaded, wait and retry later");
    }
    const code = (r as { code?: string }).code;
    if (code === "ENOENT" && r.exitCode === undefined) {
      return { exitCode: 127, stdout: "", stderr: `${argv[0]}: command not found\n` };
    }
    return {
      exitCode: r.exitCode ?? 128,
      ...(r.signal ? { signal: r.signal } : {}),
      stdout: String(r.stdout ?? ""),
      stderr: String(r.stderr ?? ""),
    };
  }

  async readFile(path: string): Promise<Buffer> {
    try {
      return readFileSync(path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "ENOENT") throw new TransportError("missing", `${path} does not exist on ${this.where}`, "check the path (has the step started yet?)");
      throw new TransportError("io", `cannot read ${path}: ${err.message}`, "check the file's permissions");
    }
  }

  async writeFile(path: string, data: string | Buffer, opts: { readonly mode?: number } = {}): Promise<void> {
    await writeFileAtomic(path, data, opts.mode);
  }

  async uploadDir(from: string, to: string, opts: UploadOptions = {}): Promise<UploadResult> {
    const src = resolve(from);
    const dst = resolve(to);
    const entries = listTree(src, opts.exclude);
    if (src === dst) return { uploaded: 0, unchanged: entries.filter((e) => !e.dir).length, bytes: 0 };
    mkdirSync(dst, { recursive: true });
    let uploaded = 0;
    let unchanged = 0;
    let bytes = 0;
    for (const e of entries) {
      const target = join(dst, e.rel);
      if (e.dir) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      const st = statSync(target, { throwIfNoEntry: false });
      if (st?.isFile() && st.size === e.size && Math.floor(st.mtimeMs / 1000) === e.mtime) {
        unchanged++;
        continue;
      }
      copyFileSync(join(src, e.rel), target);
      chmodSync(target, e.mode);
      utimesSync(target, e.mtime, e.mtime);
      uploaded++;
      bytes += e.size;
    }
    return { uploaded, unchanged, bytes };
  }

  async close(): Promise<void> {}
}
