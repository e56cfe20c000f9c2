// flowc status DIR: progress of a submission (squeue/sacct).
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const status = defineCommand({
  name: "status",
  summary: "Show the progress of a submission",
  positionals: [{ name: "DIR", arity: "one", help: "a directory passed to `flowc submit`" }],
  flags: {},
  async run(_args, ctx) {
    return notAvailable(ctx, "the Slurm submission client is not built");
  },
});
