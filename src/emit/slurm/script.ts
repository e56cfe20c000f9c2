// One sbatch script per plan step, readable top to bottom: a header naming the program, the step
// and the plan hash; the #SBATCH directives of the step's resources; the environment (modules,
// variables, the Python environment); then the step itself under `srun`. Every user string goes
// through emit/shell.ts (sbatchDirective for #SBATCH values, quote/quotePath on shell lines).
//
// Train steps carry the stop/requeue protocol of the plan (`protocol`): sbatch sends the stop signal
// to the batch shell `lead` seconds before the time limit; its trap creates the stop file every rank
// looks for once per step; the ranks agree on the step, checkpoint, rank 0 writes the stop marker and
// they exit 0; the script sees the marker and requeues the job. SIGTERM (scancel) is a cancel:
// forwarded to srun, exit 143, never requeued.
import type { PlanIR, StepIR, StepOf } from "../../plan/ir.js";
import type { ClusterProfile } from "../../profile/schema.js";
import { assignment, quote, quotePath, sbatchDirective } from "../shell.js";
import { jobName } from "../slurmTag.js";
import { arrayParts, arrayThrottle, isArrayStep, slurmMem, slurmTime } from "./resources.js";
import { command, commentText, sh, type Word } from "./words.js";

export interface ScriptContext {
  readonly plan: PlanIR;
  readonly planHash: string;
  /** The cluster profile, when one applies (`--clusters`); else the plan's cluster block alone. */
  readonly profile?: ClusterProfile;
}

/** The port of the c10d rendezvous: from the job id, so two jobs sharing a node do not collide. */
const RDZV_PORT = "$((20000 + SLURM_JOB_ID % 20000))";

/** The log of a job: `%x-%A_%a.out` for an array task, `%x-%j.out` otherwise (stdout and stderr together). */
export function logPattern(step: StepIR): string {
  return isArrayStep(step) ? "logs/%x-%A_%a.out" : "logs/%x-%j.out";
}

function directives(step: StepIR, c: ScriptContext): string[] {
  const r = step.resources;
  const p = c.profile;
  const train = step.kind === "train";
  const d: [string, string | number | undefined][] = [
    ["job-name", jobName({ plan: c.planHash, run: "compiled", step: step.id })],
    ["output", logPattern(step)],
    ["error", logPattern(step)],
    ["open-mode", "append"],
    ["nodes", r.nodes],
    // One launcher per node for training (torchrun starts the ranks), one task otherwise.
    ["ntasks-per-node", 1],
    ["gpus-per-node", r.gpus_per_node > 0 ? r.gpus_per_node : undefined],
    ["cpus-per-task", train ? r.cpus_per_task * r.ranks_per_node : r.cpus_per_task],
    ["mem", r.memory_bytes !== undefined ? slurmMem(r.memory_bytes) : undefined],
    ["time", slurmTime(r.walltime_s)],
    ["partition", p?.partition ?? c.plan.cluster.partition],
    ["account", p?.account ?? c.plan.cluster.account],
    ["qos", p?.qos],
    // Submitted whole (not split over MaxArraySize): the array is here too, so a plain `sbatch` runs it.
    ["array", isArrayStep(step) && arrayParts(step.shards, p?.max_array_size).length === 1
      ? `0-${step.shards - 1}%${arrayThrottle(step, step.shards, c.plan.cluster)}` : undefined],
  ];
  const lines = d.filter(([, v]) => v !== undefined).map(([k, v]) => `#SBATCH --${k}=${sbatchDirective(String(v), `--${k}`)}`);
  if (train) {
    const lead = c.plan.trains.find((t) => t.name === (step as StepOf<"train">).params.train)!.checkpoint.stop_signal_lead_s;
    lines.push("#SBATCH --requeue", `#SBATCH --signal=B:${c.plan.protocol.stop_signal}@${lead}`);
  }
  return lines;
}

