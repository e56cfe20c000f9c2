// The default engine loads whichever phases exist in this build, and never fails for one that does not.
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, test } from "vitest";
import { loadDefaultEngine } from "../../src/cli/defaultEngine.js";
import { REPO } from "./harness.js";

const PHASES = [
  ["loadProgram", "src/program/loader.ts"],
  ["formatText", "src/syntax/format.ts"],
  ["checkProgram", "src/check/check.ts"],
  ["planProgram", "src/plan/lower.ts"],
] as const;

test.each(PHASES)("%s: a function exactly when %s exists", async (member, file) => {
  const engine = await loadDefaultEngine();
  const exists = fs.existsSync(path.join(REPO, file));
  expect(typeof engine[member]).toBe(exists ? "function" : "undefined");
});
