// The generated docs are current: docs/diagnostics.md is the catalog rendered, and the reference
// section of docs/language.md is the vocabulary rendered (`npm run docs` rewrites both). Every code
// of the catalog has its section, and the docs cite no file outside the repository.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_CODES } from "../../src/diagnostics/catalog.js";
import { diagnosticsMarkdown, withLanguageReference } from "../../src/gen/docsText.js";
import { allBlockSpecs } from "../../src/language/vocabulary.js";

describe("docs", () => {
  it("docs/diagnostics.md is current (npm run docs)", () => {
    const doc = readFileSync("docs/diagnostics.md", "utf8");
    expect(doc).toBe(diagnosticsMarkdown());
    for (const c of ALL_CODES) expect(doc).toContain(`### ${c.code}\n`);
  });

  it("docs/language.md's reference is current and names every block and attribute (npm run docs)", () => {
    const doc = readFileSync("docs/language.md", "utf8");
    expect(doc).toBe(withLanguageReference(doc));
    for (const { spec } of allBlockSpecs()) for (const a of spec.attrs) expect(doc).toContain(`| \`${a.name}\` |`);
  });

  it("the docs and the README cite only the repository's own files", () => {
    for (const f of [...readdirSync("docs").map((x) => `docs/${x}`), "README.md", "test/README.md"]) {
      expect(readFileSync(f, "utf8"), f).not.toMatch(/LANGUAGE\.md|CLI\.md|REFERENCE\.md|ARCHITECTURE\.md|\.\.\/shared|\/work\/shared|seeds\//);
    }
  });
});
