// Shell words for the emitted scripts: a literal (quoted by emit/shell.ts, whatever it holds) or a
// fixed piece of shell the emitter itself writes (`"$PLAN"`), never built from user text.
import { quote, quoteCommand } from "../shell.js";

export type Word = string | { readonly sh: string };

/** Shell text the emitter wrote itself (a variable expansion): passed through unquoted. */
export const sh = (text: string): Word => ({ sh: text });

function word(w: Word, first: boolean): string {
  if (typeof w !== "string") return w.sh;
  return first ? quoteCommand(w) : quote(w, "argument");
}

/** A command line, continued over lines of at most ~100 columns (` \` and two spaces). */
export function command(words: readonly Word[], indent = ""): string {
  const parts = words.map((w, i) => word(w, i === 0));
  const lines: string[] = [];
  let cur = indent;
  for (const p of parts) {
    if (cur.trim() !== "" && cur.length + 1 + p.length > 100) {
      lines.push(`${cur} \\`);
      cur = `${indent}  ${p}`;
    } else cur = cur.trim() === "" ? `${cur}${p}` : `${cur} ${p}`;
  }
  lines.push(cur);
  return lines.join("\n");
}

/** Text for a `#` comment line: control characters (a newline would end the comment) shown escaped. */
export function commentText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
