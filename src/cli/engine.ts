// What the CLI needs from the compiler's phases. Each member is optional: a command whose phase is
// not built says so plainly and exits 2. Wiring a new phase is one line in defaultEngine.ts.
import type { FlowFile } from "../ast/nodes.js";
import type { Result } from "../diagnostics/diagnostic.js";

/** Mirrors `Program` of src/source/loader.ts (structurally, so the loader's own type fits). */
export interface Program {
  readonly entry: FlowFile;
  readonly files: readonly FlowFile[];
  /** Every loaded file's text, keyed by the path its spans carry. */
  readonly texts: ReadonlyMap<string, string>;
}

/** What `flowc plan` prints: the human tables and the plan IR. */
export interface PlanView {
  readonly text: string;
  readonly json: unknown;
}

export interface Engine {
  /** src/source/loader.ts: parse the entry file and its imports. */
  readonly loadProgram?: (entryPath: string, read?: (p: string) => string | undefined) => Result<Program>;
  /** src/syntax/format.ts: canonical layout of one file. */
  readonly formatText?: (text: string, file: string) => Result<string>;
  /** src/check/check.ts: semantic checks (names, units, mixes, stages…). */
  readonly checkProgram?: (p: Program) => Result<unknown>;
  /** src/plan: the resolved plan of a checked program (lowered to the plan IR, and as tables). */
  readonly planProgram?: (program: Program, checked: unknown, entryPath: string) => Result<PlanView | undefined>;
}
