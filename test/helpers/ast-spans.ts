// Every node of an AST has a span inside the text and inside its parent's span: the walk over the
// nodes is the one generated from src/ast/nodes.ts, so a new kind of node is covered without edits.
import type { FlowFile } from "../../src/ast/nodes.js";
import { walkAst, type AstNode } from "../../src/generated/ast-walk.js";

/** The first node whose span is outside the text or its parent's span, described; undefined if none. */
export function badNodeSpan(file: FlowFile, textLength: number): string | undefined {
  let bad: string | undefined;
  walkAst(file, (n: AstNode, parent) => {
    if (bad) return;
    const s = n.span;
    if (!(s.start >= 0 && s.start <= s.end && s.end <= textLength)) bad = `${n.kind} [${s.start}, ${s.end}) outside the text (length ${textLength})`;
    else if (parent && (s.start < parent.span.start || s.end > parent.span.end)) {
      bad = `${n.kind} [${s.start}, ${s.end}) outside its parent ${parent.kind} [${parent.span.start}, ${parent.span.end})`;
    }
  });
  return bad;
}
