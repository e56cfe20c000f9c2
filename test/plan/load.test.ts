// src/plan/load.ts: the plan loader refuses every plan.json that breaks an invariant, with a clear
// message, and accepts the compiler's own plans. The mutations of
// runtime-py/tests/fixtures/plan-mutations.json are the ones flowrt's loader is tested with
// (runtime-py/tests/test_plan_agreement.py): both sides refuse the same plans.
import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PlanLoadError, planFromJson } from "../../src/plan/load.js";
import { planPath } from "../../src/pipeline.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Edit { op: "set" | "delete" | "append" | "duplicate"; path: (string | number)[]; value?: Json }
const MUTATIONS = (JSON.parse(readFileSync("runtime-py/tests/fixtures/plan-mutations.json", "utf8")) as {
  mutations: { name: string; edits: Edit[]; says: string }[];
}).mutations;
const TINY = readFileSync("runtime-py/tests/fixtures/tiny.plan.json", "utf8");
const tiny = () => JSON.parse(TINY) as { [k: string]: Json };

function key(k: string | number, parent: Json): string | number {
  if (typeof k === "string" && k.startsWith("@")) return (parent as { id: string }[]).findIndex((s) => s.id === k.slice(1));
  return k;
}

function apply(plan: { [k: string]: Json }, edits: readonly Edit[]): Json {
  for (const e of edits) {
    let parent: Json = plan;
    for (const k of e.path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key(k, parent)]!;
    const p = parent as Record<string | number, Json>;
    const last = key(e.path[e.path.length - 1]!, parent);
    if (e.op === "set") p[last] = e.value!;
    else if (e.op === "delete") delete p[last];
    else if (e.op === "append") (p[last] as Json[]).push(e.value!);
    else (parent as Json[]).push(structuredClone(p[last]!));
  }
  return plan;
}

function refusal(raw: unknown): PlanLoadError {
  try {
    planFromJson(raw);
  } catch (e) {
    if (e instanceof PlanLoadError) return e;
    throw e; // anything else is a crash of the loader
  }
  throw new Error("the loader accepted it");
}

const GOLDEN = readdirSync("test/golden/plans").map((f) => f.replace(/\.txt$/, ""));

describe("plan loader", () => {
  it.each(["tiny", ...GOLDEN])("accepts the compiler's plan of examples/%s.flow", (name) => {
    const plan = JSON.parse(JSON.stringify(planPath(`examples/${name}.flow`).plan));
    expect(() => planFromJson(plan)).not.toThrow();
  });

  it.each(MUTATIONS.map((m) => [m.name, m] as const))("refuses the mutation '%s', as flowrt does", (_, m) => {
    const e = refusal(apply(tiny(), m.edits));
    expect(e.message).toContain(m.says);
    expect(e.help).toMatch(/flowc compile/);
  });

  it.each([[[]], [null], [42], ["plan"]])("refuses %j, which is not an object", (raw) => {
    expect(refusal(raw).message).toMatch(/is not a plan: it holds a JSON/);
  });

  // Mutations aimed at each invariant, on any train step / any step / any need.
  const plan0 = tiny();
  const steps = plan0["steps"] as { id: string; kind: string }[];
  const trainIdx = steps.flatMap((s, i) => (s.kind === "train" ? [i] : []));
  const stepIdx = fc.integer({ min: 0, max: steps.length - 1 });
  const invariantBreak = fc.oneof(
    fc.record({ i: fc.constantFrom(...trainIdx), first: fc.integer({ min: 1, max: 64 }), back: fc.integer({ min: 1, max: 64 }) })
      .map(({ i, first, back }): Edit[] => [
        { op: "set", path: ["steps", i, "params", "first_step"], value: first },
        { op: "set", path: ["steps", i, "params", "last_step"], value: Math.max(0, first - back) },
      ]),
    fc.record({ i: fc.constantFrom(...trainIdx), field: fc.constantFrom("first_step", "last_step", "segment"), v: fc.integer({ min: -(2 ** 60), max: -1 }) })
      .map(({ i, field, v }): Edit[] => [{ op: "set", path: ["steps", i, "params", field], value: v }]),
    fc.record({ i: stepIdx, ghost: fc.stringMatching(/^[a-z]{1,6}\.[a-z]{1,6}$/) })
      .filter(({ ghost }) => !steps.some((s) => s.id === ghost))
      .map(({ i, ghost }): Edit[] => [{ op: "append", path: ["steps", i, "needs"], value: ghost }]),
    stepIdx.map((i): Edit[] => [{ op: "duplicate", path: ["steps", i] }]),
    fc.record({
      i: stepIdx,
      field: fc.constantFrom("id", "kind", "needs", "out_dir", "shards", "reads", "params", "fingerprint"),
      v: fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.constant(-1), fc.constant([1]), fc.constant({ x: 1 })),
    }).map(({ i, field, v }): Edit[] => [{ op: "set", path: ["steps", i, field], value: v }]),
  );

  it("refuses every invariant-breaking mutation with a message and a hint, never a crash", () => {
    fc.assert(fc.property(invariantBreak, (edits) => {
      const e = refusal(apply(tiny(), edits));
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.message.length).toBeLessThan(1000);
      expect(e.help).toMatch(/flowc compile/);
    }), { numRuns: 300 });
  });

  it("any value replaced anywhere: the plan loads or is a PlanLoadError, never another exception", () => {
    const paths: (string | number)[][] = [];
    const walk = (v: Json, at: (string | number)[]) => {
      paths.push(at);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    };
    walk(plan0, []);
    const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({}),
      fc.constant(2 ** 64), fc.constant(Number.MAX_SAFE_INTEGER + 2));
    fc.assert(fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), value, (at, v) => {
      const plan = tiny();
      apply(plan, [{ op: "set", path: at, value: v }]);
      try {
        planFromJson(plan);
      } catch (e) {
        expect(e).toBeInstanceOf(PlanLoadError);
      }
    }), { numRuns: 400 });
  });
});
