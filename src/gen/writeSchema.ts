// `npm run schema`: writes the plan IR's JSON Schema for runtime-py, the Python dataclasses generated
// from it (flowrt/plan_types.py), and the example plans runtime-py's tests use as fixtures (all
// checked by test/plan/schema.test.ts, so they never drift).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { planJsonSchema } from "../plan/ir.js";
import { planPath } from "../pipeline.js";
import { pythonPlanTypes } from "./pyPlan.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SCHEMA_PATH = `${ROOT}runtime-py/flowrt/plan.schema.json`;
export const PY_TYPES_PATH = `${ROOT}runtime-py/flowrt/plan_types.py`;
/** Plans compiled for runtime-py's tests: fixture file -> .flow source. */
export const FIXTURES: Record<string, string> = {
  [`${ROOT}runtime-py/tests/fixtures/tiny.plan.json`]: `${ROOT}examples/tiny.flow`,
  [`${ROOT}runtime-py/tests/fixtures/micro.plan.json`]: `${ROOT}test/fixtures/micro.flow`,
  [`${ROOT}runtime-py/tests/fixtures/continued.plan.json`]: `${ROOT}test/fixtures/continued.flow`,
};

export function schemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + "\n";
}

export function pyTypesText(): string {
  return pythonPlanTypes(planJsonSchema());
}

/** The plan of a .flow file (machine-independent: inputs resolve against the input root the tests give). */
export function fixtureText(flow: string): string {
  const plan = planPath(flow).plan;
  if (!plan) throw new Error(`${flow} does not compile`);
  return JSON.stringify(plan, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
  writeFileSync(PY_TYPES_PATH, pyTypesText());
  process.stdout.write(`wrote ${PY_TYPES_PATH}\n`);
  for (const [path, flow] of Object.entries(FIXTURES)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fixtureText(flow));
    process.stdout.write(`wrote ${path}\n`);
  }
}
