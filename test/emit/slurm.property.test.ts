// No injection through the emitted sbatch scripts: adversarial strings (quotes, $(…), backticks,
// newlines, globs, non-ASCII) in every profile field, module, environment variable, path, the .flow
// file name and a step id reach a real bash running the emitted scripts, and must arrive byte for
// byte where they are used (srun's argv, the exported environment, `module load`'s argv, the venv
// sourced) with no command run. The scheduler's programs (srun, scontrol, module) are small
// recorders on PATH, since the test is about what bash hands them.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ShellStringError } from "../../src/emit/shell.js";
import { emitSlurm } from "../../src/emit/slurm/index.js";
import type { PlanIR } from "../../src/plan/ir.js";
import { ClusterProfile } from "../../src/profile/schema.js";
import { planPath } from "../../src/pipeline.js";
import { assertYielding } from "../helpers/yielding.js";

const work = mkdtempSync(join(tmpdir(), "flowc-slurm-prop-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const CANARY = "PWNED";

const fragment = fc.oneof(
  fc.constantFrom(
    "'", '"', "\\", "`touch PWNED`", "$(touch PWNED)", "${HOME}", "$HOME", "$1", ";touch PWNED;", "&& touch PWNED",
    "| touch PWNED", "\n touch PWNED\n", "\t", " ", "*", "?", "[ab]", "{a,b}", "~", "!", "#", "-", "=", "%", "%j",
    "<", ">", "(", ")", "é", "日本語", "🚀", "\u00a0", "\u2028", "\x7f",
  ),
  fc.string({ unit: "grapheme", maxLength: 5 }),
);
const adversarial = fc.array(fragment, { minLength: 1, maxLength: 5 }).map((p) => p.join("")).filter((s) => !s.includes("\0") && s.length > 0);
/** One path component (no `/`, not `.` or `..`). */
const component = adversarial.map((s) => s.replace(/\//g, "_")).filter((s) => s !== "." && s !== ".." && Buffer.byteLength(s) < 200);

const tiny = (() => {
  const r = planPath("examples/tiny.flow");
  if (!r.plan) throw new Error("tiny.flow has no plan");
  return r.plan;
})();

/** A recorder: its argv (NUL-separated) and its environment into $REC/NAME.N. */
function tools(bin: string): void {
  mkdirSync(bin, { recursive: true });
  const rec = (name: string, extra = "") => {
    const p = join(bin, name);
    writeFileSync(p, `#!/bin/bash\nn=$(printf %04d "$(ls "$REC" | wc -l)")\nprintf '%s\\0' "$@" >"$REC/${name}.$n.argv"\nenv -0 >"$REC/${name}.$n.env"\n${extra}exit 0\n`);
    chmodSync(p, 0o755);
  };
  rec("srun");
  rec("module");
  rec("scontrol", 'if [ "$1" = show ]; then echo node1; fi\n');
}

function records(rec: string, name: string): { argv: string[]; env: Map<string, string> }[] {
  return readdirSync(rec).filter((f) => f.startsWith(`${name}.`) && f.endsWith(".argv")).sort().map((f) => {
    const argv = readFileSync(join(rec, f), "utf8").split("\0").slice(0, -1);
    const env = new Map(readFileSync(join(rec, f.replace(/\.argv$/, ".env")), "utf8").split("\0").filter(Boolean).map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i), kv.slice(i + 1)] as [string, string];
    }));
    return { argv, env };
  });
}

let n = 0;
let executed = 0;

