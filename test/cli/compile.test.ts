// flowc compile --target slurm: the compiled directory, its plan-hash guard and the profile choice.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, runCli, scratch } from "./harness.js";

const tiny = join(REPO, "examples", "tiny.flow");
const s = scratch({
  "clusters.yaml": "clusters:\n  local:\n    partition: batch\n    qos: short\n    run_dir: /scratch/flowc\n  other:\n    run_dir: /x\n",
  "bad.yaml": "clusters:\n  local:\n    partiton: batch\n    run_dir: /x\n",
  "full/notes.txt": "mine\n",
});
afterAll(s.cleanup);
const env = { HOME: join(s.dir, "home") };

describe("flowc compile --target slurm", () => {
  it("writes plan.json, target.json, one sbatch per step, jobs.json and submit.sh; the same plan again is a no-op", async () => {
    const out = join(s.dir, "a");
    const r = await runCli(["compile", tiny, "--target", "slurm", "--out", out], { env });
    expect(r.code, r.stderr).toBe(0);
    const target = JSON.parse(readFileSync(join(out, "target.json"), "utf8"));
    expect(target).toMatchObject({ target: "slurm", source_file: "tiny.flow", flowc_version: "0.1.0", flowrt_version: "0.1.0" });
    const jobs = JSON.parse(readFileSync(join(out, "slurm", "jobs.json"), "utf8"));
    expect(jobs.plan_hash).toBe(target.plan_hash);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    for (const st of plan.steps) expect(existsSync(join(out, "slurm", `${st.id}.sbatch`))).toBe(true);
    expect(existsSync(join(out, "logs"))).toBe(true);
    const before = readFileSync(join(out, "slurm", "train.pretrain.sbatch"), "utf8");
    expect((await runCli(["compile", tiny, "--target", "slurm", "--out", out], { env })).code).toBe(0);
    expect(readFileSync(join(out, "slurm", "train.pretrain.sbatch"), "utf8")).toBe(before);
  });

  it("refuses a DIR holding another plan (exit 1) unless --force, and a non-empty DIR that is not a compiled one", async () => {
    const out = join(s.dir, "b");
    expect((await runCli(["compile", tiny, "--target", "slurm", "--out", out], { env })).code).toBe(0);
    writeFileSync(join(out, "plan.json"), readFileSync(join(out, "plan.json"), "utf8").replace('"flowc_version": "0.1.0"', '"flowc_version": "9"'));
    const r = await runCli(["compile", tiny, "--target", "slurm", "--out", out], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds another plan \(plan hash [0-9a-f]{12}…; this one is [0-9a-f]{12}…\)\nhelp: .*--force/);
    expect((await runCli(["compile", tiny, "--target", "slurm", "--out", out, "--force"], { env })).stderr).toMatch(/replaced plan/);
    const full = await runCli(["compile", tiny, "--target", "slurm", "--out", join(s.dir, "full")], { env });
    expect(full.code).toBe(1);
    expect(full.stderr).toContain("is not empty and holds no plan.json");
  });

  it("uses the profile named like the program's cluster; its partition wins, its qos is added", async () => {
    const out = join(s.dir, "c");
    const r = await runCli(["compile", tiny, "--target", "slurm", "--out", out, "--clusters", join(s.dir, "clusters.yaml")], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("profile local");
    const sb = readFileSync(join(out, "slurm", "curate.clean.web.sbatch"), "utf8");
    expect(sb).toMatch(/^#SBATCH --partition=batch$/m);
    expect(sb).toMatch(/^#SBATCH --qos=short$/m);
  });

  it("a missing profiles file is an environment error (2), a wrong one a diagnostic (1)", async () => {
    const missing = await runCli(["compile", tiny, "--target", "slurm", "--out", join(s.dir, "d"), "--clusters", join(s.dir, "nope.yaml")], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the cluster profiles");
    const bad = await runCli(["compile", tiny, "--target", "slurm", "--out", join(s.dir, "d"), "--clusters", join(s.dir, "bad.yaml")], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/partiton/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
