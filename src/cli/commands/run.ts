// flowc run FILE --target local|ray --out DIR: compile and run the whole plan on this machine, as local
// processes in dependency order (training under torchrun), or on a local Ray (started here, or
// joined with --address) through DIR/ray/dag.py, with progress.
import * as path from "node:path";
import { displayPath } from "../../diagnostics/paths.js";
import { inputDiagnostics, missingInputs } from "../../exec/inputs.js";
import { defaultPython, runLocal, writePlan } from "../../exec/local.js";
import { createProgress, type Progress, type ProgressMode } from "../../exec/progress.js";
import { runRay } from "../../exec/rayRun.js";
import { planPath } from "../../pipeline.js";
import { defineCommand } from "../command.js";
import { EXIT, cannotRead, environmentError, reportDiagnostics, usageError, type Context } from "../context.js";
import type { PlanIR } from "../../plan/ir.js";

export const run = defineCommand({
  name: "run",
  summary: "Compile and run on this machine (local processes, or a local Ray)",
  description:
    "Writes DIR/plan.json, checks that this machine can read every input (source and evalset URIs, tokenizer\n" +
    "files; E0220 at the declaration otherwise, before anything runs), and runs every step of the plan's job DAG\n" +
    "on this machine, in dependency order:\n" +
    "`python -m flowrt step …` for data steps (array steps shard by shard), torchrun for training. A step that\n" +
    "is done with the same definition, raw inputs and upstream is skipped (`python -m flowrt status`), so a re-run\n" +
    "resumes and a change redoes what it affects. Relative paths of the .flow file resolve against its directory.\n" +
    "Logs go to DIR/logs/STEP.log. Progress goes to stderr: on a terminal, the running steps redrawn in place\n" +
    "(training: a bar with step/total, stage, loss, tokens/s and ETA; sharded steps: shards done/total);\n" +
    "otherwise (CI logs, pipes, TERM=dumb) plain status lines of the running steps every 5 s.\n" +
    "--target ray writes DIR/ray/dag.py (as `flowc compile --target ray`) and runs it on a local Ray that it starts\n" +
    "and stops (`ray start --head`), or on the cluster at --address; the driver's log is DIR/logs/ray-driver.log.\n" +
    "The Python used is $FLOWRT_PYTHON, else runtime-py/.venv/bin/python, else python3.",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    target: { type: "enum", choices: ["ray", "local"], default: "local", help: "how to run the steps" },
    out: { type: "string", value: "DIR", default: "out/run", help: "the run directory (plan.json, steps/, logs/)" },
    address: { type: "string", value: "HOST:PORT", help: "--target ray: join this Ray cluster instead of starting one" },
    progress: { type: "enum", choices: ["auto", "tty", "plain"], default: "auto", help: "in place on a terminal (auto: when stderr is one), or plain lines" },
  },
  examples: ["flowc run examples/tiny.flow --target local --out out/tiny", "flowc run examples/tiny.flow --target ray --out out/tiny-ray"],
  async run({ flags, positionals }, ctx) {
    const file = path.resolve(ctx.cwd, positionals[0] ?? "");
    if (flags.address !== undefined && flags.target !== "ray") return usageError(ctx, { message: "--address is for --target ray", hint: "add `--target ray`, or drop --address" });
    const res = planPath(file);
    if (res.entryProblem) return cannotRead(ctx, displayPath(file, ctx.cwd), res.entryProblem);
    reportDiagnostics(ctx, res.diagnostics, res.texts);
    if (res.plan === undefined) return EXIT.failed;
    const out = path.resolve(ctx.cwd, flags.out ?? "out/run");
    const python = defaultPython();
    // The .flow file's relative paths are relative to its directory: that is the input root here.
    const inputRoot = path.dirname(file);
    // Every input readable here, or nothing runs: a missing dataset is found now, not after curation.
    const inputs = await missingInputs(python, writePlan(res.plan, out), inputRoot);
    if ("error" in inputs) return environmentError(ctx, inputs.error, "install the runtime with `bash scripts/setup-py.sh`, or set FLOWRT_PYTHON to a Python that has flowrt");
    if (inputs.missing.length) {
      reportDiagnostics(ctx, inputDiagnostics(inputs.missing, res.checked), res.texts);
      return EXIT.failed;
    }
    ctx.stderr(`flowc run: ${res.plan.steps.length} steps into ${displayPath(out, ctx.cwd)} (python: ${python})\n`);
    // The display writes to stderr; on a terminal it needs its size (the bar takes what is left).
    const tty = ctx.stderrIsTTY ? process.stderr : undefined;
    const display = createProgress({ write: (t: string) => ctx.stderr(t), isTTY: ctx.stderrIsTTY, columns: tty?.columns, rows: tty?.rows },
      { mode: (flags.progress ?? "auto") as ProgressMode, env: ctx.env });
    if (flags.target === "ray") return runOnRay(ctx, res.plan, out, inputRoot, python, flags.address, display);
    let ran;
    try {
      ran = await runLocal(res.plan, { outDir: out, inputRoot, log: (l) => display.log(l), onProgress: (s) => display.update(s) });
    } finally {
      display.stop();
    }
    if ("error" in ran) return environmentError(ctx, ran.error, "install the runtime with `bash scripts/setup-py.sh`, or set FLOWRT_PYTHON to a Python that has flowrt");
    const outcomes = ran.outcomes;
    const failed = outcomes.filter((o) => o.status !== "done");
    ctx.stderr(`flowc run: ${outcomes.length - failed.length} of ${outcomes.length} steps done${failed.length ? `; failed or not run: ${failed.map((f) => f.id).join(", ")}` : ""}\n`);
    return failed.length ? EXIT.failed : EXIT.ok;
  },
});

async function runOnRay(ctx: Context, plan: PlanIR, out: string, inputRoot: string, python: string, address: string | undefined, progress: Progress): Promise<number> {
  let ran;
  try {
    ran = await runRay(plan, { outDir: out, inputRoot, python, progress, env: ctx.env, ...(address !== undefined ? { address } : {}) });
  } finally {
    progress.stop();
  }
  if ("error" in ran) return environmentError(ctx, ran.error, "install Ray with `bash scripts/setup-py.sh` (runtime-py's `ray` extra), or join a running cluster with --address");
  const failed = ran.outcomes.filter((o) => o.status === "failed");
  const notRun = ran.outcomes.filter((o) => o.status === "skipped");
  const done = ran.outcomes.length - failed.length - notRun.length;
  for (const f of failed) ctx.stderr(`${ctx.prog}: error: step ${f.id} failed: ${f.error ?? "see the driver's log"}\n`);
  if (ran.exitCode !== 0 && failed.length === 0) ctx.stderr(`${ctx.prog}: error: the Ray driver exited ${ran.exitCode}; see ${displayPath(ran.driverLog, ctx.cwd)}\n`);
  ctx.stderr(`flowc run: ${done} of ${ran.outcomes.length} steps done${notRun.length ? `; not run: ${notRun.map((n) => n.id).join(", ")}` : ""} (Ray driver log: ${displayPath(ran.driverLog, ctx.cwd)})\n`);
  return failed.length || notRun.length || ran.exitCode !== 0 ? EXIT.failed : EXIT.ok;
}
