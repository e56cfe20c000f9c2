// Estimators: pure functions with their formulas and sources, used by check, plan and the planner.
export { GPU_CATALOG, lookupGpu, ranksPerNode, type GpuSpec } from "./gpus.js";
export { memoryLines } from "./describe.js";
export { countParams, paramBreakdown, type ModelShape, type ParamBreakdown } from "./model.js";
export {
  estimateMemory, fitsMemory, modelStates, workingWeights, LOSS_CHUNK_TOKENS, paramsOnRank, activationBytesPerTokenPerLayer, backwardTransientBytesPerToken, korthikantiPerLayer,
  type Backend, type MemoryBreakdown, type ParallelConfig, type Precision, type Recompute,
} from "./memory.js";
export { flopsPerToken, trainingFlops, gpuHours, stepTimeSeconds, splitJobs, effectivePeak, type JobSplit } from "./compute.js";
export { planParallel, validateParallel, cheapestFixes, layouts, type PlanConstraints, type PlannerResult, type PlannedLayout, type Fix } from "./planner.js";
export { backendProblems, runtimeLayout, type RuntimeLayout } from "./backends.js";
export { checkpointEstimate, checkpointBytes, WRITE_BYTES_PER_S_PER_NODE, type CheckpointEstimate } from "./checkpoint.js";