function header(step: StepIR, c: ScriptContext): string[] {
  const what = isArrayStep(step) ? `, ${step.shards} shard${step.shards > 1 ? "s" : ""} as a job array` : "";
  const needs = step.needs.length ? step.needs.join(", ") : "nothing";
  return [
    "#!/bin/bash",
    `# flowc: step ${commentText(step.id)} (${step.kind}${what}) of ${commentText(c.plan.source_file)}`,
    `# plan ${c.planHash} (SHA-256 of plan.json), flowc ${commentText(c.plan.flowc_version)}`,
    `# needs: ${commentText(needs)}`,
    "# Written by `flowc compile`, which rewrites it. Submit with `flowc submit DIR` or DIR/slurm/submit.sh",
    "# (they add the dependencies and the job tags); it runs in DIR (sbatch --chdir=DIR).",
  ];
}

function environment(step: StepIR, c: ScriptContext): string[] {
  const p = c.profile;
  const out = [
    "set -euo pipefail",
    "export PYTHONUNBUFFERED=1",
    "# The run directory is the job's working directory: plan.json, steps/, logs/.",
    'RUN_DIR="$PWD"',
    'PLAN="$RUN_DIR/plan.json"',
    'export FLOWRT_RUN_DIR="$RUN_DIR"',
    "# Where the plan's relative input paths resolve (a value in the submitting environment wins).",
    `if [ -z "\${FLOWRT_INPUT_ROOT:-}" ]; then FLOWRT_INPUT_ROOT=${p?.input_root !== undefined ? quotePath(p.input_root, "input_root") : '"$RUN_DIR"'}; fi`,
    "export FLOWRT_INPUT_ROOT",
    `STEP=${quote(step.id, "step id")}`,
    `echo "flowc: $STEP job \${SLURM_JOB_ID:-?}${isArrayStep(step) ? " task ${SLURM_ARRAY_TASK_ID:-?}" : ""} restart \${SLURM_RESTART_COUNT:-0} on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)"`,
  ];
  if (p && p.modules.length) {
    out.push("# shellcheck disable=SC1091", 'if ! command -v module >/dev/null 2>&1 && [ -f /etc/profile.d/modules.sh ]; then . /etc/profile.d/modules.sh; fi');
    for (const m of p.modules) out.push(command(["module", "load", m]));
  }
  for (const [k, v] of Object.entries(p?.env ?? {})) out.push(`export ${assignment(k, v)}`);
  if (p?.venv !== undefined) out.push("# shellcheck disable=SC1091", `. ${quotePath(p.venv.replace(/\/+$/, "") + "/bin/activate", "venv")}`);
  out.push('PYTHON="${FLOWRT_PYTHON:-python3}"');
  return out;
}

/** srun's options for a pyxis/enroot container, when the profile runs steps in one. */
function containerArgs(p: ClusterProfile | undefined): Word[] {
  const k = p?.container;
  if (!k) return [];
  return [
    `--container-image=${k.image}`,
    ...(k.mounts.length ? [`--container-mounts=${k.mounts.join(",")}`] : []),
    ...(k.workdir !== undefined ? [`--container-workdir=${k.workdir}`] : [sh('--container-workdir="$RUN_DIR"')]),
  ];
}

function flowrtStep(step: StepIR): Word[] {
  return ["-m", "flowrt", "step", sh('--plan="$PLAN"'), `--step=${step.id}`];
}

function dataStepBody(step: StepIR, c: ScriptContext): string[] {
  const out: string[] = [];
  const shard: Word[] = [];
  if (isArrayStep(step)) {
    out.push(
      "# The shard: this part's first shard (FLOWRT_SHARD_OFFSET, set when the array is split) plus the",
      "# array index. The shard count is the plan's, whatever SLURM_ARRAY_TASK_COUNT says.",
      ': "${SLURM_ARRAY_TASK_ID:?this step is a job array: submit it with --array}"',
      'SHARD=$(( ${FLOWRT_SHARD_OFFSET:-0} + SLURM_ARRAY_TASK_ID ))',
    );
    shard.push(sh('--shard="$SHARD"'), `--of=${step.shards}`);
  }
  out.push(command(["srun", "--kill-on-bad-exit=1", "--ntasks=1", `--cpus-per-task=${step.resources.cpus_per_task}`,
    ...containerArgs(c.profile), sh('"$PYTHON"'), ...flowrtStep(step), ...shard]));
  return out;
}

