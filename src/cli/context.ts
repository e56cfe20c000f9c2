// What a command sees of the world: output streams, the working directory and the environment.
// main() builds it from the process; tests build it with real buffers. The compiler's phases are not
// part of it: every command calls the one pipeline (src/pipeline.ts) directly.
import { realpathSync } from "node:fs";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { renderAll, renderSummary, countSeverities } from "../diagnostics/render.js";
import { renderJson } from "../diagnostics/json.js";
import type { FileProblem } from "../program/host.js";
import type { UsageProblem } from "./options.js";

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** The process's own stdin and stdout, for a command that speaks a protocol on them (`flowc lsp`); absent in-process. */
  readonly streams?: { readonly stdin: NodeJS.ReadableStream; readonly stdout: NodeJS.WritableStream };
}

/** Exit codes (README, "Exit codes"). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Context extends CliIO {
  /** `flowc check`: the prefix of this command's own messages. */
  readonly prog: string;
  readonly color: { readonly stdout: boolean; readonly stderr: boolean };
}

/** A usage mistake: one line saying what is wrong, one line saying what to do; exit 2. */
export function usageError(ctx: Context, p: UsageProblem): number {
  ctx.stderr(`${ctx.prog}: ${p.message}\n`);
  if (p.hint !== undefined) ctx.stderr(`help: ${p.hint}\n`);
  return EXIT.usage;
}

/** The environment is wrong (a missing file, an unreachable host): exit 2. */
export function environmentError(ctx: Context, message: string, hint?: string): number {
  return usageError(ctx, hint === undefined ? { message } : { message, hint });
}

/** The FILE argument itself cannot be read (missing, a directory, a pipe, too large): exit 2. */
export function cannotRead(ctx: Context, shown: string, problem: FileProblem): number {
  return environmentError(ctx, `cannot read \`${shown}\`: ${problem.message}`);
}

/** A command whose phase is not built yet. */
export function notAvailable(ctx: Context, what: string): number {
  ctx.stderr(`${ctx.prog}: not available yet (${what}); see the project's issue tracker\n`);
  return EXIT.usage;
}

/** Diagnostics to stderr in the human format (with the summary line), or to stdout as JSON. */
export function reportDiagnostics(
  ctx: Context,
  ds: readonly Diagnostic[],
  texts: ReadonlyMap<string, string>,
  format: "text" | "json" = "text",
): void {
  // Spans hold canonical paths, so paths are shortened against the canonical working directory.
  const cwd = canonical(ctx.cwd);
  if (format === "json") {
    ctx.stdout(`${JSON.stringify(renderJson(ds, texts, { cwd }), null, 2)}\n`);
    return;
  }
  if (ds.length === 0) return;
  ctx.stderr(renderAll(ds, texts, { color: ctx.color.stderr, cwd }));
}

function canonical(dir: string): string {
  try {
    return realpathSync.native(dir);
  } catch {
    return dir;
  }
}

export { countSeverities, renderSummary };
