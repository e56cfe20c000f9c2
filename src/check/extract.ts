// From declarations to typed values: one reader per declaration kind, each listing the attributes
// and nested blocks its kind allows (docs/language.md, "Declarations"). Semantic rules that relate
// several declarations (mix sums, stages, epochs, memory, ...) live in rules/. The readers are in read/,
// a file per declaration kind.
import type { Decl, SymbolTable } from "./decls.js";
import type { Reporter } from "./report.js";
import type * as T from "./typed.js";
import { Evaluator } from "./values.js";
import { readCluster } from "./read/cluster.js";
import { readSource, readEvalset, readTokenizer } from "./read/data.js";
import { readCurate } from "./read/curate.js";
import { readModel } from "./read/model.js";
import { readTrain } from "./read/train.js";
import { readEval, readRelease } from "./read/outcome.js";

export function extractProgram(symbols: SymbolTable, r: Reporter): { program: T.Declarations; ev: Evaluator } {
  const ev = new Evaluator(symbols, r);
  const of = <K extends Decl["kind"]>(k: K) => symbols.decls.filter((d) => d.kind === k);
  const collect = <V>(k: Decl["kind"], f: (d: Decl) => V | undefined) => {
    const m = new Map<string, V>();
    for (const d of of(k)) {
      const v = f(d);
      if (v !== undefined) m.set(d.name, v);
    }
    return m;
  };
  const clusters = collect("cluster", (d) => readCluster(d, ev, r));
  const sources = collect("source", (d) => readSource(d, ev, r));
  const evalsets = collect("evalset", (d) => readEvalset(d, ev, r));
  const tokenizers = collect("tokenizer", (d) => readTokenizer(d, ev, r));
  const curations = collect("curate", (d) => readCurate(d, ev, r));
  const models = collect("model", (d) => readModel(d, ev, r));
  const trains = collect("train", (d) => readTrain(d, ev, r, curations));
  const evals = collect("eval", (d) => readEval(d, ev, r));
  const releases = collect("release", (d) => readRelease(d, ev, r));
  return {
    program: { clusters, sources, evalsets, tokenizers, curations, models, trains, evals, releases, asserts: symbols.asserts },
    ev,
  };
}
