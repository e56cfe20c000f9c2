// Submission state on the real local Slurm: the submitting process is SIGKILLed between two
// submissions and right after sbatch answered (before the state was written), and the re-run
// submits nothing twice; failed jobs are resubmitted and their dependents follow; the state file
// is refused when it belongs to another plan or is not flowc's, and a second submit is locked out.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobName } from "../../src/emit/slurmTag.js";
import { LocalTransport } from "../../src/exec/localTransport.js";
import { SlurmClient } from "../../src/exec/slurm.js";
import { isTerminal, submittedId } from "../../src/exec/slurmParse.js";
import { lockState, readState, StateError, stateFile } from "../../src/exec/state.js";
import { submitJobs, tagOf, type JobToSubmit, type SubmitReport } from "../../src/exec/submitJobs.js";
import { REPO, useCluster } from "../cluster/cluster.js";
import { freshPlanHash } from "./helpers.js";

const cluster = useCluster();
const work = mkdtempSync(join(tmpdir(), "flowc-submit-"));
const slurm = new SlurmClient(new LocalTransport());
const submittedIds: string[] = [];
afterAll(async () => {
  await slurm.cancel(submittedIds).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

/** A run directory with one script per step; `--hold` keeps the jobs queued (and cancellable). */
function runDir(name: string, body = "true"): { dir: string; jobs: JobToSubmit[] } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const steps = ["prep.a", "prep.b", "train.t"];
  for (const s of steps) writeFileSync(join(dir, `${s}.sbatch`), `#!/bin/bash\n#SBATCH --output=${dir}/%x_%j.out\n${body}\n`);
  return {
    dir,
    jobs: [
      { key: "prep.a", step: "prep.a", script: join(dir, "prep.a.sbatch"), after: [], sbatchArgs: ["--hold"] },
      { key: "prep.b", step: "prep.b", script: join(dir, "prep.b.sbatch"), after: ["prep.a"], sbatchArgs: ["--hold", "--array=0-2"] },
      { key: "train.t", step: "train.t", script: join(dir, "train.t.sbatch"), after: ["prep.a", "prep.b"], sbatchArgs: ["--hold"] },
    ],
  };
}

/**
 * Puts an `sbatch` first on PATH that counts its calls and, on call `n`, SIGKILLs the process that
 * ran it: before running the real sbatch (`before`) or after it answered (`after`).
 */
function killingSbatch(dir: string, n: number, when: "before" | "after"): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const counter = join(dir, "sbatch-calls");
  writeFileSync(join(bin, "sbatch"), [
    "#!/bin/bash",
    `n=$(( $(cat ${counter} 2>/dev/null || echo 0) + 1 )); echo $n > ${counter}`,
    when === "before" ? `[ "$n" = ${n} ] && kill -KILL $PPID && exit 1` : "",
    'out=$(/usr/bin/sbatch "$@"); rc=$?',
    when === "after" ? `[ "$n" = ${n} ] && kill -KILL $PPID` : "",
    'echo "$out"; exit $rc',
    "",
  ].join("\n"));
  chmodSync(join(bin, "sbatch"), 0o755);
  return bin;
}

async function child(cfg: object, pathPrefix?: string) {
  return execa(join(REPO, "node_modules", ".bin", "vite-node"), [join(REPO, "test", "exec", "fixtures", "submit-child.ts"), JSON.stringify(cfg)], {
    reject: false,
    cwd: REPO,
    env: { ...(pathPrefix ? { PATH: `${pathPrefix}:${process.env.PATH}` } : {}), SLURM_CONF: cluster.get().slurmConf },
    timeout: 120_000,
  });
}

/** Every job on the scheduler that carries one of these tags' names, by name. */
async function onScheduler(plan: string, run: string, jobs: readonly JobToSubmit[]): Promise<Map<string, string[]>> {
  const names = jobs.map((j) => jobName(tagOf(plan, run, j)));
  const recs = await slurm.queue({ names });
  const out = new Map<string, string[]>();
  for (const r of recs) out.set(r.name, [...new Set([...(out.get(r.name) ?? []), submittedId(r)])]);
  return out;
}

