// Our wording for chevrotain's syntax errors: "Expected `X`, but got `Y`.".
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { tokenLabel } from "chevrotain";

export function describeToken(t: IToken): string {
  if (t.tokenType.name === "EOF") return "the end of the file";
  if (t.tokenType.name === "Identifier") return `\`${t.image}\``;
  if (t.tokenType.name === "NumberLiteral") return `the number \`${t.image}\``;
  if (t.tokenType.name === "StringLiteral") return "a string";
  return `\`${t.image}\``;
}

function label(tt: TokenType): string {
  switch (tt.name) {
    case "Identifier": return "a name";
    case "NumberLiteral": return "a number";
    case "StringLiteral": return "a string";
    default: return `\`${tokenLabel(tt)}\``;
  }
}

function alternatives(paths: TokenType[][][]): string {
  const firsts = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) firsts.add(label(path[0]));
  const xs = [...firsts];
  if (xs.length <= 1) return xs[0] ?? "something else";
  return `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`;
}

export const flowErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `Expected ${label(expected)}, but got ${describeToken(actual)}.`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Expected a declaration, but got ${describeToken(firstRedundant)}.`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const what = ruleName === "primary" || ruleName === "unary" ? "a value" : alternatives(expectedPathsPerAlt);
    return `Expected ${what}, but got ${describeToken(actual[0]!)}.`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    return `Expected ${alternatives([expectedIterationPaths])}, but got ${describeToken(actual[0]!)}.`;
  },
};
