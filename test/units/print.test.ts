// The printers of numbers for people: grouped digits, scientific notation past a bound, and how far
// over a limit a value is.
import { describe, expect, it } from "vitest";
import { grouped, overBy } from "../../src/units/print.js";

describe("overBy", () => {
  it("is a percentage up to 1,000% over, then a multiple; never a float in exponent form with %", () => {
    expect(overBy(112.5, 100)).toBe("12.5%");
    expect(overBy(1100, 100)).toBe("1000.0%");
    expect(overBy(4000, 100, "budget")).toBe("40.0× the budget");
    expect(overBy(2.7e54, 100, "budget")).toBe(`${grouped(2.7e52)}× the budget`);
    expect(overBy(1, 0)).toBe("no finite multiple of the limit");
    for (const v of [1e3, 1e10, 1e30, 1e300]) expect(overBy(v, 1)).not.toMatch(/e\+\d+%/);
  });
});
