// Reads one block against the set of attributes and nested blocks its kind allows: reports
// duplicates, unknown keys (with "did you mean"), missing required keys and stray items.
import type { Attribute, Block, ExprItem, Expr } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import { replaceWith, type Reporter } from "./report.js";
import { suggest } from "../diagnostics/suggest.js";

export interface BlockShape {
  /** What the block is, for messages: "source `web`", "stage `warm`". */
  readonly what: string;
  readonly attrs: readonly string[];
  readonly blocks?: readonly string[];
  /** Whether bare expression items are allowed (gate, assert, rollback_if, parallel's `auto`). */
  readonly exprItems?: boolean;
  /** Whether attribute keys may be dotted paths (mix entries). */
  readonly dottedKeys?: boolean;
}

export class BlockReader {
  private readonly attrs = new Map<string, Attribute>();
  readonly dotted: Attribute[] = [];
  readonly exprItems: ExprItem[] = [];
  private readonly nested: Block[] = [];

  constructor(private readonly r: Reporter, readonly block: Block, private readonly shape: BlockShape) {
    for (const item of block.items) {
      if (item.kind === "Attribute") {
        const key = pathText(item.key);
        if (item.key.parts.length > 1 || shape.dottedKeys) {
          if (shape.dottedKeys) {
            this.dotted.push(item);
            continue;
          }
          r.report("E0104", item.key, `Unknown attribute \`${key}\` in ${shape.what}.`, {
            help: "attribute names are single words here",
          });
          continue;
        }
        const prev = this.attrs.get(key);
        if (prev) {
          r.report("E0106", item.key, `\`${key}\` is set twice in ${shape.what}.`, {
            label: "set again here",
            secondary: [{ span: prev.key.span, message: "first set here" }],
            help: "keep one of the two",
          });
          continue;
        }
        this.attrs.set(key, item);
        if (!shape.attrs.includes(key)) {
          const guess = suggest(key, shape.attrs);
          r.report("E0104", item.key, `Unknown attribute \`${key}\` in ${shape.what}.`, {
            label: "not an attribute of this block",
            help: guess ? `did you mean \`${guess}\`?` : `the attributes here are: ${shape.attrs.join(", ")}`,
            fixes: [replaceWith(item.key, guess)],
          });
        }
      } else if (item.kind === "Block") {
        const kw = item.keyword.name;
        if (!(shape.blocks ?? []).includes(kw)) {
          const guess = suggest(kw, shape.blocks ?? []);
          r.report("E0108", item.keyword, `A \`${kw}\` block is not allowed in ${shape.what}.`, {
            help: guess ? `did you mean \`${guess}\`?` : (shape.blocks ?? []).length ? `the blocks allowed here are: ${shape.blocks!.join(", ")}` : "this block takes attributes only",
            fixes: [replaceWith(item.keyword, guess)],
          });
          continue;
        }
        this.nested.push(item);
      } else {
        if (!shape.exprItems) {
          r.report("E0109", item, `A bare expression is not allowed in ${shape.what}.`, {
            help: "write `key = value`",
          });
          continue;
        }
        this.exprItems.push(item);
      }
    }
  }

  /** The value of a known attribute, if present. */
  get(key: string): Expr | undefined {
    const a = this.attrs.get(key);
    return a && this.shape.attrs.includes(key) ? a.value : undefined;
  }

  attribute(key: string): Attribute | undefined {
    return this.attrs.get(key);
  }

  /** The value of a required attribute, or an E0105 on the block's name. */
  required(key: string, help?: string): Expr | undefined {
    const v = this.get(key);
    if (v === undefined && !this.block.recovered) {
      this.r.report("E0105", this.block.name ?? this.block.keyword, `${capitalize(this.shape.what)} is missing \`${key}\`.`, {
        help: help ?? `add \`${key} = …\``,
      });
    }
    return v;
  }

  blocks(kw: string): Block[] {
    return this.nested.filter((b) => b.keyword.name === kw);
  }

  /** At most one block of this keyword; a second is an error. */
  single(kw: string): Block | undefined {
    const bs = this.blocks(kw);
    for (const extra of bs.slice(1)) {
      this.r.report("E0106", extra.keyword, `\`${kw}\` is given twice in ${this.shape.what}.`, {
        secondary: [{ span: bs[0]!.keyword.span, message: "first given here" }],
        help: "keep one of the two",
      });
    }
    return bs[0];
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
