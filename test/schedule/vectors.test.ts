// The committed TS↔Python vectors must equal a regeneration (run `npm run vectors` after changing
// the schedule, and commit test/vectors/).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildVectors } from "../../src/gen/vectors.js";

const dir = join(import.meta.dirname, "..", "vectors");

describe("schedule test vectors", () => {
  const built = buildVectors();
  it("has about twenty vectors, tiny and smollm2 among them", () => {
    expect(built.length).toBeGreaterThanOrEqual(20);
    expect(built.map(([f]) => f)).toEqual(expect.arrayContaining(["tiny.json", "smollm2.json"]));
  });
  it("the committed files are exactly the regenerated ones", () => {
    expect(readdirSync(dir).filter((f) => f.endsWith(".json")).sort()).toEqual(built.map(([f]) => f).sort());
    for (const [file, text] of built) expect(readFileSync(join(dir, file), "utf8"), file).toBe(text);
  });
});
