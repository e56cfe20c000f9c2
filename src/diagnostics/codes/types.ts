// One entry per diagnostic code: the catalog behind `flowc explain CODE` and the golden tests.
import type { Severity } from "../severity.js";

export interface CodeInfo<C extends string = string> {
  /** `E0001`…; warnings `W0001`…. Stable forever once published. */
  readonly code: C;
  readonly severity: Severity;
  /** Short title, sentence case: "Unknown name". */
  readonly title: string;
  /** The long explanation printed by `flowc explain` (a few paragraphs of plain text). */
  readonly explain: string;
  /** A small .flow fragment that triggers the diagnostic. */
  readonly wrong: string;
  /** The same fragment, fixed. */
  readonly right: string;
}

/** A catalog entry; the literal code type is kept so that the catalog's codes form a union type. */
export function entry<C extends `${"E" | "W"}${number}`>(code: C, title: string, explain: string, wrong: string, right: string): CodeInfo<C> {
  return { code, severity: code.startsWith("W") ? "warning" : "error", title, explain, wrong, right };
}
