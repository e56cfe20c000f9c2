// Completion. Where the cursor is comes from the compiler's lexer (the text being typed rarely
// parses): the stack of `KEYWORD [NAME] {` blocks open before it, and whether it starts an item,
// follows `key =`, or follows `NAME.`. What may go there comes from the vocabulary and, for names,
// from the program's declarations.
import type { IToken } from "chevrotain";
import type { FlowFile } from "../ast/nodes.js";
import type { DeclKind } from "../check/decls.js";
import { ASSERT_FUNCTIONS } from "../check/rules/asserts.js";
import * as T from "../syntax/tokens.js";
import type { ProgramIndex } from "./symbols.js";
import {
  ASSERT_SIGNATURES, attrSpec, blockSpec, DECLARATION_KINDS, declSpec, METRICS, type AttrSpec, type BlockFrame, type BlockSpec,
} from "../language/vocabulary.js";

export type ItemKind = "keyword" | "property" | "value" | "reference" | "function" | "block" | "dataset";

export interface Completion {
  readonly label: string;
  readonly kind: ItemKind;
  readonly detail?: string;
  readonly doc?: string;
  /** Plain text inserted in place of the word being typed. */
  readonly insert: string;
  /** The same as a snippet (`$1` tab stops), for clients that take snippets. */
  readonly snippet?: string;
}

export interface CompletionContext {
  readonly frames: readonly BlockFrame[];
  /** What is being completed. */
  readonly at: "item" | "value" | "member";
  /** The attribute whose value is being written (`at: "value"`). */
  readonly key?: string;
  /** `NAME.` before the cursor (`at: "member"`). */
  readonly owner?: string;
  /** The word typed so far, and where it starts. */
  readonly prefix: string;
  readonly prefixStart: number;
  /** Keys already set in the innermost block (offered no more). */
  readonly present: ReadonlySet<string>;
}

interface Frame extends BlockFrame {
  present: Set<string>;
}

/** Where the cursor is. `from` is where scanning may start (the start of the declaration around the cursor). */
export function contextAt(text: string, offset: number, from = 0): CompletionContext {
  let prefixStart = offset;
  while (prefixStart > from && /[A-Za-z0-9_]/.test(text[prefixStart - 1]!)) prefixStart--;
  const prefix = text.slice(prefixStart, offset);
  const tokens = T.FlowLexer.tokenize(text.slice(from, prefixStart)).tokens.filter((t) => t.tokenType !== T.UnterminatedComment);
  const frames: Frame[] = [];
  /** Tokens of the item being written in the innermost block, after its last separator. */
  let item: IToken[] = [];
  let brackets = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    if (type === T.LBrace) {
      frames.push({ ...header(item), present: new Set() });
      item = [];
      brackets = 0;
    } else if (type === T.RBrace) {
      frames.pop();
      item = [];
      brackets = 0;
    } else if (type === T.Comma && brackets === 0) {
      item = [];
    } else {
      if (type === T.LBracket || type === T.LParen) brackets++;
      if (type === T.RBracket || type === T.RParen) brackets = Math.max(0, brackets - 1);
      // A new line outside brackets starts a new item, unless the last line ended mid-expression.
      const prev = item[item.length - 1];
      if (prev && brackets === 0 && t.startLine !== prev.endLine && !continues(prev)) item = [];
      item.push(t);
      const next = tokens[i + 1];
      if (type === T.Identifier && item.length === 1 && next?.tokenType === T.Equals) frames[frames.length - 1]?.present.add(t.image);
    }
  }
  const top = frames[frames.length - 1];
  const base = { frames: frames.map(({ keyword, name }) => ({ keyword, ...(name !== undefined ? { name } : {}) })), prefix, prefixStart, present: top?.present ?? new Set<string>() };
  const last = item[item.length - 1];
  const lastOnLine = last && text.slice(from + (last.endOffset ?? 0) + 1, prefixStart).includes("\n") && !continues(last) && brackets === 0;
  if (last?.tokenType === T.Dot && item[item.length - 2]?.tokenType === T.Identifier) {
    return { ...base, at: "member", owner: item[item.length - 2]!.image };
  }
  if (!last || lastOnLine) return { ...base, at: "item" };
  const eq = item.findIndex((t) => t.tokenType === T.Equals);
  // Inside the parentheses of a call or the brackets of a bare list (`tokens(|`): a value.
  if (brackets > 0 && eq < 0) return { ...base, at: "value", key: "" };
  if (eq === 1 && item[0]?.tokenType === T.Identifier) return { ...base, at: "value", key: item[0].image };
  // After a dotted key in a mix (`clean.web =`): a weight, nothing to offer.
  return { ...base, at: eq > 0 ? "value" : "item", ...(eq > 0 ? { key: "" } : {}) };
}

