// The SSH transport, on ssh2: one connection serves a whole command (every `sbatch`, `squeue` and
// file of a `flowc submit`), commands run as exec channels, files go over one SFTP session.
//
// Host keys are checked strictly, as OpenSSH's `StrictHostKeyChecking=yes`: a host in no known_hosts
// file is refused with the SHA256 fingerprint of the key it offered and the exact line that would
// trust it; a key that differs from the trusted one is refused with OpenSSH's warning. Keys come
// from `--identity KEY`, else ssh-agent (SSH_AUTH_SOCK) and the default ~/.ssh/id_* files.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, posix } from "node:path";
import ssh2, { type AuthMethod, type ClientChannel, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { quote } from "../emit/shell.js";
import {
  defaultKnownHostsFiles, fingerprint, hostKeyName, publicKeyLine, readKnownHosts, trustedKeyTypes, verifyHostKey,
  type HostKeyVerdict,
} from "./knownHosts.js";
import { formatTarget, remoteCommandLine, type SshTarget } from "./remote.js";
import { listTree } from "./tree.js";
import { DEFAULT_COMMAND_TIMEOUT_MS, TransportError, type RunOptions, type RunResult, type Transport, type UploadResult, type UploadOptions } from "./transport.js";

// ssh2 is CommonJS: under Node's ESM loader only its default export is certain.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

export interface SshOptions {
  /** A private key file (`--identity`). Without one: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
  readonly identity?: string;
  /** Verify the host against this file only (`--known-hosts`); default: ssh's user and system files. */
  readonly knownHosts?: string;
  /** ssh-agent socket; default SSH_AUTH_SOCK. */
  readonly agent?: string;
  /** How long to wait for the connection and handshake (ms). Default 20 s. */
  readonly connectTimeoutMs?: number;
  /** The home directory whose ~/.ssh is read. Default: this user's. */
  readonly home?: string;
}

/** Host-key algorithms in ssh2's default order (ssh-rsa, i.e. SHA-1 signatures, last, for old login nodes). */
const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
] as const;
const ALGORITHMS_OF_TYPE: Record<string, readonly string[]> = { "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] };
/** OpenSSH's default MaxSessions is 10 channels per connection; stay well below it. */
const MAX_CHANNELS = 4;
const SFTP_NO_SUCH_FILE = 2;

export class SshTransport implements Transport {
  readonly kind = "ssh" as const;
  readonly where: string;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private homeDir: Promise<string> | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  private dropped: Error | undefined;

  private constructor(
    private readonly client: Client,
    readonly target: SshTarget,
  ) {
    this.where = formatTarget(target);
    client.on("error", (e) => (this.dropped = e));
    client.on("close", () => (this.dropped ??= new Error("connection closed")));
  }

  /** Connects and authenticates, or throws a TransportError that says why not and what to do. */
  static async connect(target: SshTarget, o: SshOptions = {}): Promise<SshTransport> {
    const home = o.home ?? homedir();
    const knownFiles = o.knownHosts !== undefined ? [o.knownHosts] : defaultKnownHostsFiles(home);
    const entries = readKnownHosts(knownFiles);
    const name = hostKeyName(target.host, target.port);
    const trustFile = o.knownHosts ?? join(home, ".ssh", "known_hosts");
    const auth = authMethods(target.user, o, home);
    const timeout = o.connectTimeoutMs ?? 20_000;

    // Ask first for the key types known_hosts trusts for this host, as ssh does, so that a host with
    // several keys offers the one we can check.
    const known = trustedKeyTypes(entries, name).flatMap((t) => ALGORITHMS_OF_TYPE[t] ?? [t]);
    const hostKeyOrder = [...new Set([...known.filter((a) => (HOST_KEY_ALGORITHMS as readonly string[]).includes(a)), ...HOST_KEY_ALGORITHMS])];

    const client = new Client();
    let refusal: TransportError | undefined;
    const verifier = (key: Buffer): boolean => {
      const verdict = verifyHostKey(entries, name, key);
      if (verdict.kind === "trusted") return true;
      refusal = hostKeyRefusal(verdict, target, name, key, knownFiles, trustFile);
      return false;
    };
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: timeout,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      hostVerifier: verifier as ConnectConfig["hostVerifier"],
      algorithms: { serverHostKey: hostKeyOrder as unknown as NonNullable<ConnectConfig["algorithms"]>["serverHostKey"] },
      authHandler: auth.methods,
    };
    await new Promise<void>((resolveReady, reject) => {
      const fail = (e: Error & { level?: string; code?: string }) => {
        client.removeAllListeners("ready");
        client.on("error", () => {}); // the socket's own late errors, after we gave up on it
        client.end();
        reject(refusal ?? connectError(e, target, timeout, auth.described));
      };
      client.once("ready", () => {
        client.removeListener("error", fail);
        resolveReady();
      });
      client.once("error", fail);
      client.connect(config);
    });
    return new SshTransport(client, target);
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const line = remoteCommandLine(argv, opts);
    const timeout = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    return this.withChannel(async () => {
      const stream = await new Promise<ClientChannel>((res, rej) => {
        this.client.exec(line, (err, s) => (err ? rej(this.ioError(`cannot start \`${argv.join(" ")}\``, err)) : res(s)));
      });
      return new Promise<RunResult>((res, rej) => {
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let exit: { code: number | null; signal?: string } | undefined;
        const timer = setTimeout(() => {
          stream.signal("KILL");
          stream.close();
          rej(new TransportError("timeout", `\`${argv.join(" ")}\` did not finish within ${timeout / 1000} s on ${this.where}`, "try again; if the scheduler is overloaded, wait and retry later"));
        }, timeout);
        stream.on("data", (d: Buffer) => out.push(d));
        stream.stderr.on("data", (d: Buffer) => errOut.push(d));
        stream.on("exit", (code: number | null, signal?: string) => (exit = { code, ...(signal ? { signal } : {}) }));
        stream.on("close", () => {
          clearTimeout(timer);
          if (!exit) {
            rej(new TransportError("io", `the connection to ${this.where} dropped while \`${argv.join(" ")}\` ran`, "run the flowc command again: a submission is reconciled with the scheduler by its tags, so nothing is submitted twice"));
            return;
          }
          res({
            exitCode: exit.code ?? 128,
            ...(exit.signal ? { signal: `SIG${exit.signal}` } : {}),
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(errOut).toString("utf8"),
          });
        });
        if (opts.input !== undefined) stream.end(opts.input);
        else stream.end();
      });
    });
  }

  async readFile(path: string): Promise<Buffer> {
    const sftp = await this.sftp();
    const p = await this.resolveHome(path);
    return new Promise((res, rej) =>
      sftp.readFile(p, (err: (Error & { code?: number }) | undefined, data: Buffer) => {
        if (!err) return res(data);
        if (err.code === SFTP_NO_SUCH_FILE) rej(new TransportError("missing", `${path} does not exist on ${this.where}`, "check the path (has the step started yet?)"));
        else rej(this.ioError(`cannot read ${path}`, err));
      }),
    );
  }

  async writeFile(path: string, data: string | Buffer, opts: { readonly mode?: number } = {}): Promise<void> {
    const sftp = await this.sftp();
    const p = await this.resolveHome(path);
    await this.mkdirs(sftp, posix.dirname(p));
    const tmp = `${p}.${process.pid}.${Date.now()}.tmp`;
    await call<void>((cb) => sftp.writeFile(tmp, data, { mode: opts.mode ?? 0o644 }, cb), (e) => this.ioError(`cannot write ${path}`, e));
    await this.replace(sftp, tmp, p);
  }

  async uploadDir(from: string, to: string, opts: UploadOptions = {}): Promise<UploadResult> {
    const entries = listTree(from, opts.exclude);
    const sftp = await this.sftp();
    const root = await this.resolveHome(to);
    await this.mkdirs(sftp, root);
    for (const e of entries.filter((x) => x.dir)) await this.mkdirs(sftp, posix.join(root, e.rel));
    let uploaded = 0;
    let unchanged = 0;
    let bytes = 0;
    const files = entries.filter((e) => !e.dir);
    const one = async (e: (typeof files)[number]) => {
      const dest = posix.join(root, e.rel);
      const st = await new Promise<{ size: number; mtime: number } | undefined>((res) => sftp.stat(dest, (err, s) => res(err ? undefined : s)));
      if (st && st.size === e.size && st.mtime === e.mtime) {
        unchanged++;
        return;
      }
      const tmp = `${dest}.${process.pid}.tmp`;
      const fail = (err: Error) => this.ioError(`cannot upload ${join(from, e.rel)} to ${dest}`, err);
      await call<void>((cb) => sftp.fastPut(join(from, e.rel), tmp, { mode: e.mode }, cb), fail);
      await call<void>((cb) => sftp.chmod(tmp, e.mode, cb), fail);
      await call<void>((cb) => sftp.utimes(tmp, e.mtime, e.mtime, cb), fail);
      await this.replace(sftp, tmp, dest);
      uploaded++;
      bytes += e.size;
    };
    // A few files in flight at once: SFTP round trips dominate for the many small files of a run directory.
    for (let i = 0; i < files.length; i += 8) await Promise.all(files.slice(i, i + 8).map(one));
    return { uploaded, unchanged, bytes };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sftpSession) (await this.sftpSession.catch(() => undefined))?.end();
    await new Promise<void>((res) => {
      this.client.once("close", () => res());
      this.client.end();
      setTimeout(res, 2000).unref();
    });
  }

  private async withChannel<T>(f: () => Promise<T>): Promise<T> {
    if (this.closed) throw new TransportError("io", `the connection to ${this.where} is closed`, "this is a bug in flowc: a command used a transport after closing it");
    if (this.dropped) throw this.ioError("the connection is gone", this.dropped);
    while (this.active >= MAX_CHANNELS) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((res, rej) =>
      this.client.sftp((err, s) => (err ? rej(this.ioError("cannot open an SFTP session (is the sftp subsystem enabled in sshd_config?)", err)) : res(s))),
    );
    return this.sftpSession;
  }

  /** SFTP does not expand `~`: `~/x` is made absolute from the login's home directory. */
  private async resolveHome(path: string): Promise<string> {
    if (path !== "~" && !path.startsWith("~/")) return path;
    const sftp = await this.sftp();
    this.homeDir ??= new Promise((res, rej) => sftp.realpath(".", (err, p) => (err ? rej(this.ioError("cannot find the home directory", err)) : res(p))));
    const home = await this.homeDir;
    return path === "~" ? home : posix.join(home, path.slice(2));
  }

  private async mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
    const isDir = (p: string) => new Promise<boolean>((res) => sftp.stat(p, (err, s) => res(!err && s.isDirectory())));
    if (dir === "" || dir === "/" || dir === "." || (await isDir(dir))) return;
    await this.mkdirs(sftp, posix.dirname(dir));
    await new Promise<void>((res, rej) =>
      sftp.mkdir(dir, async (err) => {
        if (!err || (await isDir(dir))) return res(); // created, or another upload just did
        rej(this.ioError(`cannot create the directory ${dir}`, err));
      }),
    );
  }

  /** Renames over an existing file: OpenSSH's posix-rename extension, else remove then rename. */
  private async replace(sftp: SFTPWrapper, tmp: string, dest: string): Promise<void> {
    const fail = (e: Error) => this.ioError(`cannot move ${tmp} to ${dest}`, e);
    try {
      await call<void>((cb) => sftp.ext_openssh_rename(tmp, dest, cb), fail);
    } catch (e) {
      if (!(e instanceof TransportError) || !/not supported|unsupported/i.test(String(e.details))) throw e;
      await new Promise<void>((res) => sftp.unlink(dest, () => res()));
      await call<void>((cb) => sftp.rename(tmp, dest, cb), fail);
    }
  }

  private ioError(what: string, e: Error): TransportError {
    return new TransportError("io", `${what} on ${this.where}: ${e.message}`, "check the connection and try again", [String(e.message)]);
  }
}

