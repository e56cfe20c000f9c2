// Spans are offsets into one source file; line and column are computed only when rendering
// (see source/lineIndex.ts). Every AST node carries one.

export interface Span {
  /** Absolute or project-relative path of the file, as given to the loader. */
  readonly file: string;
  /** Offset of the first character (UTF-16 code units, as JavaScript strings index). */
  readonly start: number;
  /** Offset one past the last character. `end >= start`. */
  readonly end: number;
}

export function span(file: string, start: number, end: number): Span {
  return { file, start, end: Math.max(start, end) };
}

/** The smallest span covering both (they must be in the same file). */
export function cover(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