/** Tokens that cannot end an item: the expression goes on on the next line. */
function continues(t: IToken): boolean {
  return [T.Equals, T.Plus, T.Minus, T.Star, T.Slash, T.Comma, T.Dot, T.LBracket, T.LParen, T.Less, T.LessEq, T.Greater, T.GreaterEq, T.EqEq, T.NotEq].includes(t.tokenType);
}

/** `stage warm {` → stage warm; `mix {` → mix; `x = y` then `mix {` → mix. */
function header(item: readonly IToken[]): BlockFrame {
  const ids = item.filter((t) => t.tokenType === T.Identifier);
  const last = item[item.length - 1];
  const before = item[item.length - 2];
  if (last?.tokenType === T.Identifier && before?.tokenType === T.Identifier && item.length === 2) return { keyword: before.image, name: last.image };
  if (last?.tokenType === T.Identifier) return { keyword: last.image };
  return { keyword: ids[ids.length - 1]?.image ?? "" };
}

/** Where scanning for the context may start: the top-level declaration that holds the cursor. */
export function scanStart(file: FlowFile | undefined, offset: number): number {
  let start = 0;
  for (const d of file?.decls ?? []) {
    if (d.span.start > offset) break;
    // Only a declaration that is still open at the cursor, or closed after it, is around it.
    if (d.span.end >= offset) return d.span.start;
    start = d.span.end;
  }
  return start;
}

export interface CompletionOptions {
  readonly snippets: boolean;
}

export function complete(ctx: CompletionContext, index: ProgramIndex | undefined, opts: CompletionOptions): Completion[] {
  const spec = blockSpec(ctx.frames);
  if (ctx.at === "member") return memberItems(ctx.owner ?? "", index);
  if (ctx.at === "value") return valueItems(attrSpec(spec, ctx.key ?? ""), index, ctx.frames);
  if (ctx.frames.length === 0) return topItems(opts);
  if (!spec) return [];
  if (spec.datasetKeys) return (index?.datasets() ?? []).map((ds) => ({ label: ds, kind: "dataset", detail: "curated dataset", insert: `${ds} = `, ...(opts.snippets ? { snippet: `${ds} = \${1:10}%` } : {}) }));
  const out: Completion[] = [];
  for (const a of spec.attrs) if (!ctx.present.has(a.name)) out.push(attrItem(a, opts));
  for (const kw of spec.blocks) out.push(blockItem(ctx.frames, kw, opts));
  if (spec.exprItems) out.push(...exprItems(ctx.frames, index));
  return out;
}

function topItems(opts: CompletionOptions): Completion[] {
  const out: Completion[] = DECLARATION_KINDS.map((k) => {
    const s = declSpec(k);
    const required = s.attrs.filter((a) => a.required);
    const body = required.map((a, i) => `\t${a.name} = ${a.values ? `\${${i + 2}|${a.values.map((v) => (a.quoted ? `"${v}"` : v)).join(",")}|}` : `$${i + 2}`}`).join("\n");
    return {
      label: k, kind: "keyword", detail: `declaration`, doc: s.doc, insert: s.name === "none" ? `${k} {` : `${k} `,
      ...(opts.snippets ? { snippet: s.name === "none" ? `${k} {\n\t$0\n}` : `${k} \${1:name} {\n${body}${body ? "\n" : ""}\t$0\n}` } : {}),
    };
  });
  out.push({ label: "import", kind: "keyword", detail: "import another file", insert: 'import "', ...(opts.snippets ? { snippet: 'import "${1:file.flow}"' } : {}) });
  return out;
}

function attrItem(a: AttrSpec, opts: CompletionOptions): Completion {
  const choice = a.values && !a.list ? `\${1|${a.values.map((v) => (a.quoted ? `"${v}"` : v)).join(",")}|}` : a.list ? "[$1]" : "$1";
  return {
    label: a.name, kind: "property", detail: `${a.type}${a.default !== undefined ? ` (default ${a.default})` : a.required ? " (required)" : ""}`, doc: a.doc,
    insert: `${a.name} = `, ...(opts.snippets ? { snippet: `${a.name} = ${choice}` } : {}),
  };
}

