// What the checker learned about each train run: resolved parallelism, the exact schedule,
// per-dataset use, memory and compute. `plan` and lowering read this; nothing here re-derives it.
import type { GpuSpec, ParallelConfig, PlannerResult } from "../estimate/index.js";
import type { ResolvedSchedule } from "../schedule/index.js";
import type { DatasetUse } from "./rules/epochs.js";
import type { Compute, StageMemory } from "./rules/resources.js";
import type { ClusterT, Declarations, ModelT, TrainT } from "./typed.js";
import type { SymbolTable } from "./decls.js";
import type { Expr } from "../ast/nodes.js";
import type { Quantity } from "../units/dimension.js";
import type { StageEnd } from "./rules/stages.js";

export interface TrainAnalysis {
  readonly train: TrainT;
  readonly model: ModelT;
  readonly cluster: ClusterT;
  readonly gpu: GpuSpec;
  readonly parallel: ParallelConfig;
  readonly planner?: PlannerResult;
  readonly schedule: ResolvedSchedule;
  /** Requested stage ends, to re-resolve the schedule (e.g. with another dp in `flowc test`). */
  readonly ends: readonly StageEnd[];
  readonly datasets: ReadonlyMap<string, DatasetUse>;
  readonly memory?: StageMemory;
  readonly compute?: Compute;
  readonly params: bigint;
}

export interface CheckedProgram {
  readonly decls: Declarations;
  readonly symbols: SymbolTable;
  readonly analyses: ReadonlyMap<string, TrainAnalysis>;
  readonly asserts: readonly AssertOutcome[];
}

/** One `assert` comparison, evaluated on the static plan. */
export interface AssertOutcome {
  readonly expr: Expr;
  readonly text: string;
  readonly holds: boolean;
  readonly left: Quantity;
  readonly right: Quantity;
}
