// The `eval` and `release` declarations, and the gates both use.
import type { Expr, ExprItem } from "../../ast/nodes.js";
import { BlockReader } from "../blockReader.js";
import type { Decl } from "../decls.js";
import { replaceWith, type Reporter } from "../report.js";
import { suggest } from "../../diagnostics/suggest.js";
import type * as T from "../typed.js";
import { Evaluator } from "../values.js";
import * as W from "../../language/words.js";
import { isWord } from "../../language/words.js";
import { attributesOf, blocksOf } from "../../language/vocabulary.js";
import { num, what } from "./common.js";

export function readGates(items: readonly ExprItem[] | readonly Expr[], ev: Evaluator, r: Reporter, tasks?: readonly string[]): T.GateT[] {
  const gates: T.GateT[] = [];
  for (const it of items) {
    const e = "expr" in it && it.kind === "ExprItem" ? it.expr : (it as Expr);
    if (e.kind !== "Binary" || !["<", "<=", ">", ">=", "==", "!="].includes(e.op)) {
      r.report("E0113", e, "Expected a gate `EVALSET.METRIC OP VALUE`.", { help: "e.g. `heldout.perplexity <= 2000` or `quiz.acc >= 25%`" });
      continue;
    }
    const left = e.left;
    if (left.kind !== "Path" || left.parts.length !== 2) {
      r.report("E0113", left, "Expected `EVALSET.METRIC` on the left of a gate.", { help: "e.g. `heldout.perplexity`" });
      continue;
    }
    const [es, metric] = [left.parts[0]!, left.parts[1]!];
    const ref = ev.ref({ kind: "Path", parts: [es], span: es.span }, ["evalset"]);
    if (!ref) continue;
    if (!isWord(W.METRICS, metric.name)) {
      const guess = suggest(metric.name, W.METRICS);
      r.report("E0112", metric, `Unknown metric \`${metric.name}\`.`, { help: guess ? `did you mean \`${guess}\`?` : `metrics: ${W.METRICS.join(", ")}`, fixes: [replaceWith(metric, guess)] });
      continue;
    }
    if (tasks && !tasks.includes(ref.name)) {
      r.report("E0210", es, `The gate reads \`${ref.name}\`, which this eval does not run.`, { help: `add \`${ref.name}\` to \`tasks\`` });
      continue;
    }
    const q = ev.quantity(e.right);
    if (!q) continue;
    if (q.dim !== "number" && q.dim !== "percent") {
      r.report("E0110", e.right, "Expected a number or a percentage on the right of a gate.");
      continue;
    }
    gates.push({ evalset: ref.name, metric: metric.name, op: e.op as T.CompareOp, value: num(q.value), node: e });
  }
  return gates;
}

export function readEval(d: Decl, ev: Evaluator, r: Reporter): T.EvalT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("eval"), blocks: blocksOf("eval") });
  const afterE = b.required("after");
  const after = afterE && ev.ref(afterE, ["train"])?.name;
  const everyE = b.get("every");
  const every = everyE ? Number(ev.integer(everyE, "steps", true, 1n) ?? 0n) || undefined : undefined;
  const tasksE = b.required("tasks");
  const tasks = tasksE ? ev.list(tasksE).map((x) => ev.ref(x, ["evalset"])?.name).filter((x): x is string => !!x) : [];
  const gate = b.single("gate");
  const gates = gate ? readGates(new BlockReader(r, gate, { what: `the gate of ${what(d)}`, attrs: [], exprItems: true }).exprItems, ev, r, tasks) : [];
  if (!after) return undefined;
  return { name: d.name, block: d.block, after, every, tasks, gates };
}

export function readRelease(d: Decl, ev: Evaluator, r: Reporter): T.ReleaseT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("release"), blocks: blocksOf("release") });
  const fromE = b.required("from");
  const from = fromE && ev.ref(fromE, ["train"])?.name;
  const reqE = b.get("require");
  const require = reqE ? ev.list(reqE).map((x) => ev.ref(x, ["eval"])?.name).filter((x): x is string => !!x) : [];
  const fmtE = b.get("format");
  if (fmtE) ev.word(fmtE, W.RELEASE_FORMATS);
  const phE = b.get("phases");
  const phases = phE ? ev.list(phE).map((x) => (x.kind === "Path" && x.parts.length === 1 ? x.parts[0]!.name : ev.string(x))).filter((x): x is string => !!x) : ["internal"];
  let rollbackIf: T.GateT[] = [];
  const rbBlock = b.single("rollback_if");
  if (rbBlock) rollbackIf = readGates(new BlockReader(r, rbBlock, { what: "`rollback_if`", attrs: [], exprItems: true }).exprItems, ev, r);
  const rbE = b.get("rollback_if");
  if (rbE) rollbackIf = rollbackIf.concat(readGates(ev.list(rbE), ev, r));
  if (!reqE && !d.block.recovered) {
    r.report("W0210", d.block.name!, `Release \`${d.name}\` requires no eval: nothing gates it.`, { help: "add `require = EVAL` so a failing gate stops the release" });
  }
  if (!from) return undefined;
  return { name: d.name, block: d.block, from, require, format: "hf_safetensors", phases, rollbackIf };
}
