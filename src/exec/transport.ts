// Where Slurm commands run and files go: this machine (a login node), a host over SSH (ssh2), or a
// host through the user's live OpenSSH ControlMaster socket. One interface, so the Slurm client,
// `submit`, `status`, `logs` and `cancel` never ask which.
//
// Commands are argv arrays, never shell strings: a remote transport quotes them for the login
// shell (emit/shell.ts), the local one runs them without a shell. Failures of the transport itself
// (unreachable host, refused key, timeout) are TransportErrors that say what happened and what to
// do; a command that ran and failed is a RunResult with its exit code, for the caller to explain.

export interface RunOptions {
  /** Written to the command's stdin, then closed. */
  readonly input?: string | Buffer;
  /** Working directory (on the target); default: the login's home (remote) or this process's. */
  readonly cwd?: string;
  /** Extra environment variables (names must be shell identifiers). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the command after this long; a TransportError of kind `timeout` follows. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  /** The command's exit status; 127 when the program does not exist (as a shell reports it). */
  readonly exitCode: number;
  /** The signal that ended it, when one did. */
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface UploadResult {
  /** Files written (new or changed since the last upload: size or mtime differ). */
  readonly uploaded: number;
  /** Files already there with the same size and mtime. */
  readonly unchanged: number;
  readonly bytes: number;
}

export interface UploadOptions {
  /** Paths (relative to `from`, `/`-separated) to leave out, with everything below them. */
  readonly exclude?: (rel: string) => boolean;
}

export interface Transport {
  /** For messages: `this machine`, `root@login:2222`. */
  readonly where: string;
  readonly kind: "local" | "ssh" | "controlmaster";
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** A file's bytes. A missing file is a TransportError of kind `missing`. */
  readFile(path: string): Promise<Buffer>;
  /** Writes atomically (temporary file in the same directory, then rename); creates the parent directory. */
  writeFile(path: string, data: string | Buffer, opts?: { readonly mode?: number }): Promise<void>;
  /**
   * Copies the local directory `from` into `to` on the target (created if absent), recursively,
   * keeping file modes and mtimes so that a second upload skips what did not change.
   */
  uploadDir(from: string, to: string, opts?: UploadOptions): Promise<UploadResult>;
  /** Releases the connection. Idempotent. */
  close(): Promise<void>;
}

export type TransportErrorKind =
  | "unreachable" // no route, refused, DNS: nothing answers at host:port
  | "timeout" // it answered too slowly, or a command ran past its limit
  | "auth" // the server refused every key we offered
  | "unknown-host" // its host key is in no known_hosts file
  | "changed-host-key" // its host key differs from the trusted one: possible man-in-the-middle
  | "revoked-host-key"
  | "missing" // a file to read does not exist
  | "io" // anything else while talking to the target
  | "usage"; // a malformed host or option given by the user

/**
 * A failure of the outside world flowc talks to (a host, the scheduler, a state file), with what to
 * do about it. The CLI prints `render()` and exits 2; never a stack trace.
 */
export class ExecError extends Error {
  constructor(
    message: string,
    /** One line: what to do about it. */
    readonly help: string,
    /** Lines printed between the message and the help (fingerprints, sbatch's output, a script's directives). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = "ExecError";
  }

  /** `PROG: error: …`, the details indented, then `help: …`. */
  render(prog = "flowc"): string {
    return [`${prog}: error: ${this.message}`, ...this.details.map((d) => `  ${d}`), `help: ${this.help}`].join("\n") + "\n";
  }
}

/** What went wrong with the target itself (not a command's own failure). */
export class TransportError extends ExecError {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    help: string,
    details: readonly string[] = [],
  ) {
    super(message, help, details);
    this.name = "TransportError";
  }
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
