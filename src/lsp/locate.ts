// The nodes under a position: from the file down to the innermost node whose span holds it.
import type { Block, FlowFile, Node } from "../ast/nodes.js";
import { childrenOf } from "../generated/ast-walk.js";

/** Outermost first. A position at a node's end counts as inside it (a cursor right after a word). */
export function nodesAt(file: FlowFile, offset: number): Node[] {
  const chain: Node[] = [file];
  let node: Node = file;
  for (;;) {
    const next: Node | undefined = childrenOf(node).find((c) => c.kind !== "Comment" && c.span.start <= offset && offset <= c.span.end);
    if (!next) return chain;
    chain.push(next);
    node = next;
  }
}

/** The blocks around a position, outermost first. */
export function blocksAt(file: FlowFile, offset: number): Block[] {
  return nodesAt(file, offset).filter((n): n is Block => n.kind === "Block");
}
