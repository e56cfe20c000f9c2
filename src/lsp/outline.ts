// The outline of a file (declarations, their blocks and attributes) and the workspace's symbols.
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver";
import type { Block, BodyItem, FlowFile } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import type { DeclKind } from "../check/decls.js";
import { formatExpr } from "../syntax/format.js";
import type { SourceText } from "./convert.js";
import type { ProgramIndex } from "./symbols.js";

const DECL_SYMBOL: Record<DeclKind, SymbolKind> = {
  cluster: SymbolKind.Module, source: SymbolKind.File, evalset: SymbolKind.File, tokenizer: SymbolKind.Interface,
  curate: SymbolKind.Function, model: SymbolKind.Class, train: SymbolKind.Object, eval: SymbolKind.Event,
  release: SymbolKind.Package, assert: SymbolKind.Boolean,
};

export function declSymbolKind(kind: DeclKind): SymbolKind {
  return DECL_SYMBOL[kind];
}

export function documentSymbols(file: FlowFile, src: SourceText): DocumentSymbol[] {
  return file.decls.map((b) => blockSymbol(b, src, true));
}

function blockSymbol(b: Block, src: SourceText, top: boolean): DocumentSymbol {
  const kind = top ? (DECL_SYMBOL as Record<string, SymbolKind>)[b.keyword.name] ?? SymbolKind.Namespace : b.keyword.name === "stage" ? SymbolKind.Struct : SymbolKind.Namespace;
  const name = top || b.keyword.name === "stage" ? b.name?.name ?? b.keyword.name : b.name ? `${b.keyword.name} ${b.name.name}` : b.keyword.name;
  return {
    name,
    detail: top || b.keyword.name === "stage" ? b.keyword.name : "",
    kind,
    range: src.range(b.span),
    selectionRange: src.range((b.name ?? b.keyword).span),
    children: b.items.flatMap((i) => itemSymbol(i, src)),
  };
}

function itemSymbol(i: BodyItem, src: SourceText): DocumentSymbol[] {
  if (i.kind === "Block") return [blockSymbol(i, src, false)];
  if (i.kind === "Attribute") {
    return [{ name: pathText(i.key), detail: formatExpr(i.value), kind: SymbolKind.Property, range: src.range(i.span), selectionRange: src.range(i.key.span) }];
  }
  return [];
}

export interface NamedSymbol {
  readonly name: string;
  readonly kind: SymbolKind;
  readonly file: string;
  readonly span: { readonly start: number; readonly end: number };
  readonly container?: string;
}

/** Declarations and stages (as `RUN.STAGE`) of a program. */
export function programSymbols(index: ProgramIndex): NamedSymbol[] {
  const out: NamedSymbol[] = [];
  for (const d of index.symbols.decls) {
    if (!d.block.name) continue;
    out.push({ name: d.name, kind: DECL_SYMBOL[d.kind], file: d.block.name.span.file, span: d.block.name.span, container: d.kind });
    if (d.kind === "train") {
      for (const s of index.stagesOf(d.name)) out.push({ name: `${d.name}.${s.name!.name}`, kind: SymbolKind.Struct, file: s.name!.span.file, span: s.name!.span, container: `stage of ${d.name}` });
    }
  }
  return out;
}

/** VS Code's rule for workspace symbols: the query's characters in order, ignoring case. */
export function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let j = 0;
  for (let i = 0; i < n.length && j < q.length; i++) if (n[i] === q[j]) j++;
  return j === q.length;
}
