import { expect, test } from "vitest";
import { dedupeDiagnostics, hasErrors, sortDiagnostics } from "../../src/diagnostics/collect.js";
import { diag } from "./helpers.js";

const at = (file: string, start: number, code = "E0101", severity: "error" | "warning" = "error") =>
  diag({ code, severity, primary: { span: { file, start, end: start + 1 } } });

test("duplicates (same code, span and message) are dropped, first kept", () => {
  const a = at("lib.flow", 3);
  const b = at("lib.flow", 3);
  const c = at("lib.flow", 3, "E0102");
  expect(dedupeDiagnostics([a, b, c])).toEqual([a, c]);
});

test("sorted by the given file order, then by name, then by offset; stable", () => {
  const ds = [at("z.flow", 1), at("main.flow", 9), at("a.flow", 5), at("main.flow", 2), at("a.flow", 1)];
  expect(sortDiagnostics(ds, ["main.flow"]).map((d) => `${d.primary.span.file}:${d.primary.span.start}`)).toEqual([
    "main.flow:2",
    "main.flow:9",
    "a.flow:1",
    "a.flow:5",
    "z.flow:1",
  ]);
});

test("hasErrors ignores warnings", () => {
  expect(hasErrors([at("a", 1, "W0001", "warning")])).toBe(false);
  expect(hasErrors([at("a", 1, "W0001", "warning"), at("a", 2)])).toBe(true);
});
