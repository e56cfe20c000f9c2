// `flowc lsp`: the language server. Wires the protocol to the workspace (open documents and their
// analyses) and the features, each in its own module. No handler lets an exception reach the
// client: an internal error is logged and the request answers nothing.
import {
  CodeActionKind, CompletionItemKind, DidChangeWatchedFilesNotification, InsertTextFormat, ResponseError,
  TextDocuments, TextDocumentSyncKind,
  type CodeAction, type CompletionItem, type Connection, type InitializeParams, type InitializeResult, type Location, type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { resolve } from "node:path";
import { lookupCode } from "../diagnostics/catalog.js";
import { nodeHost } from "../program/host.js";
import { renderExplain } from "../diagnostics/explain.js";
import { formatText } from "../syntax/format.js";
import { fixChanges } from "./actions.js";
import { complete, contextAt, scanStart, type ItemKind } from "./completion.js";
import { absPath, pathToUri, SourceText, toLspDiagnostic, uriToPath } from "./convert.js";
import { hoverAt } from "./hover.js";
import { definition, prepareRename, references, rename, type SpanAt } from "./navigation.js";
import { documentSymbols, fuzzyMatch, programSymbols } from "./outline.js";
import { diffRegion } from "./reparse.js";
import { LEGEND, semanticTokens } from "./semanticTokens.js";
import { Workspace, type Analysis, type Phases } from "./workspace.js";

export interface ServerOptions {
  /** Milliseconds between the last change and the check whose diagnostics are published. */
  readonly diagnosticsDelayMs?: number;
}

/** What the client may ask for in `initializationOptions`. */
interface InitOptions {
  /** As ServerOptions. */
  readonly diagnosticsDelayMs?: number;
  /** Give each diagnostic a `codeDescription` link `flowc-explain:CODE` (the VS Code extension shows those). */
  readonly explainLinks?: boolean;
}

/** The custom request behind `flowc-explain:CODE` documents: `flowc explain CODE` as text. */
export const EXPLAIN_REQUEST = "flowc/explain";

const COMPLETION_KIND: Record<ItemKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword, property: CompletionItemKind.Property, value: CompletionItemKind.EnumMember,
  reference: CompletionItemKind.Reference, function: CompletionItemKind.Function, block: CompletionItemKind.Module,
  dataset: CompletionItemKind.Variable,
};

