// Golden Slurm scripts: what `flowc compile --target slurm` writes into DIR/slurm/ for the examples
// (tiny with its own cluster block and with a venv profile; SmolLM2 with a container profile that
// splits its arrays), byte for byte, under test/golden/slurm/NAME/. UPDATE_GOLDEN=1 rewrites them.
// Every emitted shell file passes shellcheck and `bash -n`; the structure (directives, arrays and
// their split, segment chains, afterok dependencies) is asserted beside the bytes.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emitSlurm } from "../../src/emit/slurm/index.js";
import type { JobsFile } from "../../src/emit/slurm/jobs.js";
import type { EmittedFile } from "../../src/emit/compiledDir.js";
import { planHash } from "../../src/emit/planFile.js";
import type { PlanIR } from "../../src/plan/ir.js";
import { loadProfiles, selectProfile } from "../../src/profile/load.js";
import type { ClusterProfile } from "../../src/profile/schema.js";
import { planPath } from "../../src/pipeline.js";
import { bashSyntax, shellcheck } from "../emit/shellcheck.js";

const DIR = "test/golden/slurm";

function planOf(file: string): PlanIR {
  const r = planPath(file);
  if (!r.plan) throw new Error(`${file} has no plan`);
  return r.plan;
}

function profile(name: string): ClusterProfile {
  const l = loadProfiles(join(DIR, "profiles.yaml"));
  if (!l.ok) throw new Error("profiles.yaml does not load");
  const p = selectProfile(l, name);
  if ("code" in p) throw new Error(p.message);
  return p.profile;
}

const cases: { name: string; file: string; profile?: string }[] = [
  { name: "tiny", file: "examples/tiny.flow" },
  { name: "tiny-laptop", file: "examples/tiny.flow", profile: "laptop" },
  { name: "smollm2-1.7b", file: "examples/smollm2-1.7b.flow", profile: "big" },
];

const emitted = new Map(cases.map((c) => {
  const plan = planOf(c.file);
  return [c.name, { plan, files: emitSlurm(plan, c.profile ? { profile: profile(c.profile) } : {}) }];
}));

function jobsOf(files: readonly EmittedFile[]): JobsFile {
  return JSON.parse(files.find((f) => f.path === "slurm/jobs.json")!.text) as JobsFile;
}
const script = (files: readonly EmittedFile[], step: string) => files.find((f) => f.path === `slurm/${step}.sbatch`)!.text;

