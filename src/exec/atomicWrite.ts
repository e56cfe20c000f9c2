// Files that are replaced whole: a reader (or the next flowc after a crash) sees the old content
// or the new, never a torn file.
import { mkdirSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";

/**
 * Writes `path` so that a reader sees the old content or the new, never a torn file: a temporary
 * file in the same directory, flushed to disk, renamed over the target, then the directory flushed.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode?: number): Promise<void> {
  const dir = dirname(resolve(path));
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${randomBytes(6).toString("hex")}.${process.pid}.tmp`);
  const fh = await open(tmp, "wx", mode ?? 0o644);
  try {
    await fh.writeFile(data);
    if (mode !== undefined) await fh.chmod(mode);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
