// The program's names for the editor: where each declaration, stage and attribute is defined, and
// every place that names one. Declarations come from the checker's symbol table (check/decls.ts);
// which positions are names rather than enum words comes from the vocabulary.
import type { Attribute, Block, Expr, FlowFile, Ident, Path } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import { buildSymbols, type Decl, type SymbolTable } from "../check/decls.js";
import { Reporter } from "../check/report.js";
import { attrSpec, blockSpec, type BlockFrame, type BlockSpec } from "../language/vocabulary.js";

/** What a name denotes: a declaration, a stage of a run, or an attribute of a declaration. */
export type Target =
  | { readonly kind: "decl"; readonly decl: Decl }
  | { readonly kind: "stage"; readonly train: Decl; readonly stage: Block }
  | { readonly kind: "attribute"; readonly decl: Decl; readonly attribute: Attribute };

export interface Occurrence {
  /** The identifier: a declaration's name where it is declared, or one part of a reference. */
  readonly ident: Ident;
  readonly target: Target;
  readonly isDefinition: boolean;
}

/** A stable key of a target, so occurrences of the same thing compare equal. */
export function targetKey(t: Target): string {
  switch (t.kind) {
    case "decl": return `decl:${t.decl.name}`;
    case "stage": return `stage:${t.train.name}.${t.stage.name?.name ?? ""}`;
    case "attribute": return `attr:${t.decl.name}.${pathText(t.attribute.key)}`;
  }
}

/** Where a target is defined. */
export function definitionIdent(t: Target): Ident | undefined {
  switch (t.kind) {
    case "decl": return t.decl.block.name;
    case "stage": return t.stage.name;
    case "attribute": return t.attribute.key.parts[0];
  }
}

export class ProgramIndex {
  readonly symbols: SymbolTable;
  /** Occurrences by file, in source order. */
  private readonly byFile = new Map<string, Occurrence[]>();
  private readonly byTarget = new Map<string, Occurrence[]>();

  constructor(readonly files: readonly FlowFile[], symbols?: SymbolTable) {
    this.symbols = symbols ?? buildSymbols(files, new Reporter());
    for (const f of files) {
      const occ: Occurrence[] = [];
      for (const block of f.decls) new Walker(this.symbols, occ).decl(block);
      occ.sort((a, b) => a.ident.span.start - b.ident.span.start);
      this.byFile.set(f.path, occ);
      for (const o of occ) {
        const k = targetKey(o.target);
        let list = this.byTarget.get(k);
        if (!list) this.byTarget.set(k, (list = []));
        list.push(o);
      }
    }
  }

  /** The occurrence whose identifier holds `offset` (its end counts, as a cursor right after a name does). */
  at(file: string, offset: number): Occurrence | undefined {
    const occ = this.byFile.get(file) ?? [];
    let lo = 0;
    let hi = occ.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = occ[mid]!.ident.span;
      if (offset < s.start) hi = mid - 1;
      else if (offset > s.end) lo = mid + 1;
      else return occ[mid];
    }
    return undefined;
  }

  occurrences(t: Target): readonly Occurrence[] {
    return this.byTarget.get(targetKey(t)) ?? [];
  }

  inFile(file: string): readonly Occurrence[] {
    return this.byFile.get(file) ?? [];
  }

  /** Source names that curation `name` reads (`from = [...]`), from the syntax alone. */
  curatedSources(name: string): string[] {
    const d = this.symbols.byName.get(name);
    if (d?.kind !== "curate") return [];
    const from = d.block.items.find((i): i is Attribute => i.kind === "Attribute" && pathText(i.key) === "from");
    if (!from) return [];
    const items = from.value.kind === "List" ? from.value.items : [from.value];
    return items.filter((e): e is Path => e.kind === "Path" && e.parts.length === 1).map((p) => p.parts[0]!.name);
  }

  /** Every dataset `CURATE.SOURCE` of the program. */
  datasets(): string[] {
    return this.symbols.decls.filter((d) => d.kind === "curate").flatMap((d) => this.curatedSources(d.name).map((s) => `${d.name}.${s}`));
  }

  stagesOf(train: string): Block[] {
    const d = this.symbols.byName.get(train);
    if (d?.kind !== "train") return [];
    return d.block.items.filter((i): i is Block => i.kind === "Block" && i.keyword.name === "stage" && !!i.name);
  }
}

