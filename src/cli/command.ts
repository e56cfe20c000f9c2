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
  // A method, so that a command with its own flag table is a Command: main() always parses argv with
  // the command's own table before calling it, so `args` has exactly the flags of T.
  run(args: Parsed<T>, ctx: Context): Promise<number>;
}

/** A command with its flag types erased, for the registry. */
export type Command = CommandSpec<FlagTable>;

export function defineCommand<const T extends FlagTable>(spec: CommandSpec<T>): Command {
  return spec;
}
