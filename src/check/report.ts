// Collects diagnostics for the checker. Spans always come from AST nodes (never computed by hand).
import { diagnostic, type Code, type Diagnostic, type DiagnosticOptions, type Fix } from "../diagnostics/diagnostic.js";
import type { Span } from "../source/span.js";

/** What a report may carry beyond its code, span and message. */
export type ReportOptions = DiagnosticOptions;

/** The "did you mean" fix: replace the node's text with the suggestion. */
export function replaceWith(at: { span: Span }, text: string | undefined): Fix | undefined {
  return text === undefined ? undefined : { title: `Replace with \`${text}\``, edits: [{ span: at.span, text }], preferred: true };
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  report(code: Code, at: { span: Span }, message: string, opts: ReportOptions = {}): void {
    this.diagnostics.push(diagnostic(code, at.span, message, opts));
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === "error").length;
  }
}

/** `1234567` -> `1,234,567` (bigint or integer). */
