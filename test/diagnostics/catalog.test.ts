// Every published code: unique, well formed, and fully documented (flowc explain prints all of it).
// The part that checks each `wrong` example really produces its code needs the checker; the lead adds it.
import { describe, expect, test } from "vitest";
import { ALL_CODES, lookupCode } from "../../src/diagnostics/catalog.js";
import { CODE_PATTERN } from "../../src/diagnostics/explain.js";

describe("catalog", () => {
  test("codes are unique", () => {
    const seen = new Map<string, number>();
    for (const c of ALL_CODES) seen.set(c.code, (seen.get(c.code) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([c]) => c)).toEqual([]);
  });

  test("the catalog is not empty (each phase publishes its codes)", () => {
    expect(ALL_CODES.length).toBeGreaterThan(0);
  });

  describe.each(ALL_CODES.map((c) => [c.code, c] as const))("%s", (code, c) => {
    test("matches /^[EW]\\d{4}$/ and its letter agrees with its severity", () => {
      expect(code).toMatch(CODE_PATTERN);
      expect(c.severity).toBe(code.startsWith("E") ? "error" : "warning");
    });
    test("has a title, an explanation, and distinct wrong/right examples", () => {
      for (const field of [c.title, c.explain, c.wrong, c.right]) expect(field.trim()).not.toBe("");
      expect(c.wrong.trim()).not.toBe(c.right.trim());
      expect(c.title).toMatch(/^[A-Z]/); // sentence case
      expect(c.title).not.toMatch(/\.$/);
    });
    test("is found by lookupCode", () => {
      expect(lookupCode(code.toLowerCase())).toBe(c);
    });
  });
});
