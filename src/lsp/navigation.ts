// Go to definition, find references and rename, across imports and the workspace's programs.
// A name is identified by where it is defined (file and offset), so two unrelated programs that
// happen to use the same name never mix.
import type { Ident } from "../ast/nodes.js";
import { dirname, resolve } from "node:path";
import { absPath } from "./convert.js";
import { definitionIdent, type Occurrence, type ProgramIndex, type Target } from "./symbols.js";
import type { Analysis } from "./workspace.js";

export interface SpanAt {
  /** Absolute path. */
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

const at = (i: Ident): SpanAt => ({ path: absPath(i.span.file), start: i.span.start, end: i.span.end });
const identity = (t: Target) => {
  const d = definitionIdent(t);
  return d ? `${absPath(d.span.file)}:${d.span.start}` : undefined;
};

/** Where the name under the cursor is defined; for an `import "…"` line, the imported file. */
export function definition(a: Analysis, display: string, offset: number): SpanAt | undefined {
  const occ = a.index.at(display, offset);
  if (occ) {
    const d = definitionIdent(occ.target);
    return d ? at(d) : undefined;
  }
  const imp = a.file(absPath(display))?.imports.find((i) => i.path.span.start <= offset && offset <= i.path.span.end);
  if (imp) return { path: resolve(dirname(absPath(display)), imp.path.value), start: 0, end: 0 };
  return undefined;
}

/** Every occurrence of the thing named under the cursor, in all the programs given. */
export function references(a: Analysis, display: string, offset: number, programs: readonly ProgramIndex[], withDefinition: boolean): SpanAt[] | undefined {
  const occ = a.index.at(display, offset);
  if (!occ) return undefined;
  return occurrencesOf(occ, programs).filter((o) => withDefinition || !o.isDefinition).map((o) => at(o.ident));
}

function occurrencesOf(occ: Occurrence, programs: readonly ProgramIndex[]): Occurrence[] {
  const id = identity(occ.target);
  const seen = new Set<string>();
  const out: Occurrence[] = [];
  for (const p of programs) {
    for (const f of p.files) {
      for (const o of p.inFile(f.path)) {
        if (identity(o.target) !== id) continue;
        const k = `${absPath(o.ident.span.file)}:${o.ident.span.start}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(o);
      }
    }
  }
  return out.sort((x, y) => (x.ident.span.file < y.ident.span.file ? -1 : x.ident.span.file > y.ident.span.file ? 1 : x.ident.span.start - y.ident.span.start));
}

export type RenameCheck = { readonly ok: true; readonly ident: Ident; readonly target: Target } | { readonly ok: false; readonly message: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(["true", "false", "import"]);

/** Whether the name under the cursor can be renamed (declarations and stages can; attributes and words cannot). */
export function prepareRename(a: Analysis, display: string, offset: number): RenameCheck {
  const occ = a.index.at(display, offset);
  if (!occ) return { ok: false, message: "Only the names of declarations and stages can be renamed here." };
  if (occ.target.kind === "attribute") return { ok: false, message: "Attribute names are the language's; they cannot be renamed." };
  return { ok: true, ident: occ.ident, target: occ.target };
}

export function rename(a: Analysis, display: string, offset: number, newName: string, programs: readonly ProgramIndex[]): { ok: true; edits: SpanAt[] } | { ok: false; message: string } {
  const p = prepareRename(a, display, offset);
  if (!p.ok) return p;
  if (!IDENT.test(newName) || RESERVED.has(newName)) return { ok: false, message: `\`${newName}\` is not a name: use letters, digits and \`_\`, not starting with a digit (and not \`true\`, \`false\` or \`import\`).` };
  const t = p.target;
  const occ = a.index.at(display, offset)!;
  // The programs the name is part of: a clash there would make the rename change what names mean.
  const progs = programs.filter((ix) => occurrencesOf(occ, [ix]).length > 0);
  if (t.kind === "decl") {
    for (const ix of progs) {
      const clash = ix.symbols.byName.get(newName);
      if (clash && clash.block !== t.decl.block) return { ok: false, message: `\`${newName}\` is already declared (${clash.kind} \`${newName}\`); names share one namespace across kinds and imports.` };
    }
  } else if (t.kind === "stage" && a.index.stagesOf(t.train.name).some((s) => s.name?.name === newName && s !== t.stage)) {
    return { ok: false, message: `\`${t.train.name}\` already has a stage \`${newName}\`.` };
  }
  return { ok: true, edits: occurrencesOf(occ, programs).map((o) => at(o.ident)) };
}
