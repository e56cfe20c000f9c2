// argv -> command. Global options (--color, --help, --version) may come before or after the command;
// each command parses the rest with its own option table. Nothing here throws at the user: usage
// problems exit 2 with a hint, bugs become one "internal error" line (a stack with FLOWC_DEBUG=1).
import * as fs from "node:fs";
import { suggest } from "../diagnostics/suggest.js";
import { wantColor } from "../diagnostics/color.js";
import type { Command } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { EXIT, usageError, type CliIO, type Context } from "./context.js";
import { commandHelp, GLOBAL_FLAGS, topHelp, TOP_FLAGS } from "./help.js";
import { parseArgs, type FlagTable } from "./options.js";

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (io.env.FLOWC_DEBUG === "1") io.stderr(`${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
    else {
      const msg = err instanceof Error ? err.message : String(err);
      io.stderr(`flowc: internal error: ${msg}\nhelp: re-run with FLOWC_DEBUG=1 and report the output\n`);
    }
    return EXIT.usage;
  }
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const { before, command: name, after } = splitAtCommand(argv, TOP_FLAGS);
  const top = parseArgs(TOP_FLAGS, [], before, "flowc");
  const topCtx = context(io, "flowc", top.ok ? top.value.flags.color : "auto");
  if (!top.ok) return usageError(topCtx, top.problem);
  if (top.value.flags.version) {
    io.stdout(`flowc ${version()}\n`);
    return EXIT.ok;
  }
  if (name === undefined) {
    if (top.value.flags.help) {
      io.stdout(topHelp(COMMANDS));
      return EXIT.ok;
    }
    io.stderr(topHelp(COMMANDS));
    return EXIT.usage;
  }
  if (name === "help") return helpCommand(after, io, topCtx);

  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    const near = suggest(name, COMMANDS.map((c) => c.name));
    return usageError(topCtx, {
      message: `unknown command \`${name}\``,
      hint: near !== undefined ? `did you mean \`flowc ${near}\`?` : "run `flowc --help` to see the commands",
    });
  }
  if (top.value.flags.help) {
    io.stdout(commandHelp(cmd));
    return EXIT.ok;
  }
  return runCommand(cmd, after, io, top.value.flags.color);
}

async function runCommand(cmd: Command, argv: readonly string[], io: CliIO, topColor: string): Promise<number> {
  const prog = `flowc ${cmd.name}`;
  const table: FlagTable = { ...cmd.flags, ...GLOBAL_FLAGS };
  // `--help` wins over every other mistake on the line, as people add it to a failing command.
  const end = argv.indexOf("--");
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h")) {
    io.stdout(commandHelp(cmd));
    return EXIT.ok;
  }
  const parsed = parseArgs(table, cmd.positionals, argv, prog);
  const color = parsed.ok && parsed.value.flags.color !== "auto" ? String(parsed.value.flags.color) : topColor;
  const ctx = context(io, prog, color);
  if (!parsed.ok) return usageError(ctx, parsed.problem);
  return cmd.run(parsed.value, ctx);
}

function helpCommand(args: readonly string[], io: CliIO, ctx: Context): number {
  const [name, ...extra] = args;
  if (name === undefined) {
    io.stdout(topHelp(COMMANDS));
    return EXIT.ok;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined || extra.length > 0) {
    const near = suggest(name, COMMANDS.map((c) => c.name));
    return usageError(ctx, {
      message: cmd === undefined ? `unknown command \`${name}\`` : `unexpected argument \`${extra[0] ?? ""}\``,
      hint: cmd === undefined && near !== undefined ? `did you mean \`flowc help ${near}\`?` : "usage: flowc help [COMMAND]",
    });
  }
  io.stdout(commandHelp(cmd));
  return EXIT.ok;
}

/** The global options before the command name, the name, and everything after it. */
function splitAtCommand(argv: readonly string[], flags: FlagTable): { before: string[]; command?: string; after: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") return { before: argv.slice(0, i), ...(argv[i + 1] !== undefined ? { command: argv[i + 1] } : {}), after: argv.slice(i + 2) };
    if (!a.startsWith("-") || a === "-") return { before: argv.slice(0, i), command: a, after: argv.slice(i + 1) };
    const long = a.startsWith("--") && !a.includes("=") ? flags[a.slice(2)] : undefined;
    if (long !== undefined && long.type !== "boolean") i++; // skip the option's value
  }
  return { before: [...argv], after: [] };
}

function context(io: CliIO, prog: string, colorMode: string): Context {
  const mode = colorMode === "always" || colorMode === "never" ? colorMode : "auto";
  return {
    ...io,
    prog,
    color: { stdout: wantColor(mode, io.env, io.stdoutIsTTY), stderr: wantColor(mode, io.env, io.stderrIsTTY) },
  };
}

function version(): string {
  try {
    // src/cli/main.ts and dist/cli/main.js are both two levels below package.json.
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** The real process: its streams, directory and environment. */
export function processIO(): CliIO {
  // `flowc … | head` closes the pipe early: that is not an error worth a stack trace.
  for (const s of [process.stdout, process.stderr]) {
    s.on("error", (err: NodeJS.ErrnoException) => {
      // A reader that went away (EPIPE) is not an error; any other broken stream leaves nothing to print to.
      process.exit(err.code === "EPIPE" ? (process.exitCode ?? 0) : EXIT.usage);
    });
  }
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
