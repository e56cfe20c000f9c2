// Test helpers: an AST without spans (for comparing parses), and spans checked against the text.
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

/** A deep copy without `span`/`opSpan` fields and with bigints as strings. */
export function stripSpans(x: unknown): unknown {
  if (typeof x === "bigint") return x.toString();
  if (Array.isArray(x)) return x.map(stripSpans);
  if (x && typeof x === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== "span" && k !== "opSpan" && k !== "path") out[k] = stripSpans(v);
    return out;
  }
  return x;
}

export function spansInside(ds: readonly Diagnostic[], textLength: number): boolean {
  return ds.every((d) => [d.primary, ...d.secondary].every((l) => l.span.start >= 0 && l.span.end <= textLength && l.span.start <= l.span.end));
}
