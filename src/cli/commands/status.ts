// flowc status DIR: where every step of a submission stands (one batched squeue/sacct query), with a
// train step's progress from its metrics and why a step failed or never ran.
import { pollUntil } from "../../exec/backoff.js";
import { openTransport } from "../../exec/connect.js";
import { renderTable } from "../../exec/progress.js";
import { SlurmClient } from "../../exec/slurm.js";
import { statusView, type StatusView } from "../../exec/statusView.js";
import { isRayDir } from "../../exec/rayJobs.js";
import { defineCommand } from "../command.js";
import { rayStatus } from "../rayJobsCommands.js";
import { EXIT } from "../context.js";
import { CONNECTION_FLAGS, reportingExecErrors, submitted } from "../submission.js";

export function renderStatus(v: StatusView, now: number, columns = 100): string {
  const lines = renderTable({ steps: v.steps }, now, columns).split("\n");
  const summary = lines.pop()!;
  const out: string[] = [];
  v.steps.forEach((s, i) => {
    out.push(lines[i]!);
    if (s.why) out.push(`      ${s.why}`);
    for (const l of s.logTail ?? []) out.push(`      | ${l}`);
  });
  out.push(summary);
  return out.join("\n") + "\n";
}

export const status = defineCommand({
  name: "status",
  summary: "Show the progress of a submission",
  description:
    "One squeue (and, for jobs squeue has forgotten, one sacct or jobcomp read) answers for every job of the\n" +
    "submission. A running train step shows step/total, loss, tokens/s and ETA from its metrics.jsonl; a failed\n" +
    "step says why (a failed gate with the value measured, the last lines of its log); a step that never ran\n" +
    "names the job it needed. --watch polls with backoff (1 s growing to 30 s) until every job has ended.\n" +
    "Exit 0 while nothing has failed, 1 when a step failed or will not run.\n" +
    "For a Ray submission (DIR compiled with `--target ray`): the Ray Job's status from the dashboard (exit 1 when\n" +
    "it failed or was stopped).",
  positionals: [{ name: "DIR", arity: "one", help: "a directory passed to `flowc submit`" }],
  flags: {
    ...CONNECTION_FLAGS,
    watch: { type: "boolean", help: "poll until every job has ended, printing each change" },
    "timeout-s": { type: "integer", value: "SECONDS", min: 1, default: 86_400, help: "with --watch: give up after this long" },
    json: { type: "boolean", help: "print the status as JSON" },
  },
  examples: ["flowc status build/tiny", "flowc status build/tiny --watch"],
  async run({ flags, positionals }, ctx) {
    if (isRayDir(positionals[0]!, ctx.cwd)) return rayStatus(ctx, positionals[0]!, flags.json === true);
    return reportingExecErrors(ctx, async () => {
      const sub = submitted(positionals[0]!, flags, ctx.cwd);
      const transport = await openTransport(sub.where.connect);
      try {
        const slurm = new SlurmClient(transport);
        const once = () => statusView({ compiled: sub.compiled, state: sub.state, slurm });
        let view: StatusView;
        if (flags.watch) {
          let last = "";
          view = await pollUntil(async () => {
            const v = await once();
            const text = renderStatus(v, Date.now());
            // Only a change is printed again (the clocks of running steps aside).
            const key = JSON.stringify(v.steps.map((s) => [s.state, s.note, s.train?.records.at(-1)?.step]));
            if (key !== last && !flags.json) ctx.stdout(`${text}\n`);
            last = key;
            return v.finished ? v : undefined;
          }, { initialMs: 1000, maxMs: 30_000, factor: 1.5, jitter: 0.1, timeoutMs: flags["timeout-s"] * 1000, what: `the jobs of ${positionals[0]}` });
        } else {
          view = await once();
          if (!flags.json) ctx.stdout(renderStatus(view, Date.now()));
        }
        if (flags.json) ctx.stdout(`${JSON.stringify(view, null, 2)}\n`);
        return view.steps.some((s) => s.state === "failed" || s.state === "skipped") ? EXIT.failed : EXIT.ok;
      } finally {
        await transport.close();
      }
    });
  },
});
