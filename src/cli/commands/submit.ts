// flowc submit DIR: upload a compiled directory and submit its jobs (sbatch locally or over SSH),
// in dependency order, recording DIR/state.json; a re-run submits only what is neither submitted nor done.
import { readCompiledDir } from "../../exec/compiledDir.js";
import { submitDir } from "../../exec/submitDir.js";
import { isRayDir } from "../../exec/rayJobs.js";
import { whereToSubmit } from "../../exec/where.js";
import { raySubmit } from "../rayJobsCommands.js";
import { defineCommand } from "../command.js";
import { EXIT } from "../context.js";
import { CONNECTION_FLAGS, connectionFlags, reportingExecErrors } from "../submission.js";

export const submit = defineCommand({
  name: "submit",
  summary: "Submit compiled jobs in dependency order (locally or over SSH)",
  description:
    "Uploads DIR (written by `flowc compile --target slurm`) and this flowc's flowrt to the run directory on the\n" +
    "cluster, asks flowrt there which steps are already done, and submits the others with sbatch in dependency\n" +
    "order (afterok), one SSH connection for the whole command. DIR/state.json records every job as it is\n" +
    "submitted; a re-run after a crash or a dropped connection finds the jobs already on the scheduler by\n" +
    "their tags and submits nothing twice. A step whose input changed is submitted again, a done one is not.\n" +
    "The host is --host, else the profile's `ssh:`, else this machine; the run directory is --remote-dir,\n" +
    "else the profile's run_dir/NAME-OF-DIR, else DIR itself (locally) or ~/flowc/NAME-OF-DIR.\n" +
    "A directory compiled with `--target ray` is submitted as a Ray Job to --address (the dashboard): its\n" +
    "runtime_env carries DIR and this flowc's flowrt; the run directory is --remote-dir, else DIR.",
  positionals: [{ name: "DIR", arity: "one", help: "a directory written by `flowc compile --target slurm`" }],
  flags: {
    target: { type: "enum", choices: ["slurm", "ray"], help: "the target DIR was compiled for (default: its target.json's)" },
    address: { type: "string", value: "URL", help: "--target ray: the Ray dashboard (Jobs API), e.g. http://HEAD:8265" },
    host: { type: "string", value: "USER@HOST[:PORT]", help: "submit over SSH (files uploaded with SFTP); unknown host keys are refused" },
    ...CONNECTION_FLAGS,
    "remote-dir": { type: "string", value: "DIR", help: "the run directory on the cluster" },
    "input-root": { type: "string", value: "DIR", help: "where the plan's relative inputs are on the cluster (default: the profile's input_root, else the run directory)" },
    python: { type: "string", value: "PATH", help: "the cluster's Python with flowrt's dependencies (default: the profile's venv, else python3)" },
    "no-upload-runtime": { type: "boolean", help: "use the flowrt installed on the cluster (its version must match) instead of uploading this flowc's" },
    "dry-run": { type: "boolean", help: "print the sbatch commands; upload and submit nothing" },
  },
  examples: [
    "flowc submit build/tiny",
    "flowc submit build/tiny --host me@login.cluster.org --identity ~/.ssh/id_ed25519",
    "flowc submit build/tiny --clusters clusters.yaml --cluster big --dry-run",
    "flowc submit build/tiny-ray --target ray --address http://127.0.0.1:8265",
  ],
  async run({ flags, positionals }, ctx) {
    if (flags.target === "ray" || (flags.target === undefined && isRayDir(positionals[0]!, ctx.cwd))) return raySubmit(ctx, positionals[0]!, flags);
    return reportingExecErrors(ctx, async () => {
      const compiled = readCompiledDir(positionals[0]!, ctx.cwd);
      const where = whereToSubmit({
        ...connectionFlags(flags, ctx.cwd),
        ...(flags.host !== undefined ? { host: flags.host } : {}),
        ...(flags["remote-dir"] !== undefined ? { remoteDir: flags["remote-dir"] } : {}),
        ...(flags["input-root"] !== undefined ? { inputRoot: flags["input-root"] } : {}),
        ...(flags.python !== undefined ? { python: flags.python } : {}),
      }, compiled, ctx.env);
      const log = (l: string) => ctx.stderr(`${l}\n`);
      const r = await submitDir({ compiled, where, dryRun: flags["dry-run"], uploadRuntime: !flags["no-upload-runtime"], log });
      if (flags["dry-run"]) {
        for (const c of r.commands) ctx.stdout(`${c.map((a) => (/^[\w@%+=:,./~-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ")}\n`);
        ctx.stderr(`dry run: ${r.commands.length} job(s) would be submitted to ${r.where}; nothing was changed\n`);
        return EXIT.ok;
      }
      const parts = [`${r.submitted.length} submitted`, `${r.kept.length + r.adopted.length} already on the scheduler`, `${r.done.length} step(s) already done`];
      if (r.blocked.length > 0) parts.push(`${r.blocked.length} not submitted (a job they need ended unsuccessfully)`);
      ctx.stderr(`flowc submit: ${parts.join(", ")} (run ${r.runId} in ${r.remoteDir} on ${r.where}); follow it with \`flowc status ${positionals[0]}\`\n`);
      return r.blocked.length > 0 ? EXIT.failed : EXIT.ok;
    });
  },
});
