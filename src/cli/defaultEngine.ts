// The real phases, for the CLI. Loaded lazily (so `flowc --help` and `flowc explain` start fast) and
// tolerant of a phase that is not in the tree yet: its member stays undefined and the command says so.
//
// MERGE NOTE: once src/source/loader.ts, src/syntax/format.ts, src/check/check.ts and src/plan/lower.ts
// exist, these can become static imports (`import { loadProgram } from "../source/loader.js"`), which
// also lets tsc check the signatures against engine.ts.
import type { Engine } from "./engine.js";

/** Import a module of this package by its path relative to this file; undefined if it does not exist. */
async function optionalModule(relative: string): Promise<Record<string, unknown> | undefined> {
  const url = new URL(relative, import.meta.url);
  try {
    // A computed specifier on purpose: the module may not exist in this build yet.
    return (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    if (isNotFound(err, url)) return undefined;
    throw err; // the module exists but failed to load: a real bug, reported as an internal error
  }
}

function isNotFound(err: unknown, url: URL): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; url?: unknown };
  if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_LOAD_URL") return false;
  // Only the module we asked for: a missing import *inside* it is a bug, not an absent phase.
  const msg = String(e.message ?? "");
  return msg.includes(url.pathname) || e.url === url.href || msg.includes(url.href);
}

function member<F>(mod: Record<string, unknown> | undefined, name: string): F | undefined {
  const f = mod?.[name];
  return typeof f === "function" ? (f as F) : undefined;
}

export async function loadDefaultEngine(): Promise<Engine> {
  const [loader, format, check, plan] = await Promise.all([
    optionalModule("../source/loader.js"),
    optionalModule("../syntax/format.js"),
    optionalModule("../check/check.js"),
    optionalModule("../plan/lower.js"),
  ]);
  return {
    loadProgram: member<NonNullable<Engine["loadProgram"]>>(loader, "loadProgram"),
    formatText: member<NonNullable<Engine["formatText"]>>(format, "formatText"),
    checkProgram: member<NonNullable<Engine["checkProgram"]>>(check, "checkProgram"),
    planProgram: member<NonNullable<Engine["planProgram"]>>(plan, "planProgram"),
  };
}
