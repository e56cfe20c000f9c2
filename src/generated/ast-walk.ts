// GENERATED from src/ast/nodes.ts by `npm run gen` (ts-morph reads the node interfaces); do not edit.
import type * as A from "../ast/nodes.js";

/** Every AST node type: each interface of nodes.ts with a string-literal `kind`. */
export type AstNode =
  | A.Ident
  | A.FlowFile
  | A.Comment
  | A.Import
  | A.Block
  | A.Attribute
  | A.ExprItem
  | A.NumberLit
  | A.StringLit
  | A.BoolLit
  | A.Path
  | A.ListExpr
  | A.BinaryExpr
  | A.UnaryExpr
  | A.CallExpr
  | A.ParenExpr
  | A.ErrorExpr;

/** The nodes directly below `node`, field by field in the order nodes.ts declares them. */
export function childrenOf(node: AstNode): AstNode[] {
  switch (node.kind) {
    case "Ident": return [];
    case "File": return [...node.imports, ...node.decls, ...node.comments];
    case "Comment": return [];
    case "Import": return [node.path];
    case "Block": return [node.keyword, ...(node.name ? [node.name] : []), ...node.items];
    case "Attribute": return [node.key, node.value];
    case "ExprItem": return [node.expr];
    case "Number": return [];
    case "String": return [];
    case "Bool": return [];
    case "Path": return [...node.parts];
    case "List": return [...node.items];
    case "Binary": return [node.left, node.right];
    case "Unary": return [node.operand];
    case "Call": return [node.callee, ...node.args];
    case "Paren": return [node.expr];
    case "Error": return [];
  }
}

/** Calls `visit` on `node` and every node below it, parents before children. */
export function walkAst(node: AstNode, visit: (n: AstNode, parent: AstNode | undefined) => void, parent?: AstNode): void {
  visit(node, parent);
  for (const c of childrenOf(node)) walkAst(c, visit, node);
}