function blockItem(frames: readonly BlockFrame[], kw: string, opts: CompletionOptions): Completion {
  const spec = blockSpec([...frames, { keyword: kw }]) ?? blockSpec([...frames, { keyword: kw, name: kw === "optimizer" ? "adamw" : "cosine" }]);
  const named = spec?.name ?? "none";
  const name = named === "algorithm" ? `\${1|${(spec?.algorithms ?? []).join(",")}|}` : named === "required" ? "${1:name}" : "";
  return {
    label: kw, kind: "block", detail: "block", ...(spec ? { doc: spec.doc } : {}), insert: `${kw} {`,
    ...(opts.snippets ? { snippet: `${kw}${name ? ` ${name}` : ""} { $0 }` } : {}),
  };
}

function exprItems(frames: readonly BlockFrame[], index: ProgramIndex | undefined): Completion[] {
  const kw = frames[frames.length - 1]?.keyword;
  if (kw === "parallel") return [{ label: "auto", kind: "value", detail: "let the planner choose every size", insert: "auto" }];
  if (kw === "gate" || kw === "rollback_if") return names(index, ["evalset"]).map((n) => ({ ...n, insert: `${n.label}.`, detail: "evalset (then `.METRIC OP VALUE`)" }));
  if (kw === "assert") {
    return ASSERT_FUNCTIONS.map((f) => ({ label: f, kind: "function" as const, detail: ASSERT_SIGNATURES[f], insert: `${f}(` }));
  }
  return [];
}

function valueItems(a: AttrSpec | undefined, index: ProgramIndex | undefined, frames: readonly BlockFrame[]): Completion[] {
  if (!a) {
    // Inside an assert call, or a value of a key flowc does not know: the names in scope.
    return frames[0]?.keyword === "assert" ? [...names(index, ["train"]), ...datasetItems(index)] : [];
  }
  const out: Completion[] = [];
  for (const v of a.values ?? []) out.push({ label: a.quoted ? `"${v}"` : v, kind: "value", detail: a.name, insert: a.quoted ? `"${v}"` : v });
  if (a.auto) out.push({ label: "auto", kind: "value", detail: "the planner chooses", insert: "auto" });
  if (a.type.startsWith("`true`")) out.push(...["true", "false"].map((v) => ({ label: v, kind: "value" as const, insert: v })));
  if (a.refs) out.push(...names(index, a.refs));
  // `vocab = TOKENIZER.vocab`: a model reads its tokenizer's size.
  if (a.name === "vocab" && frames[0]?.keyword === "model") {
    out.push(...names(index, ["tokenizer"]).map((n) => ({ ...n, label: `${n.label}.vocab`, insert: `${n.label}.vocab` })));
  }
  return out;
}

function names(index: ProgramIndex | undefined, kinds: readonly DeclKind[]): Completion[] {
  return (index?.symbols.decls ?? []).filter((d) => kinds.includes(d.kind)).map((d) => ({ label: d.name, kind: "reference" as const, detail: d.kind, insert: d.name }));
}

function datasetItems(index: ProgramIndex | undefined): Completion[] {
  return (index?.datasets() ?? []).map((ds) => ({ label: ds, kind: "dataset" as const, detail: "curated dataset", insert: ds }));
}

/** After `NAME.`: a curation's sources, a run's stages, an evalset's metrics, a declaration's attributes. */
function memberItems(owner: string, index: ProgramIndex | undefined): Completion[] {
  const d = index?.symbols.byName.get(owner);
  if (!d) return [];
  switch (d.kind) {
    case "curate": return index!.curatedSources(owner).map((s) => ({ label: s, kind: "dataset", detail: `dataset ${owner}.${s}`, insert: s }));
    case "train": return index!.stagesOf(owner).map((b) => ({ label: b.name!.name, kind: "reference", detail: `stage of ${owner}`, insert: b.name!.name }));
    case "evalset": return METRICS.map((m) => ({ label: m, kind: "value", detail: "metric", insert: m }));
    default: {
      const spec: BlockSpec = declSpec(d.kind);
      return d.block.items.flatMap((i) => (i.kind === "Attribute" && i.key.parts.length === 1 ? [i.key.parts[0]!.name] : []))
        .map((n) => ({ label: n, kind: "property" as const, detail: attrSpec(spec, n)?.type ?? "attribute", insert: n }));
    }
  }
}
