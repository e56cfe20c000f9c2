// The generated parts of the user docs: docs/diagnostics.md from the diagnostic catalog, and the
// block-by-block reference inside docs/language.md from the editor vocabulary (which a test keeps
// equal to the checker's own lists). `npm run docs` writes them; test/docs/docs.test.ts fails when
// they are not current.
import { ALL_CODES, type CodeInfo } from "../diagnostics/catalog.js";
import { allBlockSpecs, ASSERT_SIGNATURES, type AttrSpec, type BlockSpec } from "../language/vocabulary.js";

export const LANGUAGE_BEGIN = "<!-- BEGIN GENERATED REFERENCE (npm run docs) -->";
export const LANGUAGE_END = "<!-- END GENERATED REFERENCE -->";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

const RANGES: readonly [RegExp, string][] = [
  [/^[EW]00/, "Syntax, loading and imports (E00xx)"],
  [/^[EW]0[1-3]/, "The checker (E01xx–E03xx)"],
  [/^[EW]04/, "Lowering to the plan (E04xx)"],
  [/^[EW]05/, "Cluster profiles (E05xx)"],
];

function fence(code: string): string {
  return `\`\`\`flow\n${code.trimEnd()}\n\`\`\``;
}

export function diagnosticsMarkdown(codes: readonly CodeInfo[] = ALL_CODES): string {
  const out = [
    "# Diagnostic codes",
    "",
    "Every diagnostic `flowc` reports, generated from the catalog (`src/diagnostics/codes/`) by `npm run docs`;",
    "`flowc explain CODE` prints the same text in the terminal. Errors (`E…`) make `check`, `plan` and the",
    "other commands exit 1; warnings (`W…`) are reported and do not block.",
    "",
  ];
  for (const [re, title] of RANGES) {
    const group = codes.filter((c) => re.test(c.code));
    if (!group.length) continue;
    out.push(`## ${title}`, "", "| code | severity | title |", "| --- | --- | --- |");
    for (const c of group) out.push(`| [${c.code}](#${c.code.toLowerCase()}) | ${c.severity} | ${cell(c.title)} |`);
    out.push("");
    for (const c of group) {
      out.push(`### ${c.code}`, "", `**${c.title}** (${c.severity})`, "", c.explain.trim(), "", "Wrong:", "", fence(c.wrong), "", "Right:", "", fence(c.right), "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function attrRow(a: AttrSpec): string {
  const flags = [a.required ? "required" : "", a.list ? "list" : "", a.auto ? "`auto` allowed" : ""].filter(Boolean).join(", ");
  return `| \`${a.name}\` | ${cell(a.type)} | ${a.default !== undefined ? cell(`\`${a.default.replace(/`/g, "")}\``) : ""} | ${cell([a.doc, flags].filter(Boolean).join(" — "))} |`;
}

function heading(path: string, spec: BlockSpec): string {
  const parts = path.split("/");
  const where = parts.length > 1 ? ` (in \`${parts.slice(0, -1).map((p) => p.split(":")[0]).join(" › ")}\`)` : "";
  const [kw, alg] = parts.at(-1)!.split(":");
  const name = spec.name === "required" ? " NAME" : spec.name === "algorithm" ? ` ${alg ?? "ALGORITHM"}` : "";
  return `\`${kw}${name} { … }\`${where}`;
}

export function languageReference(): string {
  const out: string[] = [LANGUAGE_BEGIN, ""];
  for (const { path, spec } of allBlockSpecs()) {
    out.push(`### ${heading(path, spec)}`, "", spec.doc, "");
    if (spec.algorithms && spec.name === "algorithm") out.push(`Algorithms: ${spec.algorithms.map((x) => `\`${x}\``).join(", ")}.`, "");
    if (spec.attrs.length) {
      out.push("| attribute | value | default | meaning |", "| --- | --- | --- | --- |", ...spec.attrs.map(attrRow), "");
    }
    if (spec.blocks.length) out.push(`Nested blocks: ${spec.blocks.map((b) => `\`${b}\``).join(", ")}.`, "");
    if (spec.exprItems) out.push(`Bare items: ${spec.exprItems}.`, "");
    if (spec.datasetKeys) out.push("Keys are curated datasets `CURATE.SOURCE`; values are weights (`54%` or `0.54`).", "");
    if (path === "assert") {
      out.push("| function | forms |", "| --- | --- |", ...Object.entries(ASSERT_SIGNATURES).map(([f, sig]) => `| \`${f}\` | \`${cell(sig)}\` |`), "");
    }
  }
  out.push(LANGUAGE_END);
  return out.join("\n");
}

/** docs/language.md with its generated section replaced by the current one. */
export function withLanguageReference(doc: string): string {
  const a = doc.indexOf(LANGUAGE_BEGIN);
  const b = doc.indexOf(LANGUAGE_END);
  if (a < 0 || b < a) throw new Error(`docs/language.md has no ${LANGUAGE_BEGIN} … ${LANGUAGE_END} section`);
  return doc.slice(0, a) + languageReference() + doc.slice(b + LANGUAGE_END.length);
}
