// flowc logs DIR STEP [-f] [--task N]: one step's Slurm log, from the run directory on the cluster.
import { openTransport } from "../../exec/connect.js";
import { SlurmClient } from "../../exec/slurm.js";
import { stepLogs } from "../../exec/stepLogs.js";
import { isRayDir } from "../../exec/rayJobs.js";
import { defineCommand } from "../command.js";
import { rayLogs } from "../rayJobsCommands.js";
import { EXIT } from "../context.js";
import { CONNECTION_FLAGS, reportingExecErrors, submitted } from "../submission.js";

export const logs = defineCommand({
  name: "logs",
  summary: "Print a step's log",
  description:
    "Prints the log the step's job writes into RUN/logs on the cluster (all of an array's tasks unless --task\n" +
    "picks one). -f follows it as it grows, until the job ends (a job still pending is waited for).\n" +
    "For a Ray submission: the step's RUN/logs/STEP.log, or STEP = `driver` for the Ray Job's driver log.",
  positionals: [
    { name: "DIR", arity: "one", help: "a directory passed to `flowc submit`" },
    { name: "STEP", arity: "one", help: "a step id, such as `curate.clean.web`" },
  ],
  flags: {
    follow: { type: "boolean", short: "f", help: "follow the log until the job ends" },
    task: { type: "integer", value: "N", min: 0, help: "the array task (shard) whose log to print" },
    ...CONNECTION_FLAGS,
  },
  examples: ["flowc logs build/tiny train.pretrain -f", "flowc logs build/tiny curate.clean.web --task 3"],
  async run({ flags, positionals }, ctx) {
    if (isRayDir(positionals[0]!, ctx.cwd)) return rayLogs(ctx, positionals[0]!, positionals[1]!);
    return reportingExecErrors(ctx, async () => {
      const sub = submitted(positionals[0]!, flags, ctx.cwd);
      const transport = await openTransport(sub.where.connect);
      try {
        await stepLogs({
          compiled: sub.compiled, state: sub.state, slurm: new SlurmClient(transport), step: positionals[1]!,
          ...(flags.task !== undefined ? { task: flags.task } : {}), follow: flags.follow, write: ctx.stdout,
        });
        return EXIT.ok;
      } finally {
        await transport.close();
      }
    });
  },
});