function call<T>(f: (cb: (err?: Error | null, v?: T) => void) => void, wrap: (e: Error) => Error): Promise<T> {
  return new Promise((res, rej) => {
    try {
      f((err, v) => (err ? rej(wrap(err)) : res(v as T)));
    } catch (e) {
      rej(wrap(e as Error));
    }
  });
}

/** The keys to offer, in ssh's order, and how to describe them in a refusal. */
function authMethods(user: string, o: SshOptions, home: string): { methods: AuthMethod[]; described: string } {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  const keyMethod = (file: string, explicit: boolean): AuthMethod | undefined => {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      if (!explicit) return undefined;
      throw new TransportError("usage", `cannot read the SSH key ${file}: ${(e as Error).message}`, "pass the private key file with `--identity KEY`");
    }
    const parsed = utils.parseKey(data);
    if (parsed instanceof Error) {
      if (/passphrase|encrypted/i.test(parsed.message)) {
        if (!explicit) return undefined;
        throw new TransportError("auth", `the SSH key ${file} is protected by a passphrase`, `add it to ssh-agent (\`ssh-add ${quote(file)}\`) and run flowc without --identity: it uses the agent`);
      }
      if (!explicit) return undefined;
      throw new TransportError("usage", `${file} is not a private key flowc can read: ${parsed.message}`, "pass an OpenSSH or PEM private key with `--identity KEY` (its .pub file is the public half)");
    }
    tried.push(file);
    return { type: "publickey", username: user, key: parsed } as AuthMethod;
  };
  if (o.identity !== undefined) {
    methods.push(keyMethod(o.identity, true)!);
  } else {
    const agent = o.agent ?? process.env.SSH_AUTH_SOCK;
    if (agent && existsSync(agent)) {
      methods.push({ type: "agent", username: user, agent } as AuthMethod);
      tried.push(`the ssh-agent at ${agent}`);
    }
    for (const f of ["id_ed25519", "id_ecdsa", "id_rsa"]) {
      const m = keyMethod(join(home, ".ssh", f), false);
      if (m) methods.push(m);
    }
  }
  if (methods.length === 0) {
    throw new TransportError("auth", "no SSH key to offer: no --identity, no ssh-agent (SSH_AUTH_SOCK), and no unencrypted ~/.ssh/id_ed25519, id_ecdsa or id_rsa", "pass your private key with `--identity KEY`, or start ssh-agent and `ssh-add` it");
  }
  return { methods, described: tried.join(", ") };
}

