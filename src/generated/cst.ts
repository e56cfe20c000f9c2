// GENERATED from the parser by `npm run gen` (chevrotain generateCstDts); do not edit.
/* eslint-disable */
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface FileCstNode extends CstNode {
  name: "file";
  children: FileCstChildren;
}

export type FileCstChildren = {
  importDecl?: ImportDeclCstNode[];
  block?: BlockCstNode[];
};

export interface ImportDeclCstNode extends CstNode {
  name: "importDecl";
  children: ImportDeclCstChildren;
}

export type ImportDeclCstChildren = {
  Import: IToken[];
  StringLiteral: IToken[];
};

export interface BlockCstNode extends CstNode {
  name: "block";
  children: BlockCstChildren;
}

export type BlockCstChildren = {
  keyword: IToken[];
  name?: IToken[];
  LBrace: IToken[];
  item?: ItemCstNode[];
  Comma?: IToken[];
  RBrace: IToken[];
};

export interface ItemCstNode extends CstNode {
  name: "item";
  children: ItemCstChildren;
}

export type ItemCstChildren = {
  block?: BlockCstNode[];
  attribute?: AttributeCstNode[];
  expression?: ExpressionCstNode[];
};

export interface AttributeCstNode extends CstNode {
  name: "attribute";
  children: AttributeCstChildren;
}

export type AttributeCstChildren = {
  path: PathCstNode[];
  Equals: IToken[];
  expression: ExpressionCstNode[];
};

export interface PathCstNode extends CstNode {
  name: "path";
  children: PathCstChildren;
}

export type PathCstChildren = {
  Identifier: (IToken)[];
  Dot?: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  lhs: AdditiveCstNode[];
  op?: (IToken)[];
  rhs?: AdditiveCstNode[];
};

export interface AdditiveCstNode extends CstNode {
  name: "additive";
  children: AdditiveCstChildren;
}

export type AdditiveCstChildren = {
  operands: (MultiplicativeCstNode)[];
  ops?: (IToken)[];
};

export interface MultiplicativeCstNode extends CstNode {
  name: "multiplicative";
  children: MultiplicativeCstChildren;
}

export type MultiplicativeCstChildren = {
  operands: (UnaryCstNode)[];
  ops?: (IToken)[];
};

export interface UnaryCstNode extends CstNode {
  name: "unary";
  children: UnaryCstChildren;
}

export type UnaryCstChildren = {
  Minus?: IToken[];
  unary?: UnaryCstNode[];
  primary?: PrimaryCstNode[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  number?: NumberCstNode[];
  StringLiteral?: IToken[];
  True?: IToken[];
  False?: IToken[];
  list?: ListCstNode[];
  parenthesized?: ParenthesizedCstNode[];
  reference?: ReferenceCstNode[];
};

export interface NumberCstNode extends CstNode {
  name: "number";
  children: NumberCstChildren;
}

export type NumberCstChildren = {
  NumberLiteral: IToken[];
  unit?: IToken[];
};

export interface ListCstNode extends CstNode {
  name: "list";
  children: ListCstChildren;
}

export type ListCstChildren = {
  LBracket: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface ParenthesizedCstNode extends CstNode {
  name: "parenthesized";
  children: ParenthesizedCstChildren;
}

export type ParenthesizedCstChildren = {
  LParen: IToken[];
  expression: ExpressionCstNode[];
  RParen: IToken[];
};

export interface ReferenceCstNode extends CstNode {
  name: "reference";
  children: ReferenceCstChildren;
}

export type ReferenceCstChildren = {
  path: PathCstNode[];
  LParen?: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
};
