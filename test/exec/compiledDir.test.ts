// The compiled directory as `submit` reads it (written by the real `flowc compile --target slurm`),
// the refusals of a broken one, and which jobs a submission sends given flowrt's answer: done steps
// left out (and from every dependency), a partly done array asking only for its missing shards,
// a split array's parts counted from their FLOWRT_SHARD_OFFSET, the run's variables in one --export.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompiledDirError, readCompiledDir, type CompiledDir } from "../../src/exec/compiledDir.js";
import type { RunStatus, StepStatus } from "../../src/exec/local.js";
import { jobsToRun } from "../../src/exec/submitDir.js";
import { REPO } from "../cluster/cluster.js";

const work = mkdtempSync(join(tmpdir(), "flowc-compiled-"));
const dir = join(work, "tiny");
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  const r = await execa("node", [join(REPO, "bin", "flowc.js"), "compile", join(REPO, "examples", "tiny.flow"), "--target", "slurm", "--out", dir], { reject: false, all: true });
  expect(r.exitCode, r.all).toBe(0);
}, 120_000);

const ENV = { FLOWRT_RUN_DIR: "/scratch/run", FLOWRT_INPUT_ROOT: "/data" };

function status(c: CompiledDir, over: Record<string, Partial<StepStatus>>): RunStatus {
  return { steps: c.plan.steps.map((s) => ({ id: s.id, kind: s.kind, state: "missing", ...over[s.id] }) as StepStatus) };
}

describe("readCompiledDir", () => {
  it("reads what flowc compile wrote: the plan, its hash and the jobs in dependency order", () => {
    const c = readCompiledDir(dir);
    expect(c.jobs.map((j) => j.step)).toEqual(c.plan.steps.map((s) => s.id));
    expect(c.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.jobs.every((j) => j.script.startsWith("slurm/"))).toBe(true);
  });

  it("refuses a directory that is not a compiled one, or whose files disagree", () => {
    expect(() => readCompiledDir(work)).toThrow(/target.json does not exist/);
    const broken = join(work, "broken");
    const copy = (f: (jobs: { plan_hash: string; jobs: { after: string[]; script: string }[] }) => void) => {
      rmSync(broken, { recursive: true, force: true });
      cpSync(dir, broken, { recursive: true });
      const p = join(broken, "slurm", "jobs.json");
      const j = JSON.parse(readFileSync(p, "utf8"));
      f(j);
      writeFileSync(p, JSON.stringify(j));
    };
    copy((j) => (j.plan_hash = "0".repeat(64)));
    expect(() => readCompiledDir(broken)).toThrow(CompiledDirError);
    expect(() => readCompiledDir(broken)).toThrow(/belongs to plan 000000000000…/);
    copy((j) => j.jobs[0]!.after.push("release.toy_v1"));
    expect(() => readCompiledDir(broken)).toThrow(/comes after release.toy_v1, which is not listed before it/);
    copy((j) => (j.jobs[1]!.script = "../../etc/passwd"));
    const e = (() => {
      try {
        readCompiledDir(broken);
      } catch (err) {
        return err as CompiledDirError;
      }
    })();
    expect(e?.message).toMatch(/jobs.json is not what `flowc compile` writes/);
    expect(e?.details.join("\n")).toMatch(/jobs.1.script: must be a path inside the compiled directory/);
  });
});

describe("jobsToRun", () => {
  it("leaves out done steps and their edges; the rest get paths on the cluster and the run's --export", () => {
    const c = readCompiledDir(dir);
    const done = Object.fromEntries(c.plan.steps.filter((s) => !/^(eval|release)\./.test(s.id)).map((s) => [s.id, { state: "done" as const }]));
    const r = jobsToRun(c, "/scratch/run", status(c, done), ENV);
    expect(r.jobs.map((j) => j.key)).toEqual(["eval.base", "release.toy_v1"]);
    expect(r.jobs[0]!.after).toEqual([]);
    expect(r.jobs[1]!.after).toEqual(["eval.base"]);
    expect(r.jobs[0]!.script).toBe("/scratch/run/slurm/eval.base.sbatch");
    expect(r.jobs[0]!.sbatchArgs).toContain("--export=ALL,FLOWRT_RUN_DIR=/scratch/run,FLOWRT_INPUT_ROOT=/data");
    expect([...r.redo]).toEqual(["eval.base", "release.toy_v1"]);
    expect(r.done).toHaveLength(10);
  });

  it("asks a partly done array for its missing shards only, counting a split part from its offset", () => {
    const c = readCompiledDir(dir);
    const curate = c.jobs.find((j) => j.step === "curate.clean.web")!;
    // A step split in two parts of 4 shards (as the emitter splits arrays above MaxArraySize).
    const parts: CompiledDir = {
      ...c,
      jobs: [
        { ...curate, key: "curate.clean.web~0", part: { index: 0, count: 2 }, sbatchArgs: ["--array=0-3%2"] },
        { ...curate, key: "curate.clean.web~1", part: { index: 1, count: 2 }, sbatchArgs: ["--array=0-3%2", "--export=ALL,FLOWRT_SHARD_OFFSET=4"] },
        { ...c.jobs.find((j) => j.step === "dedup.clean")!, after: ["curate.clean.web~0", "curate.clean.web~1"] },
      ],
    };
    const partial = { "curate.clean.web": { state: "partial" as const, shards: { of: 8, done: [0, 1, 2, 3, 4, 6], todo: [5, 7] } } };
    const r = jobsToRun(parts, "/r", status(parts, partial), ENV);
    expect(r.jobs.map((j) => j.key)).toEqual(["curate.clean.web~1", "dedup.clean"]);
    expect(r.jobs[0]!.sbatchArgs).toEqual(["--export=ALL,FLOWRT_RUN_DIR=/scratch/run,FLOWRT_INPUT_ROOT=/data,FLOWRT_SHARD_OFFSET=4", "--array=1,3%2"]);
    expect(r.jobs[1]!.after).toEqual(["curate.clean.web~1"]);
  });

  it("refuses a value sbatch --export cannot carry", () => {
    const c = readCompiledDir(dir);
    expect(() => jobsToRun(c, "/r", status(c, {}), { FLOWRT_RUN_DIR: "/a,b" })).toThrow(/contains a comma/);
  });
});
