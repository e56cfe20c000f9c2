// flowc run FILE --target ray|local: compile and run on this machine, with progress.
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const run = defineCommand({
  name: "run",
  summary: "Compile and run on this machine (local Ray or local processes)",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    target: { type: "enum", choices: ["ray", "local"], default: "local", help: "how to run the steps" },
  },
  examples: ["flowc run examples/tiny.flow --target local"],
  async run(_args, ctx) {
    return notAvailable(ctx, "the local runner is not built");
  },
});
