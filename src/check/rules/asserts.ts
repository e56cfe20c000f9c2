// docs/language.md, check 12: `assert` blocks hold statically. Functions over the resolved schedule:
// tokens(DATASET), tokens(RUN), tokens(RUN.STAGE, DATASET), epochs(DATASET), steps(RUN[.STAGE]),
// gpu_hours(RUN), memory(RUN[.STAGE]). Tokens and epochs are exact rationals.
import type { Block, Expr } from "../../ast/nodes.js";
import { pathText } from "../../ast/nodes.js";
import { DIMENSION_NOUN, type Quantity } from "../../units/dimension.js";
import * as R from "../../units/rational.js";
import type { Evaluator } from "../values.js";
import type { Reporter } from "../report.js";
import { suggest } from "../../diagnostics/suggest.js";
import type { AssertOutcome, TrainAnalysis } from "../analysis.js";
import { ASSERT_FUNCTIONS } from "../../language/words.js";

export interface AssertEnv {
  readonly analyses: ReadonlyMap<string, TrainAnalysis>;
  readonly ev: Evaluator;
  readonly r: Reporter;
}

export { ASSERT_FUNCTIONS };


/** Evaluates every assert; reports failures (E0200) and malformed asserts (E0201). */
export function checkAsserts(blocks: readonly Block[], env: AssertEnv): AssertOutcome[] {
  const out: AssertOutcome[] = [];
  for (const b of blocks) {
    for (const item of b.items) {
      if (item.kind !== "ExprItem") {
        env.r.report("E0201", item, "An assert block holds comparisons, one per line.", { help: "e.g. `epochs(clean.math) <= 4`" });
        continue;
      }
      const o = evalAssert(item.expr, env, true);
      if (o) out.push(o);
    }
  }
  return out;
}

