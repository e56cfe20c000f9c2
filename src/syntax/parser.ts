// The grammar of .flow, as a chevrotain CstParser: grammar only, error recovery on. The CST is
// turned into the AST by build.ts. grammar/flow.ebnf is generated from this (see generate.ts).
import { CstParser, type IToken, type TokenType } from "chevrotain";
import { parseNumberLiteral, WORD_UNITS } from "../units/literal.js";
import * as T from "./tokens.js";
import { flowErrorMessages } from "./messages.js";

const COMPARISONS = [T.LessEq, T.GreaterEq, T.EqEq, T.NotEq, T.Less, T.Greater];

export class FlowParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "onlyOffset", errorMessageProvider: flowErrorMessages });
    this.performSelfAnalysis();
  }

  /** file := (import | block)* */
  public file = this.RULE("file", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.block) },
      ]);
    });
  });

  /** import := "import" STRING */
  private importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringLiteral);
  });

  /** block := IDENT IDENT? "{" item* "}" */
  private block = this.RULE("block", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.OPTION(() => this.CONSUME2(T.Identifier, { LABEL: "name" }));
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.item);
      this.OPTION2(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  /** item := block | path "=" expr | expr */
  private item = this.RULE("item", () => {
    this.OR([
      { GATE: () => this.startsBlock(), ALT: () => this.SUBRULE(this.block) },
      { GATE: () => this.startsAttribute(), ALT: () => this.SUBRULE(this.attribute) },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
  });

  /** attribute := path "=" expr */
  private attribute = this.RULE("attribute", () => {
    this.SUBRULE(this.path);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  /** path := IDENT ("." IDENT)* */
  private path = this.RULE("path", () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
  });

  /** expression := additive (COMPARE additive)? — comparisons do not chain */
  private expression = this.RULE("expression", () => {
    this.SUBRULE(this.additive, { LABEL: "lhs" });
    this.OPTION(() => {
      this.OR(COMPARISONS.map((tok) => ({ ALT: () => this.CONSUME(tok, { LABEL: "op" }) })));
      this.SUBRULE2(this.additive, { LABEL: "rhs" });
    });
  });

  /** additive := multiplicative (("+" | "-") multiplicative)* */
  private additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "ops" }) },
      ]);
      this.SUBRULE2(this.multiplicative, { LABEL: "operands" });
    });
  });

  /** multiplicative := unary (("*" | "/") unary)* */
  private multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: "ops" }) },
      ]);
      this.SUBRULE2(this.unary, { LABEL: "operands" });
    });
  });

  /** unary := "-" unary | primary */
  private unary = this.RULE("unary", () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Minus); this.SUBRULE(this.unary); } },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  /** primary := number unit? | STRING | true | false | list | "(" expr ")" | reference */
  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.number) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.reference) },
    ]);
  });

  /** number := NUMBER unitWord? — the word only when it is a unit and not the start of an item */
  private number = this.RULE("number", () => {
    const num = this.CONSUME(T.NumberLiteral);
    this.OPTION({ GATE: () => this.unitWordFollows(num), DEF: () => this.CONSUME(T.Identifier, { LABEL: "unit" }) });
  });

  /** list := "[" (expr ("," expr)* ","?)? "]" */
  private list = this.RULE("list", () => {
    this.CONSUME(T.LBracket);
    this.MANY(() => {
      this.SUBRULE(this.expression);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  private parenthesized = this.RULE("parenthesized", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** reference := path ("(" (expr ("," expr)*)? ")")? — a call when arguments follow */
  private reference = this.RULE("reference", () => {
    this.SUBRULE(this.path);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
      this.CONSUME(T.RParen);
    });
  });

  // ---- lookahead helpers (gates) ---------------------------------------------------------------

  private is(i: number, t: TokenType): boolean {
    return this.LA(i).tokenType === t;
  }

  /** IDENT "{" or IDENT IDENT "{" */
  private startsBlock(): boolean {
    return this.is(1, T.Identifier) && (this.is(2, T.LBrace) || (this.is(2, T.Identifier) && this.is(3, T.LBrace)));
  }

  /** IDENT ("." IDENT)* "=" — scanned without a lookahead limit, paths are short */
  private startsAttribute(): boolean {
    if (!this.is(1, T.Identifier)) return false;
    let i = 2;
    while (this.is(i, T.Dot) && this.is(i + 1, T.Identifier)) i += 2;
    return this.is(i, T.Equals);
  }

  /**
   * A unit word after a number that has none, on the same line, unless the word begins the next
   * item (`tokens(…)`, `steps {`, `s name {`, `x =`, `a.b`).
   */
  private unitWordFollows(num: IToken): boolean {
    const lit = parseNumberLiteral(num.image);
    if (!lit.ok || lit.unit !== undefined) return false; // `75B tokens` is fine, `80GiB tokens` is not
    const t: IToken = this.LA(1);
    if (t.tokenType !== T.Identifier || !WORD_UNITS.has(t.image)) return false;
    // A unit word stays on the number's line: on the next line `h <= 0` is a new item.
    if (t.startLine !== num.endLine) return false;
    // What follows on the same line decides; a line break after the word ends the item.
    const after = this.LA(2);
    if (after.startLine !== t.endLine) return true;
    const next = after.tokenType;
    if (next === T.Identifier && this.is(3, T.LBrace)) return false;
    return next !== T.Equals && next !== T.LParen && next !== T.LBrace && next !== T.Dot;
  }
}

/** One parser instance, reused (chevrotain parsers are stateful but resettable via `input`). */
export const parserInstance = new FlowParser();
