// Quick fixes the checker can state as edits (diagnostics' `fixes`): setting an attribute of a
// block, whether it is there, missing, or its block is missing. Insertions go after the block's
// last item as `, key = value`; an editor may put them on a line of their own.
import type { Attribute, Block } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import type { Fix } from "../diagnostics/diagnostic.js";
import { span, type Span } from "../source/span.js";

type Edit = Fix["edits"][number];

/** `key = value` in `block`; when `block` is missing, a new `KEYWORD { key = value }` in `parent`. */
export function setAttribute(block: Block | undefined, key: string, value: string, parent?: { readonly block: Block; readonly keyword: string }): Edit | undefined {
  if (block) {
    const a = block.items.find((i): i is Attribute => i.kind === "Attribute" && pathText(i.key) === key);
    if (a) return { span: a.value.span, text: value };
    return insertItem(block, `${key} = ${value}`);
  }
  return parent ? insertItem(parent.block, `${parent.keyword} { ${key} = ${value} }`, (i) => !(i.kind === "Block" && i.keyword.name === "stage")) : undefined;
}

/** Inserts an item after the last item of `block` that `after` accepts (before the first it rejects). */
function insertItem(block: Block, item: string, after: (i: Block["items"][number]) => boolean = () => true): Edit {
  const firstRejected = block.items.findIndex((i) => !after(i));
  const items = firstRejected < 0 ? block.items : block.items.slice(0, firstRejected);
  const last = items[items.length - 1];
  if (last) return { span: at(last.span.file, last.span.end), text: `, ${item}` };
  // An empty block: just inside its closing brace.
  return { span: at(block.span.file, block.span.end - 1), text: ` ${item} ` };
}

function at(file: string, offset: number): Span {
  return span(file, offset, offset);
}