describe.skipIf(cluster.skip)("a submission survives its submitter being killed", () => {
  it.each(["before", "after"] as const)("killed %s the second sbatch: the re-run submits each job exactly once", async (when) => {
    const plan = freshPlanHash();
    const { dir, jobs } = runDir(`kill-${when}`);
    const cfg = { stateFile: stateFile(dir), planHash: plan, remoteDir: dir, jobs };
    const first = await child(cfg, killingSbatch(dir, 2, when));
    expect(first.signal).toBe("SIGKILL");
    const afterKill = readState(stateFile(dir))!; // parses: never torn
    expect(Object.keys(afterKill.jobs)).toEqual(["prep.a"]);

    const second = await child(cfg);
    expect(second.exitCode, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout) as SubmitReport;
    const state = readState(stateFile(dir))!;
    submittedIds.push(...Object.values(state.jobs).map((j) => j.job_id));
    expect(report.runId).toBe(afterKill.run_id);
    expect(report.kept.map((k) => k.key)).toEqual(["prep.a"]);
    if (when === "after") {
      // sbatch had submitted prep.b when its submitter died: found by its tag, adopted.
      expect(report.adopted.map((a) => a.key)).toEqual(["prep.b"]);
      expect(report.submitted.map((s) => s.key)).toEqual(["train.t"]);
      expect(state.jobs["prep.b"]!.found_by).toBe("reconcile");
    } else {
      expect(report.adopted).toEqual([]);
      expect(report.submitted.map((s) => s.key)).toEqual(["prep.b", "train.t"]);
    }
    const seen = await onScheduler(plan, state.run_id, jobs);
    for (const j of jobs) expect(seen.get(jobName(tagOf(plan, state.run_id, j))), j.key).toEqual([state.jobs[j.key]!.job_id]);
    // train.t waits on both earlier jobs.
    const d = await slurm.show(state.jobs["train.t"]!.job_id);
    const [a, b] = [state.jobs["prep.a"]!.job_id, state.jobs["prep.b"]!.job_id];
    expect(d.get("Dependency")).toBe(`afterok:${a}(unfulfilled),afterok:${b}_*(unfulfilled)`);

    // And a third run has nothing left to do.
    const third = JSON.parse((await child(cfg)).stdout) as SubmitReport;
    expect(third.submitted).toEqual([]);
    expect(third.kept.map((k) => k.key)).toEqual(["prep.a", "prep.b", "train.t"]);
  });
});

describe.skipIf(cluster.skip)("a job submitted just before the crash whose step is done since", () => {
  it("is recorded from the scheduler, not submitted, and what needs it is submitted", async () => {
    const plan = freshPlanHash();
    const { dir, jobs } = runDir("kill-settled");
    const cfg = { stateFile: stateFile(dir), planHash: plan, remoteDir: dir, jobs };
    const first = await child(cfg, killingSbatch(dir, 2, "after"));
    expect(first.signal).toBe("SIGKILL");
    // The re-run is told prep.b is done (its job ran before this submit asked): it is not in `jobs`.
    const again = { ...cfg, jobs: jobs.filter((j) => j.key !== "prep.b").map((j) => ({ ...j, after: j.after.filter((a) => a !== "prep.b") })), settled: [{ key: "prep.b", step: "prep.b" }] };
    const second = await child(again);
    expect(second.exitCode, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout) as SubmitReport;
    const state = readState(stateFile(dir))!;
    submittedIds.push(...Object.values(state.jobs).map((j) => j.job_id));
    expect(report.adopted.map((a) => a.key)).toEqual(["prep.b"]);
    expect(report.submitted.map((s) => s.key)).toEqual(["train.t"]);
    expect(Object.keys(state.jobs).sort()).toEqual(["prep.a", "prep.b", "train.t"]);
    const seen = await onScheduler(plan, state.run_id, jobs);
    for (const j of jobs) expect(seen.get(jobName(tagOf(plan, state.run_id, j))), j.key).toEqual([state.jobs[j.key]!.job_id]);
  });
});

