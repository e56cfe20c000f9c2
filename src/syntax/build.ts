// CST -> AST. Every node gets a span from its tokens; nodes the parser recovered get an
// ErrorExpr or `recovered: true` rather than a crash. Literal problems (unknown units) are
// reported here, where the token is at hand.
import type { CstNode, IToken } from "chevrotain";
import type * as A from "../ast/nodes.js";
import type * as C from "../generated/cst.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { span as mkSpan, type Span } from "../source/span.js";
import { applyWordUnit, parseNumberLiteral, UNITS } from "../units/literal.js";
import { suggest } from "../diagnostics/suggest.js";
import { syntaxDiagnostic } from "./diagnose.js";
import { childrenOf, type AstNode } from "../generated/ast-walk.js";
import { MAX_EXPRESSION_DEPTH } from "../units/limits.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;
// Child keys of a generated CST node type that hold tokens, and those that hold nodes: a misspelt
// key, or a token asked for as a node, is a compile error rather than a silently empty list.
type Kids<N extends CstNode> = N extends { children: infer K } ? K : never;
type TokenKey<N extends CstNode> = { [K in keyof Kids<N>]-?: NonNullable<Kids<N>[K]> extends IToken[] ? K : never }[keyof Kids<N>] & string;
type NodeKey<N extends CstNode> = { [K in keyof Kids<N>]-?: NonNullable<Kids<N>[K]> extends CstNode[] ? K : never }[keyof Kids<N>] & string;
type NodeAt<N extends CstNode, K extends keyof Kids<N>> = NonNullable<Kids<N>[K]> extends (infer E)[] ? E : never;

const isToken = (x: CstNode | IToken): x is IToken => "image" in x;

export class AstBuilder {
  constructor(private readonly fileName: string, private readonly diagnostics: Diagnostic[]) {}

  /** End of the last token a span was made for (tokens come in source order): where an empty recovered node goes. */
  private lastEnd = 0;

  private tokSpan(t: IToken): Span {
    const sp = mkSpan(this.fileName, t.startOffset, (t.endOffset ?? t.startOffset) + 1);
    this.lastEnd = Math.max(this.lastEnd, sp.end);
    return sp;
  }

  /** The smallest span holding all of `spans` (operands of a recovered expression may be out of order). */
  private cover(...spans: Span[]): Span {
    return mkSpan(this.fileName, Math.min(...spans.map((x) => x.start)), Math.max(...spans.map((x) => x.end)));
  }

  /**
   * Span of a CST node from its first to its last token. A node the parser recovered without any
   * token gets an empty span where the text before it ends, so it nests inside its parent.
   */
  private nodeSpan(n: CstNode): Span {
    const loc = n.location;
    if (loc && Number.isFinite(loc.startOffset) && loc.endOffset !== undefined && Number.isFinite(loc.endOffset)) {
      return mkSpan(this.fileName, loc.startOffset, loc.endOffset + 1);
    }
    return mkSpan(this.fileName, this.lastEnd, this.lastEnd);
  }

  private tokens<N extends CstNode>(n: N, key: TokenKey<N>): IToken[] {
    return ((n.children as Children)[key] ?? []).filter(isToken).filter((t) => !Number.isNaN(t.startOffset));
  }

  private nodes<N extends CstNode, K extends NodeKey<N>>(n: N, key: K): NodeAt<N, K>[] {
    return ((n.children as Children)[key] ?? []).filter((c) => !isToken(c)) as NodeAt<N, K>[];
  }

  /**
   * An item's expression, or an error node when its tree is deeper than MAX_EXPRESSION_DEPTH (measured
   * without recursion), so that no later phase walks a tree that would overflow its stack.
   */
  private bounded(e: A.Expr): A.Expr {
    const stack: [AstNode, number][] = [[e, 1]];
    while (stack.length) {
      const [n, d] = stack.pop()!;
      if (d > MAX_EXPRESSION_DEPTH) {
        const at = n.kind === "Binary" ? n.opSpan : mkSpan(this.fileName, n.span.start, Math.min(n.span.end, n.span.start + 1));
        this.diagnostics.push(syntaxDiagnostic("E0009", at, `This expression is nested more than ${MAX_EXPRESSION_DEPTH} operations deep.`,
          "a value is a few operations; compute long sums outside the program and write the result", "this operation is one too deep"));
        return { kind: "Error", span: e.span };
      }
      for (const c of childrenOf(n)) stack.push([c, d + 1]);
    }
    return e;
  }

  private ident(t: IToken): A.Ident {
    return { kind: "Ident", name: t.image, span: this.tokSpan(t) };
  }