function trainBody(step: StepOf<"train">, c: ScriptContext): string[] {
  const r = step.resources;
  const pr = c.plan.protocol;
  const t = c.plan.trains.find((x) => x.name === step.params.train)!;
  const megatron = t.backend === "megatron";
  const outDir = quote(step.out_dir, "out_dir");
  const launch: Word[] = megatron
    // Megatron-LM's launcher (flowrt/train/megatron.py) runs torchrun itself, once per node, from these.
    ? [sh('"$PYTHON"'), ...flowrtStep(step)]
    : [sh('"$PYTHON"'), "-m", "torch.distributed.run", sh('--nnodes="$SLURM_NNODES"'), `--nproc-per-node=${r.ranks_per_node}`,
      "--rdzv-backend=c10d", sh('--rdzv-endpoint="$MASTER_ADDR:$MASTER_PORT"'), sh('--rdzv-id="$SLURM_JOB_ID"'), ...flowrtStep(step)];
  return [
    `# Segment [${step.params.first_step}, ${step.params.last_step}) of ${t.total_steps} steps of ${commentText(t.name)}; it resumes from the run's last checkpoint.`,
    `OUT="$RUN_DIR"/${outDir}`,
    'mkdir -p "$OUT"',
    "# The stop file (one per job and restart) and the marker rank 0 leaves after a stop checkpoint.",
    `export ${pr.stop_file_env}="$OUT/.stop-\${SLURM_JOB_ID:-local}-\${SLURM_RESTART_COUNT:-0}"`,
    `MARKER="$OUT"/${quote(pr.stop_marker)}`,
    `rm -f -- "$${pr.stop_file_env}" "$MARKER"`,
    "cancelled=0",
    "srun_pid=",
    "# shellcheck disable=SC2317 # (the traps call these)",
    `on_stop() { echo "flowc: SIG${pr.stop_signal}: the time limit is near; stopping at the next step"; : >"$${pr.stop_file_env}"; }`,
    "# shellcheck disable=SC2317",
    `on_cancel() { cancelled=1; echo "flowc: SIG${pr.preempt_signal}: cancelled"; if [ -n "$srun_pid" ]; then kill -TERM "$srun_pid" 2>/dev/null || true; fi; }`,
    `trap on_stop ${pr.stop_signal}`,
    `trap on_cancel ${pr.preempt_signal}`,
    "# c10d rendezvous on the first node of the allocation.",
    'MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
    `MASTER_PORT="${RDZV_PORT}"`,
    "export MASTER_ADDR MASTER_PORT",
    command(["srun", "--kill-on-bad-exit=1", sh('--nodes="$SLURM_NNODES"'), "--ntasks-per-node=1", `--cpus-per-task=${r.cpus_per_task * r.ranks_per_node}`,
      ...containerArgs(c.profile), ...launch]) + " &",
    'srun_pid=$!',
    "# `wait` returns early when a trapped signal arrives: wait again until srun itself has ended.",
    "status=0",
    "while :; do",
    '  if wait "$srun_pid"; then status=0; else status=$?; fi',
    '  kill -0 "$srun_pid" 2>/dev/null || break',
    "done",
    'if [ "$cancelled" = 1 ]; then',
    '  echo "flowc: not requeued (cancelled)"',
    "  exit 143",
    "fi",
    'if [ -e "$MARKER" ]; then',
    `  rm -f -- "$${pr.stop_file_env}"`,
    '  if [ -n "${SLURM_JOB_ID:-}" ]; then',
    '    echo "flowc: checkpointed before the time limit; requeueing job $SLURM_JOB_ID"',
    '    scontrol requeue "$SLURM_JOB_ID"',
    "  fi",
    `  exit ${pr.requeue_exit_code}`,
    "fi",
    'exit "$status"',
  ];
}

export function sbatchScript(step: StepIR, c: ScriptContext): string {
  const body = step.kind === "train" ? trainBody(step, c) : dataStepBody(step, c);
  return [...header(step, c), ...directives(step, c), "", ...environment(step, c), "", ...body, ""].join("\n");
}

