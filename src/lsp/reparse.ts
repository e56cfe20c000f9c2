// Incremental parsing for the editor: after an edit inside one top-level declaration, only that
// declaration's text is parsed again (by the compiler's own parser, on the slice), and the nodes
// after it are shifted by the edit's length — as rust-analyzer reparses the innermost balanced
// `{ }` block. Anything this cannot prove equivalent to a full parse falls back to one.
import type { IToken } from "chevrotain";
import type * as A from "../ast/nodes.js";
import type { Diagnostic, Label, Result } from "../diagnostics/diagnostic.js";
import type { Span } from "../source/span.js";
import { parseText } from "../syntax/parse.js";
import { FlowLexer, LBrace, RBrace, UnterminatedComment } from "../syntax/tokens.js";

export type ParseFn = (text: string, file: string) => Result<A.FlowFile>;

interface Entry {
  readonly text: string;
  readonly result: Result<A.FlowFile>;
}

/** What the last call did, for tests and the benchmark. */
export type ParseKind = "cached" | "incremental" | "full";

/**
 * A parse function with memory: the same text returns the same AST; an edit inside one
 * declaration reparses that declaration alone. One instance serves a whole workspace.
 */
export class IncrementalParser {
  private readonly last = new Map<string, Entry>();
  lastKind: ParseKind = "full";

  readonly parse: ParseFn = (text, file) => {
    const prev = this.last.get(file);
    let result: Result<A.FlowFile> | undefined;
    if (prev && prev.text === text) {
      this.lastKind = "cached";
      return prev.result;
    }
    if (prev) result = reparse(prev.text, prev.result, text, file);
    this.lastKind = result ? "incremental" : "full";
    result ??= parseText(text, file);
    this.last.set(file, { text, result });
    return result;
  };

  forget(file: string): void {
    this.last.delete(file);
  }
}

/** The changed region: old text [start, oldEnd) became new text [start, newEnd). */
export function diffRegion(a: string, b: string): { start: number; oldEnd: number; newEnd: number } {
  const max = Math.min(a.length, b.length);
  let start = 0;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { start, oldEnd: a.length - tail, newEnd: b.length - tail };
}

/** The incremental result, or undefined when only a full parse is known to be right. */
export function reparse(oldText: string, old: Result<A.FlowFile>, text: string, file: string): Result<A.FlowFile> | undefined {
  const { start, oldEnd, newEnd } = diffRegion(oldText, text);
  const f = old.value;
  // The edit lies strictly inside one declaration: its first character and its closing `}` stay.
  const decl = f.decls.find((d) => d.span.start < start && oldEnd < d.span.end);
  if (!decl) return undefined;
  // Every old diagnostic lies wholly inside this declaration (it is replaced) or wholly outside
  // it; and no parse error elsewhere, whose recovery could have read into this declaration.
  const labels = (d: Diagnostic) => [d.primary, ...d.secondary];
  const inside = (s: Span) => s.file === file && s.start >= decl.span.start && s.end <= decl.span.end;
  const outside = (s: Span) => s.file !== file || s.end <= decl.span.start || s.start >= decl.span.end;
  const others: Diagnostic[] = [];
  for (const d of old.diagnostics) {
    if (labels(d).every((l) => inside(l.span))) continue;
    if (!labels(d).every((l) => outside(l.span)) || d.code === "E0001") return undefined;
    others.push(d);
  }

  const delta = newEnd - oldEnd;
  const sliceStart = decl.span.start;
  const sliceEnd = decl.span.end + delta;
  const slice = text.slice(sliceStart, sliceEnd);
  if (!balancedBlock(slice)) return undefined;
  const part = parseText(slice, file);
  const [fresh, ...extra] = part.value.decls;
  if (!fresh || extra.length || part.value.imports.length) return undefined;
  // Chevrotain's recovery may resynchronise on tokens past the block when the whole file is parsed;
  // only a slice that parses cleanly is known to parse the same in place.
  if (part.diagnostics.some((d) => d.code === "E0001")) return undefined;
  if (fresh.span.start !== 0 || fresh.span.end !== slice.length) return undefined;

  const moveIn = shifter(sliceStart);
  const moveAfter = shifter(delta);
  const decls = f.decls.map((d) => (d === decl ? moveIn(fresh) : d.span.start >= decl.span.end ? moveAfter(d) : d));
  const comments = [
    ...f.comments.filter((c) => c.span.end <= decl.span.start),
    ...part.value.comments.map(moveIn),
    ...f.comments.filter((c) => c.span.start >= decl.span.end).map(moveAfter),
  ];
  const imports = f.imports.map((i) => (i.span.start >= decl.span.end ? moveAfter(i) : i));
  const kept = others.map((d) => shiftDiagnostic(d, delta, file, decl.span.end));
  // parseText's order: lexer errors, unclosed strings and comments, parse errors, then the rest.
  const rank = (d: Diagnostic) => ["E0004", "E0002|E0005", "E0001"].findIndex((c) => c.includes(d.code)) >>> 0;
  const diagnostics = [...kept, ...part.diagnostics.map((d) => shiftDiagnostic(d, sliceStart, file, 0))]
    .sort((x, y) => rank(x) - rank(y) || x.primary.span.start - y.primary.span.start);
  const value: A.FlowFile = { ...f, imports, decls, comments, span: { ...f.span, end: text.length } };
  return { value, diagnostics };
}

/** The slice lexes as one `KEYWORD [NAME] { … }` whose first `{` closes at its very end. */
function balancedBlock(slice: string): boolean {
  const lexed = FlowLexer.tokenize(slice);
  const tokens: IToken[] = lexed.tokens;
  if (tokens.some((t) => t.tokenType === UnterminatedComment)) return false;
  let depth = 0;
  let opened = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType === LBrace) {
      depth++;
      opened = true;
    } else if (t.tokenType === RBrace) {
      depth--;
      if (depth < 0) return false;
      if (depth === 0) return i === tokens.length - 1 && (t.endOffset ?? 0) + 1 === slice.length;
    }
  }
  return opened && depth === 0;
}

function shiftSpan(s: Span, by: number): Span {
  return { file: s.file, start: s.start + by, end: s.end + by };
}

/** Moves the labels of `file` that start at or after `from` by `by`. */
function shiftDiagnostic(d: Diagnostic, by: number, file: string, from: number): Diagnostic {
  const move = (l: Label): Label => (l.span.file === file && l.span.start >= from ? { ...l, span: shiftSpan(l.span, by) } : l);
  return { ...d, primary: move(d.primary), secondary: d.secondary.map(move) };
}

/**
 * A deep copy of an AST node with every span moved by `by`. Nodes are plain data (AST interfaces
 * of ast/nodes.ts): a span is an object with `file`, `start` and `end`; exact quantities are shared.
 */
function shifter(by: number): <T>(node: T) => T {
  const move = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(move);
    if (x === null || typeof x !== "object") return x;
    const o = x as Record<string, unknown>;
    if (typeof o.file === "string" && typeof o.start === "number" && typeof o.end === "number") return shiftSpan(o as unknown as Span, by);
    if (o.kind === undefined) return x; // a quantity (exact rational): no spans inside
    const out: Record<string, unknown> = {};
    for (const k in o) out[k] = move(o[k]);
    return out;
  };
  return <T>(node: T) => move(node) as T;
}
