import { describe, expect, test } from "vitest";
import { renderJson } from "../../src/diagnostics/json.js";
import { diag, spanOf } from "./helpers.js";

describe("renderJson", () => {
  const text = "source web { tokens = 2M }\nmix { web = 50%, wbe = 50% }\n";
  const texts = new Map([["/p/a.flow", text]]);

  test("the documented fields, 1-based, end one past the last character", () => {
    const d = diag({
      message: "Unknown source `wbe`.",
      primary: { span: spanOf("/p/a.flow", text, "wbe"), message: "not declared" },
      secondary: [{ span: spanOf("/p/a.flow", text, "web"), message: "declared here" }],
      notes: ["expected: a source"],
      help: "did you mean `web`?",
    });
    expect(renderJson([d], texts, { cwd: "/p" })).toEqual([
      {
        file: "a.flow",
        line: 2,
        col: 18,
        endLine: 2,
        endCol: 21,
        severity: "error",
        code: "E0101",
        message: "Unknown source `wbe`.",
        hint: "did you mean `web`?",
        notes: ["expected: a source"],
        related: [{ file: "a.flow", line: 1, col: 8, endLine: 1, endCol: 11, message: "declared here" }],
      },
    ]);
  });

  test("no help gives hint null; JSON round-trips; every required key present", () => {
    const d = diag({ severity: "warning", code: "W0001", primary: { span: { file: "/p/a.flow", start: 0, end: text.length } } });
    const [j] = JSON.parse(JSON.stringify(renderJson([d], texts)));
    for (const k of ["file", "line", "col", "endLine", "endCol", "severity", "code", "message", "hint"]) expect(j).toHaveProperty(k);
    expect(j.hint).toBeNull();
    expect(j.file).toBe("/p/a.flow"); // no cwd given: left as is
    expect([j.line, j.col, j.endLine, j.endCol]).toEqual([1, 1, 3, 1]);
  });

  test("a file without text gets zero positions rather than invented ones", () => {
    const d = diag({ primary: { span: { file: "missing.flow", start: 4, end: 9 } } });
    expect(renderJson([d], texts)[0]).toMatchObject({ file: "missing.flow", line: 0, col: 0, endLine: 0, endCol: 0 });
  });

  test("an empty list is an empty array", () => {
    expect(renderJson([], texts)).toEqual([]);
  });
});
