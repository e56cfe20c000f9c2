// Collects diagnostics for the checker. Spans always come from AST nodes (never computed by hand).
import type { Diagnostic, Fix, Label, Severity } from "../diagnostics/diagnostic.js";
import type { Span } from "../source/span.js";

export interface ReportOptions {
  readonly secondary?: readonly Label[];
  readonly notes?: readonly string[];
  readonly help?: string;
  /** Label printed under the primary span. */
  readonly label?: string;
  /** Edits that resolve it (editors offer them as quick fixes). */
  readonly fixes?: readonly (Fix | undefined)[];
}

/** The "did you mean" fix: replace the node's text with the suggestion. */
export function replaceWith(at: { span: Span }, text: string | undefined): Fix | undefined {
  return text === undefined ? undefined : { title: `Replace with \`${text}\``, edits: [{ span: at.span, text }], preferred: true };
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  report(code: string, at: { span: Span }, message: string, opts: ReportOptions = {}): void {
    const severity: Severity = code.startsWith("W") ? "warning" : "error";
    this.diagnostics.push({
      code,
      severity,
      message,
      primary: opts.label === undefined ? { span: at.span } : { span: at.span, message: opts.label },
      secondary: opts.secondary ?? [],
      notes: opts.notes ?? [],
      ...(opts.help === undefined ? {} : { help: opts.help }),
      ...(opts.fixes?.some((f) => f) ? { fixes: opts.fixes.filter((f): f is Fix => f !== undefined) } : {}),
    });
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === "error").length;
  }
}

/** `1234567` -> `1,234,567` (bigint or integer). */
