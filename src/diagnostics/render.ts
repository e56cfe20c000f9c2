// The human renderer, in the manner of rustc and Elm:
//
//   path/to/file.flow:63:62: error[E0101]: Unknown source `clean.mth`.
//      |
//   63 |   stage anneal { … clean.mth = 25% } }
//      |                    ^^^^^^^^^ not declared
//      |
//      = note: …
//   help: did you mean `clean.math`?
//
// Pure: text in, text out. Spans become lines and columns only here (they are offsets everywhere else).
import type { Diagnostic, Label, Severity } from "./diagnostic.js";
import { painter, type Paint, type Style } from "./color.js";
import type { LineIndex } from "../source/lineIndex.js";
import { indexCacheFor, type IndexCache } from "./lineIndexCache.js";
import { displayPath } from "./paths.js";
import { displayText, textWidth } from "./width.js";

export { renderJson, type JsonDiagnostic } from "./json.js";

export interface RenderOptions {
  /** Emit ANSI colors. The caller decides (NO_COLOR, isTTY, --color). */
  readonly color: boolean;
  /** Paths under this directory are printed relative to it. */
  readonly cwd?: string;
}

const SEVERITY_STYLE: Record<Severity, Style> = { error: "red", warning: "yellow", note: "green" };

/** One diagnostic, as several lines ending with a newline. */
/** Text quoted in a message (a name, a literal) longer than this is shortened to its start and `…`. */
export const MAX_QUOTED_CHARS = 60;

function shortenQuoted(s: string): string {
  return s.replace(/`([^`]+)`/g, (m, q: string) => (q.length > MAX_QUOTED_CHARS ? `\`${q.slice(0, MAX_QUOTED_CHARS - 20)}…\`` : m));
}

export function renderText(diag: Diagnostic, texts: ReadonlyMap<string, string>, opts: RenderOptions): string {
  // A 5 MB name quoted in a message, a label, a note or the help is shown by its first characters.
  const d: Diagnostic = {
    ...diag, message: shortenQuoted(diag.message), notes: diag.notes.map(shortenQuoted),
    ...(diag.help !== undefined ? { help: shortenQuoted(diag.help) } : {}),
    primary: { ...diag.primary, ...(diag.primary.message !== undefined ? { message: shortenQuoted(diag.primary.message) } : {}) },
    secondary: diag.secondary.map((l) => ({ ...l, ...(l.message !== undefined ? { message: shortenQuoted(l.message) } : {}) })),
  };
  const paint = painter(opts.color);
  const indexes = indexCacheFor(texts);
  const out: string[] = [];

  const primaryIdx = indexes.get(d.primary.span.file);
  const where = primaryIdx
    ? (() => {
        const p = primaryIdx.position(d.primary.span.start);
        return `${displayPath(d.primary.span.file, opts.cwd)}:${p.line}:${p.col}`;
      })()
    : displayPath(d.primary.span.file, opts.cwd);
  const sevStyle = SEVERITY_STYLE[d.severity];
  out.push(
    `${paint(where, "bold")}: ${paint(`${d.severity}[${d.code}]`, "bold", sevStyle)}${paint(`: ${d.message}`, "bold")}`,
  );

  const blocks = fileBlocks(d, indexes);
  const gutter = Math.max(1, ...blocks.flatMap((b) => b.lines.map((l) => String(l).length)));
  const pad = " ".repeat(gutter);
  const bar = paint("|", "bold", "blue");

  blocks.forEach((block, i) => {
    if (i > 0 || block.file !== d.primary.span.file) {
      const first = block.labels[0];
      const pos = first ? block.index.position(first.label.span.start) : { line: 1, col: 1 };
      out.push(`${pad} ${paint(":::", "bold", "blue")} ${displayPath(block.file, opts.cwd)}:${pos.line}:${pos.col}`);
    }
    out.push(`${pad} ${bar}`);
    let previous = 0;
    for (const line of block.lines) {
      if (previous > 0 && line > previous + 1) out.push(paint("...", "bold", "blue"));
      previous = line;
      const full = displayText(block.index.lineText(line));
      const { src, onLine } = windowed(full, block.labels.filter((l) => l.line === line));
      out.push(`${paint(String(line).padStart(gutter), "bold", "blue")} ${bar}${src === "" ? "" : ` ${src}`}`);
      for (const row of annotationRows(onLine, paint, sevStyle)) out.push(`${pad} ${bar} ${row}`.trimEnd());
    }
  });

  const hasSnippet = blocks.length > 0;
  if (hasSnippet && (d.notes.length > 0 || d.help !== undefined)) out.push(`${pad} ${bar}`);
  for (const note of d.notes) {
    const [first = "", ...rest] = labelNote(note).split("\n");
    out.push(`${pad} ${paint("=", "bold", "blue")} ${noteHead(first, paint)}`.trimEnd());
    for (const more of rest) out.push(`${pad}   ${more}`.trimEnd());
  }
  if (d.help !== undefined) out.push(`${paint("help", "bold", "cyan")}: ${d.help}`);
  return out.join("\n") + "\n";
}

