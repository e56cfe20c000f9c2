// The learning rate at an optimizer step. Floats by nature; runtime-py/flowrt/schedule/lr.py
// performs the same operations in the same order, so the two agree to the last ulp or two
// (Math.cos and libm's cos may differ by one ulp).
import { eq, toNumber } from "../units/rational.js";
import { stageAt } from "./stage.js";
import type { LrSchedule, ResolvedSchedule } from "./types.js";

/**
 * The schedule's base rate, before the stage's lr_scale. Warmup is nanoGPT's
 * peak·(step+1)/(warmup+1); cosine decays from the end of warmup to the last step
 * (progress (step−warmup)/(total−warmup)); WSD holds the peak until `decaySteps` before the end,
 * then decays linearly (progress (step−decayStart)/decaySteps) toward minRatio·peak (never above
 * the warmup ramp).
 */
export function baseLr(lr: LrSchedule, totalSteps: number, step: number): number {
  const w = lr.warmupSteps;
  const warm = step < w ? (lr.peak * (step + 1)) / (w + 1) : lr.peak;
  switch (lr.kind) {
    case "constant":
      return warm;
    case "cosine": {
      if (step < w) return warm;
      const minLr = lr.peak * lr.minRatio;
      const progress = (step - w) / (totalSteps - w);
      const coeff = 0.5 * (1 + Math.cos(Math.PI * progress));
      return minLr + coeff * (lr.peak - minLr);
    }
    case "wsd": {
      // The lower of the warmup ramp and the decay line, so that a decay overlapping the warmup
      // (very short runs) stays continuous.
      const decayStart = totalSteps - lr.decaySteps;
      if (step < decayStart) return warm;
      const minLr = lr.peak * lr.minRatio;
      const progress = (step - decayStart) / lr.decaySteps;
      const decay = minLr + (1 - progress) * (lr.peak - minLr);
      return decay < warm ? decay : warm;
    }
  }
}

/** The learning rate at `step` (0-based, < totalSteps), including the stage's lr_scale. */
export function lrAt(s: ResolvedSchedule, step: number): number {
  const stage = stageAt(s, step);
  return baseLr(s.lr, s.totalSteps, step) * toNumber(stage.lrScale);
}

export interface LrBoundary {
  stage: string;
  step: number;
  before: number;
  after: number;
  /** The stage changes lr_scale here. */
  scaleChanges: boolean;
  /** The stage declares the jump (`lrJump`). */
  declaredJump: boolean;
}

/**
 * LR at every stage boundary. The base schedule has no jumps (it is continuous in the step), so
 * the rate is continuous across a boundary exactly when lr_scale does not change there.
 */
export function lrBoundaries(s: ResolvedSchedule): LrBoundary[] {
  return s.stages.slice(1).map((st, k) => {
    const prev = s.stages[k]!;
    return {
      stage: st.name, step: st.firstStep,
      before: lrAt(s, st.firstStep - 1), after: lrAt(s, st.firstStep),
      scaleChanges: !eq(prev.lrScale, st.lrScale), declaredJump: st.lrJump,
    };
  });
}

/** Boundaries where the rate jumps without the file declaring it. */
export function undeclaredLrJumps(s: ResolvedSchedule): LrBoundary[] {
  return lrBoundaries(s).filter((b) => b.scaleChanges && !b.declaredJump);
}
