// Builders for diagnostics in tests: spans found by searching the source text, so tests never
// count columns by hand.
import type { Diagnostic, Label, Severity } from "../../src/diagnostics/diagnostic.js";

/** The span of the `nth` (0-based) occurrence of `needle` in `text`. */
export function spanOf(file: string, text: string, needle: string, nth = 0): Label["span"] {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`test setup: ${JSON.stringify(needle)} occurs fewer than ${nth + 1} times`);
  }
  return { file, start: at, end: at + needle.length };
}

export function diag(p: {
  code?: string;
  severity?: Severity;
  message?: string;
  primary: Label;
  secondary?: Label[];
  notes?: string[];
  help?: string;
}): Diagnostic {
  return {
    code: p.code ?? "E0101",
    severity: p.severity ?? "error",
    message: p.message ?? "Unknown source `clean.mth`.",
    primary: p.primary,
    secondary: p.secondary ?? [],
    notes: p.notes ?? [],
    ...(p.help !== undefined ? { help: p.help } : {}),
  };
}

export const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, "");
