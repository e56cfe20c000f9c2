// `npm run schema`: writes the plan IR's JSON Schema for runtime-py, and the tiny example's plan as
// a fixture for runtime-py's tests (both checked by test/plan/schema.test.ts, so they never drift).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { planJsonSchema } from "../plan/ir.js";
import { planPath } from "../pipeline.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SCHEMA_PATH = `${ROOT}runtime-py/flowrt/plan.schema.json`;
/** Plans compiled for runtime-py's tests: fixture file -> .flow source. */
export const FIXTURES: Record<string, string> = {
  [`${ROOT}runtime-py/tests/fixtures/tiny.plan.json`]: `${ROOT}examples/tiny.flow`,
  [`${ROOT}runtime-py/tests/fixtures/micro.plan.json`]: `${ROOT}test/fixtures/micro.flow`,
};

export function schemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + "\n";
}

/** The plan of a .flow file with machine-independent paths (the tests set base_dir). */
export function fixtureText(flow: string): string {
  const plan = planPath(flow).plan;
  if (!plan) throw new Error(`${flow} does not compile`);
  const rel = flow.slice(ROOT.length);
  return JSON.stringify({ ...plan, base_dir: dirname(rel) }, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
  for (const [path, flow] of Object.entries(FIXTURES)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fixtureText(flow));
    process.stdout.write(`wrote ${path}\n`);
  }
}
