// Wording: no message, help line or explanation repeats a word ("starting at at", "the the"). Reads
// the catalog and the first line and help line of every golden rendering.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ALL_CODES } from "../../src/diagnostics/catalog.js";

const DOUBLED = /\b([a-z]+)\s+\1\b/i;
const GOLDEN = "test/golden/diagnostics";

test("the catalog repeats no word", () => {
  const bad = ALL_CODES.flatMap((c) => [c.title, c.explain].filter((t) => DOUBLED.test(t)).map((t) => `${c.code}: ${DOUBLED.exec(t)![0]}`));
  expect(bad).toEqual([]);
});

test("no rendered message or help line repeats a word", () => {
  const bad: string[] = [];
  for (const f of readdirSync(GOLDEN).filter((n) => n.endsWith(".err"))) {
    for (const line of readFileSync(join(GOLDEN, f), "utf8").split("\n")) {
      const said = /^\S+:\d+:\d+: \w+\[\w+\]: (.*)$/.exec(line)?.[1] ?? /^help: (.*)$/.exec(line)?.[1];
      if (said !== undefined && DOUBLED.test(said)) bad.push(`${f}: ${said}`);
    }
  }
  expect(bad).toEqual([]);
});
