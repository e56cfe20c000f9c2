// FILE arguments: files as given, directories searched for `.flow` files. Problems are returned
// (a missing file is an environment error, exit 2), never thrown. Reading a FILE is the loader's job
// (src/program/host.ts): it refuses pipes, devices and oversized files instead of waiting on them.
import * as fs from "node:fs";
import * as path from "node:path";
import { errnoWords as reason } from "../program/host.js";

export type Inputs = { readonly ok: true; readonly files: readonly string[] } | { readonly ok: false; readonly message: string; readonly hint?: string };

/** Absolute paths, in argument order, directories expanded (sorted), duplicates dropped. */
export function expandInputs(args: readonly string[], cwd: string): Inputs {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch (err) {
      return { ok: false, message: `cannot read \`${arg}\`: ${reason(err)}` };
    }
    if (stat.isDirectory()) {
      const found = flowFilesUnder(abs);
      if (found.length === 0) return { ok: false, message: `no .flow files under \`${arg}\`` };
      found.forEach(add);
    } else add(abs);
  }
  return { ok: true, files: out };
}

function flowFilesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return; // an unreadable subdirectory is skipped, as find(1) would report and go on
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith(".flow")) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/** A system error as a short phrase: "no such file or directory". */
export { reason };