function connectError(e: Error & { level?: string; code?: string }, t: SshTarget, timeoutMs: number, keys: string): TransportError {
  const at = `${t.host}:${t.port}`;
  const hostHelp = "check the host and port (`--host USER@HOST:PORT`), and that this machine can reach it (VPN, firewall, a jump host)";
  if (e.level === "client-timeout" || e.code === "ETIMEDOUT") {
    return new TransportError("timeout", `no SSH answer from ${at} within ${timeoutMs / 1000} s`, hostHelp);
  }
  if (e.level === "client-authentication") {
    return new TransportError("auth", `${formatTarget(t)} refused every key offered (${keys})`, `check that the public key is in ~${t.user}/.ssh/authorized_keys on ${t.host}, or pass the right one with \`--identity KEY\``);
  }
  if (e.code === "ECONNREFUSED") return new TransportError("unreachable", `nothing accepts SSH connections at ${at} (connection refused)`, hostHelp);
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN" || e.level === "client-dns") return new TransportError("unreachable", `cannot resolve the host name ${t.host}`, hostHelp);
  if (e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH" || e.code === "ECONNRESET") {
    return new TransportError("unreachable", `cannot reach ${at} (${e.code})`, hostHelp);
  }
  return new TransportError("io", `SSH connection to ${at} failed: ${e.message}`, hostHelp);
}

