// Run the CLI in-process with captured output, or as a real process (bin/flowc.js on a fresh build).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { CliIO } from "../../src/cli/context.js";
import { main } from "../../src/cli/main.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(
  argv: readonly string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; tty?: boolean } = {},
): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: opts.cwd ?? REPO,
    env: opts.env ?? {},
    stdoutIsTTY: opts.tty ?? false,
    stderrIsTTY: opts.tty ?? false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A scratch directory with the given files; removed by the returned function. */
export function scratch(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowc-cli-"));
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Compile src/ into a private copy of the package (under node_modules/.cache, so dependencies still
 * resolve and test files running in parallel never share a half-written dist/), and return the path
 * of its bin/flowc.js. Asynchronous: a worker blocked for the minute tsc can take on a loaded machine
 * misses vitest's own RPC deadline ("Timeout calling onTaskUpdate") and fails the run.
 */
export async function buildBin(name: string): Promise<string> {
  const root = path.join(REPO, "node_modules", ".cache", "flowc-cli-test", name);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, "bin"), { recursive: true });
  fs.copyFileSync(path.join(REPO, "bin", "flowc.js"), path.join(root, "bin", "flowc.js"));
  fs.copyFileSync(path.join(REPO, "package.json"), path.join(root, "package.json"));
  const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
  await execa(process.execPath, [tsc, "-p", path.join(REPO, "tsconfig.json"), "--outDir", path.join(root, "dist")]);
  return path.join(root, "bin", "flowc.js");
}

/** `timeout` (ms): kill the process then, so a command that hangs fails the test instead of stalling it. */
export async function spawnCli(bin: string, argv: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): Promise<Outcome> {
  const r = await execa(process.execPath, [bin, ...argv], {
    cwd: opts.cwd ?? REPO,
    env: { NO_COLOR: "1", ...opts.env },
    extendEnv: true,
    reject: false,
    stripFinalNewline: false,
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
