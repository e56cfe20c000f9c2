// A command is data (name, arguments, flags, help) plus the function that runs it.
import type { Context } from "./context.js";
import type { FlagTable, Parsed, PositionalSpec } from "./options.js";

export interface CommandSpec<T extends FlagTable> {
  readonly name: string;
  /** One line, for `flowc --help`. */
  readonly summary: string;
  /** A paragraph or two for `flowc COMMAND --help`. */
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: T;
  readonly examples?: readonly string[];
  readonly run: (args: Parsed<T>, ctx: Context) => Promise<number>;
}

/** A command with its flag types erased, for the registry. main() parses with the command's own table. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: FlagTable;
  readonly examples?: readonly string[];
  readonly run: (args: Parsed<FlagTable>, ctx: Context) => Promise<number>;
}

export function defineCommand<const T extends FlagTable>(spec: CommandSpec<T>): Command {
  return spec as unknown as Command;
}
