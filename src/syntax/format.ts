// `flowc fmt`: one canonical layout, comments kept, idempotent.
//
// The rules (gofmt-like, so that hand-aligned files like tiny.flow stay as they are):
// - two-space indentation; one item per line inside a multi-line block;
// - a block written on one line stays on one line (`stage warm { until = 1M, mix { a = 100% } }`)
//   unless it holds a comment (like gofmt, the formatter never wraps a line the author kept whole);
//   a block written over several lines gets one item per line;
// - in a run of consecutive `key = value` lines, the `=` signs are aligned; trailing `//`
//   comments of a run are aligned one column after the longest line;
// - at most one blank line between items, kept where the source had one or more;
// - numbers keep their spelling (`1_024_000`, `8_192 tokens`); strings are re-escaped.
// A file with syntax errors is not formatted (the diagnostics are returned instead).
import type * as A from "../ast/nodes.js";
import type { Result } from "../diagnostics/diagnostic.js";
import { parseText } from "./parse.js";

const INDENT = "  ";

export function formatText(text: string, file: string): Result<string> {
  const parsed = parseText(text, file);
  if (parsed.diagnostics.some((d) => d.severity === "error")) return { value: text, diagnostics: parsed.diagnostics };
  return { value: new Formatter(text, parsed.value.comments).file(parsed.value), diagnostics: parsed.diagnostics };
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

type Item = A.Import | A.BodyItem;

class Formatter {
  private readonly used = new Set<A.Comment>();

  constructor(private readonly text: string, private readonly comments: readonly A.Comment[]) {}

  file(f: A.FlowFile): string {
    const items: Item[] = [...f.imports, ...f.decls].sort((a, b) => a.span.start - b.span.start);
    const lines = this.items(items, "", 0, this.text.length);
    return lines.join("\n").replace(/\n{3,}/g, "\n\n").trim() + "\n";
  }

  private sameLine(a: number, b: number): boolean {
    return !/\n/.test(this.text.slice(Math.min(a, b), Math.max(a, b)));
  }

  private commentsIn(start: number, end: number): A.Comment[] {
    return this.comments.filter((c) => !this.used.has(c) && c.span.start >= start && c.span.end <= end);
  }

  /** Lines of a sequence of items between `from` and `to`, with their comments and blank lines. */
  private items(items: readonly Item[], indent: string, from: number, to: number): string[] {
    const out: { text: string; trailing?: string; aligned: boolean; key?: string; value?: string }[] = [];
    const blank = () => out.push({ text: "", aligned: false });
    let cursor = from;
    items.forEach((item) => {
      const leading = this.commentsIn(cursor, item.span.start);
      const firstStart = leading[0]?.span.start ?? item.span.start;
      if (out.length > 0 && /\n[ \t]*\r?\n/.test(this.text.slice(cursor, firstStart))) blank();
      for (const c of leading) {
        this.used.add(c);
        if (out.length > 0 && c !== leading[0] && /\n[ \t]*\r?\n/.test(this.text.slice(leading[leading.indexOf(c) - 1]!.span.end, c.span.start))) blank();
        out.push({ text: indent + c.text.trim(), aligned: false });
      }
      const lastLeading = leading[leading.length - 1];
      if (lastLeading && /\n[ \t]*\r?\n/.test(this.text.slice(lastLeading.span.end, item.span.start))) blank();
      // A trailing comment: the first comment after the item on the item's last line.
      const after = this.comments.find((c) => !this.used.has(c) && c.span.start >= item.span.end && this.sameLine(item.span.end, c.span.start));
      if (after) this.used.add(after);
      const rendered = this.item(item, indent);
      const single = rendered.length === 1;
      if (single && item.kind === "Attribute") {
        out.push({ text: rendered[0]!, key: indent + formatExpr(item.key), value: formatExpr(item.value), aligned: true, ...(after ? { trailing: after.text.trim() } : {}) });
      } else {
        rendered.forEach((l, i) => out.push({ text: l, aligned: false, ...(after && i === rendered.length - 1 ? { trailing: after.text.trim() } : {}) }));
      }
      cursor = after ? after.span.end : item.span.end;
    });
    const rest = this.commentsIn(cursor, to);
    if (rest.length && out.length > 0 && /\n[ \t]*\r?\n/.test(this.text.slice(cursor, rest[0]!.span.start))) blank();
    for (const c of rest) {
      this.used.add(c);
      out.push({ text: indent + c.text.trim(), aligned: false });
    }
    return align(out);
  }

  private item(item: Item, indent: string): string[] {
    switch (item.kind) {
      case "Import": return [`${indent}import ${formatExpr(item.path)}`];
      case "Attribute": return [`${indent}${formatExpr(item.key)} = ${formatExpr(item.value)}`];
      case "ExprItem": return [`${indent}${formatExpr(item.expr)}`];
      case "Block": return this.block(item, indent);
    }
  }

  private head(b: A.Block): string {
    return b.name ? `${b.keyword.name} ${b.name.name}` : b.keyword.name;
  }

  /** A block on one line, if it was written so and holds no comment. */
  private inline(b: A.Block): string | undefined {
    if (!this.sameLine(b.span.start, b.span.end)) return undefined;
    if (this.comments.some((c) => c.span.start > b.span.start && c.span.end < b.span.end)) return undefined;
    const parts: string[] = [];
    for (const it of b.items) {
      if (it.kind === "Block") {
        const inner = this.inline(it);
        if (inner === undefined) return undefined;
        parts.push(inner);
      } else parts.push(this.item(it, "")[0]!);
    }
    return parts.length ? `${this.head(b)} { ${parts.join(", ")} }` : `${this.head(b)} { }`;
  }

  private block(b: A.Block, indent: string): string[] {
    const one = this.inline(b);
    if (one !== undefined) return [indent + one];
    const open = b.items.length ? b.items[0]!.span.start : b.span.end - 1;
    const inner = this.items(b.items, indent + INDENT, open, b.span.end - 1);
    return [`${indent}${this.head(b)} {`, ...inner, `${indent}}`];
  }
}

/** Aligns `=` within runs of consecutive single-line attributes, and the runs' trailing comments. */
function align(lines: { text: string; trailing?: string; aligned: boolean; key?: string; value?: string }[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    let j = i;
    while (j < lines.length && lines[j]!.aligned) j++;
    if (j > i) {
      const run = lines.slice(i, j);
      const keyWidth = Math.max(...run.map((l) => l.key!.length));
      const texts = run.map((l) => `${l.key!.padEnd(keyWidth)} = ${l.value}`);
      const width = Math.max(...texts.map((t, k) => (run[k]!.trailing ? t.length : 0)));
      texts.forEach((t, k) => out.push(run[k]!.trailing ? `${t.padEnd(width)}  ${run[k]!.trailing}` : t));
      i = j;
      continue;
    }
    const l = lines[i]!;
    out.push(l.trailing ? `${l.text}  ${l.trailing}` : l.text);
    i++;
  }
  return out;
}
