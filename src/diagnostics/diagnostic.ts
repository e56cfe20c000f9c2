// Diagnostics are data. Wording lives in the catalog (diagnostics/catalog.ts), keyed by code;
// renderers (text, JSON) turn these into what users see. Spans come from AST nodes.
import type { Span } from "../source/span.js";

export type Severity = "error" | "warning" | "note";

export interface Label {
  readonly span: Span;
  /** Why this span matters: "previous binding here", "this stage ends at 819,200 tokens". */
  readonly message?: string;
}

export interface Diagnostic {
  /** `E0001`…, `W0001`…; every code has an entry in the catalog with an explanation. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly primary: Label;
  readonly secondary: readonly Label[];
  /** Extra lines printed after the snippet: `= expected: …`, breakdown tables. */
  readonly notes: readonly string[];
  /** One line that says the fix. */
  readonly help?: string;
  /** The fix as edits an editor can apply (quick fixes), most useful first; where the checker knows one. */
  readonly fixes?: readonly Fix[];
}

/** A change that resolves a diagnostic: each edit replaces the text of a span (an empty span inserts). */
export interface Fix {
  /** For a menu: "Replace with `clean.math`", "Set `zero = 3` (saves 2.4 GiB, fits)". */
  readonly title: string;
  readonly edits: readonly { readonly span: Span; readonly text: string }[];
  /** The one to apply when the user asks for "the" fix. */
  readonly preferred?: boolean;
}

/** The result of every phase: a value (possibly partial) and what went wrong. Phases never throw on user input. */
export interface Result<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}
