// The compiler's phases chained: load (+imports) -> check -> lower. Each returns what it could
// build and every diagnostic; a later phase runs only when the earlier ones found no error.
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { loadProgram, type ParseFile, type Program as LoadedProgram } from "./program/loader.js";
import { checkFiles } from "./check/check.js";
import type { CheckedProgram } from "./check/analysis.js";
import { lowerProgram } from "./plan/lower.js";
import type { PlanIR } from "./plan/ir.js";
import { runProperties, type PropertyOptions, type PropertyResult } from "./proptest/properties.js";

export interface PipelineResult {
  readonly loaded?: LoadedProgram;
  readonly checked?: CheckedProgram;
  readonly plan?: PlanIR;
  readonly diagnostics: readonly Diagnostic[];
  /** Source texts by path, for rendering diagnostics. */
  readonly texts: ReadonlyMap<string, string>;
}

const hasError = (ds: readonly Diagnostic[]) => ds.some((d) => d.severity === "error");

/** `read` may serve texts that are not on disk (an editor's open documents); `parse` may reuse earlier parses. */
export function checkPath(entry: string, read?: (p: string) => string | undefined, parse?: ParseFile): PipelineResult {
  const loaded = loadProgram(entry, read, parse);
  const texts = loaded.value?.texts ?? new Map<string, string>();
  if (hasError(loaded.diagnostics) || !loaded.value) return { loaded: loaded.value, diagnostics: loaded.diagnostics, texts };
  const checked = checkFiles(loaded.value.files);
  return { loaded: loaded.value, checked: checked.value, diagnostics: [...loaded.diagnostics, ...checked.diagnostics], texts };
}

export function planPath(entry: string, read?: (p: string) => string | undefined): PipelineResult {
  const res = checkPath(entry, read);
  if (hasError(res.diagnostics) || !res.checked || !res.loaded) return res;
  const plan = lowerProgram({ checked: res.checked, entryPath: entry, texts: res.texts });
  return { ...res, plan };
}

/** Codes that `flowc test` turns into property counterexamples instead of stopping at. */
const PROPERTY_CODES = new Set(["E0140", "E0200"]);

export interface TestResult extends PipelineResult {
  readonly properties?: readonly PropertyResult[];
}

export function testPath(entry: string, opts: Omit<PropertyOptions, "texts">, read?: (p: string) => string | undefined): TestResult {
  const res = checkPath(entry, read);
  const blocking = res.diagnostics.filter((d) => d.severity === "error" && !PROPERTY_CODES.has(d.code));
  if (blocking.length || !res.checked || !res.loaded) return res;
  const plan = lowerProgram({ checked: res.checked, entryPath: entry, texts: res.texts });
  const properties = runProperties(res.checked, plan, { ...opts, texts: res.texts });
  return { ...res, plan, properties };
}