function hostKeyRefusal(v: Exclude<HostKeyVerdict, { kind: "trusted" }>, t: SshTarget, name: string, key: Buffer, files: readonly string[], trustFile: string): TransportError {
  const offered = `${publicKeyLine(key).split(" ")[0]} ${fingerprint(key)}`;
  const searched = files.join(", ");
  const trustLine = `${name} ${publicKeyLine(key)}`;
  const trustCommand = `printf '%s\\n' ${quote(trustLine)} >> ${quote(trustFile)}`;
  switch (v.kind) {
    case "unknown":
      return new TransportError(
        "unknown-host",
        `the host key of ${name} is not known, so flowc cannot tell that it is really ${t.host}`,
        `compare the fingerprint with the one your cluster publishes (or \`ssh-keygen -lf\` of its host key); if they match, trust it with: ${trustCommand}`,
        [`offered: ${offered}`, `searched: ${searched}`, ...(v.certAuthorities > 0 ? ["(host certificates (@cert-authority) are not supported: trust the host key itself)"] : [])],
      );
    case "revoked":
      return new TransportError("revoked-host-key", `the host key ${name} offered is REVOKED (${v.entry.file}:${v.entry.line})`, "do not connect; tell the cluster's administrators", [`offered: ${offered}`]);
    case "changed":
    case "other-type": {
      const trusted = v.trusted.map((e) => `trusted: ${e.type} ${fingerprint(e.blob)} (${e.file}:${e.line})`);
      return new TransportError(
        "changed-host-key",
        `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}! ${v.kind === "changed" ? "Its host key is not the one trusted" : "It offered a key of a type that was never trusted for it"}: someone could be eavesdropping on you (a man-in-the-middle attack), or the host key was just replaced`,
        `refused. Confirm the new fingerprint with the cluster's administrators; only then remove the old key with \`ssh-keygen -R ${quote(name)} -f ${quote(v.trusted[0]!.file)}\` and trust the new one`,
        [`offered: ${offered}`, ...trusted],
      );
    }
  }
}
