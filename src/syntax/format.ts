// `flowc fmt`: one canonical layout, every token and comment kept, idempotent.
//
// The structure (declarations, blocks, items) comes from the AST; what is printed comes from the
// lexer's token stream, comments included (chevrotain's `comments` group), so a comment anywhere —
// between a name and `{`, either side of `=`, inside a list or an expression — is printed where it
// was among the tokens. The rules (gofmt-like):
// - two-space indentation; one item per line inside a multi-line block;
// - a block written on one line stays on one line (`stage warm { until = 1M, mix { a = 100% } }`)
//   unless it holds a comment; a block written over several lines gets one item per line;
// - in a run of consecutive `key = value` lines, the `=` signs are aligned; trailing comments of a
//   run are aligned two columns after the longest line;
// - a comment on the line of `{` stays there; one before an item on its line stays before it;
// - at most one blank line between items, kept where the source had one or more;
// - numbers and strings keep their spelling; a line comment always ends its line;
// - a byte-order mark and CRLF line endings (as the file's first line break has them) are kept.
// A file with syntax errors is not formatted (the diagnostics are returned instead). The result is
// checked against the input (same tokens and comments, in order) before it is returned.
import type { IToken } from "chevrotain";
import type * as A from "../ast/nodes.js";
import type { Result } from "../diagnostics/diagnostic.js";
import { WORD_UNITS } from "../units/literal.js";
import { parseText } from "./parse.js";
import * as T from "./tokens.js";

const INDENT = "  ";
const BOM = "\ufeff";

export function formatText(text: string, file: string): Result<string> {
  const parsed = parseText(text, file);
  if (parsed.diagnostics.some((d) => d.severity === "error")) return { value: text, diagnostics: parsed.diagnostics };
  const lexed = T.FlowLexer.tokenize(text);
  const elems = streamOf(lexed.tokens, (lexed.groups.comments ?? []) as IToken[]);
  let out = new Formatter(text, elems).file(parsed.value);
  const crlf = /^[^\n]*\r\n/.test(text);
  if (crlf) out = out.replace(/\n/g, "\r\n");
  if (text.startsWith(BOM)) out = BOM + out;
  assertSameStream(text, out);
  return { value: out, diagnostics: parsed.diagnostics };
}

