// How a span's file is shown to users: relative to the working directory when that is shorter
// and stays inside it, so messages and golden files do not depend on where the checkout lives.
import * as path from "node:path";

export function displayPath(file: string, cwd?: string): string {
  if (cwd === undefined || !path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  if (rel === "") return file;
  if (rel.startsWith("..") || path.isAbsolute(rel)) return file;
  return rel;
}
