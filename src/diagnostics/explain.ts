// `flowc explain CODE`: the catalog entry as text. Pure; the CLI prints it.
import type { CodeInfo } from "./codes/types.js";
import { painter } from "./color.js";
import { suggest } from "./suggest.js";

export const CODE_PATTERN = /^[EW]\d{4}$/;

export type ExplainResult =
  | { readonly ok: true; readonly info: CodeInfo }
  | { readonly ok: false; readonly message: string; readonly help?: string };

/** Find a code, forgiving case and a missing leading `E` (`e101`, `0101`); else say what is close. */
export function findCode(query: string, catalog: readonly CodeInfo[]): ExplainResult {
  const q = query.trim().toUpperCase();
  const candidates = /^\d{1,4}$/.test(q) ? [`E${q.padStart(4, "0")}`, `W${q.padStart(4, "0")}`] : [q];
  for (const c of candidates) {
    const info = catalog.find((e) => e.code === c);
    if (info) return { ok: true, info };
  }
  if (catalog.length === 0) return { ok: false, message: `unknown code \`${query}\`: the catalog has no codes yet` };
  const near =
    suggest(q, catalog.map((e) => e.code)) ??
    // Someone may type a title ("unknown source") rather than a code.
    catalog.find((e) => e.title.toLowerCase() === query.trim().toLowerCase())?.code ??
    titleMatch(query, catalog);
  const shape = CODE_PATTERN.test(q) ? "" : " (codes look like `E0101` or `W0001`)";
  return {
    ok: false,
    message: `unknown code \`${query}\`${shape}`,
    ...(near !== undefined ? { help: `did you mean \`${near}\`?` } : { help: "run `flowc explain --list` to see every code" }),
  };
}

function titleMatch(query: string, catalog: readonly CodeInfo[]): string | undefined {
  const byTitle = new Map(catalog.map((e) => [e.title.toLowerCase(), e.code] as const));
  const t = suggest(query.trim().toLowerCase(), byTitle.keys());
  return t === undefined ? undefined : byTitle.get(t);
}

/** Title, explanation, then the wrong and the right example, indented as code. */
export function renderExplain(info: CodeInfo, opts: { readonly color: boolean }): string {
  const paint = painter(opts.color);
  const sev = info.severity === "warning" ? "yellow" : info.severity === "error" ? "red" : "green";
  const indent = (s: string) =>
    s
      .replace(/\s+$/, "")
      .split("\n")
      .map((l) => (l === "" ? "" : `    ${l}`))
      .join("\n");
  return [
    `${paint(`${info.severity}[${info.code}]`, "bold", sev)}${paint(`: ${info.title}`, "bold")}`,
    "",
    info.explain.trim(),
    "",
    paint("Wrong:", "bold", "red"),
    "",
    indent(info.wrong),
    "",
    paint("Right:", "bold", "green"),
    "",
    indent(info.right),
    "",
  ].join("\n");
}

/** `flowc explain --list`: one line per code. */
export function renderCodeList(catalog: readonly CodeInfo[]): string {
  if (catalog.length === 0) return "(no codes in the catalog yet)\n";
  return [...catalog]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((e) => `${e.code}  ${e.title}\n`)
    .join("");
}
