// Offsets -> 1-based line and column, computed only when rendering (spans stay offsets).

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in UTF-16 code units (as JavaScript strings index). */
  readonly col: number;
}

export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1); // lone CR (old Mac)
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Offsets outside the text are clamped, so a stale span can never throw while rendering. */
  position(offset: number): Position {
    const o = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: o - (this.starts[lo] ?? 0) + 1 };
  }

  /** Offset of the first character of `line` (1-based; clamped). */
  lineStart(line: number): number {
    const i = Math.max(1, Math.min(line, this.starts.length)) - 1;
    return this.starts[i] ?? 0;
  }

  /** The text of `line` without its line terminator. */
  lineText(line: number): string {
    if (line < 1 || line > this.starts.length) return "";
    const start = this.starts[line - 1] ?? 0;
    let end = line < this.starts.length ? (this.starts[line] ?? this.text.length) : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}
