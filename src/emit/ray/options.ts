// What Ray is asked for, per step of the plan: task options (num_cpus, num_gpus, max_retries) for
// data, eval and release steps, and the Ray Train layout (ScalingConfig, FailureConfig) for
// training segments. Pure functions of the plan, so the golden files and the tests read them.
import type { PlanIR, StepIR, StepOf, TrainIR } from "../../plan/ir.js";

/**
 * Retries of a task whose worker died (node lost, OOM-killed): the sharded data steps, the dedup
 * merge and the mix are idempotent (a retry clears its own shard's files first and writes its
 * marker last), so they are retried. Exceptions the step raises (bad input) are not retried
 * (`retry_exceptions` stays False). Tokenizer, eval and release run once: an eval that fails a
 * gate must stop the release, not be run again.
 */
export const DATA_TASK_RETRIES = 3;
const RETRIED: ReadonlySet<StepIR["kind"]> = new Set(["curate", "tokenize", "dedup", "mix"]);

/** Restarts of a training segment's worker group after a worker dies (Ray Train FailureConfig). */
export const TRAIN_MAX_FAILURES = 3;

export interface TaskOptions {
  readonly num_cpus: number;
  readonly num_gpus?: number;
  /** Host memory reserved for scheduling (Ray's `memory` is a reservation, not a limit). */
  readonly memory: number;
  readonly max_retries: number;
}

/**
 * A data, eval or release step runs as one process (as on the local target): the plan's CPUs per
 * task, its host memory (`memory_bytes`, estimated from what the step reads), and its GPUs when it
 * has any.
 */
export function taskOptions(step: StepIR): TaskOptions {
  const r = step.resources;
  return {
    num_cpus: r.cpus_per_task,
    ...(r.gpus_per_node > 0 ? { num_gpus: Math.min(1, r.gpus_per_node) } : {}),
    memory: r.memory_bytes,
    max_retries: RETRIED.has(step.kind) ? DATA_TASK_RETRIES : 0,
  };
}

export interface TrainLayout {
  /** tp × pp × dp: one Ray Train worker per rank of the parallel layout. */
  readonly num_workers: number;
  readonly use_gpu: boolean;
  readonly resources_per_worker: Readonly<Record<string, number>>;
  readonly max_failures: number;
}

export function trainOf(plan: PlanIR, step: StepOf<"train">): TrainIR {
  const t = plan.trains.find((x) => x.name === step.params.train);
  if (!t) throw new Error(`step ${step.id} trains ${step.params.train}, which the plan does not have`);
  return t;
}

/**
 * Ray Train's layout of a segment: a worker per rank (tp × pp × dp, which the planner makes equal
 * to nodes × ranks per node), each with the plan's CPUs per rank, one GPU on a GPU cluster, and its
 * share of the node's host memory (`memory_bytes / ranks_per_node`, rounded down).
 */
export function trainLayout(plan: PlanIR, step: StepOf<"train">): TrainLayout {
  const t = trainOf(plan, step);
  const { tp, pp, dp } = t.parallel;
  const r = step.resources;
  const gpu = r.gpus_per_node > 0;
  return {
    num_workers: tp * pp * dp,
    use_gpu: gpu,
    resources_per_worker: { CPU: r.cpus_per_task, ...(gpu ? { GPU: 1 } : {}), memory: Math.floor(r.memory_bytes / r.ranks_per_node) },
    max_failures: TRAIN_MAX_FAILURES,
  };
}
