// The transport through a live OpenSSH ControlMaster socket (`ssh -S SOCKET`): on clusters with MFA
// the user logs in once (`ssh -M -S SOCKET -fN user@login`), and every command of flowc rides on that
// authenticated connection without asking again. The system `ssh` binary does the talking; the host
// key was checked by the master when it connected.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { quote } from "../emit/shell.js";
import { formatTarget, remoteCommandLine, remotePath, type SshTarget } from "./remote.js";
import { listTree } from "./tree.js";
import { DEFAULT_COMMAND_TIMEOUT_MS, TransportError, type RunOptions, type RunResult, type Transport, type UploadResult, type UploadOptions } from "./transport.js";

/** Exit status ssh(1) uses for its own errors (the connection, the socket), as opposed to the command's. */
const SSH_FAILED = 255;
/** What our readFile wrapper exits with when the file is absent. */
const NO_FILE = 66;

function destination(t: SshTarget): string[] {
  return ["-p", String(t.port), "-l", t.user, t.host];
}

export interface ControlSocketQuery {
  /** This socket only (an error if no master answers on it). */
  readonly socket?: string;
  /** The ssh configuration file to read instead of ~/.ssh/config (`ssh -F`). */
  readonly sshConfig?: string;
  /** The ssh client binary. */
  readonly ssh?: string;
}

/**
 * The socket of a live master for `target`: `q.socket` if given (an error if it is not live), else
 * the ControlPath of the user's ssh configuration (`ssh -G`) when a master answers on it.
 */
export async function liveControlSocket(target: SshTarget, q: ControlSocketQuery = {}): Promise<string | undefined> {
  const ssh = q.ssh ?? "ssh";
  const explicit = q.socket;
  const config = q.sshConfig !== undefined ? ["-F", q.sshConfig] : [];
  const check = async (socket: string) =>
    (await execa(ssh, [...config, "-S", socket, "-O", "check", ...destination(target)], { reject: false, timeout: 10_000, stdin: "ignore" })).exitCode === 0;
  if (explicit !== undefined) {
    if (await check(explicit)) return explicit;
    throw new TransportError("unreachable", `no live OpenSSH ControlMaster answers on ${explicit} for ${formatTarget(target)}`,
      `open one first: ssh -M -S ${quote(explicit)} -fN -p ${target.port} ${quote(`${target.user}@${target.host}`)}`);
  }
  const g = await execa(ssh, [...config, "-G", ...destination(target)], { reject: false, timeout: 10_000, stdin: "ignore" });
  if (g.failed || g.exitCode !== 0) return undefined; // no ssh binary, or a config it cannot read: use ssh2
  const path = /^controlpath (.+)$/m.exec(String(g.stdout))?.[1]?.trim();
  if (!path || path === "none") return undefined;
  return (await check(path)) ? path : undefined;
}

export class ControlMasterTransport implements Transport {
  readonly kind = "controlmaster" as const;
  readonly where: string;

  constructor(
    readonly target: SshTarget,
    readonly socket: string,
    private readonly ssh = "ssh",
  ) {
    this.where = `${formatTarget(target)} (via the ControlMaster at ${socket})`;
  }

  private sshArgs(line: string): string[] {
    return ["-S", this.socket, "-o", "ControlMaster=no", "-o", "BatchMode=yes", ...destination(this.target), "--", line];
  }

