// The schedule module's LR description, in the plan IR's snake_case form.
import type { LrSchedule } from "../schedule/index.js";
import type { PlanIR } from "./ir.js";

type LrIR = PlanIR["trains"][number]["lr_schedule"];

export function lrScheduleIR(lr: LrSchedule): LrIR {
  switch (lr.kind) {
    case "constant": return { kind: "constant", peak: lr.peak, warmup_steps: lr.warmupSteps };
    case "cosine": return { kind: "cosine", peak: lr.peak, warmup_steps: lr.warmupSteps, min_ratio: lr.minRatio };
    case "wsd": return { kind: "wsd", peak: lr.peak, warmup_steps: lr.warmupSteps, decay_steps: lr.decaySteps, min_ratio: lr.minRatio };
  }
}
