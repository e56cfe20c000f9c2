// Benchmark: the language server on a generated 5,000-line program, driven as an editor drives it
// (`flowc lsp` as a process, a real LSP client over stdio). Times, median and p95: a one-character
// edit until its diagnostics are published, and a hover. Beside them, in the same run, the full
// `flowc check` of the same file (as a process, and the phases in this process).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams } from "vscode-languageserver-protocol/node";
import { checkPath } from "../pipeline.js";
import { generateProgram } from "./program.js";

const BIN = fileURLToPath(new URL("../../bin/flowc.js", import.meta.url));

function stats(ms: number[]): { median: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]! };
}

function position(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

export async function benchLsp(lines = 5_000): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "flowc-bench-lsp-"));
  const file = join(dir, "bench.flow");
  let text = generateProgram(lines);
  writeFileSync(file, text);
  const nLines = text.split("\n").length - 1;
  const uri = pathToFileURL(file).href;

  const child = spawn(process.execPath, [BIN, "lsp", "--stdio"], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  let waiting: { version: number; resolve: (p: PublishDiagnosticsParams) => void } | undefined;
  conn.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
    if (p.uri === uri && waiting && (p.version ?? 0) >= waiting.version) {
      const w = waiting;
      waiting = undefined;
      w.resolve(p);
    }
  });
  conn.onRequest("client/registerCapability", () => null);
  conn.listen();
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {} });
  await conn.sendNotification("initialized", {});
  let version = 1;
  const diagnosticsOf = (v: number) => new Promise<PublishDiagnosticsParams>((resolve) => (waiting = { version: v, resolve }));
  let t0 = performance.now();
  const opened = diagnosticsOf(1);
  await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "flow", version, text } });
  const first = await opened;
  const openMs = performance.now() - t0;
  if (first.diagnostics.length) throw new Error(`bench program has diagnostics: ${first.diagnostics[0]!.message}`);

  // One-character edits: a digit of a declared size (still valid), then a typo in a dataset of a mix
  // (an E0101 to report), then its removal — spread over the file.
  const sizes = [...text.matchAll(/tokens {5}= (\d)/g)].map((m) => m.index! + m[0].length - 1);
  const mixes = [...text.matchAll(/ {6}c\d+\.s\d+_\d+ = /g)].map((m) => m.index! + m[0].indexOf(" ="));
  const edit = async (offset: number, remove: number, insert: string, expectErrors: boolean): Promise<number> => {
    const range = { start: position(text, offset), end: position(text, offset + remove) };
    text = text.slice(0, offset) + insert + text.slice(offset + remove);
    version++;
    const got = diagnosticsOf(version);
    const start = performance.now();
    await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range, text: insert }] });
    const p = await got;
    const ms = performance.now() - start;
    if ((p.diagnostics.length > 0) !== expectErrors) throw new Error(`unexpected diagnostics after an edit: ${p.diagnostics.map((d) => d.message).join("; ")}`);
    return ms;
  };
  const editMs: number[] = [];
  const rounds = 40;
  for (let i = 0; i < rounds + 5; i++) {
    const s = sizes[(i * 37) % sizes.length]!;
    const m = mixes[(i * 53) % mixes.length]!;
    const digit = String((Number(text[s]) % 9) + 1);
    const times = [await edit(s, 1, digit, false), await edit(m, 0, "x", true), await edit(m, 1, "", false)];
    if (i >= 5) editMs.push(...times); // the first rounds warm the JIT
  }

  // Hovers: numbers, sources, datasets in mixes, runs and stages.
  const targets = [
    ...[...text.matchAll(/tokens {5}= \d/g)].slice(0, 40).map((m) => m.index! + m[0].length - 1),
    ...[...text.matchAll(/^source (s\d+_\d+)/gm)].slice(0, 40).map((m) => m.index! + 8),
    ...mixes.slice(0, 40).map((o) => o - 2),
    ...[...text.matchAll(/^train (t\d+)/gm)].map((m) => m.index! + 7),
    ...[...text.matchAll(/ {2}stage (st\d)/g)].slice(0, 20).map((m) => m.index! + 9),
  ];
  const hoverMs: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const o of targets) {
      const start = performance.now();
      const h = await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: position(text, o) });
      if (round > 0) hoverMs.push(performance.now() - start);
      if (!h) throw new Error(`no hover at ${JSON.stringify(position(text, o))}`);
    }
  }
  await conn.sendRequest("shutdown");
  await conn.sendNotification("exit");
  conn.dispose();

  // The baselines, on the same file: `flowc check` as a process, and its phases in this process.
  writeFileSync(file, text);
  const checkMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    execFileSync(process.execPath, [BIN, "check", file], { stdio: "pipe" });
    checkMs.push(performance.now() - t0);
  }
  const inProcess: number[] = [];
  for (let i = 0; i < 9; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    t0 = performance.now();
    const r = checkPath(file);
    inProcess.push(performance.now() - t0);
    if (r.diagnostics.length) throw new Error("bench program does not check");
  }
  rmSync(dir, { recursive: true, force: true });

  const e = stats(editMs);
  const h = stats(hoverMs);
  const c = stats(checkMs);
  const p = stats(inProcess.slice(2));
  const f = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
  return [
    `language server on a ${nLines.toLocaleString("en-US")}-line program (flowc lsp as a process, LSP over stdio)`,
    "what                                       median        p95",
    `edit → diagnostics published (${editMs.length})        ${f(e.median)} ${f(e.p95)}`,
    `hover (${hoverMs.length})                                ${f(h.median)} ${f(h.p95)}`,
    `baseline: flowc check FILE, process (5)    ${f(c.median)} ${f(c.p95)}`,
    `baseline: load + check in process (7)      ${f(p.median)} ${f(p.p95)}`,
    `(open → first diagnostics ${openMs.toFixed(0)} ms; edits: a digit of a size, a typo in a mix entry and its removal; server's diagnostics delay 10 ms included)`,
  ];
}
