// Diagnostics are data. Wording lives in the catalog (diagnostics/catalog.ts), keyed by code;
// renderers (text, JSON) turn these into what users see. Spans come from AST nodes.
import type { Span } from "../source/span.js";
import { codeInfo, type Code } from "./catalog.js";
import type { Severity } from "./severity.js";

export type { Severity } from "./severity.js";
export type { Code } from "./catalog.js";

export interface Label {
  readonly span: Span;
  /** Why this span matters: "previous binding here", "this stage ends at 819,200 tokens". */
  readonly message?: string;
}

export interface Diagnostic {
  /** `E0001`…, `W0001`…; every code has an entry in the catalog with an explanation. */
  readonly code: Code;
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

export interface DiagnosticOptions {
  readonly secondary?: readonly Label[];
  readonly notes?: readonly string[];
  readonly help?: string;
  /** Label printed under the primary span. */
  readonly label?: string;
  /** Edits that resolve it (editors offer them as quick fixes); undefined entries are dropped. */
  readonly fixes?: readonly (Fix | undefined)[];
}

/** The one way to build a diagnostic: its severity comes from the code's catalog entry. */
export function diagnostic(code: Code, span: Span, message: string, opts: DiagnosticOptions = {}): Diagnostic {
  const fixes = opts.fixes?.filter((f): f is Fix => f !== undefined) ?? [];
  return {
    code,
    severity: codeInfo(code).severity,
    message,
    primary: opts.label === undefined ? { span } : { span, message: opts.label },
    secondary: opts.secondary ?? [],
    notes: opts.notes ?? [],
    ...(opts.help === undefined ? {} : { help: opts.help }),
    ...(fixes.length ? { fixes } : {}),
  };
}
