import { describe, expect, test } from "vitest";
import type { CodeInfo } from "../../src/diagnostics/codes/types.js";
import { findCode, renderCodeList, renderExplain } from "../../src/diagnostics/explain.js";
import { stripAnsi } from "./helpers.js";

// A catalog built here, so these tests do not depend on which codes other phases have published.
const catalog: CodeInfo[] = [
  {
    code: "E0101",
    severity: "error",
    title: "Unknown name",
    explain: "A reference names nothing declared in this file or its imports.\n\nCheck the spelling.",
    wrong: "source web { tokens = 1M }\ntrain t { mix { wbe = 100% } }\n",
    right: "source web { tokens = 1M }\ntrain t { mix { web = 100% } }\n",
  },
  { code: "W0201", severity: "warning", title: "Source drawn more than four times", explain: "x", wrong: "a", right: "b" },
];

describe("findCode", () => {
  test("exact, lower case, and bare numbers", () => {
    for (const q of ["E0101", "e0101", " E0101 ", "0101", "101"]) {
      const r = findCode(q, catalog);
      expect(r.ok && r.info.code).toBe("E0101");
    }
    const w = findCode("w0201", catalog);
    expect(w.ok && w.info.code).toBe("W0201");
  });

  test("an unknown code suggests the nearest known one", () => {
    expect(findCode("E0110", catalog)).toEqual({ ok: false, message: "unknown code `E0110`", help: "did you mean `E0101`?" });
  });

  test("a title instead of a code finds the code", () => {
    const r = findCode("unknown nme", catalog);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.help).toBe("did you mean `E0101`?");
    expect(!r.ok && r.message).toContain("codes look like");
  });

  test("nothing close: points at --list", () => {
    expect(findCode("Z9999", catalog)).toMatchObject({ ok: false, help: "run `flowc explain --list` to see every code" });
  });

  test("an empty catalog says so", () => {
    expect(findCode("E0001", [])).toMatchObject({ ok: false, message: "unknown code `E0001`: the catalog has no codes yet" });
  });
});

describe("renderExplain", () => {
  test("title, explanation, then wrong and right indented as code", () => {
    expect(renderExplain(catalog[0]!, { color: false })).toBe(
      [
        "error[E0101]: Unknown name",
        "",
        "A reference names nothing declared in this file or its imports.",
        "",
        "Check the spelling.",
        "",
        "Wrong:",
        "",
        "    source web { tokens = 1M }",
        "    train t { mix { wbe = 100% } }",
        "",
        "Right:",
        "",
        "    source web { tokens = 1M }",
        "    train t { mix { web = 100% } }",
        "",
      ].join("\n"),
    );
  });

  test("colored output differs only by ANSI codes", () => {
    const c = renderExplain(catalog[1]!, { color: true });
    expect(c).toContain("\x1b[");
    expect(stripAnsi(c)).toBe(renderExplain(catalog[1]!, { color: false }));
    expect(stripAnsi(c).split("\n")[0]).toBe("warning[W0201]: Source drawn more than four times");
  });

  test("--list is sorted by code", () => {
    expect(renderCodeList([catalog[1]!, catalog[0]!])).toBe("E0101  Unknown name\nW0201  Source drawn more than four times\n");
    expect(renderCodeList([])).toBe("(no codes in the catalog yet)\n");
  });
});