export function startServer(connection: Connection, phases: Phases, options: ServerOptions = {}): void {
  const ws = new Workspace(phases);
  const documents = new TextDocuments(TextDocument);
  let delay = options.diagnosticsDelayMs ?? 10;
  let explainLinks = false;
  let snippets = false;
  let timer: NodeJS.Timeout | undefined;
  /** Files with published diagnostics, and what was published (to skip sending the same again). */
  const published = new Map<string, string>();

  const log = (what: string, err: unknown) => connection.console.error(`flowc lsp: ${what}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  /** A handler that never throws at the client. */
  const guard = <A extends unknown[], R>(what: string, f: (...args: A) => R) => (...args: A): R | null => {
    try {
      return f(...args);
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      log(what, err);
      return null;
    }
  };

  /** The canonical path of a document (spans carry canonical paths); a document not on disk keeps its own. */
  const pathOf = (uri: string): string => {
    const p = uriToPath(uri) ?? resolve(`untitled-${encodeURIComponent(uri)}.flow`);
    if (ws.docs.has(p)) return p;
    const real = nodeHost.realpath(p);
    return real.ok ? real.value : p;
  };
  const uriOf = (path: string): string => ws.docs.get(path)?.uri ?? pathToUri(path);

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitOptions;
    if (typeof init.diagnosticsDelayMs === "number" && init.diagnosticsDelayMs >= 0) delay = init.diagnosticsDelayMs;
    explainLinks = init.explainLinks === true;
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    const root = params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? undefined;
    ws.setRoots(roots.length ? roots : root ? [root] : []);
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        completionProvider: { triggerCharacters: [".", "="] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
      },
      serverInfo: { name: "flowc", version: "0.1.0" },
    };
  });

  let watchFiles = false;
  connection.onInitialized(() => {
    if (watchFiles) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.flow" }] });
  });

  // ---- documents and diagnostics ------------------------------------------------------------------

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      publish();
    }, delay);
  };

  const publish = guard("diagnostics", () => {
    const touched = ws.refresh();
    const byFile = ws.diagnosticsByFile();
    for (const path of new Set([...touched, ...published.keys(), ...byFile.keys()])) {
      const slot = byFile.get(path);
      const ds = slot?.diagnostics ?? [];
      const key = JSON.stringify(ds, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      if (!touched.has(path) && published.get(path) === key) continue;
      if (!slot && !published.has(path) && !touched.has(path)) continue;
      const a = slot?.analysis;
      const diagnostics = a ? ds.map((d) => toLspDiagnostic(d, {
        source: (f) => a.source(f),
        uriOf: (f) => uriOf(absPath(f)),
        ...(explainLinks ? { codeLink: (c: string) => `flowc-explain:${c}` } : {}),
      })) : [];
      const doc = ws.docs.get(path);
      void connection.sendDiagnostics({ uri: uriOf(path), ...(doc ? { version: doc.version } : {}), diagnostics });
      if (ds.length || doc) published.set(path, key);
      else published.delete(path);
    }
  });

  documents.onDidOpen(guard("open", (e) => {
    ws.open({ uri: e.document.uri, path: pathOf(e.document.uri), text: e.document.getText(), version: e.document.version });
    schedule();
  }));
  documents.onDidChangeContent(guard("change", (e) => {
    const path = pathOf(e.document.uri);
    if (!ws.docs.has(path)) return;
    ws.change(path, e.document.getText(), e.document.version);
    schedule();
  }));
  documents.onDidClose(guard("close", (e) => {
    ws.close(pathOf(e.document.uri));
    schedule();
  }));
  connection.onDidChangeWatchedFiles((p) => void guard("watched files", () => {
    for (const c of p.changes) {
      const path = uriToPath(c.uri);
      if (path) ws.changedOnDisk(path);
    }
    schedule();
  })());

  /** The document, its analysis and its parsed file, up to date with the text. */
  const at = (uri: string) => {
    const path = pathOf(uri);
    const doc = ws.docs.get(path);
    const a = ws.analysisFor(path);
    if (!doc || !a) return undefined;
    const file = a.file(path);
    const src = a.source(file?.path ?? "") ?? new SourceText(doc.text);
    return { path, doc, a, file, src, display: file?.path ?? path };
  };
  const location = (s: SpanAt, sources: Map<string, SourceText>): Location | undefined => {
    let src = sources.get(s.path);
    if (!src) {
      const t = ws.read(s.path);
      if (t === undefined) return undefined;
      sources.set(s.path, (src = new SourceText(t)));
    }
    return { uri: uriOf(s.path), range: src.range(s) };
  };

  // ---- features -----------------------------------------------------------------------------------

  connection.onHover(guard("hover", (p) => {
    const c = at(p.textDocument.uri);
    if (!c?.file) return null;
    const offset = c.src.offset(p.position);
    const ds = ws.diagnosticsByFile().get(c.path)?.diagnostics ?? [];
    const h = hoverAt(c.a, c.file, c.src.text, offset, ds);
    return h ? { contents: { kind: "markdown", value: h.markdown }, range: c.src.range(h.span) } : null;
  }));

  connection.onDefinition(guard("definition", (p) => {
    const c = at(p.textDocument.uri);
    if (!c) return null;
    const d = definition(c.a, c.display, c.src.offset(p.position));
    return d ? location(d, new Map([[c.path, c.src]])) ?? null : null;
  }));

  connection.onReferences(guard("references", (p) => {
    const c = at(p.textDocument.uri);
    if (!c) return null;
    const refs = references(c.a, c.display, c.src.offset(p.position), ws.workspacePrograms().map((x) => x.index), p.context.includeDeclaration);
    const sources = new Map([[c.path, c.src]]);
    return refs?.map((r) => location(r, sources)).filter((l): l is Location => !!l) ?? null;
  }));

  connection.onPrepareRename(guard("prepare rename", (p) => {
    const c = at(p.textDocument.uri);
    if (!c) return null;
    const r = prepareRename(c.a, c.display, c.src.offset(p.position));
    if (!r.ok) throw new ResponseError(-32803, r.message);
    return { range: c.src.range(r.ident.span), placeholder: r.ident.name };
  }));

  connection.onRenameRequest(guard("rename", (p) => {
    const c = at(p.textDocument.uri);
    if (!c) return null;
    const r = rename(c.a, c.display, c.src.offset(p.position), p.newName, ws.workspacePrograms().map((x) => x.index));
    if (!r.ok) throw new ResponseError(-32803, r.message);
    const sources = new Map([[c.path, c.src]]);
    const changes: Record<string, TextEdit[]> = {};
    for (const e of r.edits) {
      const l = location(e, sources);
      if (l) (changes[l.uri] ??= []).push({ range: l.range, newText: p.newName });
    }
    return { changes } satisfies WorkspaceEdit;
  }));

  connection.onDocumentSymbol(guard("document symbols", (p) => {
    const c = at(p.textDocument.uri);
    return c?.file ? documentSymbols(c.file, c.src) : null;
  }));

  connection.onWorkspaceSymbol(guard("workspace symbols", (p) => {
    const sources = new Map<string, SourceText>();
    const seen = new Set<string>();
    const out = [];
    for (const prog of ws.workspacePrograms()) {
      for (const s of programSymbols(prog.index)) {
        const path = absPath(s.file);
        const k = `${path}:${s.span.start}`;
        if (seen.has(k) || !fuzzyMatch(p.query, s.name)) continue;
        seen.add(k);
        const l = location({ path, start: s.span.start, end: s.span.end }, sources);
        if (l) out.push({ name: s.name, kind: s.kind, location: l, ...(s.container ? { containerName: s.container } : {}) });
      }
    }
    return out;
  }));

  connection.onCompletion(guard("completion", (p): CompletionItem[] | null => {
    const c = at(p.textDocument.uri);
    if (!c) return null;
    const offset = c.src.offset(p.position);
    // The text as typed (the analysis may hold the last version that parsed).
    const text = c.doc.text;
    const ctx = contextAt(text, offset, scanStart(c.file, offset));
    const doc = new SourceText(text);
    const range = { start: doc.position(ctx.prefixStart), end: p.position };
    return complete(ctx, c.a.index, { snippets }).map((it, i) => ({
      label: it.label,
      kind: COMPLETION_KIND[it.kind],
      ...(it.detail ? { detail: it.detail } : {}),
      ...(it.doc ? { documentation: { kind: "markdown", value: it.doc } } : {}),
      sortText: String(i).padStart(4, "0"),
      textEdit: { range, newText: snippets && it.snippet ? it.snippet : it.insert },
      insertTextFormat: snippets && it.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    }));
  }));

  connection.onCodeAction(guard("code actions", (p): CodeAction[] | null => {
    const c = at(p.textDocument.uri);
    if (!c) return null;
    const slot = ws.diagnosticsByFile().get(c.path);
    if (!slot) return [];
    const from = c.src.offset(p.range.start);
    const to = c.src.offset(p.range.end);
    const out: CodeAction[] = [];
    for (const d of slot.diagnostics) {
      const s = d.primary.span;
      if (absPath(s.file) !== c.path || s.end < from || s.start > to || !d.fixes?.length) continue;
      const lsp = toLspDiagnostic(d, { source: (f) => slot.analysis.source(f), uriOf: (f) => uriOf(absPath(f)) });
      for (const fix of d.fixes) {
        const changes: Record<string, TextEdit[]> = {};
        for (const ch of fixChanges(fix, (f) => slot.analysis.source(f))) {
          const src = slot.analysis.source(ch.file);
          if (src) (changes[uriOf(absPath(ch.file))] ??= []).push({ range: src.range(ch), newText: ch.text });
        }
        out.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], ...(fix.preferred ? { isPreferred: true } : {}), edit: { changes } });
      }
    }
    return out;
  }));

  connection.onDocumentFormatting(guard("formatting", (p): TextEdit[] | null => {
    const path = pathOf(p.textDocument.uri);
    const doc = ws.docs.get(path);
    if (!doc) return null;
    const r = formatText(doc.text, path);
    // A file with syntax errors is not formatted (its diagnostics say why).
    if (r.diagnostics.some((d) => d.severity === "error") || r.value === doc.text) return [];
    const { start, oldEnd, newEnd } = diffRegion(doc.text, r.value);
    const src = new SourceText(doc.text);
    return [{ range: src.range({ start, end: oldEnd }), newText: r.value.slice(start, newEnd) }];
  }));

  connection.languages.semanticTokens.on(guard("semantic tokens", (p) => {
    const c = at(p.textDocument.uri);
    if (!c) return { data: [] };
    // Roles come from the analysis; positions must be those of the current text.
    const current = c.src.text === c.doc.text ? c.src : new SourceText(c.doc.text);
    return semanticTokens(current === c.src ? c.file : undefined, current, c.a.index);
  }));

  connection.onRequest(EXPLAIN_REQUEST, guard("explain", (p: { code?: unknown }) => {
    const info = typeof p?.code === "string" ? lookupCode(p.code) : undefined;
    return info ? renderExplain(info, { color: false }) : null;
  }));

  documents.listen(connection);
  connection.listen();
}

export type { Analysis, Phases };
