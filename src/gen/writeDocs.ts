// `npm run docs`: writes docs/diagnostics.md and the generated reference of docs/language.md.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { diagnosticsMarkdown, withLanguageReference } from "./docsText.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
writeFileSync(`${ROOT}docs/diagnostics.md`, diagnosticsMarkdown());
const lang = `${ROOT}docs/language.md`;
writeFileSync(lang, withLanguageReference(readFileSync(lang, "utf8")));
console.log("wrote docs/diagnostics.md, docs/language.md");
