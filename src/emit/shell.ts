// Quoting for every user string that reaches a shell: the emitted sbatch scripts and submit.sh, and
// the command lines sent to a remote login shell over SSH. Pure functions, text in, text out.
//
// POSIX single quotes are the one quoting every sh-family shell (sh, dash, bash, ksh, zsh) reads
// the same way: nothing inside them is special, so `$(…)`, backticks, globs, `!`, newlines and
// non-ASCII text arrive byte for byte. A single quote itself is closed, escaped and reopened:
// `it's` → 'it'\''s'. A NUL byte cannot be in any argument of any Unix program, so it is refused.
// (csh/tcsh login shells read newlines and `!` differently; remote commands assume a POSIX
// login shell, as Slurm clusters have.)
//
// `#SBATCH` lines are not read by a shell but by sbatch's own option scanner: see `sbatchDirective`.
// Slurm expands `%` patterns in --output/--error paths: see `literalFilenamePattern`.

/** A string that cannot be passed to a shell or a program as one argument. */
export class ShellStringError extends Error {
  constructor(
    message: string,
    /** What the string was (`job name`, `module name`), for the caller's diagnostic. */
    readonly what: string,
  ) {
    super(message);
    this.name = "ShellStringError";
  }
}

/** Characters that are never special to a POSIX shell in an argument word (Python's shlex set). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** In the command position `a=b` would be an assignment and `%1` a job spec: quote those too. */
const SAFE_COMMAND = /^[A-Za-z0-9_@+:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function refuseNul(s: string, what: string): void {
  if (s.includes("\0")) {
    throw new ShellStringError(`${what} ${JSON.stringify(s)} contains a NUL byte, which no shell or program argument can hold`, what);
  }
}

/** One shell word that reads back as exactly `s` (left bare when that is already so). */
export function quote(s: string, what = "string"): string {
  refuseNul(s, what);
  if (SAFE_WORD.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Like `quote`, for the first word of a command. */
export function quoteCommand(s: string, what = "command"): string {
  refuseNul(s, what);
  if (SAFE_COMMAND.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A command line that runs `argv` exactly: `argv[0]` as the program, the rest as its arguments. */
export function joinArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new ShellStringError("an empty command has no program to run", "command");
  return [quoteCommand(argv[0]!), ...argv.slice(1).map((a) => quote(a, "argument"))].join(" ");
}

/** Whether `name` can be an environment variable set from a shell (`NAME=value`). */
export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** `NAME='value'` (for `export …` lines and `env …` prefixes). */
export function assignment(name: string, value: string): string {
  if (!isEnvName(name)) {
    throw new ShellStringError(`${JSON.stringify(name)} is not an environment variable name (letters, digits and _, not starting with a digit)`, "environment variable name");
  }
  return `${name}=${quote(value, `value of ${name}`)}`;
}

/**
 * The value of an `#SBATCH --option=VALUE` line, as sbatch's scanner will read it back. The scanner
 * ends a value at the first unquoted blank (a backslash does not protect a blank), strips "…" and
 * '…', takes `\` as an escape, and treats an unquoted `#` as a comment. So anything but a plain word
 * goes in double quotes with `\` and `"` escaped. A line break cannot be in a directive at all.
 */
export function sbatchDirective(value: string, what = "directive value"): string {
  refuseNul(value, what);
  if (/[\n\r]/.test(value)) {
    throw new ShellStringError(`${what} ${JSON.stringify(value)} contains a line break, which an #SBATCH line cannot hold`, what);
  }
  if (SAFE_WORD.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A literal path for `--output`/`--error`/`--input`, where Slurm would otherwise expand `%j`, `%x`…:
 * each `%` is doubled (Slurm's `%%`). Combine with `sbatchDirective` (or `quote` on the command line).
 */
export function literalFilenamePattern(path: string): string {
  return path.replace(/%/g, "%%");
}
