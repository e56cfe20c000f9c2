// The Ray emitter: DIR/ray/dag.py for every example, compared with its golden file
// (UPDATE_GOLDEN=1 rewrites them), compiled by Python and checked by ruff (the runtime's venv,
// scripts/setup-py.sh), and its Ray resources read back from the plan.
import { execaSync } from "execa";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { rayDagPy } from "../../src/emit/ray/dagPy.js";
import { DATA_TASK_RETRIES, taskOptions, TRAIN_MAX_FAILURES, trainLayout } from "../../src/emit/ray/options.js";
import { defaultPython } from "../../src/exec/local.js";
import type { PlanIR, StepOf } from "../../src/plan/ir.js";
import { planPath } from "../../src/pipeline.js";

const EXAMPLES = readdirSync("examples").filter((f) => f.endsWith(".flow")).map((f) => join("examples", f));

function planOf(file: string): PlanIR {
  const res = planPath(file);
  if (res.plan === undefined) throw new Error(`${file} does not plan: ${res.diagnostics.map((d) => d.message).join("; ")}`);
  return res.plan;
}

describe("ray/dag.py of every example", () => {
  it.each(EXAMPLES)("%s: matches its golden file, compiles and passes ruff", (file) => {
    const plan = planOf(file);
    const text = rayDagPy(plan);
    const golden = join("test/golden/ray", `${basename(file, ".flow")}.dag.py`);
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(golden)) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
    const dir = mkdtempSync(join(tmpdir(), "flowc-ray-emit-"));
    const py = join(dir, "dag.py");
    writeFileSync(py, text);
    const python = defaultPython();
    const compiled = execaSync(python, ["-m", "py_compile", py], { reject: false, all: true });
    expect(compiled.exitCode, compiled.all).toBe(0);
    const ruff = execaSync(python, ["-m", "ruff", "check", "--no-cache", py], { reject: false, all: true });
    expect(ruff.exitCode, `ruff (pip install -e 'runtime-py[test]'):\n${ruff.all}`).toBe(0);
    // One line per step, in the plan's order, naming exactly the steps it needs.
    const lines = text.split("\n").filter((l) => /^ {4}dag\.(data|train)\(/.test(l));
    expect(lines.map((l) => /^ {4}dag\.\w+\("([^"]+)"/.exec(l)![1])).toEqual(plan.steps.map((s) => s.id));
    for (const [i, s] of plan.steps.entries()) expect(lines[i]).toContain(`needs=${JSON.stringify(s.needs).replace(/,/g, ", ")}`);
  }, 60_000);
});

describe("Ray resources from the plan", () => {
  it("a training segment gets a worker per rank of tp x pp x dp, each its share of the node's memory", () => {
    const plan = planOf("examples/tiny.flow");
    const step = plan.steps.find((s): s is StepOf<"train"> => s.kind === "train")!;
    const t = plan.trains[0]!;
    const l = trainLayout(plan, step);
    expect(l.num_workers).toBe(t.parallel.tp * t.parallel.pp * t.parallel.dp);
    expect(l.num_workers).toBe(step.resources.nodes * step.resources.ranks_per_node);
    expect(l).toMatchObject({ use_gpu: false, max_failures: TRAIN_MAX_FAILURES, resources_per_worker: { CPU: step.resources.cpus_per_task, memory: Math.floor(step.resources.memory_bytes / step.resources.ranks_per_node) } });
  });

  it("a GPU run asks for a GPU per worker; shards, merge and mix are retried, eval and release are not", () => {
    const plan = planOf("examples/smollm2-1.7b.flow");
    for (const step of plan.steps) {
      if (step.kind === "train") {
        const l = trainLayout(plan, step);
        const t = plan.trains.find((x) => x.name === step.params.train)!;
        expect(l.num_workers).toBe(t.parallel.tp * t.parallel.pp * t.parallel.dp);
        expect(l.use_gpu).toBe(true);
        expect(l.resources_per_worker).toEqual({ CPU: step.resources.cpus_per_task, GPU: 1, memory: Math.floor(step.resources.memory_bytes / step.resources.ranks_per_node) });
        continue;
      }
      const o = taskOptions(step);
      expect(o.num_cpus).toBe(step.resources.cpus_per_task);
      expect(o.memory).toBe(step.resources.memory_bytes);
      expect(o.max_retries).toBe(["curate", "tokenize", "dedup", "mix"].includes(step.kind) ? DATA_TASK_RETRIES : 0);
    }
    expect(plan.steps.some((s) => s.shards > 1)).toBe(true);
  });
});
