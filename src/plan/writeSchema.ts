// `npm run schema`: writes the plan IR's JSON Schema for runtime-py (checked by test/plan/schema.test.ts).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { planJsonSchema } from "./ir.js";

export const SCHEMA_PATH = fileURLToPath(new URL("../../runtime-py/flowrt/plan.schema.json", import.meta.url));

export function schemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
