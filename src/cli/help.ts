// `--help` text, generated from the option tables.
import type { Command } from "./command.js";
import { flagName, usageArgs, valueHint, type FlagSpec, type FlagTable } from "./options.js";

/** Flags every command accepts (main() handles them). */
export const GLOBAL_FLAGS = {
  color: { type: "enum", choices: ["auto", "always", "never"], default: "auto", help: "when to color output (auto: on a terminal, unless NO_COLOR is set)" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies FlagTable;

export const TOP_FLAGS = {
  ...GLOBAL_FLAGS,
  version: { type: "boolean", short: "V", help: "print the version" },
} as const satisfies FlagTable;

function flagRows(flags: FlagTable): [string, string][] {
  return Object.entries(flags).map(([name, f]: [string, FlagSpec]) => {
    const left = `${f.short ? `-${f.short}, ` : "    "}${flagName(name)}${f.type === "boolean" ? "" : ` ${valueHint(f)}`}`;
    const extra =
      f.type !== "boolean" && f.default !== undefined ? ` (default: ${f.default})` : f.type !== "boolean" && f.required ? " (required)" : "";
    return [left, `${f.help}${extra}`];
  });
}

function table(rows: readonly [string, string][]): string {
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
  return rows.map(([l, r]) => (l.length > width ? `  ${l}\n  ${" ".repeat(width)}  ${r}` : `  ${l.padEnd(width)}  ${r}`)).join("\n");
}

export function commandHelp(cmd: Command): string {
  const flagsPart = Object.keys(cmd.flags).length > 0 ? " [options]" : "";
  const parts = [`flowc ${cmd.name} — ${cmd.summary}`, "", `Usage: flowc ${cmd.name}${flagsPart} ${usageArgs(cmd.positionals)}`.trimEnd()];
  if (cmd.description) parts.push("", cmd.description.trim());
  if (cmd.positionals.length > 0) {
    parts.push("", "Arguments:", table(cmd.positionals.map((p) => [p.arity === "many" ? `${p.name}...` : p.name, p.help])));
  }
  parts.push("", "Options:", table(flagRows({ ...cmd.flags, ...GLOBAL_FLAGS })));
  if (cmd.examples && cmd.examples.length > 0) parts.push("", "Examples:", ...cmd.examples.map((e) => `  ${e}`));
  return parts.join("\n") + "\n";
}

export function topHelp(commands: readonly Command[]): string {
  return [
    "flowc — a typed language for the whole lifecycle of training an LLM, and its compiler",
    "",
    "Usage: flowc [options] COMMAND [ARGS...]",
    "",
    "Commands:",
    table(commands.map((c) => [c.name, c.summary])),
    "",
    "Options:",
    table(flagRows(TOP_FLAGS)),
    "",
    "Run `flowc COMMAND --help` for a command's options, and `flowc explain CODE` for what a diagnostic means.",
    "Exit status: 0 success, 1 the input has errors, 2 usage or environment error.",
    "",
  ].join("\n");
}
