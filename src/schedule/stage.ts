// Step → stage lookup.
import type { ResolvedSchedule, ResolvedStage } from "./types.js";

/** The stage that runs optimizer step `step` (0 ≤ step < totalSteps); binary search on lastStep. */
export function stageAt(s: ResolvedSchedule, step: number): ResolvedStage {
  if (!Number.isSafeInteger(step) || step < 0 || step >= s.totalSteps) {
    throw new RangeError(`step ${step} is outside the run's steps [0, ${s.totalSteps})`);
  }
  let lo = 0, hi = s.stages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (step < s.stages[mid]!.lastStep) hi = mid;
    else lo = mid + 1;
  }
  return s.stages[lo]!;
}
