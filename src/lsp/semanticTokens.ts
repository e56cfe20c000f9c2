// Semantic tokens: the compiler's lexer gives every token; the AST and the name index say what an
// identifier is (a block keyword, a declaration, a reference, an attribute, an enum value).
import type { IToken } from "chevrotain";
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from "vscode-languageserver";
import type { Attribute, Block, Expr, FlowFile } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import * as T from "../syntax/tokens.js";
import type { SourceText } from "./convert.js";
import type { ProgramIndex } from "./symbols.js";
import { attrSpec, blockSpec, type BlockFrame } from "../language/vocabulary.js";

const TYPES = ["keyword", "variable", "property", "enumMember", "function", "number", "string", "comment", "operator", "namespace"] as const;
const MODIFIERS = ["declaration", "defaultLibrary"] as const;
type TokenType = (typeof TYPES)[number];

export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

interface Role {
  readonly type: TokenType;
  readonly declaration?: boolean;
  readonly library?: boolean;
}

const OPERATORS = new Set([T.Equals, T.Plus, T.Minus, T.Star, T.Slash, T.Less, T.LessEq, T.Greater, T.GreaterEq, T.EqEq, T.NotEq]);

export function semanticTokens(file: FlowFile | undefined, src: SourceText, index: ProgramIndex | undefined): SemanticTokens {
  const roles = file ? identifierRoles(file, index) : new Map<number, Role>();
  const lexed = T.FlowLexer.tokenize(src.text);
  const tokens: IToken[] = [...lexed.tokens, ...((lexed.groups.comments ?? []) as IToken[])].sort((a, b) => a.startOffset - b.startOffset);
  const b = new SemanticTokensBuilder();
  const push = (start: number, end: number, role: Role) => {
    const type = TYPES.indexOf(role.type);
    const mods = (role.declaration ? 1 : 0) | (role.library ? 2 : 0);
    // One token per line: clients need not support tokens that span lines.
    let s = start;
    while (s < end) {
      const nl = src.text.indexOf("\n", s);
      const e = nl < 0 || nl >= end ? end : nl;
      const p = src.position(s);
      if (e > s) b.push(p.line, p.character, e - s, type, mods);
      s = e + 1;
    }
  };
  for (const t of tokens) {
    const start = t.startOffset;
    const end = (t.endOffset ?? start) + 1;
    const tt = t.tokenType;
    if (tt === T.LineComment || tt === T.BlockComment || tt === T.UnterminatedComment) push(start, end, { type: "comment" });
    else if (tt === T.StringLiteral || tt === T.UnterminatedString) push(start, end, { type: "string" });
    else if (tt === T.NumberLiteral) push(start, end, { type: "number" });
    else if (tt === T.True || tt === T.False || tt === T.Import) push(start, end, { type: "keyword" });
    else if (OPERATORS.has(tt)) push(start, end, { type: "operator" });
    else if (tt === T.Identifier) {
      const r = roles.get(start);
      if (r) push(start, end, r);
    }
  }
  return b.build();
}

/** The role of each identifier, by its offset. */
function identifierRoles(file: FlowFile, index: ProgramIndex | undefined): Map<number, Role> {
  const roles = new Map<number, Role>();
  for (const o of index?.inFile(file.path) ?? []) {
    const type: TokenType = o.target.kind === "decl" ? "variable" : "property";
    roles.set(o.ident.span.start, { type, declaration: o.isDefinition });
  }
  const frames: BlockFrame[] = [];
  const expr = (e: Expr, words: boolean) => {
    switch (e.kind) {
      case "Path":
        for (const [i, p] of e.parts.entries()) {
          if (roles.has(p.span.start)) continue;
          // A bare word of an enum (`format = jsonl`), `auto`, or a metric after an evalset.
          if (words || (e.parts.length === 1 && p.name === "auto") || i > 0) roles.set(p.span.start, { type: "enumMember" });
        }
        return;
      case "Number":
        // A unit written as a word (`8_192 tokens`) is part of the number.
        if (e.unit && /\s/.test(e.text)) roles.set(e.span.end - e.unit.length, { type: "number" });
        return;
      case "List": return e.items.forEach((x) => expr(x, words));
      case "Binary": expr(e.left, words); expr(e.right, words); return;
      case "Unary": return expr(e.operand, words);
      case "Paren": return expr(e.expr, words);
      case "Call":
        roles.set(e.callee.span.start, { type: "function", library: true });
        return e.args.forEach((x) => expr(x, words));
      default: return;
    }
  };
  const block = (b: Block) => {
    frames.push({ keyword: b.keyword.name, ...(b.name ? { name: b.name.name } : {}) });
    const spec = blockSpec(frames);
    roles.set(b.keyword.span.start, { type: "keyword" });
    if (b.name && !roles.has(b.name.span.start)) roles.set(b.name.span.start, spec?.name === "algorithm" ? { type: "enumMember" } : { type: "namespace", declaration: true });
    for (const it of b.items) {
      if (it.kind === "Block") block(it);
      else if (it.kind === "ExprItem") expr(it.expr, false);
      else attribute(it, spec);
    }
    frames.pop();
  };
  const attribute = (a: Attribute, spec: ReturnType<typeof blockSpec>) => {
    if (!spec?.datasetKeys) for (const p of a.key.parts) if (!roles.has(p.span.start)) roles.set(p.span.start, { type: "property" });
    const as = attrSpec(spec, pathText(a.key));
    expr(a.value, !!(as?.values || as?.words));
  };
  for (const d of file.decls) block(d);
  return roles;
}
