// The typed AST of a .flow file. Plain objects discriminated by `kind`, a span on every node.
// The parser (syntax/) builds these from the CST; nothing after syntax/ sees the CST.
//
// The language is uniform: a declaration is `KIND [NAME] { body }`, and a body holds attributes
// (`key = expr`, where key may be dotted as in a `mix`), nested blocks (`KIND [NAME] { body }`),
// and bare expressions (comparisons in `gate` and `assert`, or a flag such as `auto`).
// Which keys and blocks are allowed where is the checker's business, not the parser's.
import type { Span } from "../source/span.js";
import type { Quantity } from "../units/dimension.js";

export interface Ident {
  readonly kind: "Ident";
  readonly name: string;
  readonly span: Span;
}

export interface FlowFile {
  readonly kind: "File";
  readonly path: string;
  readonly imports: readonly Import[];
  readonly decls: readonly Block[];
  /** Comments, in source order, kept for the formatter. */
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export interface Comment {
  readonly kind: "Comment";
  readonly text: string; // including the `//` or `/* */`
  readonly span: Span;
}

export interface Import {
  readonly kind: "Import";
  readonly path: StringLit;
  readonly span: Span;
}

/**
 * A declaration or a nested block: `cluster h100 { … }`, `optimizer adamw { … }`, `stage warm { … }`,
 * `mix { … }`, `steps { … }`, `assert { … }`. `name` is absent for anonymous blocks.
 */
export interface Block {
  readonly kind: "Block";
  readonly keyword: Ident;
  readonly name?: Ident;
  readonly items: readonly BodyItem[];
  readonly span: Span;
  /** Set when the parser recovered inside this block (its items may be incomplete). */
  readonly recovered?: boolean;
}

export type BodyItem = Attribute | Block | ExprItem;

/** `key = value`; `key` is a path (`clean.web = 70%` inside a mix). */
export interface Attribute {
  readonly kind: "Attribute";
  readonly key: Path;
  readonly value: Expr;
  readonly span: Span;
}

/** A bare expression as a body item: `heldout.perplexity <= 2000`, `auto`. */
export interface ExprItem {
  readonly kind: "ExprItem";
  readonly expr: Expr;
  readonly span: Span;
}

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | Path
  | ListExpr
  | BinaryExpr
  | UnaryExpr
  | CallExpr
  | ParenExpr
  | ErrorExpr;

/** A number with an optional count suffix and unit, e.g. `1.3T`, `80GiB`, `8_192 tokens`, `70%`. */
export interface NumberLit {
  readonly kind: "Number";
  /** The source text of the whole literal, unit included (the formatter prints it back). */
  readonly text: string;
  /** The exact value in the dimension's base unit, count suffix and unit applied. */
  readonly quantity: Quantity;
  /** The unit as written (`GiB`, `tokens`, `%`, `h`), if any; the count suffix is not a unit. */
  readonly unit?: string;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: "String";
  /** The decoded value (escapes resolved). */
  readonly value: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: "Bool";
  readonly value: boolean;
  readonly span: Span;
}

/** An identifier or dotted reference: `web`, `tok.vocab`, `tok_all.fineweb_edu`, `heldout.perplexity`. */
export interface Path {
  readonly kind: "Path";
  readonly parts: readonly Ident[];
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: "List";
  readonly items: readonly Expr[];
  readonly span: Span;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "<" | "<=" | ">" | ">=" | "==" | "!=";

export interface BinaryExpr {
  readonly kind: "Binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** Span of the operator token, for diagnostics that point at it. */
  readonly opSpan: Span;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: "Unary";
  readonly op: "-";
  readonly operand: Expr;
  readonly span: Span;
}

/** `tokens(pretrain.anneal, clean.math)`, `epochs(clean.math)` in `assert` blocks. */
export interface CallExpr {
  readonly kind: "Call";
  readonly callee: Ident;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export interface ParenExpr {
  readonly kind: "Paren";
  readonly expr: Expr;
  readonly span: Span;
}

/** Placeholder where the parser recovered from a syntax error; a diagnostic was already reported. */
export interface ErrorExpr {
  readonly kind: "Error";
  readonly span: Span;
}

/** Any node: the union is generated from the interfaces above (src/generated/ast-walk.ts). */
export type { AstNode as Node } from "../generated/ast-walk.js";

/** The dotted text of a path: `tok_all.fineweb_edu`. */
export function pathText(p: Path): string {
  return p.parts.map((i) => i.name).join(".");
}

/** The value of `key = …` directly in `block` (the last one if repeated), for pointing at it. */
export function attributeValue(block: Block | undefined, key: string): Expr | undefined {
  let found: Expr | undefined;
  for (const it of block?.items ?? []) if (it.kind === "Attribute" && pathText(it.key) === key) found = it.value;
  return found;
}
