// Code actions: the diagnostics' fixes (`fixes` on a diagnostic: spans and their new text) as
// quick fixes. An insertion after the last item of a block that is written over several lines
// goes on a line of its own, indented like that item.
import type { Fix } from "../diagnostics/diagnostic.js";
import type { SourceText } from "./convert.js";

export interface TextChange {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export function fixChanges(fix: Fix, source: (file: string) => SourceText | undefined): TextChange[] {
  return fix.edits.map((e) => {
    const src = source(e.span.file);
    const change = { file: e.span.file, start: e.span.start, end: e.span.end, text: e.text };
    if (!src || e.span.start !== e.span.end || !e.text.startsWith(", ")) return change;
    // What follows on the line: nothing (or a comment) means the block goes on over several lines.
    const line = src.lines.position(e.span.start).line;
    const lineEnd = src.lines.lineStart(line) + src.lines.lineText(line).length;
    const rest = src.text.slice(e.span.start, lineEnd);
    if (!/^\s*(\/\/.*)?$/.test(rest)) return change;
    const indent = /^\s*/.exec(src.lines.lineText(line))![0];
    return { ...change, start: lineEnd, end: lineEnd, text: `\n${indent}${e.text.slice(2)}` };
  });
}
