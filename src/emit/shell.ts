// Quoting for every user string that reaches a shell: the emitted sbatch scripts and submit.sh, and
// the command lines sent to a remote login shell over SSH. Pure functions, text in, text out.
//
// POSIX single quotes are the one quoting every sh-family shell (sh, dash, bash, ksh, zsh) reads
// the same way: nothing inside them is special, so `$(…)`, backticks, globs, `!`, newlines and
// non-ASCII text arrive byte for byte. A single quote itself is closed, escaped and reopened:
// `it's` → 'it'\''s'. `$`, backticks and backslashes are likewise written escaped between quoted
// runs (`$HOME` → \$'HOME'): the same string to the shell, and shellcheck does not take a literal
// `$` in single quotes for a forgotten expansion (SC2016) or a trailing `\` for an escape (SC1003). A NUL byte cannot be in any
// argument of any Unix program, so it is refused.
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

/** Single-quoted runs, with `'`, `$`, backticks and `\\` backslash-escaped between them. */
function singleQuoted(s: string): string {
  if (s === "") return "''";
  // A leading `~` escaped too: a literal tilde, which shellcheck (SC2088) does not mistake for a home directory.
  const [lead, rest] = s.startsWith("~") ? ["\\~", s.slice(1)] : ["", s];
  return lead + rest
    .split(/(['$`\\])/)
    .map((part, i) => (i % 2 === 1 ? `\\${part}` : part === "" ? "" : `'${part}'`))
    .join("");
}

/** One shell word that reads back as exactly `s` (left bare when that is already so). */
export function quote(s: string, what = "string"): string {
  refuseNul(s, what);
  return SAFE_WORD.test(s) ? s : singleQuoted(s);
}

/** Like `quote`, for the first word of a command. */
export function quoteCommand(s: string, what = "command"): string {
  refuseNul(s, what);
  return SAFE_COMMAND.test(s) ? s : singleQuoted(s);
}

/** A command line that runs `argv` exactly: `argv[0]` as the program, the rest as its arguments. */
export function joinArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new ShellStringError("an empty command has no program to run", "command");
  return [quoteCommand(argv[0]!), ...argv.slice(1).map((a) => quote(a, "argument"))].join(" ");
}

/**
 * A path on the cluster for a shell line: `~` and `~/…` mean the home directory there (written
 * "$HOME"/'…'), anything else is literal.
 */
export function quotePath(path: string, what = "path"): string {
  if (path === "~") return `"$HOME"`;
  if (path.startsWith("~/")) return path.length === 2 ? `"$HOME"/` : `"$HOME"/${quote(path.slice(2), what)}`;
  return quote(path, what);
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
  refuseNul(value, `value of ${name}`);
  // `X==` is an assignment of "=" to the shell but reads as a typo to a person (and to shellcheck).
  return `${name}=${SAFE_WORD.test(value) && !value.startsWith("=") ? value : singleQuoted(value)}`;
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
