// flowc's plan loader (src/plan/load.ts) and flowrt's (runtime-py/flowrt/plan.py) give the same
// verdict on random mutations of the compiler's plan of examples/tiny.flow: the plan is one contract,
// so a plan one side refuses the other must refuse too. One Python process judges the whole batch.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PlanLoadError, planFromJson } from "../../src/plan/load.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const TINY = readFileSync("runtime-py/tests/fixtures/tiny.plan.json", "utf8");
const PY = "runtime-py/.venv/bin/python";
const JUDGE = `
import json, sys
from flowrt.errors import FlowrtError
from flowrt.plan import plan_from_json
out = []
for p in json.load(open(sys.argv[1])):
    try:
        plan_from_json(p); out.append(None)
    except FlowrtError as e:
        out.append(e.message)
print(json.dumps(out))
`;

function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function mutate(at: (string | number)[], how: "set" | "delete", value: Json): Json {
  const plan = JSON.parse(TINY) as Json;
  let parent = plan as Record<string | number, Json>;
  for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const last = at[at.length - 1]!;
  if (how === "set") parent[last] = value;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return plan;
}

const value: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }), fc.constant([]), fc.constant({}), fc.constant(2 ** 64), fc.constant("train.pretrain"),
);

describe.skipIf(!existsSync(PY))("flowc and flowrt agree on plan.json", () => {
  it("accept and refuse the same random mutations", () => {
    const all = paths(JSON.parse(TINY) as Json).filter((p) => p.length > 0);
    const plans = fc.sample(fc.tuple(fc.constantFrom(...all), fc.constantFrom("set" as const, "set" as const, "delete" as const), value)
      .map(([at, how, v]) => ({ at, how, v, plan: mutate(at, how, v) })), { numRuns: 150, seed: 20261202 });
    const dir = mkdtempSync(join(tmpdir(), "flowc-agree-"));
    writeFileSync(join(dir, "plans.json"), JSON.stringify(plans.map((p) => p.plan)));
    const py = JSON.parse(execFileSync(PY, ["-c", JUDGE, join(dir, "plans.json")], { encoding: "utf8", maxBuffer: 1 << 26 })) as (string | null)[];
    const disagree: string[] = [];
    plans.forEach((p, i) => {
      let ts: string | null = null;
      try {
        planFromJson(p.plan);
      } catch (e) {
        if (!(e instanceof PlanLoadError)) throw e;
        ts = e.message;
      }
      if ((ts === null) !== (py[i] === null)) disagree.push(`${p.how} ${p.at.join("/")} = ${JSON.stringify(p.v)}: flowc ${ts ?? "accepts"}; flowrt ${py[i] ?? "accepts"}`);
    });
    expect(disagree).toEqual([]);
  }, 120_000);
});
