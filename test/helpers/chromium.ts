// Headless Debian Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
// NUL-separated JSON on file descriptors 3 and 4), so a test can open a page, collect every console
// error and uncaught exception, and take a screenshot without a browser-automation dependency.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export interface PageResult {
  /** Console errors, uncaught exceptions and failed loads, as text. */
  readonly errors: string[];
  /** Every console message (type: text). */
  readonly console: string[];
  readonly screenshot: Buffer;
  /** Values of the `evaluate` expressions, in order. */
  readonly values: unknown[];
}

export async function openPage(url: string, opts: { width?: number; height?: number; evaluate?: readonly string[]; timeoutMs?: number } = {}): Promise<PageResult> {
  if (!CHROMIUM) throw new Error("chromium is not installed (apt-get install chromium)");
  const profile = mkdtempSync(join(tmpdir(), "flowc-chromium-"));
  const proc: ChildProcess = spawn(CHROMIUM, [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-background-networking", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"], detached: true });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += String(d)));
  const toBrowser = proc.stdio[3] as Writable;
  const fromBrowser = proc.stdio[4] as Readable;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners: ((m: any) => void)[] = [];
  let buf = "";
  fromBrowser.on("data", (chunk) => {
    buf += String(chunk);
    let at: number;
    while ((at = buf.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buf.slice(0, at));
      buf = buf.slice(at + 1);
      if (msg.id !== undefined && pending.has(msg.id)) {
        const p = pending.get(msg.id)!;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${msg.error.message}`));
        else p.resolve(msg.result);
      } else for (const l of listeners) l(msg);
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> => {
    const id = nextId++;
    toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  const timeout = opts.timeoutMs ?? 60_000;
  const timer = setTimeout(() => {
    for (const p of pending.values()) p.reject(new Error(`chromium did not answer within ${timeout} ms\n${stderr.slice(-2000)}`));
  }, timeout);
  try {
    const errors: string[] = [];
    const consoleLines: string[] = [];
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    let loaded!: () => void;
    const load = new Promise<void>((r) => (loaded = r));
    listeners.push((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === "Runtime.consoleAPICalled") {
        const text = `${m.params.type}: ${m.params.args.map((a: any) => a.value ?? a.description ?? "").join(" ")}`;
        consoleLines.push(text);
        if (m.params.type === "error" || m.params.type === "assert") errors.push(text);
      } else if (m.method === "Runtime.exceptionThrown") {
        errors.push(`exception: ${m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text}`);
      } else if (m.method === "Log.entryAdded" && m.params.entry.level === "error") {
        errors.push(`log: ${m.params.entry.text}${m.params.entry.url ? ` (${m.params.entry.url})` : ""}`);
      } else if (m.method === "Page.loadEventFired") loaded();
    });
    await Promise.all(["Runtime.enable", "Log.enable", "Page.enable"].map((m) => send(m, {}, sessionId)));
    await send("Emulation.setDeviceMetricsOverride", { width: opts.width ?? 1400, height: opts.height ?? 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const nav = await send("Page.navigate", { url }, sessionId);
    if (nav.errorText) errors.push(`navigate: ${nav.errorText}`);
    await load;
    const values: unknown[] = [];
    for (const e of opts.evaluate ?? []) {
      const r = await send("Runtime.evaluate", { expression: e, returnByValue: true }, sessionId);
      values.push(r.result.value);
    }
    const { data } = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true }, sessionId);
    return { errors, console: consoleLines, screenshot: Buffer.from(data, "base64"), values };
  } finally {
    clearTimeout(timer);
    try {
      await Promise.race([send("Browser.close"), new Promise((r) => setTimeout(r, 2000))]);
    } catch { /* already gone */ }
    // The browser and its helper processes share the process group this spawn started.
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch { /* already gone */ }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}
