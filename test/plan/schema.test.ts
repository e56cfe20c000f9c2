// The plan IR's JSON Schema for runtime-py is generated from the zod schema; they must not drift.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FIXTURES, PY_TYPES_PATH, SCHEMA_PATH, fixtureText, pyTypesText, schemaText } from "../../src/gen/writeSchema.js";
import { PlanIR } from "../../src/plan/ir.js";
import { planPath } from "../../src/pipeline.js";

describe("plan IR", () => {
  it("runtime-py/flowrt/plan.schema.json equals the schema generated from src/plan/ir.ts (run `npm run schema`)", () => {
    expect(readFileSync(SCHEMA_PATH, "utf8")).toBe(schemaText());
  });
  it("runtime-py/flowrt/plan_types.py holds the dataclasses generated from that schema (run `npm run schema`)", () => {
    expect(readFileSync(PY_TYPES_PATH, "utf8")).toBe(pyTypesText());
  });
  it.each(Object.entries(FIXTURES))("%s is the current plan of %s (run `npm run schema`)", (path, flow) => {
    expect(readFileSync(path, "utf8")).toBe(fixtureText(flow));
  });
  it.each(["examples/tiny.flow", "examples/smollm2-1.7b.flow"])("the plan of %s satisfies the schema, with integer token counts", (f) => {
    const plan = planPath(f).plan!;
    const parsed = PlanIR.safeParse(JSON.parse(JSON.stringify(plan)));
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
    for (const s of plan.trains[0]!.stages) for (const q of Object.values(s.mix)) expect(Number.isSafeInteger(q.tokens)).toBe(true);
  });
});