  buildFile(cst: C.FileCstNode, text: string, comments: IToken[]): A.FlowFile {
    const imports: A.Import[] = [];
    const decls: A.Block[] = [];
    // Keep source order between imports and blocks by offset.
    for (const n of this.nodes(cst, "importDecl")) {
      const str = this.tokens(n, "StringLiteral")[0];
      if (!str) continue;
      imports.push({ kind: "Import", path: this.string(str), span: this.nodeSpan(n) });
    }
    for (const n of this.nodes(cst, "block")) {
      const b = this.block(n);
      if (b) decls.push(b);
    }
    return {
      kind: "File",
      path: this.fileName,
      imports,
      decls,
      comments: comments.map((c) => ({ kind: "Comment", text: c.image, span: this.tokSpan(c) })),
      span: mkSpan(this.fileName, 0, text.length),
    };
  }

  private block(n: C.BlockCstNode): A.Block | undefined {
    const kw = this.tokens(n, "keyword")[0];
    if (!kw) return undefined;
    const name = this.tokens(n, "name")[0];
    const items: A.BodyItem[] = [];
    for (const it of this.nodes(n, "item")) {
      const x = this.item(it);
      if (x) items.push(x);
    }
    const closed = this.tokens(n, "RBrace").length > 0;
    return {
      kind: "Block",
      keyword: this.ident(kw),
      ...(name ? { name: this.ident(name) } : {}),
      items,
      span: this.nodeSpan(n),
      ...(n.recoveredNode || !closed ? { recovered: true } : {}),
    };
  }

  private item(n: C.ItemCstNode): A.BodyItem | undefined {
    const b = this.nodes(n, "block")[0];
    if (b) return this.block(b);
    const a = this.nodes(n, "attribute")[0];
    if (a) {
      const p = this.nodes(a, "path")[0];
      const key = p ? this.path(p) : undefined;
      if (!key) return undefined;
      const e = this.nodes(a, "expression")[0];
      const value: A.Expr = e ? this.bounded(this.expression(e)) : { kind: "Error", span: this.nodeSpan(a) };
      return { kind: "Attribute", key, value, span: this.nodeSpan(a) };
    }
    const e = this.nodes(n, "expression")[0];
    if (e) {
      const expr = this.bounded(this.expression(e));
      return { kind: "ExprItem", expr, span: expr.span };
    }
    return undefined;
  }

  private path(n: C.PathCstNode): A.Path | undefined {
    const ids = this.tokens(n, "Identifier").sort((x, y) => x.startOffset - y.startOffset);
    if (ids.length === 0) return undefined;
    return { kind: "Path", parts: ids.map((t) => this.ident(t)), span: this.nodeSpan(n) };
  }

  private expression(n: C.ExpressionCstNode): A.Expr {
    const lhs = this.nodes(n, "lhs")[0];
    const left = lhs ? this.additive(lhs) : this.error(n);
    const op = this.tokens(n, "op")[0];
    const rhs = this.nodes(n, "rhs")[0];
    if (!op) return left;
    const right = rhs ? this.additive(rhs) : this.error(n);
    return {
      kind: "Binary", op: op.image as A.BinaryOp, left, right, opSpan: this.tokSpan(op),
      span: this.cover(left.span, this.tokSpan(op), right.span),
    };
  }

  /** Left-associative chains: operands and operators interleave by offset. */
  private chain(n: CstNode, operands: A.Expr[], opTokens: IToken[]): A.Expr {
    const ops = opTokens.sort((x, y) => x.startOffset - y.startOffset);
    if (operands.length === 0) return this.error(n);
    let acc = operands[0]!;
    for (let i = 0; i < ops.length && i + 1 < operands.length; i++) {
      const right = operands[i + 1]!;
      acc = {
        kind: "Binary", op: ops[i]!.image as A.BinaryOp, left: acc, right, opSpan: this.tokSpan(ops[i]!),
        span: this.cover(acc.span, right.span),
      };
    }
    return acc;
  }

  private additive(n: C.AdditiveCstNode): A.Expr {
    return this.chain(n, this.nodes(n, "operands").map((c) => this.multiplicative(c)), this.tokens(n, "ops"));
  }

  private multiplicative(n: C.MultiplicativeCstNode): A.Expr {
    return this.chain(n, this.nodes(n, "operands").map((c) => this.unary(c)), this.tokens(n, "ops"));
  }

  private unary(n: C.UnaryCstNode): A.Expr {
    const minus = this.tokens(n, "Minus")[0];
    const inner = this.nodes(n, "unary")[0];
    if (minus && inner) {
      const minusSpan = this.tokSpan(minus);
      const operand = this.unary(inner);
      return { kind: "Unary", op: "-", operand, span: this.cover(minusSpan, operand.span) };
    }
    const p = this.nodes(n, "primary")[0];
    return p ? this.primary(p) : this.error(n);
  }

