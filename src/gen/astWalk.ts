// Generates src/generated/ast-walk.ts from the node interfaces of src/ast/nodes.ts with ts-morph,
// as Langium generates its AST utilities: nodes.ts stays the one hand-written description of the
// AST, and the union of node types and the child traversal follow it (a test regenerates and
// compares, so adding a field that holds nodes without re-running `npm run gen` fails CI).
import { fileURLToPath } from "node:url";
import { Project, type Type } from "ts-morph";

const NODES = fileURLToPath(new URL("../../src/ast/nodes.ts", import.meta.url));

interface ChildField {
  readonly name: string;
  readonly optional: boolean;
  readonly list: boolean;
}

interface NodeDecl {
  readonly iface: string;
  readonly kind: string;
  readonly children: readonly ChildField[];
}

/** Reads every interface of nodes.ts with a string-literal `kind`, and which of its fields hold nodes. */
export function readNodeDecls(path = NODES): NodeDecl[] {
  const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: { strict: true } });
  const sf = project.addSourceFileAtPath(path);
  const kinds = new Map<string, string>();
  for (const i of sf.getInterfaces()) {
    const k = i.getProperty("kind")?.getType();
    if (k?.isStringLiteral()) kinds.set(i.getName(), String(k.getLiteralValue()));
  }
  const isNode = (t: Type): boolean => {
    const parts = t.isUnion() ? t.getUnionTypes() : [t];
    return parts.length > 0 && parts.every((p) => kinds.has(p.getSymbol()?.getName() ?? ""));
  };
  const decls: NodeDecl[] = [];
  for (const i of sf.getInterfaces()) {
    const kind = kinds.get(i.getName());
    if (kind === undefined) continue;
    const children: ChildField[] = [];
    for (const prop of i.getProperties()) {
      const t = prop.getType().getNonNullableType();
      const elem = t.isArray() || t.isReadonlyArray() ? t.getArrayElementType() ?? readonlyElement(t) : undefined;
      if (elem ? isNode(elem) : isNode(t)) children.push({ name: prop.getName(), optional: prop.hasQuestionToken(), list: elem !== undefined });
    }
    decls.push({ iface: i.getName(), kind, children });
  }
  return decls;
}

/** ts-morph answers `getArrayElementType` only for mutable arrays; a `readonly T[]` has T as its type argument. */
function readonlyElement(t: Type): Type | undefined {
  return t.getTypeArguments()[0];
}

/** The text of src/generated/ast-walk.ts. */
export function astWalkDeclarations(): string {
  const decls = readNodeDecls();
  const out: string[] = [
    "// GENERATED from src/ast/nodes.ts by `npm run gen` (ts-morph reads the node interfaces); do not edit.",
    'import type * as A from "../ast/nodes.js";',
    "",
    "/** Every AST node type: each interface of nodes.ts with a string-literal `kind`. */",
    "export type AstNode =",
    ...decls.map((d, i) => `  | A.${d.iface}${i === decls.length - 1 ? ";" : ""}`),
    "",
    "/** The nodes directly below `node`, field by field in the order nodes.ts declares them. */",
    "export function childrenOf(node: AstNode): AstNode[] {",
    "  switch (node.kind) {",
  ];
  for (const d of decls) {
    if (d.children.length === 0) {
      out.push(`    case ${JSON.stringify(d.kind)}: return [];`);
      continue;
    }
    const parts = d.children.map((c) => {
      const ref = `node.${c.name}`;
      if (c.list) return c.optional ? `...(${ref} ?? [])` : `...${ref}`;
      return c.optional ? `...(${ref} ? [${ref}] : [])` : ref;
    });
    out.push(`    case ${JSON.stringify(d.kind)}: return [${parts.join(", ")}];`);
  }
  out.push(
    "  }",
    "}",
    "",
    "/** Calls `visit` on `node` and every node below it, parents before children. */",
    "export function walkAst(node: AstNode, visit: (n: AstNode, parent: AstNode | undefined) => void, parent?: AstNode): void {",
    "  visit(node, parent);",
    "  for (const c of childrenOf(node)) walkAst(c, visit, node);",
    "}",
    "",
  );
  return out.join("\n");
}
