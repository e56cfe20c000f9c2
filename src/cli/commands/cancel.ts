// flowc cancel DIR: cancel every job of a submission that has not ended (one scancel call).
import { openTransport } from "../../exec/connect.js";
import { SlurmClient } from "../../exec/slurm.js";
import { isTerminal, submittedId } from "../../exec/slurmParse.js";
import { submissionNames } from "../../exec/statusView.js";
import { isRayDir } from "../../exec/rayJobs.js";
import { defineCommand } from "../command.js";
import { rayCancel } from "../rayJobsCommands.js";
import { EXIT } from "../context.js";
import { CONNECTION_FLAGS, reportingExecErrors, submitted } from "../submission.js";

export const cancel = defineCommand({
  name: "cancel",
  summary: "Cancel every job of a submission",
  description:
    "Cancels (scancel, one call) every job of the submission that is pending or running. A cancelled training\n" +
    "job checkpoints if it can and is not requeued. `flowc submit DIR` afterwards submits the cancelled steps again.\n" +
    "For a Ray submission (DIR compiled with `--target ray`): stops its Ray Job through the dashboard.",
  positionals: [{ name: "DIR", arity: "one", help: "a directory passed to `flowc submit`" }],
  flags: { ...CONNECTION_FLAGS },
  examples: ["flowc cancel build/tiny"],
  async run({ flags, positionals }, ctx) {
    if (isRayDir(positionals[0]!, ctx.cwd)) return rayCancel(ctx, positionals[0]!);
    return reportingExecErrors(ctx, async () => {
      const sub = submitted(positionals[0]!, flags, ctx.cwd);
      const transport = await openTransport(sub.where.connect);
      try {
        const slurm = new SlurmClient(transport);
        const ours = new Set(Object.values(sub.state.jobs).map((j) => j.job_id));
        const recs = await slurm.queue({ names: submissionNames(sub.compiled, sub.state) });
        const live = [...new Set(recs.filter((r) => ours.has(submittedId(r)) && !isTerminal(r.state)).map(submittedId))].sort((a, b) => Number(a) - Number(b));
        if (live.length === 0) {
          ctx.stderr(`flowc cancel: no job of ${positionals[0]} is pending or running; nothing to cancel\n`);
          return EXIT.ok;
        }
        await slurm.cancel(live);
        ctx.stderr(`flowc cancel: cancelled ${live.length} job(s): ${live.join(", ")}\n`);
        return EXIT.ok;
      } finally {
        await transport.close();
      }
    });
  },
});
