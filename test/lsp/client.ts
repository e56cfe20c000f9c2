// A real LSP client (vscode-languageserver-protocol over vscode-jsonrpc) driving the real server:
// `node bin/flowc.js lsp --stdio` of a fresh build, as an editor starts it.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type Diagnostic, type Position, type ProtocolConnection, type PublishDiagnosticsParams, type Range, type TextEdit,
} from "vscode-languageserver-protocol/node";

export interface StartOptions {
  readonly cwd: string;
  readonly root?: string;
  readonly initializationOptions?: Record<string, unknown>;
  readonly snippets?: boolean;
}

export class LspClient {
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private waiters: { uri: string; version?: number; until?: (d: Diagnostic[]) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  readonly texts = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  stderr = "";

  private constructor(readonly conn: ProtocolConnection, readonly child: ChildProcess) {
    conn.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || (w.version !== undefined && (p.version ?? -1) < w.version) || (w.until && !w.until(p.diagnostics))) return true;
        w.resolve(p.diagnostics);
        return false;
      });
    });
    conn.onRequest("client/registerCapability", () => null);
    conn.onNotification("window/logMessage", () => undefined);
  }

  static async start(bin: string, o: StartOptions): Promise<LspClient> {
    const child = spawn(process.execPath, [bin, "lsp", "--stdio"], { cwd: o.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const c = new LspClient(conn, child);
    child.stderr!.on("data", (b: Buffer) => void (c.stderr += b.toString()));
    conn.listen();
    const root = o.root ?? o.cwd;
    await conn.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: "root" }],
      initializationOptions: { diagnosticsDelayMs: 0, ...o.initializationOptions },
      capabilities: {
        textDocument: { completion: { completionItem: { snippetSupport: o.snippets ?? false } }, publishDiagnostics: { relatedInformation: true } },
        workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
      },
    });
    await conn.sendNotification("initialized", {});
    return c;
  }

  uri(path: string): string {
    return pathToFileURL(path).href;
  }

  /** Opens a file (its text from disk unless given) and waits for its first diagnostics. */
  async open(path: string, text = readFileSync(path, "utf8")): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    const uri = this.uri(path);
    this.texts.set(uri, text);
    this.versions.set(uri, 1);
    const wait = this.waitFor(uri, 1);
    await this.conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "flow", version: 1, text } });
    return { uri, diagnostics: await wait };
  }

  /** Sends incremental edits (applied in order, as an editor does) and waits for the diagnostics of the new version. */
  async edit(uri: string, edits: readonly TextEdit[]): Promise<Diagnostic[]> {
    let text = this.texts.get(uri)!;
    for (const e of edits) text = applyEdit(text, e);
    this.texts.set(uri, text);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    const wait = this.waitFor(uri, version);
    await this.conn.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges: edits.map((e) => ({ range: e.range, text: e.newText })),
    });
    return wait;
  }

  /** Replaces the whole text with `text` by the smallest single edit. */
  async setText(uri: string, text: string): Promise<Diagnostic[]> {
    return this.edit(uri, [minimalEdit(this.texts.get(uri)!, text)]);
  }

  /** The next diagnostics published for `uri` (of at least `version`; that satisfy `until`). */
  waitFor(uri: string, version?: number, until?: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
    return new Promise((resolve) => this.waiters.push({ uri, ...(version !== undefined ? { version } : {}), ...(until ? { until } : {}), resolve }));
  }

  published(uri: string): Diagnostic[] | undefined {
    return this.diagnostics.get(uri)?.diagnostics;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  /** `shutdown` then `exit`; resolves with the server's exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.on("exit", (code) => resolve(code)));
    await this.conn.sendRequest("shutdown");
    await this.conn.sendNotification("exit");
    const code = await exited;
    this.conn.dispose();
    return code;
  }
}

/** The LSP position of the `nth` occurrence of `needle` in `text`, plus `delta` characters. */
export function pos(text: string, needle: string, delta = 0, nth = 0): Position {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`\`${needle}\` not in the text`);
  }
  return positionOf(text, i + delta);
}

export function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

export function offsetOf(text: string, p: Position): number {
  const lines = text.split("\n");
  let o = 0;
  for (let i = 0; i < p.line; i++) o += lines[i]!.length + 1;
  return o + p.character;
}

export function applyEdit(text: string, e: TextEdit): string {
  return text.slice(0, offsetOf(text, e.range.start)) + e.newText + text.slice(offsetOf(text, e.range.end));
}

/** Applies edits that do not overlap, as a workspace edit's are (each against the original text). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetOf(text, b.range.start) - offsetOf(text, a.range.start));
  return sorted.reduce(applyEdit, text);
}

export function minimalEdit(from: string, to: string): TextEdit {
  let s = 0;
  while (s < from.length && s < to.length && from[s] === to[s]) s++;
  let t = 0;
  while (t < from.length - s && t < to.length - s && from[from.length - 1 - t] === to[to.length - 1 - t]) t++;
  const range: Range = { start: positionOf(from, s), end: positionOf(from, from.length - t) };
  return { range, newText: to.slice(s, to.length - t) };
}

/** The text a range covers. */
export function textAt(text: string, r: Range): string {
  return text.slice(offsetOf(text, r.start), offsetOf(text, r.end));
}
