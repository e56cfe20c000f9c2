// Dimensions of quantities in .flow files. A literal's unit fixes its dimension; the value is
// stored exactly in the dimension's base unit (bytes, seconds, tokens, ...). Percentages are
// stored as fractions (70% -> 7/10).
import type { Rational } from "./rational.js";

export type Dimension =
  | "number"    // a bare number, possibly with a count suffix K/M/B/T (counts, ratios, sizes)
  | "tokens"
  | "bytes"
  | "duration"  // seconds
  | "percent"   // stored as a fraction of one
  | "steps"
  | "gpu_hours"
  | "epochs";

export interface Quantity {
  readonly value: Rational;
  readonly dim: Dimension;
}

/** Human name of a dimension for messages: "a token count", "bytes", ... */
export const DIMENSION_NOUN: Record<Dimension, string> = {
  number: "a plain number",
  tokens: "a token count",
  bytes: "a size in bytes",
  duration: "a duration",
  percent: "a percentage",
  steps: "a step count",
  gpu_hours: "GPU-hours",
  epochs: "epochs",
};
