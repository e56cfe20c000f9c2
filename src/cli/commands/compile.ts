// flowc compile FILE --target slurm|ray --out DIR: writes DIR/plan.json, DIR/target.json and the
// jobs (DIR/slurm/*.sbatch, jobs.json, submit.sh; or DIR/ray/dag.py). A DIR holding another plan is
// refused without --force.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { displayPath } from "../../diagnostics/paths.js";
import { CompiledDirError, writeCompiledDir } from "../../emit/compiledDir.js";
import { ShellStringError } from "../../emit/shell.js";
import { emitRay } from "../../emit/ray/index.js";
import { emitSlurm } from "../../emit/slurm/index.js";
import type { PlanIR } from "../../plan/ir.js";
import { defaultProfilesPath, loadProfiles, selectProfile } from "../../profile/load.js";
import type { ClusterProfile } from "../../profile/schema.js";
import { planPath } from "../../pipeline.js";
import { defineCommand } from "../command.js";
import { EXIT, cannotRead, environmentError, reportDiagnostics, type Context } from "../context.js";

export const compile = defineCommand({
  name: "compile",
  summary: "Write the jobs for Slurm or Ray (plan.json, sbatch scripts, dag.py)",
  description:
    "Checks FILE, lowers it to the plan and writes DIR/plan.json, DIR/target.json and, for Slurm, one sbatch\n" +
    "script per plan step (DIR/slurm/STEP.sbatch), DIR/slurm/jobs.json (the jobs in dependency order, what\n" +
    "`flowc submit` reads) and DIR/slurm/submit.sh (submits them with plain sbatch); for Ray, DIR/ray/dag.py\n" +
    "(Ray tasks and a Ray Train TorchTrainer per training segment; `python DIR/ray/dag.py --address …` runs it,\n" +
    "`flowc submit DIR --target ray --address URL` submits it as a Ray Job). The Slurm cluster profile is the\n" +
    "one named by --cluster, else the one named like the program's cluster, in --clusters FILE (default\n" +
    "~/.config/flowc/clusters.yaml, used when it exists); its partition, account and qos win over the cluster\n" +
    "block's. A DIR that holds another plan (or other files) is refused unless --force.",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    target: { type: "enum", choices: ["slurm", "ray"], required: true, help: "the scheduler to emit for" },
    out: { type: "string", value: "DIR", required: true, help: "where to write plan.json and the jobs" },
    force: { type: "boolean", help: "overwrite a DIR that holds a different plan" },
    clusters: { type: "string", value: "FILE", help: "cluster profiles (YAML); default ~/.config/flowc/clusters.yaml" },
    cluster: { type: "string", value: "NAME", help: "the profile to use (default: the one named like the plan's cluster, else the file's default)" },
  },
  examples: ["flowc compile examples/tiny.flow --target slurm --out build/tiny", "flowc compile examples/tiny.flow --target ray --out build/tiny-ray", "flowc compile recipe.flow --target slurm --out build/r --clusters clusters.yaml --cluster big"],
  async run({ flags, positionals }, ctx) {
    const file = path.resolve(ctx.cwd, positionals[0] ?? "");
    const res = planPath(file);
    if (res.entryProblem) return cannotRead(ctx, displayPath(file, ctx.cwd), res.entryProblem);
    reportDiagnostics(ctx, res.diagnostics, res.texts);
    if (res.plan === undefined) return EXIT.failed;
    const plan = res.plan;
    const profile = flags.target === "ray" ? undefined : chooseProfile(ctx, plan, flags.clusters, flags.cluster);
    if (typeof profile === "number") return profile;
    const out = path.resolve(ctx.cwd, flags.out ?? "");
    const shown = displayPath(out, ctx.cwd);
    if (!flags.force && existsSync(out) && !existsSync(path.join(out, "plan.json")) && isNonEmptyDir(out)) {
      ctx.stderr(`${ctx.prog}: error: ${shown} is not empty and holds no plan.json: not a directory flowc compiled\n`);
      ctx.stderr("help: give --out a new or empty directory (or pass --force to write into this one)\n");
      return EXIT.failed;
    }
    try {
      if (flags.target === "ray") {
        const r = writeCompiledDir({ dir: out, plan, target: "ray", files: emitRay(plan), force: flags.force === true });
        ctx.stderr(`${ctx.prog}: ${shown}/ray/dag.py (plan ${r.planHash.slice(0, 12)}…)${r.replaced ? `; replaced plan ${r.replaced.slice(0, 12)}…` : ""}\n`);
        ctx.stderr(`${ctx.prog}: run it with \`flowc submit ${shown} --target ray --address URL\` or \`python ${shown}/ray/dag.py --address HOST:PORT\`\n`);
        return EXIT.ok;
      }
      const files = emitSlurm(plan, profile ? { profile: profile.profile } : {});
      const r = writeCompiledDir({ dir: out, plan, target: "slurm", files, force: flags.force === true });
      const scripts = files.filter((f) => f.path.endsWith(".sbatch")).length;
      ctx.stderr(`${ctx.prog}: ${scripts} sbatch scripts, jobs.json and submit.sh in ${shown}/slurm (plan ${r.planHash.slice(0, 12)}…${profile ? `, profile ${profile.name}` : ""})` +
        `${r.replaced ? `; replaced plan ${r.replaced.slice(0, 12)}…` : ""}\n`);
      ctx.stderr(`${ctx.prog}: submit with \`flowc submit ${shown}\` or ${shown}/slurm/submit.sh on the cluster\n`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof CompiledDirError) {
        ctx.stderr(`${ctx.prog}: error: ${e.message}\nhelp: ${e.hint}\n`);
        return EXIT.failed;
      }
      if (e instanceof ShellStringError) {
        ctx.stderr(`${ctx.prog}: error: ${e.message}\nhelp: change the ${e.what} in the .flow file or the cluster profile\n`);
        return EXIT.failed;
      }
      throw e;
    }
  },
});

function isNonEmptyDir(p: string): boolean {
  try {
    return readdirSync(p).length > 0;
  } catch {
    return true; // a file, or unreadable: not somewhere to write a compiled directory
  }
}

/** The profile to emit for, none (no profiles file), or an exit code after reporting why not. */
function chooseProfile(ctx: Context, plan: PlanIR, clustersFlag: string | undefined, name: string | undefined): { name: string; profile: ClusterProfile } | undefined | number {
  const file = clustersFlag !== undefined ? path.resolve(ctx.cwd, clustersFlag) : defaultProfilesPath(ctx.env);
  if (clustersFlag === undefined && name === undefined && !existsSync(file)) return undefined;
  const loaded = loadProfiles(file);
  if (!loaded.ok) {
    if ("unreadable" in loaded) return environmentError(ctx, `cannot read the cluster profiles ${displayPath(file, ctx.cwd)}: ${loaded.unreadable}`, "give --clusters FILE, or write ~/.config/flowc/clusters.yaml");
    reportDiagnostics(ctx, loaded.diagnostics, loaded.texts);
    return EXIT.failed;
  }
  const wanted = name ?? (plan.cluster.name in loaded.file.clusters ? plan.cluster.name : undefined);
  const sel = selectProfile(loaded, wanted);
  if ("code" in sel) {
    reportDiagnostics(ctx, [sel], new Map([[loaded.path, loaded.text]]));
    return EXIT.failed;
  }
  return sel;
}
