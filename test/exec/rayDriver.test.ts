// The Ray target's pieces that need no cluster: the driver's progress lines as the display reads
// them, and the compiled directory and runtime_env a Ray Job submission is made of.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeCompiledDir } from "../../src/emit/compiledDir.js";
import { EVENT_PREFIX } from "../../src/emit/ray/driver.js";
import { emitRay } from "../../src/emit/ray/index.js";
import { planSteps } from "../../src/exec/progress.js";
import { dashboardUrl, isRayDir, readRayDir, runtimeEnv } from "../../src/exec/rayJobs.js";
import { applyEvent, parseEvent, type DriverEvent } from "../../src/exec/rayRun.js";
import { ExecError } from "../../src/exec/transport.js";
import type { PlanIR } from "../../src/plan/ir.js";
import { planPath } from "../../src/pipeline.js";

const plan = planPath("examples/smollm2-1.7b.flow").plan as PlanIR;

describe("the driver's progress lines", () => {
  it("only lines with the prefix and a JSON object are events", () => {
    expect(parseEvent(`${EVENT_PREFIX}{"event": "done", "step": "mix.pretrain", "time": 1}`)).toEqual({ event: "done", step: "mix.pretrain", time: 1 });
    expect(parseEvent("(RayTrainWorker pid=1) [pretrain] step 3/12")).toBeUndefined();
    expect(parseEvent(`${EVENT_PREFIX}{not json`)).toBeUndefined();
  });

  it("move a step through queued, running and done, counting an array step's shards", () => {
    const array = plan.steps.find((s) => s.shards > 1)!;
    const ev = (event: DriverEvent["event"], time: number, extra: Partial<DriverEvent> = {}): DriverEvent => ({ event, step: array.id, time, ...extra });
    let steps = planSteps(plan);
    steps = applyEvent(steps, ev("queued", 10, { shards: array.shards }));
    expect(steps.find((s) => s.id === array.id)!.state).toBe("queued");
    steps = applyEvent(steps, ev("running", 11));
    steps = applyEvent(steps, ev("shard_done", 12));
    steps = applyEvent(steps, ev("shard_done", 13));
    let s = steps.find((x) => x.id === array.id)!;
    expect(s).toMatchObject({ state: "running", startedAt: 11_000, shards: { done: 2, of: array.shards } });
    steps = applyEvent(steps, ev("done", 20));
    s = steps.find((x) => x.id === array.id)!;
    expect(s).toMatchObject({ state: "done", seconds: 9, shards: { done: array.shards, of: array.shards } });
    // Other steps are untouched; a failure keeps its error as the note.
    const other = plan.steps.find((x) => x.kind === "train")!;
    steps = applyEvent(steps, { event: "failed", step: other.id, time: 30, error: "eval base: gate failed" });
    expect(steps.find((x) => x.id === other.id)).toMatchObject({ state: "failed", note: "eval base: gate failed" });
    expect(steps.filter((x) => x.state === "waiting")).toHaveLength(plan.steps.length - 2);
  });
});

describe("a Ray Job's compiled directory", () => {
  it("is recognised by its target.json; a Slurm or missing one is refused with help", () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-rayjobs-"));
    writeCompiledDir({ dir, plan, target: "ray", files: emitRay(plan) });
    expect(isRayDir(dir)).toBe(true);
    expect(readRayDir(dir).plan.steps).toHaveLength(plan.steps.length);
    const other = mkdtempSync(join(tmpdir(), "flowc-rayjobs-"));
    expect(isRayDir(other)).toBe(false);
    expect(() => readRayDir(other)).toThrow(ExecError);
    writeFileSync(join(other, "target.json"), JSON.stringify({ target: "slurm", plan_hash: "ab".repeat(32), source_file: "x.flow", flowc_version: "0", flowrt_version: "0" }));
    expect(() => readRayDir(other)).toThrow(/compiled for slurm, not for Ray/);
  });

  it("carries DIR as working_dir and this flowc's flowrt, and leaves the run's outputs behind", () => {
    const env = runtimeEnv("/x/dir") as { working_dir: string; py_modules: string[]; excludes: string[] };
    expect(env.working_dir).toBe("/x/dir");
    expect(env.py_modules).toHaveLength(1);
    expect(env.py_modules[0]).toMatch(/runtime-py\/flowrt$/);
    expect(env.excludes).toEqual(expect.arrayContaining(["/steps/", "/logs/", "/release/"]));
    expect(dashboardUrl("127.0.0.1:8265")).toBe("http://127.0.0.1:8265");
    expect(dashboardUrl("https://head:8265/")).toBe("https://head:8265");
  });
});
