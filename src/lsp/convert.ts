// Between the compiler's data and the protocol's: offsets and spans ↔ positions and ranges (both
// count UTF-16 code units), paths ↔ URIs, diagnostics ↔ LSP diagnostics.
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Diagnostic as LspDiagnostic, Position, Range } from "vscode-languageserver";
import { DiagnosticSeverity } from "vscode-languageserver";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../source/lineIndex.js";
import type { Span } from "../source/span.js";

/** A text with its line index, built once per text. */
export class SourceText {
  private index?: LineIndex;
  constructor(readonly text: string) {}

  get lines(): LineIndex {
    return (this.index ??= new LineIndex(this.text));
  }

  position(offset: number): Position {
    const p = this.lines.position(offset);
    return { line: p.line - 1, character: p.col - 1 };
  }

  /** The offset of an LSP position; a character past the end of its line stops at the line's end. */
  offset(pos: Position): number {
    const line = Math.max(0, pos.line);
    if (line >= this.lines.lineCount) return this.text.length;
    const start = this.lines.lineStart(line + 1);
    return start + Math.min(Math.max(0, pos.character), this.lines.lineText(line + 1).length);
  }

  range(s: { start: number; end: number }): Range {
    return { start: this.position(s.start), end: this.position(s.end) };
  }
}

/** Absolute path of a span's file (spans carry the loader's canonical paths; a relative one is taken from the process's directory). */
export function absPath(file: string): string {
  return resolve(file);
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, note: DiagnosticSeverity.Information } as const;

export interface ConvertOptions {
  /** The text of a span's file, by the path its spans carry. */
  readonly source: (file: string) => SourceText | undefined;
  readonly uriOf: (file: string) => string;
  /** A link for a diagnostic code (`flowc explain CODE`), where the client asked for one. */
  readonly codeLink?: (code: string) => string;
}

/**
 * One diagnostic as the editor shows it: the message, then its notes and `help:` line (as
 * `flowc check` prints them under the snippet); secondary labels as related locations.
 */
export function toLspDiagnostic(d: Diagnostic, o: ConvertOptions): LspDiagnostic {
  const src = o.source(d.primary.span.file);
  const range = src ? src.range(d.primary.span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lines = [d.message, ...(d.primary.message ? [`(${d.primary.message})`] : []), ...d.notes.map((n) => `= ${n}`), ...(d.help ? [`help: ${d.help}`] : [])];
  const related = d.secondary.flatMap((l) => {
    const s = o.source(l.span.file);
    return s ? [{ location: { uri: o.uriOf(l.span.file), range: s.range(l.span) }, message: l.message ?? "" }] : [];
  });
  return {
    range,
    severity: SEVERITY[d.severity],
    code: d.code,
    ...(o.codeLink ? { codeDescription: { href: o.codeLink(d.code) } } : {}),
    source: "flowc",
    message: lines.join("\n"),
    ...(related.length ? { relatedInformation: related } : {}),
  };
}

export function spanContains(s: Span, offset: number): boolean {
  return s.start <= offset && offset <= s.end;
}
