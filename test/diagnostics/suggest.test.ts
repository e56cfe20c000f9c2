import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { didYouMean, osaDistance, rankSuggestions, similarity, suggest, SIMILARITY_FLOOR } from "../../src/diagnostics/suggest.js";

describe("osaDistance", () => {
  test.each([
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["clean.mth", "clean.math", 1], // insertion
    ["E0110", "E0101", 1], // adjacent transposition counts once
    ["ca", "abc", 3], // OSA, not unrestricted Damerau (which gives 2)
    ["tokens", "tokesn", 1],
    ["数据", "数居", 1], // code points, not UTF-16 units
    ["\u{1F680}a", "a", 1],
  ])("%j vs %j = %d", (a, b, d) => {
    expect(osaDistance(a, b)).toBe(d);
  });

  test("property: a metric-like distance — symmetric, zero iff equal, bounded by the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = osaDistance(a, b);
        expect(d).toBe(osaDistance(b, a));
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(Array.from(a).length, Array.from(b).length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(Array.from(a).length - Array.from(b).length));
      }),
    );
  });
});

describe("suggest", () => {
  const sources = ["clean.web", "clean.code", "clean.math"];

  test("the misspelt reference of errors/typo.flow", () => {
    expect(suggest("clean.mth", sources)).toBe("clean.math");
  });

  test("nothing above the floor: no suggestion at all", () => {
    expect(suggest("optimizer", sources)).toBeUndefined();
    expect(suggest("x", ["y", "z"])).toBeUndefined();
    expect(suggest("anything", [])).toBeUndefined();
  });

  test("the floor is Nickel's 0.6, inclusive", () => {
    expect(SIMILARITY_FLOOR).toBe(0.6);
    expect(similarity("abcde", "abxyz")).toBeCloseTo(0.4);
    expect(suggest("abcde", ["abxyz"])).toBeUndefined();
    expect(similarity("abcde", "abcyz")).toBeCloseTo(0.6);
    expect(suggest("abcde", ["abcyz"])).toBe("abcyz");
  });

  test("the closest wins; ties go to the earlier candidate", () => {
    expect(suggest("batch", ["batches", "batc", "match"])).toBe("batc");
    expect(suggest("ab", ["ax", "xb"])).toBeUndefined(); // 0.5 each
    expect(suggest("abc", ["abx", "xbc"])).toBe("abx");
    expect(suggest("abc", ["xbc", "abx"])).toBe("xbc");
  });

  test("case-only differences always qualify, and beat other edits", () => {
    expect(suggest("Web", ["code", "web"])).toBe("web");
    expect(suggest("WEB", ["wen", "web"])).toBe("web");
  });

  test("the word itself is never suggested, and duplicates are ranked once", () => {
    expect(suggest("web", ["web"])).toBeUndefined();
    expect(rankSuggestions("webb", ["web", "web", "webs"]).map((s) => s.candidate)).toEqual(["web", "webs"]);
  });

  test("didYouMean phrases the help line", () => {
    expect(didYouMean("clean.mth", sources)).toBe("did you mean `clean.math`?");
    expect(didYouMean("zzz", sources)).toBeUndefined();
  });
});