/** Several diagnostics separated by blank lines, then the summary line (if any were errors or warnings). */
export function renderAll(ds: readonly Diagnostic[], texts: ReadonlyMap<string, string>, opts: RenderOptions): string {
  const parts = ds.map((d) => renderText(d, texts, opts));
  const summary = renderSummary(countSeverities(ds), opts);
  if (summary !== "") parts.push(summary);
  return parts.join("\n");
}

export interface SeverityCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
}

export function countSeverities(ds: readonly Diagnostic[]): SeverityCounts {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const d of ds) {
    if (d.severity === "error") errors++;
    else if (d.severity === "warning") warnings++;
    else notes++;
  }
  return { errors, warnings, notes };
}

/** `error: 2 errors, 1 warning emitted`; `warning: 1 warning emitted`; empty when there is nothing to say. */
export function renderSummary(c: SeverityCounts, opts: Pick<RenderOptions, "color">): string {
  const paint = painter(opts.color);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (c.errors > 0) {
    const what = c.warnings > 0 ? `${plural(c.errors, "error")}, ${plural(c.warnings, "warning")}` : plural(c.errors, "error");
    return `${paint("error", "bold", "red")}${paint(`: ${what} emitted`, "bold")}\n`;
  }
  if (c.warnings > 0) return `${paint("warning", "bold", "yellow")}${paint(`: ${plural(c.warnings, "warning")} emitted`, "bold")}\n`;
  return "";
}

// ---------------------------------------------------------------------------------------------

interface Placed {
  readonly label: Label;
  readonly primary: boolean;
  /** 1-based line the label is drawn under (its first line). */
  readonly line: number;
  /** Display columns (0-based) of the underline on that line, end exclusive. */
  readonly from: number;
  readonly to: number;
  /** The span goes on past this line. */
  readonly continues: boolean;
}

interface FileBlock {
  readonly file: string;
  readonly index: LineIndex;
  readonly labels: readonly Placed[];
  /** Lines to print, ascending; a one-line gap between two of them is filled in rather than elided. */
  readonly lines: readonly number[];
}

/** Labels grouped by file: the primary's file first, then the others in order of appearance. */
function fileBlocks(d: Diagnostic, indexes: IndexCache): FileBlock[] {
  const all: { label: Label; primary: boolean }[] = [
    { label: d.primary, primary: true },
    ...d.secondary.map((label) => ({ label, primary: false })),
  ];
  const order: string[] = [];
  const byFile = new Map<string, Placed[]>();
  for (const { label, primary } of all) {
    const index = indexes.get(label.span.file);
    if (index === undefined) continue; // no text: nothing to show (the header still names the file)
    if (!byFile.has(label.span.file)) {
      order.push(label.span.file);
      byFile.set(label.span.file, []);
    }
    byFile.get(label.span.file)?.push(place(label, primary, index));
  }
  return order.map((file) => {
    const labels = byFile.get(file) ?? [];
    const index = indexes.get(file) as LineIndex;
    const marked = [...new Set(labels.map((l) => l.line))].sort((a, b) => a - b);
    const lines: number[] = [];
    for (const line of marked) {
      const last = lines[lines.length - 1];
      if (last !== undefined && line === last + 2) lines.push(last + 1);
      lines.push(line);
    }
    return { file, index, labels, lines };
  });
}

/** A source line is shown in full up to this many columns; a longer one around its labels, with `…`. */
export const MAX_EXCERPT_COLUMNS = 160;

/** The part of a long line around its labels (a 5 MB one-line file prints one short line). */
function windowed(full: string, labels: readonly Placed[]): { src: string; onLine: Placed[] } {
  if (full.length <= MAX_EXCERPT_COLUMNS) return { src: full, onLine: [...labels] };
  const first = Math.min(...labels.map((l) => l.from), full.length);
  const lo = Math.max(0, Math.min(first - 40, full.length - MAX_EXCERPT_COLUMNS));
  const hi = Math.min(full.length, lo + MAX_EXCERPT_COLUMNS);
  const head = lo > 0 ? "…" : "";
  const src = head + full.slice(lo, hi) + (hi < full.length ? "…" : "");
  const shift = lo - head.length;
  const clamp = (c: number) => Math.max(head.length, Math.min(c - shift, src.length));
  return { src, onLine: labels.map((l) => ({ ...l, from: clamp(l.from), to: Math.max(clamp(l.from) + 1, clamp(l.to)) })) };
}

