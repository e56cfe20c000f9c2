// `flowc graph`: the job DAG as DOT (rendered by the real Graphviz `dot`) and as Mermaid; every step a
// node, every dependency an edge, curations and train runs as groups, stages and segments visible.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { planPath } from "../../src/pipeline.js";
import { toDot, toMermaid } from "../../src/report/graph.js";
import { runCli } from "../cli/harness.js";

const hasDot = (() => {
  try {
    execFileSync("dot", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!hasDot && process.env.CI) throw new Error("Graphviz `dot` is missing: .ci/run installs graphviz");

const planOf = (f: string) => {
  const p = planPath(f).plan;
  if (!p) throw new Error(`${f} does not plan`);
  return p;
};

describe("flowc graph", () => {
  it.skipIf(!hasDot)("DOT of every recipe is valid Graphviz with one node per step and one edge per need", () => {
    for (const f of ["examples/tiny.flow", "examples/smollm2-1.7b.flow", "examples/olmo3-32b.flow"]) {
      const plan = planOf(f);
      const json = JSON.parse(execFileSync("dot", ["-Tjson"], { input: toDot(plan) }).toString()) as {
        objects: { name: string; label?: string; nodes?: number[] }[]; edges?: { tail: number; head: number }[];
      };
      const names = json.objects.map((o) => o.name);
      for (const s of plan.steps) expect(names).toContain(s.id);
      const needs = plan.steps.reduce((a, s) => a + s.needs.length, 0);
      expect(json.edges ?? []).toHaveLength(needs);
      // Groups: one cluster per curation and per train run.
      const clusters = json.objects.filter((o) => o.name.startsWith("cluster_")).map((o) => o.name);
      expect(clusters).toEqual(expect.arrayContaining([...Object.keys(plan.curations).map((c) => `cluster_curation_${c}`),
        ...plan.trains.map((t) => `cluster_train_${t.name}`)]));
    }
  });

  it("shows each run's stages and each segment's step range and stages", () => {
    const plan = planOf("examples/smollm2-1.7b.flow");
    const dot = toDot(plan);
    expect(dot).toContain('label="train pretrain: stable_1 [0, 2,861,023) · stable_2 [2,861,023, 3,814,698)');
    // 9 chained segments; the one spanning the stable_1 -> stable_2 boundary names both stages.
    expect(dot).toContain('"train.pretrain.j4" [label="train.pretrain.j4\\nsegment 4: steps 2,504,000 – 3,130,000\\nstages: stable_1, stable_2"');
    expect(dot).toContain('"train.pretrain.j3" -> "train.pretrain.j4"');
    expect(dot).toMatch(/"curate\.tok_all\.fineweb_edu" \[label="curate\.tok_all\.fineweb_edu\\n512 shards"/);
  });

  it("Mermaid: a flowchart with a subgraph per group, ids Mermaid accepts and distinct, an edge per need", () => {
    const plan = planOf("examples/olmo3-32b.flow");
    const mm = toMermaid(plan);
    const lines = mm.trimEnd().split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(lines.filter((l) => /^\s*subgraph /.test(l))).toHaveLength(Object.keys(plan.curations).length + plan.trains.length);
    expect(lines.filter((l) => l.trim() === "end")).toHaveLength(Object.keys(plan.curations).length + plan.trains.length);
    const nodes = lines.map((l) => /^\s+(n_\w+)\[/.exec(l)?.[1]).filter((x): x is string => !!x);
    expect(new Set(nodes).size).toBe(plan.steps.length);
    const arrows = lines.filter((l) => / --> /.test(l));
    expect(arrows).toHaveLength(plan.steps.reduce((a, s) => a + s.needs.length, 0));
    for (const a of arrows) for (const id of a.trim().split(" --> ")) expect(nodes).toContain(id);
    expect(mm).toContain('subgraph n_train__longctx ["train longctx: longmino [0, 11,921)"]');
    // No raw quotes or angle brackets inside labels.
    for (const l of lines) for (const m of l.matchAll(/\["([^"]*)"\]/g)) expect(m[1]!.replace(/<br\/>/g, "")).not.toMatch(/[<>]/);
  });

  it("the command: --format dot by default, mermaid on request, a bad format is a usage error", async () => {
    const dot = await runCli(["graph", "examples/tiny.flow"]);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toBe(toDot(planOf("examples/tiny.flow")));
    const mm = await runCli(["graph", "--format", "mermaid", "examples/tiny.flow"]);
    expect(mm.code).toBe(0);
    expect(mm.stdout.startsWith("flowchart LR\n")).toBe(true);
    const bad = await runCli(["graph", "--format", "svg", "examples/tiny.flow"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected `dot` or `mermaid`");
    const broken = await runCli(["graph", "examples/errors/mix-sum.flow"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("E0120");
    expect(broken.stdout).toBe("");
  });
});