export function formatExpr(e: A.Expr): string {
  switch (e.kind) {
    case "Number": return e.text;
    case "String": return JSON.stringify(e.value).replace(/\\u([0-9a-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    case "Bool": return e.value ? "true" : "false";
    case "Path": return e.parts.map((p) => p.name).join(".");
    case "List": return `[${e.items.map(formatExpr).join(", ")}]`;
    case "Binary": return `${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)}`;
    case "Unary": return `-${formatExpr(e.operand)}`;
    case "Call": return `${e.callee.name}(${e.args.map(formatExpr).join(", ")})`;
    case "Paren": return `(${formatExpr(e.expr)})`;
    case "Error": return "";
  }
}

/** A token or a comment of the source, by offsets (end exclusive). */
interface Elem {
  readonly start: number;
  readonly end: number;
  readonly image: string;
  readonly type: string;
  /** Position in the stream. */
  readonly index: number;
}

function streamOf(tokens: readonly IToken[], comments: readonly IToken[]): Elem[] {
  const all = [...tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset);
  return all.map((t, index) => ({ start: t.startOffset, end: t.endOffset! + 1, image: t.image, type: t.tokenType.name, index }));
}

const isComment = (e: Elem) => e.type === "LineComment" || e.type === "BlockComment";
/** A comment's text as printed: line breaks inside a block comment as `\n` (CRLF is restored at the end). */
const commentText = (e: Elem) => e.image.replace(/\r\n?/g, "\n");

/**
 * The formatter's own guard against losing text: the output has the input's tokens (commas between
 * block items aside, which the layout decides) and its comments, in the same order.
 */
function assertSameStream(before: string, after: string): void {
  const seq = (t: string) => {
    const l = T.FlowLexer.tokenize(t);
    return streamOf(l.tokens, (l.groups.comments ?? []) as IToken[]).filter((e) => e.type !== "Comma").map((e) => (isComment(e) ? commentText(e) : e.image));
  };
  const a = seq(before), b = seq(after);
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error("flowc fmt: the formatted text would not keep every token and comment of the input; the file is left as it is");
}

/** Punctuation that hugs what precedes it / what follows it. */
const NO_SPACE_BEFORE = new Set<string>(["Comma", "RParen", "RBracket", "Dot"]);
const NO_SPACE_AFTER = new Set<string>(["LParen", "LBracket", "Dot"]);
/** After these, a `-` is a sign, not a subtraction. */
const BEFORE_SIGN = new Set<string>(["LParen", "LBracket", "Comma", "Equals", "LBrace", "Plus", "Minus", "Star", "Slash", "LessEq", "GreaterEq", "EqEq", "NotEq", "Less", "Greater"]);

type Line = { text: string; trailing?: string; key?: string; value?: string; aligned: boolean; row?: Row; indent?: string; comma?: boolean };

/** A block on one line: `head { cell, cell }`; a cell is an item (`key = value`, or a nested block). */
interface Row { readonly head: string; readonly keyword: string; readonly named: boolean; readonly cells: readonly Cell[] }
interface Cell { readonly text: string; readonly key?: string; readonly block: boolean }

const rowText = (r: Row, pads: readonly number[] = []) =>
  r.cells.length ? `${r.head.padEnd(pads[0] ?? 0)} { ${r.cells.map((c, i) => (i < r.cells.length - 1 ? `${c.text},`.padEnd(pads[i + 1] ?? 0) : c.text)).join(" ")} }` : `${r.head.padEnd(pads[0] ?? 0)} { }`;

/**
 * Consecutive one-line blocks as a table (gofmt's tabwriter, for `source a { … }` lines): the heads
 * padded to one width, and a column of cells padded where the rows hold the same attribute there
 * and another attribute follows it (a nested block ends the alignment of its row).
 */
function table(rows: readonly Row[]): string[] {
  const pads: number[][] = rows.map(() => []);
  // Heads line up among rows of one keyword (`source a`, `source bb`) or of anonymous blocks (a
  // curation's `language { … }`, `dedup { … }`), not across `parallel { … }` and `optimizer adamw { … }`.
  const sameKind = (a: Row, b: Row) => a.keyword === b.keyword || (!a.named && !b.named);
  for (let k = 0; k < rows.length; ) {
    let j = k + 1;
    while (j < rows.length && sameKind(rows[k]!, rows[j]!)) j++;
    const width = Math.max(...rows.slice(k, j).map((r) => r.head.length));
    for (let m = k; m < j; m++) pads[m]![0] = width;
    k = j;
  }
  const columns = Math.max(...rows.map((r) => r.cells.length));
  for (let i = 0; i < columns; i++) {
    const alignable = (r: Row, key: string | undefined) => {
      const c = r.cells[i], next = r.cells[i + 1];
      return c !== undefined && next !== undefined && !c.block && !next.block && c.key !== undefined && (key === undefined || c.key === key);
    };
    let k = 0;
    while (k < rows.length) {
      if (!alignable(rows[k]!, undefined)) { k++; continue; }
      const key = rows[k]!.cells[i]!.key;
      let j = k;
      while (j < rows.length && alignable(rows[j]!, key)) j++;
      const width = Math.max(...rows.slice(k, j).map((r) => r.cells[i]!.text.length + 1));
      for (let m = k; m < j; m++) pads[m]![i + 1] = width;
      k = j;
    }
  }
  return rows.map((r, k) => rowText(r, pads[k]));
}

class Formatter {
  private readonly used = new Set<Elem>();

  constructor(private readonly text: string, private readonly elems: readonly Elem[]) {}

  file(f: A.FlowFile): string {
    const items: Item[] = [...f.imports, ...f.decls].sort((a, b) => a.span.start - b.span.start);
    const lines = this.items(items, "", 0, this.text.length);
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    return lines.length ? lines.join("\n") + "\n" : "";
  }

  private hasBreak(a: number, b: number): boolean {
    return /[\n\r]/.test(this.text.slice(Math.min(a, b), Math.max(a, b)));
  }

  private blankBetween(a: number, b: number): boolean {
    return /\r?\n[ \t\f\v\u00a0]*\r?\n/.test(this.text.slice(a, b));
  }

  /** Elements (tokens and comments) starting in [start, end). */
  private range(start: number, end: number): Elem[] {
    let lo = 0, hi = this.elems.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.elems[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    const out: Elem[] = [];
    for (let i = lo; i < this.elems.length && this.elems[i]!.start < end; i++) out.push(this.elems[i]!);
    return out;
  }

  private commentsIn(start: number, end: number): Elem[] {
    return this.range(start, end).filter((e) => isComment(e) && !this.used.has(e));
  }

  /**
   * Tokens and comments printed on one line with the canonical spacing; a line comment ends its
   * line, and what follows it continues on the next one, indented one step more.
   */
  private print(elems: readonly Elem[], indent: string): string[] {
    const lines: string[] = [];
    let cur = "";
    let prev: Elem | undefined;
    let prevToken: Elem | undefined;
    for (const e of elems) {
      this.used.add(e);
      if ((prev && prev.type === "LineComment") || (prevToken && this.keepsBreak(prevToken, e))) {
        lines.push(cur);
        cur = indent + INDENT;
      } else if (prev && this.spaceBetween(prev, e)) cur += " ";
      cur += isComment(e) ? commentText(e) : e.image;
      prev = e;
      if (!isComment(e)) prevToken = e;
    }
    lines.push(cur);
    return lines;
  }

  /**
   * The one line break inside an item that the grammar reads: a unit word on the line after its
   * number is not its unit (`[0\n epochs]` is two items), so joining the lines would change the value.
   */
  private keepsBreak(prevToken: Elem, e: Elem): boolean {
    return prevToken.type === "NumberLiteral" && e.type === "Identifier" && WORD_UNITS.has(e.image) && this.hasBreak(prevToken.end, e.start);
  }

  private spaceBetween(prev: Elem, e: Elem): boolean {
    if (isComment(prev) || isComment(e)) return !(NO_SPACE_AFTER.has(prev.type) || NO_SPACE_BEFORE.has(e.type));
    if (NO_SPACE_BEFORE.has(e.type) || NO_SPACE_AFTER.has(prev.type)) return false;
    if (e.type === "LParen" && prev.type === "Identifier") return false; // a call: `tokens(…)`
    if (prev.type === "Minus" && this.isSign(prev)) return false;
    return true;
  }

  /** A `-` is a sign when no operand precedes it. */
  private isSign(minus: Elem): boolean {
    for (let j = minus.index - 1; j >= 0; j--) {
      const p = this.elems[j]!;
      if (isComment(p)) continue;
      return BEFORE_SIGN.has(p.type);
    }
    return true;
  }

  /** Lines of a sequence of items between `from` and `to`, with their comments and blank lines. */
  private items(items: readonly Item[], indent: string, from: number, to: number): string[] {
    const out: Line[] = [];
    const blank = () => { if (out.length > 0 && out[out.length - 1]!.text !== "") out.push({ text: "", aligned: false }); };
    let cursor = from;
    items.forEach((item, k) => {
      const leading = this.commentsIn(cursor, item.span.start);
      // Comments on the item's own line (`/* why */ x = 1`) stay in front of it.
      let split = leading.length;
      while (split > 0 && !this.hasBreak(leading[split - 1]!.end, split === leading.length ? item.span.start : leading[split]!.start)) split--;
      let last = cursor;
      for (const c of leading.slice(0, split)) {
        if (this.blankBetween(last, c.start)) blank();
        out.push({ text: indent + commentText(c), aligned: false });
        this.used.add(c);
        last = c.end;
      }
      if (this.blankBetween(last, split < leading.length ? leading[split]!.start : item.span.start)) blank();
      const prefix = leading.slice(split);
      // Trailing comments: those after the item on its last line, before the next item.
      const next = items[k + 1]?.span.start ?? to;
      const trailing: Elem[] = [];
      let end = item.span.end;
      for (const c of this.commentsIn(item.span.end, next)) {
        if (this.hasBreak(end, c.start)) break;
        trailing.push(c);
        end = c.end;
        if (c.type === "LineComment") break;
      }
      for (const c of trailing) this.used.add(c);
      const trail = trailing.length ? trailing.map(commentText).join(" ") : undefined;
      const rendered = this.item(item, indent, prefix);
      const comma = items[k + 1] !== undefined && this.needsComma(item, items[k + 1]!) ? { comma: true } : {};
      const inner = this.range(item.span.start, item.span.end).some(isComment);
      const row = item.kind === "Block" && prefix.length === 0 ? this.inline(item) : undefined;
      if (row) {
        out.push({ text: rendered[0]!, aligned: false, row, indent, ...comma, ...(trail !== undefined ? { trailing: trail } : {}) });
      } else if (rendered.length === 1 && item.kind === "Attribute" && prefix.length === 0 && !inner) {
        const eq = this.range(item.span.start, item.span.end).find((e) => e.type === "Equals")!;
        out.push({
          text: rendered[0]!, aligned: true,
          key: indent + this.printFlat(item.span.start, eq.start), value: this.printFlat(eq.end, item.span.end),
          ...comma, ...(trail !== undefined ? { trailing: trail } : {}),
        });
      } else {
        rendered.forEach((l, i) => out.push({ text: l, aligned: false, ...(i === rendered.length - 1 ? { ...comma, ...(trail !== undefined ? { trailing: trail } : {}) } : {}) }));
      }
      cursor = end;
    });
    const rest = this.commentsIn(cursor, to);
    let last = cursor;
    for (const c of rest) {
      if (this.blankBetween(last, c.start)) blank();
      out.push({ text: indent + commentText(c), aligned: false });
      this.used.add(c);
      last = c.end;
    }
    return align(out);
  }

  /**
   * Items on lines of their own are not separated by commas, except where the grammar would read
   * the two as one without it: a `-` or `(` continues the item before (`x = a` then `(1) <= 2` is a
   * call), and a lone name before an anonymous block becomes its keyword (`auto` then `mix { }`).
   */
  private needsComma(item: Item, next: Item): boolean {
    const first = this.range(next.span.start, next.span.end).find((e) => !isComment(e));
    if (first && (first.type === "Minus" || first.type === "LParen")) return true;
    return item.kind === "ExprItem" && item.expr.kind === "Path" && item.expr.parts.length === 1 && next.kind === "Block" && next.name === undefined;
  }

  /** The tokens of [start, end) on one line (no comments there: the caller checked). */
  private printFlat(start: number, end: number): string {
    return this.print(this.range(start, end), "")[0]!;
  }

  private item(item: Item, indent: string, prefix: readonly Elem[]): string[] {
    if (item.kind === "Block") return this.block(item, indent, prefix);
    const lines = this.print([...prefix, ...this.range(item.span.start, item.span.end)], indent);
    return lines.map((l, i) => (i === 0 ? indent + l : l));
  }

  /** A block on one line, if it was written so and holds no comment. */
  private inline(b: A.Block): Row | undefined {
    if (this.hasBreak(b.span.start, b.span.end)) return undefined;
    if (this.range(b.span.start, b.span.end).some(isComment)) return undefined;
    const open = this.openBrace(b);
    const cells: Cell[] = [];
    for (const it of b.items) {
      if (it.kind === "Block") {
        const inner = this.inline(it);
        if (inner === undefined) return undefined;
        cells.push({ text: rowText(inner), block: true });
      } else {
        const key = it.kind === "Attribute" ? it.key.parts.map((p) => p.name).join(".") : undefined;
        cells.push({ text: this.printFlat(it.span.start, it.span.end), block: false, ...(key !== undefined ? { key } : {}) });
      }
    }
    return { head: this.printFlat(b.span.start, open.start), keyword: b.keyword.name, named: b.name !== undefined, cells };
  }

  private openBrace(b: A.Block): Elem {
    return this.range(b.span.start, b.span.end).find((e) => e.type === "LBrace")!;
  }

  private block(b: A.Block, indent: string, prefix: readonly Elem[]): string[] {
    const one = prefix.length === 0 ? this.inline(b) : undefined;
    if (one !== undefined) return [indent + rowText(one)];
    const open = this.openBrace(b);
    const close = b.span.end - 1;
    // The head (`KIND NAME {`, with any comments between) and the comments on the line of `{`.
    const head = [...prefix, ...this.range(b.span.start, open.end)];
    let cursor = open.end;
    const firstItem = b.items[0]?.span.start ?? close;
    for (const c of this.commentsIn(open.end, firstItem)) {
      if (this.hasBreak(cursor, c.start)) break;
      head.push(c);
      cursor = c.end;
      if (c.type === "LineComment") break;
    }
    const headLines = this.print(head, indent).map((l, i) => (i === 0 ? indent + l : l));
    const inner = this.items(b.items, indent + INDENT, cursor, close);
    this.used.add(this.range(close, close + 1)[0]!);
    return [...headLines, ...inner, `${indent}}`];
  }
}

type Item = A.Import | A.BodyItem;

/** Aligns `=` within runs of consecutive single-line attributes, and the runs' trailing comments. */
function align(lines: Line[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    let j = i;
    while (j < lines.length && lines[j]!.aligned) j++;
    if (j > i) {
      const run = lines.slice(i, j);
      const keyWidth = Math.max(...run.map((l) => l.key!.length));
      const texts = run.map((l) => `${l.key!.padEnd(keyWidth)} = ${l.value}${l.comma ? "," : ""}`);
      const width = Math.max(...texts.map((t, k) => (run[k]!.trailing ? t.length : 0)));
      texts.forEach((t, k) => out.push(run[k]!.trailing ? `${t.padEnd(width)}  ${run[k]!.trailing}` : t));
      i = j;
      continue;
    }
    if (lines[i]!.row) {
      while (j < lines.length && lines[j]!.row && lines[j]!.indent === lines[i]!.indent) j++;
      const run = lines.slice(i, j);
      const texts = table(run.map((l) => l.row!)).map((t, k) => run[k]!.indent + t + (run[k]!.comma ? "," : ""));
      const width = Math.max(...texts.map((t, k) => (run[k]!.trailing ? t.length : 0)));
      texts.forEach((t, k) => out.push(run[k]!.trailing ? `${t.padEnd(width)}  ${run[k]!.trailing}` : t));
      i = j;
      continue;
    }
    const l = lines[i]!;
    const text = l.text + (l.comma ? "," : "");
    out.push(l.trailing ? `${text}  ${l.trailing}` : text);
    i++;
  }
  return out;
}
