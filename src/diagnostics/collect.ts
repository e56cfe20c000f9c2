// Diagnostics from several phases and files, put in the order users read them:
// duplicates (a file imported twice) dropped, then by file order, then by position.
import type { Diagnostic } from "./diagnostic.js";

function key(d: Diagnostic): string {
  const s = d.primary.span;
  return `${d.code}\u0000${s.file}\u0000${s.start}\u0000${s.end}\u0000${d.message}`;
}

export function dedupeDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = key(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Stable sort: files in `fileOrder` first (in that order), others by name; then by start offset. */
export function sortDiagnostics(ds: readonly Diagnostic[], fileOrder: readonly string[] = []): Diagnostic[] {
  const rank = new Map(fileOrder.map((f, i) => [f, i] as const));
  const fileRank = (f: string) => rank.get(f) ?? fileOrder.length;
  return [...ds].sort((a, b) => {
    const fa = a.primary.span.file;
    const fb = b.primary.span.file;
    return (
      fileRank(fa) - fileRank(fb) ||
      (fa < fb ? -1 : fa > fb ? 1 : 0) ||
      a.primary.span.start - b.primary.span.start ||
      a.primary.span.end - b.primary.span.end
    );
  });
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}
