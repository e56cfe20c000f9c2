// The one pipeline every command and the library go through: load (+imports) -> check -> lower ->
// [properties]. Each stage takes the result of the one before and returns it extended with its own
// value and diagnostics; a stage runs only when the stages before it reported no error that blocks it.
// The types say what a result holds: `plan` is present exactly when lowering ran, and then `checked`
// is too. A new stage (emitting jobs for `flowc compile`) is one more function of the same shape:
// `(planned: Planned, opts) => Planned & { … }`.
import type { CheckedProgram } from "./check/analysis.js";
import { checkFiles } from "./check/check.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { PlanIR } from "./plan/ir.js";
import { lowerProgram } from "./plan/lower.js";
import type { FileProblem } from "./program/host.js";
import { loadProgram, type LoadOptions, type Program } from "./program/loader.js";
import { runProperties, type PropertyOptions, type PropertyResult } from "./proptest/properties.js";

/** After loading: the program (empty when the entry cannot be read) and the loader's diagnostics. */
export interface Loaded {
  readonly program: Program;
  /** Canonical path -> text of every file read, for rendering diagnostics. */
  readonly texts: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
  /** Why the entry file itself could not be read (a command reports it as an environment error). */
  readonly entryProblem?: FileProblem;
}

/** After checking. `checked` is absent when loading reported errors: the checker needs whole files. */
export interface Checked extends Loaded {
  readonly checked?: CheckedProgram;
}

/** After lowering, with the plan and the checked program it came from. */
export interface WithPlan extends Checked {
  readonly checked: CheckedProgram;
  readonly plan: PlanIR;
}
export type Planned = WithPlan | (Checked & { readonly plan?: undefined });

/** After `flowc test`'s properties ran on the plan. */
export interface WithProperties extends WithPlan {
  readonly properties: readonly PropertyResult[];
}
export type Tested = WithProperties | (Planned & { readonly properties?: undefined });

/** Decides which error diagnostics stop the pipeline before a stage (default: every error). */
export type Blocking = (d: Diagnostic) => boolean;

const isError: Blocking = (d) => d.severity === "error";

export function load(entry: string, opts: LoadOptions = {}): Loaded {
  const r = loadProgram(entry, opts);
  return { program: r.value, texts: r.value.texts, diagnostics: r.diagnostics, ...(r.entryProblem ? { entryProblem: r.entryProblem } : {}) };
}

export function check(loaded: Loaded): Checked {
  // After syntax or import errors the checker would only report their echoes.
  if (loaded.diagnostics.some(isError)) return loaded;
  const c = checkFiles(loaded.program.files);
  return { ...loaded, checked: c.value, diagnostics: [...loaded.diagnostics, ...c.diagnostics] };
}

export function lower(checked: Checked, blocking: Blocking = isError): Planned {
  if (checked.checked === undefined || checked.diagnostics.some((d) => d.severity === "error" && blocking(d))) return checked;
  const p = lowerProgram({ checked: checked.checked, entryPath: checked.program.entryPath, texts: checked.texts });
  const diagnostics = [...checked.diagnostics, ...p.diagnostics];
  return p.value === undefined ? { ...checked, diagnostics } : { ...checked, checked: checked.checked, plan: p.value, diagnostics };
}

export type TestOptions = Omit<PropertyOptions, "texts">;

/** The schedule's properties and the file's asserts, on a lowered plan. */
export function properties(planned: Planned, opts: TestOptions): Tested {
  if (planned.plan === undefined) return planned;
  return { ...planned, properties: runProperties(planned.checked, planned.plan, { ...opts, texts: planned.texts }) };
}

/**
 * Codes that `flowc test` turns into property counterexamples instead of stopping at: an over-drawn
 * dataset (E0140) and a false assert (E0200) are what its properties report, with a step and numbers.
 */
export const PROPERTY_CODES: ReadonlySet<string> = new Set(["E0140", "E0200"]);

// ---- the stages chained from a path --------------------------------------------------------------

export function checkPath(entry: string, opts: LoadOptions = {}): Checked {
  return check(load(entry, opts));
}

export function planPath(entry: string, opts: LoadOptions = {}): Planned {
  return lower(checkPath(entry, opts));
}

export function testPath(entry: string, test: TestOptions, opts: LoadOptions = {}): Tested {
  return properties(lower(checkPath(entry, opts), (d) => !PROPERTY_CODES.has(d.code)), test);
}
