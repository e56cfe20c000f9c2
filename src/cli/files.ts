// FILE arguments: files as given, directories searched for `.flow` files. Problems are returned
// (a missing file is an environment error, exit 2), never thrown.
import * as fs from "node:fs";
import * as path from "node:path";

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

export type Read = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

export function readText(file: string, shown: string): Read {
  try {
    return { ok: true, text: fs.readFileSync(file, "utf8") };
  } catch (err) {
    return { ok: false, message: `cannot read \`${shown}\`: ${reason(err)}` };
  }
}

/** The reader handed to the loader for imports: undefined when a file cannot be read. */
export function readOrUndefined(p: string): string | undefined {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
}

/** A system error as a short phrase: "no such file or directory". */
export function reason(err: unknown): string {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