/** Walks one declaration with the frames of the blocks around each item. */
class Walker {
  private readonly frames: BlockFrame[] = [];
  private decl_?: Decl;

  constructor(private readonly symbols: SymbolTable, private readonly out: Occurrence[]) {}

  decl(block: Block): void {
    const d = block.name ? this.symbols.byName.get(block.name.name) : undefined;
    // A declaration that lost to a duplicate is not the one its name means.
    this.decl_ = d?.block === block ? d : undefined;
    if (this.decl_ && block.name) this.out.push({ ident: block.name, target: { kind: "decl", decl: this.decl_ }, isDefinition: true });
    this.block(block);
  }

  private block(block: Block): void {
    this.frames.push({ keyword: block.keyword.name, ...(block.name ? { name: block.name.name } : {}) });
    const spec = blockSpec(this.frames);
    const d = this.decl_;
    if (d && this.frames.length === 2 && block.keyword.name === "stage" && block.name && d.kind === "train") {
      this.out.push({ ident: block.name, target: { kind: "stage", train: d, stage: block }, isDefinition: true });
    }
    for (const item of block.items) {
      if (item.kind === "Block") this.block(item);
      else if (item.kind === "ExprItem") this.expr(item.expr);
      else this.attribute(item, spec);
    }
    this.frames.pop();
  }

  private attribute(a: Attribute, spec: BlockSpec | undefined): void {
    const d = this.decl_;
    if (spec?.datasetKeys) {
      this.path(a.key);
    } else if (d && this.frames.length === 1 && a.key.parts.length === 1 && this.isFirst(a, d.block)) {
      this.out.push({ ident: a.key.parts[0]!, target: { kind: "attribute", decl: d, attribute: a }, isDefinition: true });
    }
    const as = attrSpec(spec, pathText(a.key));
    // Enum values and free words (`kind = web`, `phases = [internal]`) are not names, even when a
    // declaration happens to be called the same.
    if (as && (as.values || as.words)) return;
    this.expr(a.value);
  }

  /** The first `key = …` of a block is the one a reference `DECL.key` reads. */
  private isFirst(a: Attribute, block: Block): boolean {
    const key = pathText(a.key);
    return block.items.find((i) => i.kind === "Attribute" && pathText(i.key) === key) === a;
  }

  private expr(e: Expr): void {
    switch (e.kind) {
      case "Path": return this.path(e);
      case "List": return e.items.forEach((x) => this.expr(x));
      case "Binary": this.expr(e.left); this.expr(e.right); return;
      case "Unary": return this.expr(e.operand);
      case "Paren": return this.expr(e.expr);
      case "Call": return e.args.forEach((x) => this.expr(x));
      default: return;
    }
  }

  /** `web`, `clean.web` (a dataset), `pretrain.anneal` (a stage), `tok.vocab` (an attribute). */
  private path(p: Path): void {
    const [head, second] = p.parts;
    if (!head) return;
    const d = this.symbols.byName.get(head.name);
    if (!d) return;
    this.out.push({ ident: head, target: { kind: "decl", decl: d }, isDefinition: false });
    if (!second) return;
    if (d.kind === "curate") {
      const src = this.symbols.byName.get(second.name);
      if (src?.kind === "source") this.out.push({ ident: second, target: { kind: "decl", decl: src }, isDefinition: false });
    } else if (d.kind === "train") {
      const stage = d.block.items.find((i): i is Block => i.kind === "Block" && i.keyword.name === "stage" && i.name?.name === second.name);
      if (stage) this.out.push({ ident: second, target: { kind: "stage", train: d, stage }, isDefinition: false });
    } else if (d.kind !== "evalset") {
      const attribute = d.block.items.find((i): i is Attribute => i.kind === "Attribute" && pathText(i.key) === second.name);
      if (attribute) this.out.push({ ident: second, target: { kind: "attribute", decl: d, attribute }, isDefinition: false });
    }
  }
}
