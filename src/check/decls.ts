// The symbol table: every top-level declaration of the program (entry file and imports), by name.
import type { Block, FlowFile } from "../ast/nodes.js";
import { replaceWith, type Reporter } from "./report.js";
import { suggest } from "../diagnostics/suggest.js";

import { DECL_KINDS, type DeclKind } from "../language/words.js";

export { DECL_KINDS, type DeclKind };

export const KIND_NOUN: Record<DeclKind, string> = {
  cluster: "a cluster", source: "a source", evalset: "an evalset", tokenizer: "a tokenizer",
  curate: "a curation", model: "a model", train: "a train run", eval: "an eval", release: "a release",
  assert: "an assert block",
};

export interface Decl {
  readonly kind: DeclKind;
  readonly name: string;
  readonly block: Block;
}

export interface SymbolTable {
  readonly decls: readonly Decl[];
  readonly byName: ReadonlyMap<string, Decl>;
  readonly asserts: readonly Block[];
}

export function buildSymbols(files: readonly FlowFile[], r: Reporter): SymbolTable {
  const decls: Decl[] = [];
  const byName = new Map<string, Decl>();
  const asserts: Block[] = [];
  for (const file of files) {
    for (const block of file.decls) {
      const kw = block.keyword.name;
      if (!(DECL_KINDS as readonly string[]).includes(kw)) {
        const guess = suggest(kw, DECL_KINDS);
        r.report("E0100", block.keyword, `Unknown declaration kind \`${kw}\`.`, {
          label: "not a kind of declaration",
          help: guess ? `did you mean \`${guess}\`?` : `a declaration starts with one of: ${DECL_KINDS.join(", ")}`,
          fixes: [replaceWith(block.keyword, guess)],
        });
        continue;
      }
      const kind = kw as DeclKind;
      if (kind === "assert") {
        asserts.push(block);
        continue;
      }
      if (!block.name) {
        r.report("E0107", block.keyword, `This \`${kind}\` declaration has no name.`, {
          help: `write \`${kind} NAME { … }\``,
        });
        continue;
      }
      const prev = byName.get(block.name.name);
      if (prev) {
        r.report("E0103", block.name, `\`${block.name.name}\` is declared twice.`, {
          label: "declared again here",
          secondary: [{ span: prev.block.name!.span, message: "first declared here" }],
          help: "rename one of the declarations; names share one namespace across kinds and imports",
        });
        continue;
      }
      const decl: Decl = { kind, name: block.name.name, block };
      decls.push(decl);
      byName.set(decl.name, decl);
    }
  }
  return { decls, byName, asserts };
}
