// The stop/requeue protocol end to end through the emitted batch script and real flowrt ranks:
// test/fixtures/micro.flow's train script run by bash, torchrun starting 2 gloo ranks, on this
// machine. `srun` on PATH runs its command here (the allocation is this machine; the script's own
// srun options are dropped), `scontrol` answers `show hostnames` with this host and records
// `requeue`: the scheduler is not the subject, the script's traps and flowrt's ranks are (the real
// Slurm runs are test/e2e's). SIGUSR2 to the batch shell, as `--signal=B:USR2@lead` sends it: the
// trap creates the stop file, both ranks stop after the same step with a checkpoint and the marker,
// and the script requeues the job and exits 75; run again (the requeued job), it resumes and every
// planned step is trained exactly once. SIGTERM (scancel): exit 143, no requeue.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCompiledDir } from "../../src/emit/compiledDir.js";
import { emitSlurm } from "../../src/emit/slurm/index.js";
import { defaultPython } from "../../src/exec/local.js";
import { PlanIR } from "../../src/plan/ir.js";
import { planPath } from "../../src/pipeline.js";

const python = defaultPython();
const work = mkdtempSync(join(tmpdir(), "flowc-protocol-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const EXAMPLES = resolve("examples");
const RUNTIME = resolve("runtime-py");
const bin = join(work, "bin");
const rec = join(work, "rec");
const DATA_STEPS = ["tokenizer.tok", "curate.clean.web", "curate.clean.code", "curate.clean.math", "dedup.clean",
  "tokenize.clean.web", "tokenize.clean.code", "tokenize.clean.math", "mix.pretrain"];

function plan(): PlanIR {
  const r = planPath("test/fixtures/micro.flow");
  if (!r.plan) throw new Error("micro.flow has no plan");
  return PlanIR.parse(r.plan);
}

function compiled(name: string): string {
  const dir = join(work, name);
  const p = plan();
  writeCompiledDir({ dir, plan: p, target: "slurm", files: emitSlurm(p) });
  return dir;
}

const env = (dir: string, restart: number) => ({
  PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME ?? "/root", PYTHONPATH: RUNTIME, FLOWRT_PYTHON: python, FLOWRT_INPUT_ROOT: EXAMPLES,
  OMP_NUM_THREADS: "1", REC: rec, SLURM_JOB_ID: "4242", SLURM_NNODES: "1", SLURM_JOB_NODELIST: "localhost", SLURM_RESTART_COUNT: String(restart),
  FLOWRT_RUN_DIR: dir,
});

function runScript(dir: string, restart: number): ChildProcess {
  const text = readFileSync(join(dir, "slurm", "train.pretrain.sbatch"), "utf8");
  return spawn("bash", ["-c", text, "train.pretrain.sbatch"], { cwd: dir, env: env(dir, restart), stdio: ["ignore", "pipe", "pipe"] });
}

async function finished(p: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = "";
  p.stdout!.on("data", (d) => (out += d));
  p.stderr!.on("data", (d) => (out += d));
  return new Promise((res) => p.on("close", (code) => res({ code, out })));
}

async function untilSteps(dir: string, n: number, timeoutMs = 300_000): Promise<void> {
  const f = join(dir, "steps", "train.pretrain", "metrics.jsonl");
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(f) && readFileSync(f, "utf8").split("\n").filter(Boolean).length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${n} steps in ${timeoutMs} ms`);
}

const metrics = (dir: string) => readFileSync(join(dir, "steps", "train.pretrain", "metrics.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { step: number; loss: number });
const requeues = () => (existsSync(join(rec, "requeue")) ? readFileSync(join(rec, "requeue"), "utf8").split("\n").filter(Boolean) : []);

let data: string;

beforeAll(() => {
  mkdirSync(bin, { recursive: true });
  mkdirSync(rec, { recursive: true });
  // srun: this machine is the allocation; drop srun's own options and run the command.
  writeFileSync(join(bin, "srun"), '#!/bin/bash\nwhile [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do shift; done\nexec "$@"\n');
  writeFileSync(join(bin, "scontrol"), '#!/bin/bash\ncase "$1" in\n  show) echo 127.0.0.1 ;;\n  requeue) echo "$2" >>"$REC/requeue" ;;\n  *) exit 1 ;;\nesac\n');
  for (const f of ["srun", "scontrol"]) chmodSync(join(bin, f), 0o755);
  // The data steps once, shared by the runs below (their outputs are linked in).
  data = compiled("data");
  for (const s of DATA_STEPS) {
    execFileSync(python, ["-m", "flowrt", "step", "--plan", join(data, "plan.json"), "--step", s], { env: { ...process.env, ...env(data, 0) }, stdio: "pipe" });
  }
}, 600_000);

function withData(name: string): string {
  const dir = compiled(name);
  mkdirSync(join(dir, "steps"), { recursive: true });
  for (const s of DATA_STEPS) execFileSync("ln", ["-s", join(data, "steps", s), join(dir, "steps", s)]);
  return dir;
}

describe("stop, requeue and resume through the emitted train script", () => {
  it("SIGUSR2 to the batch shell: both ranks checkpoint at one step, the job is requeued (75); rerun trains each step once", async () => {
    const straight = withData("straight");
    const s = await finished(runScript(straight, 0));
    expect(s.code, s.out).toBe(0);
    const dir = withData("stopped");
    const p = runScript(dir, 0);
    const done = finished(p);
    await untilSteps(dir, 2);
    p.kill("SIGUSR2");
    const r = await done;
    expect(r.code, r.out).toBe(75);
    expect(r.out).toContain("requeueing job 4242");
    expect(requeues()).toEqual(["4242"]);
    const marker = JSON.parse(readFileSync(join(dir, "steps", "train.pretrain", "STOPPED.json"), "utf8")) as { step: number };
    expect(existsSync(join(dir, "steps", "train.pretrain", "ckpt", `step_${marker.step}`, "step.json"))).toBe(true);
    expect(metrics(dir).length).toBe(marker.step);
    // The requeued job: the script runs again, with the next restart count.
    const again = await finished(runScript(dir, 1));
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`resumed from`);
    expect(requeues()).toEqual(["4242"]);
    expect(metrics(dir).map((m) => m.step)).toEqual([...Array(12).keys()]);
    const a = metrics(dir).map((m) => m.loss);
    const b = metrics(straight).map((m) => m.loss);
    for (let i = 0; i < 12; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-6);
  }, 900_000);

  it("SIGTERM (scancel) to the batch shell: exit 143, never requeued", async () => {
    const dir = withData("cancelled");
    const before = requeues().length;
    const p = runScript(dir, 0);
    const done = finished(p);
    await untilSteps(dir, 2);
    p.kill("SIGTERM");
    const r = await done;
    expect(r.code, r.out).toBe(143);
    expect(r.out).toContain("not requeued (cancelled)");
    expect(requeues().length).toBe(before);
    expect(existsSync(join(dir, "steps", "train.pretrain", "STOPPED.json"))).toBe(false);
  }, 600_000);
});