describe("emitted sbatch scripts under a real bash", () => {
  it("adversarial names, paths and options arrive intact and run nothing", async () => {
    await assertYielding(
      [component, component, adversarial, adversarial, adversarial, fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/), adversarial, fc.boolean()],
        (venvDir, inputDir, envValue, image, sourceFile, stepTail, module, useContainer) => {
          const case_ = join(work, `c${n++}`);
          const run = join(case_, "run");
          const bin = join(case_, "bin");
          const rec = join(case_, "rec");
          const home = join(case_, "home");
          for (const d of [run, rec, home]) mkdirSync(d, { recursive: true });
          tools(bin);
          const venv = join(case_, venvDir);
          mkdirSync(join(venv, "bin"), { recursive: true });
          writeFileSync(join(venv, "bin", "activate"), `export ACTIVATED_FROM=${JSON.stringify("")}"$BASH_SOURCE"\n`);
          const raw = {
            run_dir: "/scratch/x", input_root: `~/${inputDir}`, env: { HF_HOME: envValue }, modules: [module.replace(/\s/g, "_")],
            ...(useContainer ? { container: { image, mounts: [`/a:/b`], workdir: `/w/${inputDir}` } } : { venv }),
          };
          const parsed = ClusterProfile.safeParse(raw);
          fc.pre(parsed.success);
          const profile = parsed.success ? parsed.data : undefined!;
          // Any step id a job name can carry (dots, dashes: more than the plan's schema allows), and an odd .flow file name.
          const id = `release.${stepTail}`;
          const plan: PlanIR = { ...tiny, source_file: sourceFile, steps: tiny.steps.map((s) => (s.id === "release.toy_v1" ? { ...s, id } : s)) };
          let files;
          try {
            files = emitSlurm(plan, { profile });
          } catch (e) {
            // Refused with a clear error is fine (a line break in an #SBATCH value); running it is not.
            if (e instanceof ShellStringError) return;
            throw e;
          }
          for (const f of files) {
            // Every #SBATCH line is one directive of the header block: no value opened a new line.
            const lines = f.text.split("\n");
            const firstBody = lines.findIndex((l) => l === "");
            expect(lines.slice(firstBody).some((l) => l.startsWith("#SBATCH")), f.path).toBe(false);
          }
          const pick = ["slurm/curate.clean.web.sbatch", "slurm/train.pretrain.sbatch", files.find((f) => f.path.startsWith("slurm/release."))!.path];
          for (const path of pick) {
            const text = files.find((f) => f.path === path)!.text;
            const r = spawnSync("bash", ["-c", text, "sbatch-script"], {
              cwd: run, encoding: "utf8",
              env: { PATH: `${bin}:/usr/bin:/bin`, HOME: home, REC: rec, SLURM_JOB_ID: "4242", SLURM_ARRAY_TASK_ID: "0", SLURM_NNODES: "1", SLURM_JOB_NODELIST: "node1" },
            });
            expect(r.status, `${path}\n${r.stderr}`).toBe(0);
          }
          for (const d of [run, case_, home, bin]) expect(existsSync(join(d, CANARY)), "an emitted script ran an injected command").toBe(false);
          const sruns = records(rec, "srun");
          expect(sruns.length).toBe(3);
          for (const s of sruns) {
            expect(s.env.get("HF_HOME")).toBe(envValue);
            expect(s.env.get("FLOWRT_INPUT_ROOT")).toBe(`${home}/${inputDir}`);
            if (useContainer) {
              expect(s.argv).toContain(`--container-image=${image}`);
              expect(s.argv).toContain(`--container-workdir=/w/${inputDir}`);
            } else {
              expect(s.env.get("ACTIVATED_FROM")).toBe(join(venv, "bin", "activate"));
            }
          }
          expect(sruns[2]!.argv).toContain(`--step=${id}`);
          expect(sruns[0]!.argv).toEqual(expect.arrayContaining(["--step=curate.clean.web", "--shard=0", "--of=1"]));
          for (const m of records(rec, "module")) expect(m.argv).toEqual(["load", module.replace(/\s/g, "_")]);
          expect(records(rec, "module").length).toBe(3);
          executed++;
          rmSync(case_, { recursive: true, force: true });
        },
      { numRuns: Number(process.env.FLOWC_SLURM_PROP_RUNS ?? 40) },
    );
    // Most cases must have run the scripts (not been refused or filtered out by the schema).
    expect(executed).toBeGreaterThanOrEqual(Number(process.env.FLOWC_SLURM_PROP_RUNS ?? 40) / 2);
  });
});
