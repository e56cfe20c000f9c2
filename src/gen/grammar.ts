// `npm run gen`: writes the generated grammar artifacts and AST utilities (checked by test/syntax/grammar.test.ts).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { astWalkDeclarations } from "./astWalk.js";
import { cstDeclarations, ebnf, syntaxDiagrams } from "../syntax/grammarText.js";

const root = new URL("../../", import.meta.url);
export const GENERATED: Record<string, () => string> = {
  "grammar/flow.ebnf": ebnf,
  "grammar/syntax-diagrams.html": syntaxDiagrams,
  "src/generated/cst.ts": cstDeclarations,
  "src/generated/ast-walk.ts": astWalkDeclarations,
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [rel, make] of Object.entries(GENERATED)) {
    writeFileSync(new URL(rel, root), make());
    process.stdout.write(`wrote ${rel}\n`);
  }
}
