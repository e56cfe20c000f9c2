// flowc cancel DIR: cancel every job of a submission.
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const cancel = defineCommand({
  name: "cancel",
  summary: "Cancel every job of a submission",
  positionals: [{ name: "DIR", arity: "one", help: "a directory passed to `flowc submit`" }],
  flags: {},
  async run(_args, ctx) {
    return notAvailable(ctx, "the Slurm submission client is not built");
  },
});
