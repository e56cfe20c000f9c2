// The server's state: open documents, and the analysis of each (the compiler's load + check, with
// open documents read before the disk and the last parse of each file reused). An open file that
// another open file imports is analysed as part of that program, where its names resolve.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FlowFile } from "../ast/nodes.js";
import type { CheckedProgram } from "../check/analysis.js";
import { dedupeDiagnostics } from "../diagnostics/collect.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { nodeHost, type SourceHost } from "../program/host.js";
import { loadProgram, type LoadOptions, type Program } from "../program/loader.js";
import { absPath, SourceText } from "./convert.js";
import { IncrementalParser } from "./reparse.js";
import { ProgramIndex } from "./symbols.js";

/** What the server needs of the compiler: src/pipeline.ts's checkPath (injected by `flowc lsp`). */
export interface Phases {
  readonly check: (entry: string, opts: LoadOptions) => Checked;
}

/** The pipeline's result after checking (src/pipeline.ts's Checked). */
export interface Checked {
  readonly program: Program;
  readonly checked?: CheckedProgram;
  readonly diagnostics: readonly Diagnostic[];
  /** Texts by the canonical path the spans carry. */
  readonly texts: ReadonlyMap<string, string>;
}

export interface OpenDocument {
  readonly uri: string;
  readonly path: string;
  text: string;
  version: number;
}

/** One program: the entry (an open document), every file it loaded, and what the checker found. */
export class Analysis {
  private index_?: ProgramIndex;
  /** Absolute paths of the files loaded, entry included. */
  readonly files: ReadonlySet<string>;
  private readonly sources = new Map<string, SourceText>();

  constructor(readonly entry: string, readonly result: Checked) {
    this.files = new Set([entry, ...[...result.texts.keys()].map(absPath)]);
  }

  get program(): readonly FlowFile[] {
    return this.result.program.files;
  }

  get index(): ProgramIndex {
    return (this.index_ ??= new ProgramIndex(this.program, this.result.checked?.symbols));
  }

  /** The loaded file at an absolute path. */
  file(path: string): FlowFile | undefined {
    return this.program.find((f) => absPath(f.path) === path);
  }

  /** A file's text (with its line index) by the canonical path spans carry. */
  source(display: string): SourceText | undefined {
    let s = this.sources.get(display);
    if (!s) {
      const t = this.result.texts.get(display);
      if (t === undefined) return undefined;
      this.sources.set(display, (s = new SourceText(t)));
    }
    return s;
  }
}

export class Workspace {
  readonly docs = new Map<string, OpenDocument>();
  readonly parser = new IncrementalParser();
  private readonly analyses = new Map<string, Analysis>();
  /** Entries whose analysis is out of date. */
  private readonly dirty = new Set<string>();
  private roots: string[] = [];
  private scanned?: string[];

  constructor(private readonly phases: Phases) {}

  setRoots(roots: readonly string[]): void {
    this.roots = [...roots];
    this.scanned = undefined;
  }

  /** Open documents first, then the disk. */
  readonly host: SourceHost = {
    realpath: (path) => (this.docs.has(path) ? { ok: true, value: path } : nodeHost.realpath(path)),
    read: (path, maxBytes) => {
      const doc = this.docs.get(path);
      return doc ? { ok: true, value: doc.text } : nodeHost.read(path, maxBytes);
    },
  };

  /** A file's text as the programs see it, if it can be read. */
  readonly read = (path: string): string | undefined => {
    const r = this.host.read(path, Number.MAX_SAFE_INTEGER);
    return r.ok ? r.value : undefined;
  };

  open(doc: OpenDocument): void {
    this.docs.set(doc.path, doc);
    this.invalidate(doc.path);
  }

  change(path: string, text: string, version: number): void {
    const doc = this.docs.get(path);
    if (!doc) return;
    doc.text = text;
    doc.version = version;
    this.invalidate(doc.path);
  }

  close(path: string): void {
    this.docs.delete(path);
    this.analyses.delete(path);
    this.dirty.delete(path);
    // Programs that import it now read it from the disk.
    this.invalidate(path);
  }

  /** A file changed on disk (or was created or deleted). */
  changedOnDisk(path: string): void {
    this.scanned = undefined;
    if (!this.docs.has(path)) this.invalidate(path);
  }

