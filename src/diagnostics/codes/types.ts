// One entry per diagnostic code: the catalog behind `flowc explain CODE` and the golden tests.
import type { Severity } from "../diagnostic.js";

export interface CodeInfo {
  /** `E0001`…; warnings `W0001`…. Stable forever once published. */
  readonly code: string;
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
