// parseText: text -> AST + diagnostics. Never throws, whatever the input: lexing errors,
// parse errors (several per run, thanks to chevrotain's recovery) and literal errors all
// become diagnostics with spans inside the text.
import type { IRecognitionException, IToken } from "chevrotain";
import type { FlowFile } from "../ast/nodes.js";
import type { Diagnostic, Result } from "../diagnostics/diagnostic.js";
import { span } from "../source/span.js";
import type { FileCstNode } from "../generated/cst.js";
import { AstBuilder } from "./build.js";
import { syntaxDiagnostic } from "./diagnose.js";
import { parserInstance } from "./parser.js";
import { FlowLexer, LBrace, LBracket, LParen, Minus, RBrace, RBracket, RParen, UnterminatedComment, UnterminatedString } from "./tokens.js";
import { MAX_NESTING } from "../units/limits.js";

export function parseText(text: string, file: string): Result<FlowFile> {
  const diagnostics: Diagnostic[] = [];
  const lexed = FlowLexer.tokenize(text);
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    diagnostics.push(syntaxDiagnostic("E0004", span(file, e.offset, e.offset + Math.max(1, e.length)),
      `Unexpected character \`${visible(ch.length > 20 ? ch.slice(0, 20) + "…" : ch)}\`.`, "remove it, or put text in double quotes"));
  }
  const tokens: IToken[] = [];
  for (const t of lexed.tokens) {
    if (t.tokenType === UnterminatedString) {
      diagnostics.push(syntaxDiagnostic("E0002", span(file, t.startOffset, t.endOffset! + 1), "This string is not closed.", "add the closing `\"` on the same line"));
      continue;
    }
    if (t.tokenType === UnterminatedComment) {
      diagnostics.push(syntaxDiagnostic("E0005", span(file, t.startOffset, t.startOffset + 2), "This comment is not closed.", "add `*/` where the comment ends"));
      continue;
    }
    tokens.push(t);
  }
  const tooDeep = nestingPastLimit(tokens);
  if (tooDeep) {
    // The parser recurses per level: a file nested past the limit is not parsed at all.
    diagnostics.push(syntaxDiagnostic("E0008", span(file, tooDeep.startOffset, tooDeep.endOffset! + 1),
      `Nesting deeper than ${MAX_NESTING} levels (brackets, parentheses, braces and signs together).`,
      "a program nests a few levels deep; write the value out flat, or split it into named declarations", "this level is one too many"));
    const comments = (lexed.groups.comments ?? []) as IToken[];
    return { value: { kind: "File", path: file, imports: [], decls: [], comments: comments.map((c) => ({ kind: "Comment", text: c.image, span: span(file, c.startOffset, c.endOffset! + 1) })), span: span(file, 0, text.length) }, diagnostics };
  }
  parserInstance.input = tokens;
  const cst = parserInstance.file() as FileCstNode; // the shape src/generated/cst.ts declares for this rule
  for (const e of parserInstance.errors) diagnostics.push(parseError(e, file, text));
  // The shared parser would otherwise keep this file's tokens alive until the next parse.
  parserInstance.input = [];
  const comments = (lexed.groups.comments ?? []) as IToken[];
  const ast = new AstBuilder(file, diagnostics).buildFile(cst, text, comments);
  return { value: ast, diagnostics: dedupe(diagnostics) };
}

/** Control characters (a NUL, an escape) as `U+0000`, never written raw to a terminal. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}

/** The first token that opens a level past MAX_NESTING (a `(`, `[`, `{`, or a sign in a run of `-`). */
function nestingPastLimit(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let signs = 0;
  for (const t of tokens) {
    const ty = t.tokenType;
    signs = ty === Minus ? signs + 1 : 0;
    if (ty === LParen || ty === LBracket || ty === LBrace) depth++;
    else if (ty === RParen || ty === RBracket || ty === RBrace) depth = Math.max(0, depth - 1);
    if (depth + signs > MAX_NESTING) return t;
  }
  return undefined;
}

function parseError(e: IRecognitionException, file: string, text: string): Diagnostic {
  const t = e.token;
  const atEnd = t.tokenType.name === "EOF" || Number.isNaN(t.startOffset);
  const start = atEnd ? Math.max(0, text.trimEnd().length) : t.startOffset;
  const end = atEnd ? start : (t.endOffset ?? start) + 1;
  const help = /but got the end of the file/.test(e.message)
    ? "a block or list is not closed: add the missing `}` or `]`"
    : /Expected `=`/.test(e.message) ? "an attribute is written `key = value`" : undefined;
  return syntaxDiagnostic("E0001", span(file, start, end), e.message, help);
}

/** Recovery can report the same position twice; keep the first. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}:${d.primary.span.start}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
