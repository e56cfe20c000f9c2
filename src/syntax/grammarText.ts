// The grammar as text, generated from the parser itself (chevrotain's serialized productions), so
// grammar/flow.ebnf, grammar/syntax-diagrams.html and src/generated/cst.ts can never drift from
// what the parser accepts (test/syntax/grammar.test.ts regenerates and compares).
import { createSyntaxDiagramsCode, generateCstDts, type ISerializedGast } from "chevrotain";
import { parserInstance } from "./parser.js";
import { ALL_TOKENS } from "./tokens.js";

interface Node {
  type: string;
  name?: string;
  label?: string;
  pattern?: string;
  definition?: Node[];
  separator?: Node;
}

const TERMINAL_NAMES: Record<string, string> = {
  Identifier: "IDENT", NumberLiteral: "NUMBER", StringLiteral: "STRING",
};

function terminal(n: Node): string {
  if (n.name && TERMINAL_NAMES[n.name]) return TERMINAL_NAMES[n.name]!;
  const tok = ALL_TOKENS.find((t) => t.name === n.name);
  const p = tok?.PATTERN;
  return typeof p === "string" ? JSON.stringify(p) : p instanceof RegExp ? JSON.stringify(p.source.replace(/\\b$/, "")) : n.name ?? "?";
}

function seq(defs: Node[] | undefined): string {
  return (defs ?? []).map(expr).join(" ");
}

function expr(n: Node): string {
  switch (n.type) {
    case "Terminal": return terminal(n);
    case "NonTerminal": return n.name!;
    case "Alternative": return seq(n.definition);
    case "Alternation": return `( ${(n.definition ?? []).map(expr).join(" | ")} )`;
    case "Option": return `[ ${seq(n.definition)} ]`;
    case "Repetition": return `{ ${seq(n.definition)} }`;
    case "RepetitionMandatory": return `${seq(n.definition)} { ${seq(n.definition)} }`;
    case "RepetitionWithSeparator": return `[ ${seq(n.definition)} { ${expr(n.separator!)} ${seq(n.definition)} } ]`;
    case "RepetitionMandatoryWithSeparator": return `${seq(n.definition)} { ${expr(n.separator!)} ${seq(n.definition)} }`;
    default: return `(* ${n.type} *)`;
  }
}

const LEXICAL = `(* Lexical structure (see src/syntax/tokens.ts) *)
IDENT   = letter , { letter | digit | "_" } ;                (* letter includes "_" *)
NUMBER  = digits , [ "." , digits ] , [ ("e" | "E") , [ "+" | "-" ] , digit , { digit } ] , [ suffix ] ;
digits  = digit , { digit | "_" } ;
suffix  = "K" | "M" | "B" | "T"                               (* counts: 10^3 .. 10^12 *)
        | "%" | "KiB" | "MiB" | "GiB" | "TiB" | "PiB" | "KB" | "MB" | "GB" | "TB" | "PB" | "bytes"
        | "s" | "m" | "h" | "d" | "steps" | "tokens" | "gpu_hours" | "epochs" ;
STRING  = '"' , { any character but '"', "\\\\" or a line break | "\\\\" , any character } , '"' ;
comment = "//" , { any character but a line break } | "/*" , { any character } , "*/" ;
(* Whitespace and comments separate tokens and are otherwise ignored; newlines are not significant.
   After a NUMBER without a unit, an IDENT on the same line that is a unit word is its unit, unless it
   is followed by "=", "(", "{", "." or by IDENT "{". *)`;

/** grammar/flow.ebnf */
export function ebnf(): string {
  const rules = parserInstance.getSerializedGastProductions() as unknown as Node[];
  const lines = rules.map((r) => `${r.name} = ${seq(r.definition).replace(/\s+/g, " ").trim()} ;`);
  return [
    "(* The grammar of .flow files, in ISO 14977 EBNF with { } for repetition and [ ] for options.",
    "   GENERATED from the parser (src/syntax/parser.ts) by `npm run gen`; do not edit. *)",
    "",
    ...lines,
    "",
    LEXICAL,
    "",
  ].join("\n");
}

/** grammar/syntax-diagrams.html */
export function syntaxDiagrams(): string {
  return createSyntaxDiagramsCode(parserInstance.getSerializedGastProductions() as ISerializedGast[]);
}

/** src/generated/cst.ts: typed CST node declarations. */
export function cstDeclarations(): string {
  return "// GENERATED from the parser by `npm run gen` (chevrotain generateCstDts); do not edit.\n/* eslint-disable */\n" +
    generateCstDts(parserInstance.getGAstProductions(), { includeVisitorInterface: false });
}
