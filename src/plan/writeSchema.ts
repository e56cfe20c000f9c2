// `npm run schema`: writes the plan IR's JSON Schema for runtime-py, and the tiny example's plan as
// a fixture for runtime-py's tests (both checked by test/plan/schema.test.ts, so they never drift).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { planJsonSchema } from "./ir.js";
import { planPath } from "../pipeline.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SCHEMA_PATH = `${ROOT}runtime-py/flowrt/plan.schema.json`;
export const FIXTURE_PATH = `${ROOT}runtime-py/tests/fixtures/tiny.plan.json`;

export function schemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + "\n";
}

/** The plan of examples/tiny.flow with machine-independent paths (tests set base_dir). */
export function fixtureText(): string {
  const plan = planPath(`${ROOT}examples/tiny.flow`).plan;
  if (!plan) throw new Error("examples/tiny.flow does not compile");
  return JSON.stringify({ ...plan, source_file: "examples/tiny.flow", base_dir: "examples" }, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaText());
  mkdirSync(dirname(FIXTURE_PATH), { recursive: true });
  writeFileSync(FIXTURE_PATH, fixtureText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\nwrote ${FIXTURE_PATH}\n`);
}
