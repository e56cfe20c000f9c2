// Tokens of the .flow language. Numbers carry their count suffix and an attached unit in one
// token (`1.3T`, `80GiB`, `48h`, `70%`); a unit written after a space (`8_192 tokens`) is an
// identifier that the parser takes as a unit when it is one (see parser.ts, `unitWord`).
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments", line_breaks: true });
/** An unterminated block comment, so the lexer can say so instead of "unexpected character". */
export const UnterminatedComment = createToken({ name: "UnterminatedComment", pattern: /\/\*[\s\S]*/, line_breaks: true });

export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"(?:[^"\\\n\r]|\\.)*"/ });
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n\r]|\\.)*/ });

/**
 * A number: digits with `_` separators, optional fraction and exponent, then an optional count
 * suffix (K M B T) and/or an attached unit. The longest unit wins (`GiB` before `G…`); `M`
 * (million) and `m` (minutes) differ by case. Letters that follow and are not a unit make the
 * token invalid, which the lexer reports (`80Gib` -> "unknown unit").
 */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[A-Za-z_%]*/,
});

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
// Keywords: `longer_alt` keeps `trueish` or `imports` identifiers.
export const True = createToken({ name: "True", pattern: /true/, longer_alt: Identifier });
export const False = createToken({ name: "False", pattern: /false/, longer_alt: Identifier });
export const Import = createToken({ name: "Import", pattern: /import/, longer_alt: Identifier });

export const LBrace = createToken({ name: "LBrace", pattern: "{", label: "{" });
export const RBrace = createToken({ name: "RBrace", pattern: "}", label: "}" });
export const LBracket = createToken({ name: "LBracket", pattern: "[", label: "[" });
export const RBracket = createToken({ name: "RBracket", pattern: "]", label: "]" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "(" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: ")" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "," });
export const Dot = createToken({ name: "Dot", pattern: ".", label: "." });

export const LessEq = createToken({ name: "LessEq", pattern: "<=", label: "<=" });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: ">=", label: ">=" });
export const EqEq = createToken({ name: "EqEq", pattern: "==", label: "==" });
export const NotEq = createToken({ name: "NotEq", pattern: "!=", label: "!=" });
export const Less = createToken({ name: "Less", pattern: "<", label: "<" });
export const Greater = createToken({ name: "Greater", pattern: ">", label: ">" });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "=" });
export const Plus = createToken({ name: "Plus", pattern: "+", label: "+" });
export const Minus = createToken({ name: "Minus", pattern: "-", label: "-" });
export const Star = createToken({ name: "Star", pattern: "*", label: "*" });
export const Slash = createToken({ name: "Slash", pattern: "/", label: "/" });

// Order matters: comments before `/`, `<=` before `<`, keywords before identifiers,
// numbers before `.` (so `.5` is a number).
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, LineComment, BlockComment, UnterminatedComment, StringLiteral, UnterminatedString,
  NumberLiteral, True, False, Import, Identifier,
  LBrace, RBrace, LBracket, RBracket, LParen, RParen, Comma, Dot,
  LessEq, GreaterEq, EqEq, NotEq, Less, Greater, Equals, Plus, Minus, Star, Slash,
];

export const FlowLexer = new Lexer(ALL_TOKENS, { positionTracking: "full" });
