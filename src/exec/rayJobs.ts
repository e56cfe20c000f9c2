// Ray Jobs for a directory compiled with `--target ray`: `flowc submit` sends DIR/ray/dag.py as a
// Ray Job (`ray job submit`, which uploads the runtime_env: DIR as working_dir and this flowc's
// flowrt as a py_module, so the job runs the flowrt the plan was compiled against), and `status`,
// `logs`, `cancel` ask the dashboard's Jobs REST API (GET /api/jobs/ID, GET /api/jobs/ID/logs,
// POST /api/jobs/ID/stop). DIR/ray/job.json records the submission.
import { execa } from "execa";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { writeFileAtomic } from "./atomicWrite.js";
import { CompiledDirError, TargetFile } from "./compiledDir.js";
import { rayCommand } from "./rayCluster.js";
import { ExecError } from "./transport.js";
import type { PlanIR } from "../plan/ir.js";

const FLOWRT_PACKAGE = fileURLToPath(new URL("../../runtime-py/flowrt", import.meta.url));

export const JOB_FILE = "ray/job.json";

export const RayJobRecord = z.object({
  version: z.literal(1),
  address: z.string(),
  submission_id: z.string(),
  plan_hash: z.string(),
  run_dir: z.string(),
  submitted_at: z.string(),
});
export type RayJobRecord = z.infer<typeof RayJobRecord>;

/** What the dashboard says of a job (the fields read here). */
export interface RayJobInfo {
  readonly submission_id: string;
  readonly status: "PENDING" | "RUNNING" | "STOPPED" | "SUCCEEDED" | "FAILED";
  readonly message?: string;
  readonly start_time?: number;
  readonly end_time?: number;
  readonly driver_exit_code?: number | null;
}

export interface RayDir {
  readonly dir: string;
  readonly plan: PlanIR;
  readonly planHash: string;
}

/** Whether DIR's target.json says it was compiled for Ray (false when there is none). */
export function isRayDir(dir: string, cwd = process.cwd()): boolean {
  try {
    return TargetFile.parse(JSON.parse(readFileSync(join(resolve(cwd, dir), "target.json"), "utf8"))).target === "ray";
  } catch {
    return false;
  }
}

export function readRayDir(dir: string, cwd = process.cwd()): RayDir {
  const abs = resolve(cwd, dir);
  const recompile = "write it with `flowc compile FILE --target ray --out DIR`";
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new CompiledDirError(`${dir} is not a directory`, recompile);
  let target: z.infer<typeof TargetFile>;
  try {
    target = TargetFile.parse(JSON.parse(readFileSync(join(abs, "target.json"), "utf8")));
  } catch {
    throw new CompiledDirError(`${join(abs, "target.json")} is missing or not what \`flowc compile\` writes`, recompile);
  }
  if (target.target !== "ray") throw new CompiledDirError(`${dir} was compiled for ${target.target}, not for Ray`, "drop `--target ray`, or compile with `--target ray` into another directory");
  if (!existsSync(join(abs, "ray", "dag.py")) || !existsSync(join(abs, "plan.json"))) throw new CompiledDirError(`${dir} has no ray/dag.py or plan.json`, `${recompile} (with --force)`);
  const plan = JSON.parse(readFileSync(join(abs, "plan.json"), "utf8")) as PlanIR;
  return { dir: abs, plan, planHash: target.plan_hash };
}

/** The dashboard's base URL: `http://` added to a bare HOST:PORT, no trailing slash. */
export function dashboardUrl(address: string): string {
  const a = address.replace(/\/+$/, "");
  return /^https?:\/\//.test(a) ? a : `http://${a}`;
}