function place(label: Label, primary: boolean, index: LineIndex): Placed {
  const { start, end } = label.span;
  const first = index.position(start);
  const lastChar = end > start ? end - 1 : start;
  const continues = index.position(lastChar).line > first.line;
  const text = index.lineText(first.line);
  const startIdx = Math.min(first.col - 1, text.length);
  const endIdx = continues ? text.length : Math.max(startIdx, Math.min(startIdx + (end - start), text.length));
  const from = textWidth(text.slice(0, startIdx));
  const to = from + Math.max(1, textWidth(text.slice(startIdx, endIdx)));
  return { label, primary, line: first.line, from, to, continues };
}

/** Underlines for the labels of one line, then the messages that do not fit at the end of that row. */
function annotationRows(labels: readonly Placed[], paint: Paint, sevStyle: Style): string[] {
  if (labels.length === 0) return [];
  const styleOf = (l: Placed): Style[] => (l.primary ? ["bold", sevStyle] : ["bold", "blue"]);
  const underline = new Row();
  // Secondary first so the primary wins where they overlap.
  for (const l of [...labels].sort((a, b) => Number(a.primary) - Number(b.primary))) {
    underline.put(l.from, (l.primary ? "^" : "-").repeat(l.to - l.from) + (l.continues ? "…" : ""), styleOf(l));
  }
  const rightmostEnd = Math.max(...labels.map((l) => l.to + (l.continues ? 1 : 0)));
  const withMessage = labels.filter((l) => l.label.message !== undefined && l.label.message.trim() !== "");
  // A label is one line of text: a newline inside it would break the columns below.
  const text = (l: Placed) => (l.label.message ?? "").trim().replace(/\s*\n\s*/g, " ");
  // The label that ends last carries its message on the underline row, as rustc does.
  const inline = [...withMessage]
    .sort((a, b) => b.from - a.from)
    .find((l) => l.to + (l.continues ? 1 : 0) === rightmostEnd);
  if (inline) underline.put(rightmostEnd + 1, text(inline), styleOf(inline));
  const rows = [underline.render(paint)];

  const pending = withMessage.filter((l) => l !== inline).sort((a, b) => b.from - a.from || Number(a.primary) - Number(b.primary));
  if (pending.length > 0) {
    const connectors = new Row();
    for (const l of pending) connectors.put(l.from, "|", styleOf(l));
    rows.push(connectors.render(paint));
    pending.forEach((l, i) => {
      const row = new Row();
      for (const left of pending.slice(i + 1)) if (left.from < l.from) row.put(left.from, "|", styleOf(left));
      row.put(l.from, text(l), styleOf(l));
      rows.push(row.render(paint));
    });
  }
  return rows;
}

/** A row of display cells, each with a style; later writes overwrite earlier ones. */
class Row {
  private readonly cells: { ch: string; style: Style[] }[] = [];
  put(col: number, text: string, style: Style[]): void {
    let c = col;
    for (const ch of text) {
      const w = textWidth(ch);
      if (w === 0) {
        // A combining mark joins the character before it.
        const prev = this.cells[c - 1];
        if (prev) prev.ch += ch;
        continue;
      }
      while (this.cells.length < c) this.cells.push({ ch: " ", style: [] });
      this.cells[c] = { ch, style };
      // A wide character covers the next cell too: an empty cell keeps the columns counted right.
      for (let k = 1; k < w; k++) this.cells[c + k] = { ch: "", style };
      c += w;
    }
  }
  render(paint: Paint): string {
    let out = "";
    let run = "";
    let style: Style[] = [];
    for (const cell of this.cells) {
      if (cell === undefined) continue;
      if (cell.style.join() !== style.join()) {
        out += paint(run, ...style);
        run = "";
        style = cell.style;
      }
      run += cell.ch;
    }
    return out + paint(run, ...style);
  }
}

/** Notes carry their own head (`expected: …`); a bare sentence becomes `note: …`. */
function labelNote(note: string): string {
  return /^[a-z][a-z _-]{0,24}:(?: |\n|$)/i.test(note) ? note : `note: ${note}`;
}

function noteHead(line: string, paint: Paint): string {
  const m = /^([a-z][a-z _-]{0,24}):( .*)?$/i.exec(line);
  return m ? `${paint(m[1] ?? "", "bold")}:${m[2] ?? ""}` : line;
}
