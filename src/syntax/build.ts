// CST -> AST. Every node gets a span from its tokens; nodes the parser recovered get an
// ErrorExpr or `recovered: true` rather than a crash. Literal problems (unknown units) are
// reported here, where the token is at hand.
import type { CstNode, IToken } from "chevrotain";
import type * as A from "../ast/nodes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { span as mkSpan, type Span } from "../source/span.js";
import { applyWordUnit, parseNumberLiteral, UNITS } from "../units/literal.js";
import { suggest } from "../diagnostics/suggest.js";
import { syntaxDiagnostic } from "./diagnose.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const isToken = (x: CstNode | IToken): x is IToken => "image" in x;

export class AstBuilder {
  constructor(private readonly fileName: string, private readonly diagnostics: Diagnostic[]) {}

  private tokSpan(t: IToken): Span {
    return mkSpan(this.fileName, t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }

  /** Span of a CST node from its first to its last token (an empty span at `fallback` if none). */
  private nodeSpan(n: CstNode, fallback = 0): Span {
    const loc = n.location;
    if (loc && Number.isFinite(loc.startOffset) && loc.endOffset !== undefined && Number.isFinite(loc.endOffset)) {
      return mkSpan(this.fileName, loc.startOffset, loc.endOffset + 1);
    }
    return mkSpan(this.fileName, fallback, fallback);
  }

  private tokens(n: CstNode, key: string): IToken[] {
    return ((n.children as Children)[key] ?? []).filter(isToken).filter((t) => !Number.isNaN(t.startOffset));
  }

  private nodes(n: CstNode, key: string): CstNode[] {
    return ((n.children as Children)[key] ?? []).filter((c): c is CstNode => !isToken(c));
  }

  private ident(t: IToken): A.Ident {
    return { kind: "Ident", name: t.image, span: this.tokSpan(t) };
  }

  buildFile(cst: CstNode, text: string, comments: IToken[]): A.FlowFile {
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

  private block(n: CstNode): A.Block | undefined {
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

  private item(n: CstNode): A.BodyItem | undefined {
    const b = this.nodes(n, "block")[0];
    if (b) return this.block(b);
    const a = this.nodes(n, "attribute")[0];
    if (a) {
      const p = this.nodes(a, "path")[0];
      const key = p ? this.path(p) : undefined;
      if (!key) return undefined;
      const e = this.nodes(a, "expression")[0];
      const value: A.Expr = e ? this.expression(e) : { kind: "Error", span: this.nodeSpan(a) };
      return { kind: "Attribute", key, value, span: this.nodeSpan(a) };
    }
    const e = this.nodes(n, "expression")[0];
    if (e) {
      const expr = this.expression(e);
      return { kind: "ExprItem", expr, span: expr.span };
    }
    return undefined;
  }

  private path(n: CstNode): A.Path | undefined {
    const ids = this.tokens(n, "Identifier").sort((x, y) => x.startOffset - y.startOffset);
    if (ids.length === 0) return undefined;
    return { kind: "Path", parts: ids.map((t) => this.ident(t)), span: this.nodeSpan(n) };
  }

  private expression(n: CstNode): A.Expr {
    const lhs = this.nodes(n, "lhs")[0];
    const left = lhs ? this.additive(lhs) : this.error(n);
    const op = this.tokens(n, "op")[0];
    const rhs = this.nodes(n, "rhs")[0];
    if (!op) return left;
    const right = rhs ? this.additive(rhs) : this.error(n);
    return {
      kind: "Binary", op: op.image as A.BinaryOp, left, right, opSpan: this.tokSpan(op),
      span: mkSpan(this.fileName, left.span.start, Math.max(right.span.end, op.endOffset! + 1)),
    };
  }

  /** Left-associative chains: operands and operators interleave by offset. */
  private chain(n: CstNode, operand: (c: CstNode) => A.Expr): A.Expr {
    const operands = this.nodes(n, "operands").map(operand);
    const ops = this.tokens(n, "ops").sort((x, y) => x.startOffset - y.startOffset);
    if (operands.length === 0) return this.error(n);
    let acc = operands[0]!;
    for (let i = 0; i < ops.length && i + 1 < operands.length; i++) {
      const right = operands[i + 1]!;
      acc = {
        kind: "Binary", op: ops[i]!.image as A.BinaryOp, left: acc, right, opSpan: this.tokSpan(ops[i]!),
        span: mkSpan(this.fileName, acc.span.start, right.span.end),
      };
    }
    return acc;
  }

  private additive(n: CstNode): A.Expr {
    return this.chain(n, (c) => this.multiplicative(c));
  }

  private multiplicative(n: CstNode): A.Expr {
    return this.chain(n, (c) => this.unary(c));
  }

  private unary(n: CstNode): A.Expr {
    const minus = this.tokens(n, "Minus")[0];
    const inner = this.nodes(n, "unary")[0];
    if (minus && inner) {
      const operand = this.unary(inner);
      return { kind: "Unary", op: "-", operand, span: mkSpan(this.fileName, minus.startOffset, operand.span.end) };
    }
    const p = this.nodes(n, "primary")[0];
    return p ? this.primary(p) : this.error(n);
  }

  private primary(n: CstNode): A.Expr {
    const num = this.nodes(n, "number")[0];
    if (num) return this.number(num);
    const str = this.tokens(n, "StringLiteral")[0];
    if (str) return this.string(str);
    const t = this.tokens(n, "True")[0] ?? this.tokens(n, "False")[0];
    if (t) return { kind: "Bool", value: t.image === "true", span: this.tokSpan(t) };
    const list = this.nodes(n, "list")[0];
    if (list) {
      return { kind: "List", items: this.nodes(list, "expression").map((e) => this.expression(e)), span: this.nodeSpan(list) };
    }
    const par = this.nodes(n, "parenthesized")[0];
    if (par) {
      const e = this.nodes(par, "expression")[0];
      return { kind: "Paren", expr: e ? this.expression(e) : this.error(par), span: this.nodeSpan(par) };
    }
    const ref = this.nodes(n, "reference")[0];
    if (ref) return this.reference(ref);
    return this.error(n);
  }

  private reference(n: CstNode): A.Expr {
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

  private number(n: CstNode): A.Expr {
    const tok = this.tokens(n, "NumberLiteral")[0];
    if (!tok) return this.error(n);
    const unitTok = this.tokens(n, "unit")[0];
    const res = parseNumberLiteral(tok.image);
    const sp = unitTok ? mkSpan(this.fileName, tok.startOffset, unitTok.endOffset! + 1) : this.tokSpan(tok);
    const text = unitTok ? `${tok.image} ${unitTok.image}` : tok.image;
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