describe("golden Slurm scripts", () => {
  it.each(cases.map((c) => c.name))("%s: the emitted files are the golden ones", (name) => {
    const { files } = emitted.get(name)!;
    const dir = join(DIR, name);
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(join(dir, f.path.replace(/^slurm\//, "")), f.text);
    }
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.path.replace(/^slurm\//, "")).sort());
    for (const f of files) expect(f.text, f.path).toBe(readFileSync(join(dir, f.path.replace(/^slurm\//, "")), "utf8"));
  });

  it.each(cases.map((c) => c.name))("%s: every script passes shellcheck and bash -n", (name) => {
    for (const f of emitted.get(name)!.files.filter((x) => x.path.endsWith(".sbatch") || x.path.endsWith(".sh"))) {
      expect(shellcheck(f.text), f.path).toEqual([]);
      expect(bashSyntax(f.text), f.path).toEqual([]);
    }
  });

  it("tiny: directives, arrays over shards, torchrun under srun, the stop/requeue protocol", () => {
    const { plan, files } = emitted.get("tiny")!;
    const hash = planHash(plan);
    const train = script(files, "train.pretrain");
    expect(train).toContain(`# plan ${hash}`);
    expect(train).toContain("of tiny.flow");
    for (const d of ["--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=2", "--mem=5G", "--partition=debug", "--requeue", "--open-mode=append",
      `--signal=B:USR2@${plan.trains[0]!.checkpoint.stop_signal_lead_s}`, "--output=logs/%x-%j.out", "--error=logs/%x-%j.out", `--job-name=train.pretrain@${hash.slice(0, 8)}`]) {
      expect(train).toMatch(new RegExp(`^#SBATCH ${d.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    }
    // The plan's walltime for the segment, in whole minutes rounded up.
    const wall = plan.steps.find((x) => x.id === "train.pretrain")!.resources.walltime_s;
    expect(train).toMatch(new RegExp(`^#SBATCH --time=00:${String(Math.ceil(wall / 60)).padStart(2, "0")}:00$`, "m"));
    expect(train).toContain("srun --kill-on-bad-exit=1");
    expect(train).toMatch(/torch\.distributed\.run --nnodes="\$SLURM_NNODES" --nproc-per-node=2 --rdzv-backend=c10d/);
    expect(train).toContain("export PYTHONUNBUFFERED=1");
    expect(train).toContain('scontrol requeue "$SLURM_JOB_ID"');
    expect(train).toContain("trap on_stop USR2");
    expect(train).toContain("trap on_cancel TERM");
    expect(train).toMatch(/exit 143/);
    const curate = script(files, "curate.clean.web");
    expect(curate).toMatch(/^#SBATCH --array=0-0%1$/m);
    expect(curate).toMatch(/^#SBATCH --output=logs\/%x-%A_%a\.out$/m);
    expect(curate).toContain("--of=1");
    expect(curate).not.toContain("--requeue");
    // The eval asks for one process, not the train step's ranks.
    expect(script(files, "eval.base")).toMatch(/^#SBATCH --cpus-per-task=2$/m);
    const jobs = jobsOf(files);
    expect(jobs.plan_hash).toBe(hash);
    const byKey = new Map(jobs.jobs.map((j) => [j.key, j]));
    expect(byKey.get("release.toy_v1")!.after).toContain("eval.base");
    expect(byKey.get("tokenize.clean.web")!.after).toEqual(["curate.clean.web", "dedup.clean", "tokenizer.tok"]);
    expect(byKey.get("curate.clean.web")!.sbatch_args).toEqual(["--array=0-0%1"]);
    // Dependency order: every job after the jobs it waits for.
    const seen = new Set<string>();
    for (const j of jobs.jobs) {
      for (const a of j.after) expect(seen.has(a), `${j.key} after ${a}`).toBe(true);
      seen.add(j.key);
    }
    const submit = files.find((f) => f.path === "slurm/submit.sh")!.text;
    expect(submit).toContain("sbatch --parsable");
    expect(submit).toMatch(/submit release\.toy_v1 .*\n.*\n.*--dependency=afterok:"\$job_9":"\$job_0":"\$job_10"/);
  });

  it("tiny-laptop: the profile's venv is activated; the .flow cluster block's partition stays when the profile has none", () => {
    const { files } = emitted.get("tiny-laptop")!;
    const s = script(files, "mix.pretrain");
    expect(s).toContain('. "$HOME"/envs/flowrt/bin/activate');
    expect(s).toMatch(/^#SBATCH --partition=debug$/m);
  });

  it("smollm2: arrays split at the profile's max_array_size, segments chained, the container on every srun", () => {
    const { plan, files } = emitted.get("smollm2-1.7b")!;
    const jobs = jobsOf(files);
    const fineweb = jobs.jobs.filter((j) => j.step === "curate.tok_all.fineweb_edu");
    expect(fineweb.map((j) => [j.key, j.part, j.sbatch_args])).toEqual([
      ["curate.tok_all.fineweb_edu~0", { index: 0, count: 3 }, ["--array=0-199%200"]],
      ["curate.tok_all.fineweb_edu~1", { index: 1, count: 3 }, ["--array=0-199%200", "--export=ALL,FLOWRT_SHARD_OFFSET=200"]],
      ["curate.tok_all.fineweb_edu~2", { index: 2, count: 3 }, ["--array=0-111%112", "--export=ALL,FLOWRT_SHARD_OFFSET=400"]],
    ]);
    // A split step's script has no --array of its own: each part brings its own.
    expect(script(files, "curate.tok_all.fineweb_edu")).not.toMatch(/^#SBATCH --array/m);
    expect(script(files, "curate.tok_all.owm")).toMatch(/^#SBATCH --array=0-5%6$/m);
    const tok = jobs.jobs.find((j) => j.key === "tokenize.tok_all.fineweb_edu~0")!;
    expect(tok.after).toEqual(expect.arrayContaining(["curate.tok_all.fineweb_edu~0", "curate.tok_all.fineweb_edu~1", "curate.tok_all.fineweb_edu~2"]));
    const segs = plan.steps.filter((s) => s.kind === "train");
    expect(segs.length).toBeGreaterThan(1);
    for (let i = 1; i < segs.length; i++) expect(jobs.jobs.find((j) => j.key === segs[i]!.id)!.after).toContain(segs[i - 1]!.id);
    const j0 = script(files, segs[0]!.id);
    for (const d of ["--nodes=32", "--gpus-per-node=8", "--cpus-per-task=64", "--partition=gpu", "--account=proj42", "--qos=normal", "--requeue"]) {
      expect(j0).toMatch(new RegExp(`^#SBATCH ${d}$`, "m"));
    }
    expect(j0).toContain("'--container-image=nvcr.io#nvidia/pytorch:24.05-py3'");
    expect(j0).toContain("--container-mounts=/scratch:/scratch,/datasets:/datasets:ro");
    expect(j0).toContain("module load cuda/12.4");
    expect(j0).toContain("export HF_HOME='/scratch/me/hf cache'");
    expect(j0).toContain('if [ -z "${FLOWRT_INPUT_ROOT:-}" ]; then FLOWRT_INPUT_ROOT=/datasets/flowc; fi');
    // CPU steps ask for what they read, not the 48 h limit.
    expect(script(files, "curate.tok_all.owm")).not.toMatch(/^#SBATCH --time=2-00:00:00$/m);
  });
});
