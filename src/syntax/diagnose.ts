// Syntax diagnostics: positional help and label, built through the one diagnostic constructor.
import { diagnostic, type Code, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source/span.js";

export function syntaxDiagnostic(code: Code, span: Span, message: string, help?: string, label?: string): Diagnostic {
  return diagnostic(code, span, message, { ...(help ? { help } : {}), ...(label ? { label } : {}) });
}