export interface SubmitRayOptions {
  readonly dir: RayDir;
  /** The dashboard (Jobs API) address, `http://HOST:8265`. */
  readonly address: string;
  /** The Python with Ray on this machine (for `ray job submit`). */
  readonly python: string;
  /** The Python on the cluster that runs the driver (default: `python`). */
  readonly clusterPython?: string;
  /** Where the steps write on the cluster (default: DIR, for a cluster on this machine). */
  readonly runDir?: string;
  readonly inputRoot?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The runtime_env of a submission: the compiled directory and the pinned flowrt travel with it. */
export function runtimeEnv(dir: string): Record<string, unknown> {
  return {
    working_dir: dir,
    py_modules: [FLOWRT_PACKAGE],
    // The run's outputs may live in DIR too: they stay where they are.
    excludes: ["/steps/", "/logs/", "/release/", "/state.json", "__pycache__/"],
    env_vars: { RAY_TRAIN_ENABLE_PRINT_PATCH: "0", PYTHONUNBUFFERED: "1" },
  };
}

export async function submitRayJob(o: SubmitRayOptions): Promise<RayJobRecord> {
  const address = dashboardUrl(o.address);
  const runDir = o.runDir ?? o.dir.dir;
  const id = `flowc-${o.dir.planHash.slice(0, 12)}-${Date.now().toString(36)}`;
  const entry = [o.clusterPython ?? "python", "ray/dag.py", "--job", "--run-dir", runDir, "--input-root", o.inputRoot ?? runDir];
  const [cmd, pre] = rayCommand(o.python);
  const r = await execa(cmd, [...pre, "job", "submit", "--address", address, "--submission-id", id, "--no-wait",
    "--runtime-env-json", JSON.stringify(runtimeEnv(o.dir.dir)), "--", ...entry], { reject: false, all: true, env: { ...o.env, RAY_USAGE_STATS_ENABLED: "0" }, timeout: 300_000 });
  if (r.exitCode !== 0) {
    const tail = String(r.all ?? r.shortMessage ?? "").trim().split("\n").slice(-6);
    throw new ExecError(`\`ray job submit\` to ${address} failed (exit ${r.exitCode ?? "?"})`, "check --address (the dashboard, port 8265 by default) and that Ray runs there", tail);
  }
  const record: RayJobRecord = { version: 1, address, submission_id: id, plan_hash: o.dir.planHash, run_dir: runDir, submitted_at: new Date().toISOString() };
  await writeFileAtomic(join(o.dir.dir, JOB_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

export function readJobRecord(dir: RayDir): RayJobRecord {
  const p = join(dir.dir, JOB_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, "utf8"));
  } catch {
    throw new ExecError(`${p} does not exist or is not JSON: ${dir.dir} has not been submitted to Ray`, "submit it with `flowc submit DIR --target ray --address URL`");
  }
  const r = RayJobRecord.safeParse(raw);
  if (!r.success) throw new ExecError(`${p} is not what \`flowc submit --target ray\` writes`, "submit the directory again");
  if (r.data.plan_hash !== dir.planHash) throw new ExecError(`${p} records a submission of another plan`, "submit the directory again");
  return r.data;
}

async function api(address: string, path: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${dashboardUrl(address)}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new ExecError(`cannot reach the Ray dashboard at ${dashboardUrl(address)} (${(e as Error).message})`, "is the cluster up? (`ray status`); the address is the one given to `flowc submit`");
  }
  const text = await res.text();
  if (!res.ok) {
    throw new ExecError(`the Ray dashboard answered ${res.status} to ${path}`, res.status === 404 ? "the job is not known to this cluster (restarted?): submit again" : "see the dashboard's log", text.trim().split("\n").slice(0, 3));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ExecError(`the Ray dashboard's answer to ${path} is not JSON`, "is --address the dashboard (port 8265 by default)?");
  }
}

export async function rayJobInfo(rec: RayJobRecord): Promise<RayJobInfo> {
  return (await api(rec.address, `/api/jobs/${encodeURIComponent(rec.submission_id)}`)) as RayJobInfo;
}

export async function rayJobLogs(rec: RayJobRecord): Promise<string> {
  const r = (await api(rec.address, `/api/jobs/${encodeURIComponent(rec.submission_id)}/logs`)) as { logs?: string };
  return r.logs ?? "";
}

export async function stopRayJob(rec: RayJobRecord): Promise<boolean> {
  const r = (await api(rec.address, `/api/jobs/${encodeURIComponent(rec.submission_id)}/stop`, { method: "POST" })) as { stopped?: boolean };
  return r.stopped === true;
}

export const RAY_JOB_ENDED: ReadonlySet<RayJobInfo["status"]> = new Set(["STOPPED", "SUCCEEDED", "FAILED"]);