  private async exec(line: string, what: string, input: string | Buffer | undefined, timeoutMs: number, binary = false) {
    const r = await execa(this.ssh, this.sshArgs(line), {
      reject: false,
      ...(input !== undefined ? { input } : { stdin: "ignore" as const }),
      timeout: timeoutMs,
      stripFinalNewline: false,
      ...(binary ? { encoding: "buffer" as const } : {}),
    });
    if (r.timedOut) throw new TransportError("timeout", `\`${what}\` did not finish within ${timeoutMs / 1000} s on ${this.where}`, "try again; if the scheduler is overloaded, wait and retry later");
    if ((r as { code?: string }).code === "ENOENT") throw new TransportError("usage", `\`${this.ssh}\` is not installed on this machine`, "install OpenSSH's client, or connect without a ControlMaster socket");
    if (r.exitCode === SSH_FAILED) {
      const why = String(r.stderr).trim().split("\n").slice(-2).join(" ");
      throw new TransportError("unreachable", `the ControlMaster connection to ${formatTarget(this.target)} failed while running \`${what}\`: ${why || "ssh exited 255"}`,
        `check that the master is still up (\`ssh -S ${quote(this.socket)} -O check ${quote(`${this.target.user}@${this.target.host}`)}\`) and log in again if it is not`);
    }
    return r;
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.exec(remoteCommandLine(argv, opts), argv.join(" "), opts.input, opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
    return {
      exitCode: r.exitCode ?? 128,
      ...(r.signal ? { signal: r.signal } : {}),
      stdout: String(r.stdout),
      stderr: String(r.stderr),
    };
  }

  async readFile(path: string): Promise<Buffer> {
    const line = `if [ -e ${remotePath(path)} ]; then exec cat -- ${remotePath(path)}; else exit ${NO_FILE}; fi`;
    const r = await this.exec(line, `cat ${path}`, undefined, DEFAULT_COMMAND_TIMEOUT_MS, true);
    if (r.exitCode === NO_FILE) throw new TransportError("missing", `${path} does not exist on ${this.where}`, "check the path (has the step started yet?)");
    if (r.exitCode !== 0) throw new TransportError("io", `cannot read ${path} on ${this.where}: ${Buffer.from(r.stderr as Uint8Array).toString().trim()}`, "check the file's permissions");
    return Buffer.from(r.stdout as Uint8Array);
  }

  async writeFile(path: string, data: string | Buffer, opts: { readonly mode?: number } = {}): Promise<void> {
    const p = remotePath(path);
    const mode = (opts.mode ?? 0o644).toString(8);
    // The same temp-then-rename as the other transports, so a reader never sees half a file.
    const line = `t=${p}.$$.tmp && mkdir -p -- "$(dirname -- "$t")" && cat > "$t" && chmod ${mode} "$t" && mv -f -- "$t" ${p}`;
    const r = await this.exec(line, `write ${path}`, data, DEFAULT_COMMAND_TIMEOUT_MS);
    if (r.exitCode !== 0) throw new TransportError("io", `cannot write ${path} on ${this.where}: ${String(r.stderr).trim()}`, "check that the directory is writable");
  }

  async uploadDir(from: string, to: string, opts: UploadOptions = {}): Promise<UploadResult> {
    const entries = listTree(from, opts.exclude).filter((e) => !e.dir);
    const dir = remotePath(to);
    // What is there already (GNU find: size, whole-second mtime, relative path), to send only what changed.
    const listing = await this.exec(`mkdir -p -- ${dir} && cd -- ${dir} && find . -type f -printf '%s %T@ %P\\0'`, `list ${to}`, undefined, DEFAULT_COMMAND_TIMEOUT_MS);
    const have = new Map<string, string>();
    for (const rec of String(listing.stdout).split("\0")) {
      const m = /^(\d+) (\d+)(?:\.\d+)? (.*)$/s.exec(rec);
      if (m) have.set(m[3]!, `${m[1]} ${m[2]}`);
    }
    const changed = entries.filter((e) => have.get(e.rel) !== `${e.size} ${e.mtime}`);
    if (changed.length === 0) return { uploaded: 0, unchanged: entries.length, bytes: 0 };
    const work = mkdtempSync(join(tmpdir(), "flowc-upload-"));
    try {
      const list = join(work, "files");
      writeFileSync(list, changed.map((e) => `${e.rel}\0`).join(""));
      // tar keeps modes and mtimes; the remote tar writes into the directory created above.
      const tar = execa("tar", ["-C", from, "--null", "-T", list, "-cf", "-"], { reject: false });
      const remote = tar.pipe(this.ssh, this.sshArgs(`cd -- ${dir} && tar -xpf -`), { reject: false, timeout: 30 * 60_000 });
      const [t, r] = await Promise.all([tar, remote]);
      if (t.exitCode !== 0) throw new TransportError("io", `tar could not read ${from}: ${String(t.stderr).trim()}`, "check that the directory is readable");
      if (r.exitCode !== 0) throw new TransportError("io", `upload to ${to} on ${this.where} failed: ${String(r.stderr).trim()}`, "check that the remote directory is writable and has space");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return { uploaded: changed.length, unchanged: entries.length - changed.length, bytes: changed.reduce((a, e) => a + e.size, 0) };
  }

  async close(): Promise<void> {
    // The master belongs to the user: it stays up for their next command.
  }
}
