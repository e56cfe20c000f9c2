// Syntax diagnostics as data; wording of the codes is in diagnostics/codes/syntax.ts.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source/span.js";

export function syntaxDiagnostic(code: string, span: Span, message: string, help?: string, label?: string): Diagnostic {
  return {
    code, severity: code.startsWith("W") ? "warning" : "error", message,
    primary: label ? { span, message: label } : { span }, secondary: [], notes: [],
    ...(help ? { help } : {}),
  };
}