  /** Marks every program that reads `path` (and the document itself) as out of date. */
  private invalidate(path: string): void {
    if (this.docs.has(path)) this.dirty.add(path);
    for (const a of this.analyses.values()) if (a.files.has(path)) this.dirty.add(a.entry);
  }

  get pending(): boolean {
    return this.dirty.size > 0;
  }

  /** Re-analyses the programs that are out of date; returns the files whose diagnostics may have changed. */
  refresh(): Set<string> {
    const touched = new Set<string>();
    for (const entry of [...this.dirty]) {
      this.dirty.delete(entry);
      const before = this.analyses.get(entry);
      for (const f of before?.files ?? []) touched.add(f);
      if (!this.docs.has(entry)) {
        this.analyses.delete(entry);
        continue;
      }
      const a = new Analysis(entry, this.phases.check(entry, { host: this.host, parse: this.parser.parse }));
      this.analyses.set(entry, a);
      for (const f of a.files) touched.add(f);
    }
    return touched;
  }

  /** Programs not contained in another open program: the ones whose diagnostics are shown. */
  private tops(): Analysis[] {
    const all = [...this.analyses.values()];
    return all.filter((a) => !all.some((b) => b !== a && b.files.has(a.entry) && !a.files.has(b.entry)));
  }

  /** The analysis that shows a file: the open program that loads it (analysed now if out of date). */
  analysisFor(path: string): Analysis | undefined {
    if (this.pending) this.refresh();
    const tops = this.tops();
    return tops.find((a) => a.entry === path) ?? tops.find((a) => a.files.has(path)) ?? this.analyses.get(path);
  }

  /** Diagnostics of every file the shown programs load, by absolute path (files without any get []). */
  diagnosticsByFile(): Map<string, { analysis: Analysis; diagnostics: Diagnostic[] }> {
    const out = new Map<string, { analysis: Analysis; diagnostics: Diagnostic[] }>();
    for (const a of this.tops()) {
      for (const f of a.files) if (!out.has(f)) out.set(f, { analysis: a, diagnostics: [] });
      for (const d of a.result.diagnostics) {
        const f = absPath(d.primary.span.file);
        let slot = out.get(f);
        if (!slot) out.set(f, (slot = { analysis: a, diagnostics: [] }));
        slot.diagnostics.push(d);
      }
    }
    for (const slot of out.values()) slot.diagnostics = dedupeDiagnostics(slot.diagnostics);
    return out;
  }

  allAnalyses(): Analysis[] {
    if (this.pending) this.refresh();
    return [...this.analyses.values()];
  }

  /**
   * Programs for workspace-wide questions (references, rename, workspace symbols): the open ones,
   * and one per `.flow` file of the workspace folders that no open program loads (parsed, not checked).
   */
  workspacePrograms(): { files: readonly FlowFile[]; index: ProgramIndex }[] {
    const open = this.allAnalyses();
    const covered = new Set(open.flatMap((a) => [...a.files]));
    const out = open.map((a) => ({ files: a.program, index: a.index }));
    const seen = new Set<string>();
    for (const path of this.workspaceFiles()) {
      if (covered.has(path) || seen.has(path)) continue;
      const loaded = loadProgram(path, { host: this.host, parse: this.parser.parse }).value;
      for (const f of loaded.files) seen.add(absPath(f.path));
      out.push({ files: loaded.files, index: new ProgramIndex(loaded.files) });
    }
    return out;
  }

  /** The `.flow` files under the workspace folders (build outputs and dependencies skipped). */
  workspaceFiles(): string[] {
    if (this.scanned) return this.scanned;
    const found: string[] = [];
    const skip = new Set(["node_modules", "dist", "out", ".git", ".venv", "__pycache__"]);
    const walk = (dir: string, depth: number) => {
      if (depth > 12 || found.length >= 5_000) return;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        if (skip.has(n) || n.startsWith(".")) continue;
        const p = join(dir, n);
        let st;
        try {
          st = statSync(p);
        } catch {
          continue;
        }
        if (st.isDirectory()) walk(p, depth + 1);
        else if (n.endsWith(".flow")) found.push(p);
      }
    };
    for (const r of this.roots) walk(r, 0);
    return (this.scanned = found.sort());
  }
}