describe.skipIf(cluster.skip)("failed jobs", () => {
  it("are submitted again, with the jobs cancelled behind them; or block them when asked not to", async () => {
    const plan = freshPlanHash();
    const { dir } = runDir("failing");
    const fail = join(dir, "fail.sbatch");
    writeFileSync(fail, `#!/bin/bash\n#SBATCH --output=${dir}/%x_%j.out\n[ -f ${dir}/fixed ] || exit 4\n`);
    const ok = join(dir, "ok.sbatch");
    writeFileSync(ok, `#!/bin/bash\n#SBATCH --output=${dir}/%x_%j.out\ntrue\n`);
    const jobs: JobToSubmit[] = [
      { key: "curate.x", step: "curate.x", script: fail, after: [] },
      { key: "tokenize.x", step: "tokenize.x", script: ok, after: ["curate.x"] },
    ];
    const o = { slurm, stateFile: stateFile(dir), planHash: plan, remoteDir: dir, jobs };
    const r1 = await submitJobs(o);
    submittedIds.push(...r1.submitted.map((s) => s.jobId));
    const run = r1.runId;
    const names = jobs.map((j) => jobName(tagOf(plan, run, j)));
    // curate.x fails; tokenize.x's dependency can never be met, so Slurm cancels it (--kill-on-invalid-dep).
    const done = await slurm.waitFor(names, (rs) => rs.length === 2 && rs.every((r) => isTerminal(r.state)), { initialMs: 200, maxMs: 1000, timeoutMs: 60_000 });
    expect(done.map((r) => [r.name, r.state]).sort()).toEqual([[names[0], "FAILED"], [names[1], "CANCELLED"]].sort());

    const blocked = await submitJobs({ ...o, resubmitFailed: false });
    expect(blocked.submitted).toEqual([]);
    expect(blocked.kept.map((k) => [k.key, k.state])).toEqual([["curate.x", "FAILED"], ["tokenize.x", "CANCELLED"]]);

    writeFileSync(join(dir, "fixed"), "");
    const r2 = await submitJobs(o);
    submittedIds.push(...r2.submitted.map((s) => s.jobId));
    expect(r2.submitted.map((s) => s.key)).toEqual(["curate.x", "tokenize.x"]);
    const state = readState(stateFile(dir))!;
    expect(state.jobs["curate.x"]!.previous).toEqual([{ job_id: r1.submitted[0]!.jobId, state: "FAILED" }]);
    const final = await slurm.waitFor(names, (rs) => rs.filter((r) => r.state === "COMPLETED").length === 2, { initialMs: 200, maxMs: 1000, timeoutMs: 60_000 });
    expect(final.filter((r) => r.state === "COMPLETED").map((r) => r.id).sort()).toEqual(r2.submitted.map((s) => s.jobId).sort());
  });

  it("a dry run prints the sbatch lines in order and changes nothing", async () => {
    const { dir, jobs } = runDir("dry");
    const r = await submitJobs({ slurm, stateFile: stateFile(dir), planHash: freshPlanHash(), remoteDir: dir, jobs, dryRun: true });
    expect(r.submitted).toEqual([]);
    expect(r.commands.map((c) => c.find((a) => a.startsWith("--dependency")) ?? "")).toEqual(["", "--dependency=afterok:<prep.a>", "--dependency=afterok:<prep.a>:<prep.b>"]);
    expect(r.commands[0]).toContain("--kill-on-invalid-dep=yes");
    expect(readState(stateFile(dir))).toBeUndefined();
  });
});

describe("the state file", () => {
  it("refuses another plan's state, a state that is not flowc's, and a submit already running", async () => {
    const dir = join(work, "refuse");
    mkdirSync(dir, { recursive: true });
    const base = { slurm, stateFile: stateFile(dir), remoteDir: dir, jobs: [] };
    await submitJobs({ ...base, planHash: "aa".repeat(32) });
    const other = await submitJobs({ ...base, planHash: "bb".repeat(32) }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(StateError);
    expect((other as StateError).message).toContain("records a submission of another plan (aaaaaaaaaaaa…; this plan is bbbbbbbbbbbb…)");

    const release = lockState(dir);
    const locked = (await submitJobs({ ...base, planHash: "aa".repeat(32) }).catch((e: unknown) => e)) as StateError;
    expect(locked.message).toMatch(new RegExp(`another flowc \\(pid ${process.pid} on .*\\) is submitting`));
    release();

    writeFileSync(stateFile(dir), '{"version": 1, "jobs": ');
    const torn = (await submitJobs({ ...base, planHash: "aa".repeat(32) }).catch((e: unknown) => e)) as StateError;
    expect(torn.message).toMatch(/state.json is not valid JSON .*; flowc will not overwrite it/);
    expect(readFileSync(stateFile(dir), "utf8")).toBe('{"version": 1, "jobs": ');
    writeFileSync(stateFile(dir), JSON.stringify({ version: 1, plan_hash: "x" }));
    const wrong = (await submitJobs({ ...base, planHash: "aa".repeat(32) }).catch((e: unknown) => e)) as StateError;
    expect(wrong.details.some((d) => d.startsWith("run_id:"))).toBe(true);
    writeFileSync(stateFile(dir), JSON.stringify({ version: 9 }));
    expect(() => readState(stateFile(dir))).toThrow(/written by a newer flowc \(state version 9/);
  });
});
