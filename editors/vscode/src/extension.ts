// The VS Code client of `flowc lsp`: starts the server for `.flow` files, and shows `flowc explain`
// for a diagnostic code's link (`flowc-explain:CODE`) as a read-only document.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

const EXPLAIN_SCHEME = "flowc-explain";
let client: LanguageClient | undefined;

/** The configured `flowc`, else the workspace's own (`npm i flowc`), else the one on the PATH. */
function serverCommand(): string {
  const configured = vscode.workspace.getConfiguration("flowc").get<string>("server.path", "").trim();
  if (configured) return configured;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = join(folder.uri.fsPath, "node_modules", ".bin", process.platform === "win32" ? "flowc.cmd" : "flowc");
    if (existsSync(local)) return local;
  }
  return "flowc";
}

function createClient(): LanguageClient {
  const run = { command: serverCommand(), args: ["lsp"], transport: TransportKind.stdio };
  const server: ServerOptions = { run, debug: run };
  const options: LanguageClientOptions = {
    documentSelector: [{ language: "flow" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.flow") },
    initializationOptions: {
      explainLinks: true,
      diagnosticsDelayMs: vscode.workspace.getConfiguration("flowc").get<number>("diagnosticsDelayMs", 10),
    },
  };
  return new LanguageClient("flowc", "Flow (flowc)", server, options);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = createClient();
  const explain: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri) {
      const code = uri.path.replace(/^\//, "");
      const text = client ? await client.sendRequest<string | null>("flowc/explain", { code }) : null;
      return text ?? `No explanation for \`${code}\` (see \`flowc explain --list\`).`;
    },
  };
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, explain),
    vscode.commands.registerCommand("flowc.explain", async (code?: string) => {
      const c = code ?? (await vscode.window.showInputBox({ prompt: "Diagnostic code", placeHolder: "E0101" }));
      if (c) await vscode.window.showTextDocument(vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: c.trim().toUpperCase() }), { preview: true });
    }),
    vscode.commands.registerCommand("flowc.restartServer", async () => {
      await client?.stop();
      client = createClient();
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("flowc.server.path") || e.affectsConfiguration("flowc.diagnosticsDelayMs")) {
        await vscode.commands.executeCommand("flowc.restartServer");
      }
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