export function evalAssert(e: Expr, env: AssertEnv, report: boolean): AssertOutcome | undefined {
  if (e.kind !== "Binary" || !["<", "<=", ">", ">=", "==", "!="].includes(e.op)) {
    if (report) env.r.report("E0201", e, "Expected a comparison such as `epochs(clean.math) <= 4`.");
    return undefined;
  }
  const left = value(e.left, env);
  const right = value(e.right, env);
  if (!left || !right) return undefined;
  if (left.dim !== right.dim && left.dim !== "number" && right.dim !== "number") {
    env.r.report("E0110", e, `Cannot compare ${DIMENSION_NOUN[left.dim]} with ${DIMENSION_NOUN[right.dim]}.`);
    return undefined;
  }
  const c = R.cmp(left.value, right.value);
  const holds = { "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0, "==": c === 0, "!=": c !== 0 }[e.op as "<"];
  const text = `${show(left)} ${e.op} ${show(right)}`;
  if (!holds && report) {
    env.r.report("E0200", e, `This assertion does not hold: ${text}.`, {
      label: `the left side is ${show(left)}`,
      help: "change the schedule or the mix so the property holds, or fix the assertion",
    });
  }
  return { expr: e, text, holds, left, right };
}

function show(q: Quantity): string {
  if (q.dim === "epochs") return `${R.toNumber(q.value).toFixed(4).replace(/\.?0+$/, "")} epochs`;
  if (q.dim === "gpu_hours") return `${R.toNumber(q.value).toFixed(1)} GPU-hours`;
  if (q.dim === "bytes") return `${(R.toNumber(q.value) / 2 ** 30).toFixed(2)} GiB`;
  const s = R.isInteger(q.value) ? q.value.num.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") : R.toNumber(q.value).toString();
  return q.dim === "number" ? s : `${s} ${q.dim}`;
}

function value(e: Expr, env: AssertEnv): Quantity | undefined {
  if (e.kind !== "Call") return env.ev.quantity(e);
  const fn = e.callee.name;
  const args = e.args;
  const arg = (i: number) => (args[i]?.kind === "Path" ? pathText(args[i] as Extract<Expr, { kind: "Path" }>) : undefined);
  const bad = (msg: string) => {
    env.r.report("E0201", e, msg, { help: "see `flowc explain E0201` for the functions an assert may call" });
    return undefined;
  };
  const runOf = (path: string | undefined) => {
    const [run, stage] = (path ?? "").split(".");
    const a = env.analyses.get(run ?? "");
    return { a, stage };
  };
  switch (fn) {
    case "tokens": {
      if (args.length === 1) {
        const p = arg(0);
        const { a } = runOf(p);
        if (a && !p!.includes(".")) return { value: R.rat(a.schedule.totalTokens), dim: "tokens" };
        let drawn = 0n, found = false;
        for (const an of env.analyses.values()) {
          const u = an.datasets.get(p ?? "");
          if (u) { drawn += u.drawn; found = true; }
        }
        if (!found) return unknownDataset(p, args[0]!, env);
        return { value: R.rat(drawn), dim: "tokens" };
      }
      if (args.length === 2) {
        const { a, stage } = runOf(arg(0));
        const st = a?.schedule.stages.find((s) => s.name === stage);
        if (!a || !st) return bad(`\`${arg(0) ?? "?"}\` is not a stage of a train run (write \`RUN.STAGE\`).`);
        const q = st.quotas.find((x) => x.source === arg(1));
        if (!q && !a.datasets.has(arg(1) ?? "")) return unknownDataset(arg(1), args[1]!, env);
        return { value: R.rat(q?.tokens ?? 0n), dim: "tokens" };
      }
      return bad("`tokens` takes a dataset, a run, or a stage and a dataset.");
    }
    case "epochs": {
      if (args.length !== 1) return bad("`epochs` takes one dataset.");
      let drawn = 0n, available = 0n, found = false;
      for (const an of env.analyses.values()) {
        const u = an.datasets.get(arg(0) ?? "");
        if (u) { drawn += u.drawn; available = u.available; found = true; }
      }
      if (!found) return unknownDataset(arg(0), args[0]!, env);
      return { value: available === 0n ? R.ZERO : R.rat(drawn, available), dim: "epochs" };
    }
    case "steps": {
      const { a, stage } = runOf(arg(0));
      if (!a || args.length !== 1) return bad("`steps` takes a run or `RUN.STAGE`.");
      if (!stage) return { value: R.rat(BigInt(a.schedule.totalSteps)), dim: "steps" };
      const st = a.schedule.stages.find((s) => s.name === stage);
      if (!st) return bad(`\`${stage}\` is not a stage of \`${a.train.name}\`.`);
      return { value: R.rat(BigInt(st.lastStep - st.firstStep)), dim: "steps" };
    }
    case "gpu_hours": {
      const { a } = runOf(arg(0));
      if (!a || !a.compute) return bad("`gpu_hours` takes a train run.");
      return { value: R.rat(BigInt(Math.round(a.compute.gpuHours * 1000)), 1000n), dim: "gpu_hours" };
    }
    case "memory": {
      const { a } = runOf(arg(0));
      if (!a || !a.memory) return bad("`memory` takes a train run.");
      return { value: R.rat(BigInt(Math.round(a.memory.memory.total))), dim: "bytes" };
    }
    default:
      return bad(`Unknown function \`${fn}\` in an assert; use one of ${ASSERT_FUNCTIONS.join(", ")}.`);
  }
}

function unknownDataset(name: string | undefined, at: Expr, env: AssertEnv): undefined {
  const all = new Set<string>();
  for (const a of env.analyses.values()) for (const k of a.datasets.keys()) all.add(k);
  const guess = suggest(name ?? "", all);
  env.r.report("E0101", at, `Unknown dataset \`${name ?? "?"}\`.`, {
    label: "not drawn by any train run",
    help: guess ? `did you mean \`${guess}\`?` : "an assert names a curated dataset `CURATE.SOURCE` that a mix draws from",
  });
  return undefined;
}
