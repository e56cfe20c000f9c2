// The files of a local directory to upload, with what decides whether a copy is current (size and
// whole-second mtime, as rsync's quick check). Symlinks are followed; a link cycle is refused.
import { readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { TransportError } from "./transport.js";

export interface TreeEntry {
  /** Path relative to the root, `/`-separated. */
  readonly rel: string;
  readonly dir: boolean;
  readonly size: number;
  /** Seconds since the epoch (SFTP and utimes keep whole seconds). */
  readonly mtime: number;
  /** Permission bits (0o755). */
  readonly mode: number;
}

/** Directories before their contents, in a stable (sorted) order. */
export function listTree(root: string, exclude?: (rel: string) => boolean): TreeEntry[] {
  const out: TreeEntry[] = [];
  const seen = new Set<string>();
  const walk = (abs: string, rel: string) => {
    const real = realpathSync(abs);
    if (seen.has(real)) throw new TransportError("usage", `${abs} links back to a directory already being uploaded`, "remove the symbolic link cycle, or upload a directory without it");
    seen.add(real);
    for (const name of readdirSync(abs).sort()) {
      const a = join(abs, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      if (exclude?.(r)) continue;
      const st = statSync(a);
      if (st.isDirectory()) {
        out.push({ rel: r, dir: true, size: 0, mtime: Math.floor(st.mtimeMs / 1000), mode: st.mode & 0o7777 });
        walk(a, r);
      } else if (st.isFile()) {
        out.push({ rel: r, dir: false, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), mode: st.mode & 0o7777 });
      }
      // Sockets, fifos and devices are not part of a run directory: skipped.
    }
    seen.delete(real);
  };
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw new TransportError("usage", `${root} is not a directory`, "upload a directory written by `flowc compile`");
  walk(root, "");
  return out;
}