  private primary(n: C.PrimaryCstNode): A.Expr {
    const num = this.nodes(n, "number")[0];
    if (num) return this.number(num);
    const str = this.tokens(n, "StringLiteral")[0];
    if (str) return this.string(str);
    const t = this.tokens(n, "True")[0] ?? this.tokens(n, "False")[0];
    if (t) return { kind: "Bool", value: t.image === "true", span: this.tokSpan(t) };
    const list = this.nodes(n, "list")[0];
    if (list) {
      for (const t of this.tokens(list, "LBracket")) this.tokSpan(t); // a missing item goes after `[`
      return { kind: "List", items: this.nodes(list, "expression").map((e) => this.expression(e)), span: this.nodeSpan(list) };
    }
    const par = this.nodes(n, "parenthesized")[0];
    if (par) {
      for (const t of this.tokens(par, "LParen")) this.tokSpan(t); // a missing inner expression goes after `(`
      const e = this.nodes(par, "expression")[0];
      return { kind: "Paren", expr: e ? this.expression(e) : this.error(par), span: this.nodeSpan(par) };
    }
    const ref = this.nodes(n, "reference")[0];
    if (ref) return this.reference(ref);
    return this.error(n);
  }

  private reference(n: C.ReferenceCstNode): A.Expr {
    const p = this.nodes(n, "path")[0];
    const path = p ? this.path(p) : undefined;
    if (!path) return this.error(n);
    if (this.tokens(n, "LParen").length === 0) return path;
    const args = this.nodes(n, "expression").map((e) => this.expression(e));
    if (path.parts.length > 1) {
      this.diagnostics.push(syntaxDiagnostic("E0007", path.span, `Only a plain name can be called, not \`${path.parts.map((x) => x.name).join(".")}\`.`,
        "functions such as `tokens(…)` and `epochs(…)` are called by their name"));
    }
    return { kind: "Call", callee: path.parts[path.parts.length - 1]!, args, span: this.nodeSpan(n) };
  }

  private number(n: C.NumberCstNode): A.Expr {
    const tok = this.tokens(n, "NumberLiteral")[0];
    if (!tok) return this.error(n);
    const unitTok = this.tokens(n, "unit")[0];
    const res = parseNumberLiteral(tok.image);
    const sp = unitTok ? this.cover(this.tokSpan(tok), this.tokSpan(unitTok)) : this.tokSpan(tok);
    const text = unitTok ? `${tok.image} ${unitTok.image}` : tok.image;
    if (!res.ok && res.outOfRange) {
      this.diagnostics.push(syntaxDiagnostic("E0017", this.tokSpan(tok), res.message,
        "write the value with a count suffix or a unit (`1.3T`, `80GiB`, `3e-4`); no quantity of a training run needs more"));
      return { kind: "Error", span: sp };
    }
    if (!res.ok) {
      const guess = res.suffix ? suggest(res.suffix, Object.keys(UNITS)) ?? suggest(res.suffix.toLowerCase(), Object.keys(UNITS)) : undefined;
      this.diagnostics.push(syntaxDiagnostic("E0003", this.tokSpan(tok), res.message,
        guess ? `did you mean \`${tok.image.slice(0, tok.image.length - res.suffix.length)}${guess}\`?` : "units are %, KiB MiB GiB TiB, KB MB GB TB PB, s m h d, steps, tokens, gpu_hours, epochs; counts take K M B T"));
      return { kind: "Error", span: sp };
    }
    if (unitTok) {
      const q = applyWordUnit(res.quantity, unitTok.image);
      if (!q) {
        this.diagnostics.push(syntaxDiagnostic("E0003", sp, `\`${tok.image}\` already has a unit; \`${unitTok.image}\` cannot follow it.`, `write \`${tok.image}\` alone`));
        return { kind: "Error", span: sp };
      }
      return { kind: "Number", text, quantity: q, unit: unitTok.image, span: sp };
    }
    return { kind: "Number", text, quantity: res.quantity, ...(res.unit ? { unit: res.unit } : {}), span: sp };
  }

  private string(t: IToken): A.StringLit {
    const raw = t.image.slice(1, -1);
    let value = "";
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c !== "\\") { value += c; continue; }
      const nx = raw[++i];
      const esc: Record<string, string> = { '"': '"', "\\": "\\", n: "\n", t: "\t" };
      if (nx !== undefined && esc[nx] !== undefined) value += esc[nx];
      else {
        const at = t.startOffset + 1 + i - 1;
        this.diagnostics.push(syntaxDiagnostic("E0006", mkSpan(this.fileName, at, at + 2), `Unknown escape \`\\${nx ?? ""}\` in a string.`, "strings know `\\\"`, `\\\\`, `\\n` and `\\t`"));
      }
    }
    return { kind: "String", value, span: this.tokSpan(t) };
  }

  private error(n: CstNode): A.ErrorExpr {
    return { kind: "Error", span: this.nodeSpan(n) };
  }
}
