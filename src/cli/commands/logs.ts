// flowc logs DIR STEP: one step's log.
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const logs = defineCommand({
  name: "logs",
  summary: "Print a step's log",
  positionals: [
    { name: "DIR", arity: "one", help: "a directory passed to `flowc submit`" },
    { name: "STEP", arity: "one", help: "a step id, such as `curate.clean`" },
  ],
  flags: {},
  async run(_args, ctx) {
    return notAvailable(ctx, "the Slurm submission client is not built");
  },
});
