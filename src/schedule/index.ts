// The schedule: a pure function of the train run, implemented identically in
// runtime-py/flowrt/schedule/; test/vectors/*.json keep the two in step.
export type {
  MixEntry, StageInput, LrSchedule, ScheduleInput, SourceQuota, ResolvedStage, ResolvedSchedule,
  ScheduleProblem, ScheduleProblemKind,
} from "./types.js";
export { resolveSchedule } from "./resolve.js";
export { stageAt } from "./stage.js";
export { lrAt, baseLr, lrBoundaries, undeclaredLrJumps, type LrBoundary } from "./lr.js";
export {
  batchSources, drawnBefore, tokensDrawnBefore, rankMicroBatch, boundaryCounts, replay, blockSequences,
  isGoodBoundary, blockAround,
  type Replay,
} from "./sampler.js";
export { largestRemainder, countsAt } from "./apportion.js";
export { scheduleInputToJson, scheduleInputFromJson, resolvedStageToJson, resolvedScheduleToJson, stringifyExact, type Json } from "./json.js";
