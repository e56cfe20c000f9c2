// The Ray side of `flowc submit`, `status`, `logs` and `cancel`, for a directory compiled with
// `--target ray` (its target.json says so): a Ray Job through the dashboard's Jobs API
// (src/exec/rayJobs.ts). The commands dispatch here; the Slurm side is theirs.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultPython } from "../exec/local.js";
import { rayJobInfo, rayJobLogs, readJobRecord, readRayDir, stopRayJob, submitRayJob, RAY_JOB_ENDED } from "../exec/rayJobs.js";
import { EXIT, type Context } from "./context.js";
import { reportingExecErrors } from "./submission.js";

export interface RaySubmitFlags {
  readonly address?: string | undefined;
  readonly python?: string | undefined;
  readonly "remote-dir"?: string | undefined;
  readonly "input-root"?: string | undefined;
}

export function raySubmit(ctx: Context, dir: string, flags: RaySubmitFlags): Promise<number> {
  return reportingExecErrors(ctx, async () => {
    const rd = readRayDir(dir, ctx.cwd);
    if (flags.address === undefined) {
      ctx.stderr(`${ctx.prog}: error: --target ray needs --address (the cluster's dashboard, e.g. http://HEAD:8265)\nhelp: add --address URL\n`);
      return EXIT.usage;
    }
    const rec = await submitRayJob({
      dir: rd, address: flags.address, python: defaultPython(), env: ctx.env,
      ...(flags.python !== undefined ? { clusterPython: flags.python } : {}),
      ...(flags["remote-dir"] !== undefined ? { runDir: flags["remote-dir"] } : {}),
      ...(flags["input-root"] !== undefined ? { inputRoot: flags["input-root"] } : {}),
    });
    ctx.stderr(`flowc submit: Ray job ${rec.submission_id} submitted to ${rec.address} (run directory ${rec.run_dir}); follow it with \`flowc status ${dir}\`\n`);
    ctx.stdout(`${rec.submission_id}\n`);
    return EXIT.ok;
  });
}

export function rayStatus(ctx: Context, dir: string, json: boolean): Promise<number> {
  return reportingExecErrors(ctx, async () => {
    const rd = readRayDir(dir, ctx.cwd);
    const rec = readJobRecord(rd);
    const info = await rayJobInfo(rec);
    if (json) ctx.stdout(`${JSON.stringify({ target: "ray", ...rec, status: info.status, message: info.message ?? null, driver_exit_code: info.driver_exit_code ?? null }, null, 2)}\n`);
    else {
      const took = info.start_time ? ` (${Math.round(((info.end_time || Date.now()) - info.start_time) / 1000)} s)` : "";
      ctx.stdout(`Ray job ${rec.submission_id} on ${rec.address}: ${info.status}${took}${info.message ? `: ${info.message.trim().split("\n")[0]}` : ""}\n`);
    }
    return info.status === "FAILED" || info.status === "STOPPED" ? EXIT.failed : EXIT.ok;
  });
}

/** A step's log from the run directory (the driver writes logs/STEP.log there), or `driver`: the job's driver log. */
export function rayLogs(ctx: Context, dir: string, step: string): Promise<number> {
  return reportingExecErrors(ctx, async () => {
    const rd = readRayDir(dir, ctx.cwd);
    const rec = readJobRecord(rd);
    if (step === "driver") {
      ctx.stdout(await rayJobLogs(rec));
      return EXIT.ok;
    }
    if (!rd.plan.steps.some((s) => s.id === step)) {
      ctx.stderr(`${ctx.prog}: error: the plan has no step \`${step}\`\nhelp: steps are ${rd.plan.steps.map((s) => s.id).join(", ")}, or \`driver\` for the Ray job's driver log\n`);
      return EXIT.usage;
    }
    const file = join(rec.run_dir, "logs", `${step}.log`);
    if (!existsSync(file)) {
      ctx.stderr(`${ctx.prog}: ${step} has written no log yet (${file}); the driver's: \`flowc logs ${dir} driver\`\n`);
      return EXIT.ok;
    }
    ctx.stdout(readFileSync(file, "utf8"));
    return EXIT.ok;
  });
}

export function rayCancel(ctx: Context, dir: string): Promise<number> {
  return reportingExecErrors(ctx, async () => {
    const rec = readJobRecord(readRayDir(dir, ctx.cwd));
    const info = await rayJobInfo(rec);
    if (RAY_JOB_ENDED.has(info.status)) {
      ctx.stderr(`flowc cancel: Ray job ${rec.submission_id} has already ended (${info.status}); nothing to cancel\n`);
      return EXIT.ok;
    }
    const stopped = await stopRayJob(rec);
    ctx.stderr(`flowc cancel: Ray job ${rec.submission_id} ${stopped ? "is being stopped" : "could not be stopped (the dashboard said no)"}\n`);
    return stopped ? EXIT.ok : EXIT.failed;
  });
}
