// `flowc check --format json`: one object per diagnostic, with 1-based positions.
// `endLine`/`endCol` point one past the last character, as LSP ranges do.
import type { Diagnostic, Label } from "./diagnostic.js";
import { indexCacheFor } from "./lineIndexCache.js";
import { displayPath } from "./paths.js";

export interface JsonRange {
  readonly file: string;
  /** 1-based; 0 when the file's text is not available. */
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

export interface JsonLabel extends JsonRange {
  readonly message: string | null;
}

export interface JsonDiagnostic extends JsonRange {
  readonly severity: Diagnostic["severity"];
  readonly code: string;
  readonly message: string;
  /** The help line, or null. */
  readonly hint: string | null;
  /** Beyond the documented fields (README): the notes and the secondary labels, for editors. */
  readonly notes: readonly string[];
  readonly related: readonly JsonLabel[];
}

export function renderJson(
  ds: readonly Diagnostic[],
  texts: ReadonlyMap<string, string>,
  opts: { readonly cwd?: string } = {},
): JsonDiagnostic[] {
  const indexes = indexCacheFor(texts);
  const range = (l: Label): JsonRange => {
    const file = displayPath(l.span.file, opts.cwd);
    const idx = indexes.get(l.span.file);
    if (idx === undefined) return { file, line: 0, col: 0, endLine: 0, endCol: 0 };
    const a = idx.position(l.span.start);
    const b = idx.position(Math.max(l.span.start, l.span.end));
    return { file, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  };
  return ds.map((d) => ({
    ...range(d.primary),
    severity: d.severity,
    code: d.code,
    message: d.message,
    hint: d.help ?? null,
    notes: [...d.notes],
    related: d.secondary.map((l) => ({ ...range(l), message: l.message ?? null })),
  }));
}
