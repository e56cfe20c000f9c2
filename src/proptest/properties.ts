// `flowc test`: the schedule's properties, run with fast-check on the user's own schedule.
// Each property returns a verdict with a shrunk counterexample (step, stage, dataset, numbers).
// The schedule functions are random-access (plan/schedule), so a property can look at any step
// of a 5-million-step run without replaying it.
import fc from "fast-check";
import type { CheckedProgram, TrainAnalysis } from "../check/analysis.js";
import { evalAssert } from "../check/rules/asserts.js";
import { scheduleInput } from "../check/rules/stages.js";
import { Reporter } from "../check/report.js";
import { Evaluator } from "../check/values.js";
import {
  batchSources, drawnBefore, lrAt, rankMicroBatch, resolveSchedule, stageAt, type ResolvedSchedule,
} from "../schedule/index.js";
import type { PlanIR } from "../plan/ir.js";
import * as R from "../units/rational.js";
import { MAX_PROPERTY_MS } from "../units/limits.js";

export interface PropertyResult {
  readonly name: string;
  readonly run?: string;
  readonly ok: boolean;
  readonly checks: number;
  /** Stopped at the time limit (MAX_PROPERTY_MS) before `runs` cases were checked. */
  readonly interrupted?: boolean;
  /** Human lines describing the (shrunk) counterexample. */
  readonly counterexample?: readonly string[];
}

export interface PropertyOptions {
  readonly runs: number;
  readonly seed: number;
  /** Source texts by path, to quote asserts as written. */
  readonly texts?: ReadonlyMap<string, string>;
  /** Wall time per property in milliseconds (default MAX_PROPERTY_MS). */
  readonly timeLimitMs?: number;
}

const g = (x: bigint | number) => x.toLocaleString("en-US");

/** Runs one fast-check property and turns a failure into counterexample lines. */
function check<T>(name: string, run: string | undefined, arb: fc.Arbitrary<T>, explain: (v: T) => string[] | undefined, o: PropertyOptions): PropertyResult {
  const res = fc.check(fc.property(arb, (v) => explain(v) === undefined), {
    numRuns: o.runs, seed: o.seed, interruptAfterTimeLimit: o.timeLimitMs ?? MAX_PROPERTY_MS, markInterruptAsFailure: false,
  });
  if (!res.failed || !res.counterexample) return { name, run, ok: true, checks: res.numRuns, ...(res.interrupted ? { interrupted: true } : {}) };
  const lines = explain(res.counterexample[0]) ?? ["(the property failed, but the shrunk case passed on re-run)"];
  return { name, run, ok: false, checks: res.numRuns, counterexample: [...lines, `(found after ${res.numRuns} runs, shrunk ${res.numShrinks} times; seed ${o.seed})`] };
}

function counts(xs: readonly string[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0n) + 1n);
  return m;
}

/** Cumulative sequences drawn per dataset over the whole run before `step`. */
function cumulativeBefore(s: ResolvedSchedule, step: number): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const st of s.stages) {
    if (st.firstStep >= step) break;
    const m = st.lastStep <= step ? new Map(st.quotas.map((q) => [q.source, q.sequences])) : drawnBefore(s, step);
    for (const [k, v] of m) out.set(k, (out.get(k) ?? 0n) + v * BigInt(st.seqLen));
  }
  return out; // tokens
}

export function runProperties(checked: CheckedProgram, ir: PlanIR, o: PropertyOptions): PropertyResult[] {
  const results: PropertyResult[] = [];
  for (const a of checked.analyses.values()) results.push(...runProperties1(a, o));
  results.push(dagOrder(checked, ir));
  results.push(...assertProperties(checked, o));
  return results;
}

function runProperties1(a: TrainAnalysis, o: PropertyOptions): PropertyResult[] {
  const s = a.schedule;
  const run = a.train.name;
  const step = fc.integer({ min: 0, max: Math.max(0, s.totalSteps - 1) });
  const out: PropertyResult[] = [];

  // Quotas sum to each stage exactly (sequences and tokens).
  out.push(check("quotas sum to each stage exactly", run, fc.integer({ min: 0, max: s.stages.length - 1 }), (i) => {
    const st = s.stages[i]!;
    const seqs = st.quotas.reduce((x, q) => x + q.sequences, 0n);
    const toks = st.quotas.reduce((x, q) => x + q.tokens, 0n);
    if (seqs === st.sequences && toks === st.tokens && st.tokens === BigInt(st.lastStep - st.firstStep) * s.batchTokens) return undefined;
    return [`stage ${st.name}: quotas sum to ${g(seqs)} sequences / ${g(toks)} tokens, the stage has ${g(st.sequences)} / ${g(st.tokens)}`];
  }, o));

  // No dataset is drawn past its cap at any step (cumulatively over the run).
  out.push(check("no dataset drawn past max_epochs at any step", run, step, (k) => {
    const drawn = cumulativeBefore(s, k + 1);
    for (const [ds, tokens] of drawn) {
      const u = a.datasets.get(ds);
      if (!u) continue;
      const cap = R.mul(R.rat(u.available), u.maxEpochs);
      if (R.cmp(R.rat(tokens), cap) > 0) {
        return [`run ${run}, step ${g(k)} (stage ${stageAt(s, k).name}), dataset ${ds}:`,
          `${g(tokens)} tokens drawn by the end of this step > cap ${g(R.floor(cap))} (${g(u.available)} available × ${R.format(u.maxEpochs)} epochs)`];
      }
    }
    return undefined;
  }, o));

  // Resuming at any step and micro-step reproduces the rest of the order, and the random-access
  // counts agree with the sequence actually drawn.
  // Resuming at any step and micro-step reproduces the rest of the order: a schedule resolved
  // afresh (as a restarted job does) gives the same micro-batches from (step, micro-step) on, and
  // the random-access resume state agrees with the sequences actually drawn.
  const fresh = resolveSchedule(scheduleInput(a.train, a.model, s.dp, a.ends)).schedule;
  out.push(check("resume at any step/micro-step reproduces the order", run, fc.tuple(step, fc.nat(), fc.nat()), ([k, m0, r0]) => {
    if (!fresh) return ["the schedule does not resolve a second time"];
    const st = stageAt(s, k);
    const micro = m0 % st.gradAccum;
    const rank = r0 % s.dp;
    for (let m = micro; m < st.gradAccum; m++) {
      const want = rankMicroBatch(s, k, m, rank).join(", ");
      const got = rankMicroBatch(fresh, k, m, rank).join(", ");
      if (want !== got) {
        return [`run ${run}, resumed at step ${g(k)}, micro-step ${micro}, rank ${rank}: micro-step ${m} draws [${got}] instead of [${want}]`];
      }
    }
    if (k + 1 < st.lastStep) {
      const before = drawnBefore(fresh, k);
      const after = drawnBefore(fresh, k + 1);
      const c = counts(batchSources(s, k));
      for (const q of st.quotas) {
        const d = (after.get(q.source) ?? 0n) - (before.get(q.source) ?? 0n);
        if (d !== (c.get(q.source) ?? 0n)) {
          return [`run ${run}, step ${g(k)}: the resume state says ${g(d)} sequences of ${q.source} were drawn in this step, the batch has ${g(c.get(q.source) ?? 0n)}`];
        }
      }
    }
    return undefined;
  }, o));

  // Changing dp between segments keeps the global batch, the order and the quotas.
  const dps = divisorsOfDp(a);
  if (dps.length > 1) {
    const alt = new Map(dps.map((dp) => [dp, resolveSchedule(scheduleInput(a.train, a.model, dp, a.ends)).schedule] as const));
    out.push(check("changing dp keeps the global order and quotas", run, fc.tuple(step, fc.constantFrom(...dps)), ([k, dp]) => {
      const s2 = alt.get(dp);
      if (!s2) return [`dp ${dp}: the schedule does not resolve`];
      const a1 = batchSources(s, k).join(), a2 = batchSources(s2, k).join();
      if (a1 !== a2) return [`run ${run}, step ${g(k)}: with dp ${dp} the global batch differs from dp ${s.dp}`];
      const st = stageAt(s2, k);
      const joined: string[] = [];
      for (let r = 0; r < dp; r++) for (let m = 0; m < st.gradAccum; m++) joined.push(...rankMicroBatch(s2, k, m, r));
      if ([...joined].sort().join() !== batchSources(s2, k).sort().join()) {
        return [`run ${run}, step ${g(k)}: with dp ${dp} the ranks' micro-batches do not make up the global batch`];
      }
      return undefined;
    }, o));
  }

  // The learning rate is continuous across stage boundaries unless a stage declares a jump.
  out.push(lrContinuity(a));
  return out;
}

/** dp values that keep whole grad_accum in every stage (for the dp-change property). */
function divisorsOfDp(a: TrainAnalysis): number[] {
  const out: number[] = [];
  const s = a.schedule;
  for (let dp = 1; dp <= Math.min(64, s.stages[0]!.sequencesPerStep); dp++) {
    if (s.stages.every((st) => st.sequencesPerStep % (st.microBatch * dp) === 0)) out.push(dp);
  }
  return out.slice(0, 6);
}

function lrContinuity(a: TrainAnalysis): PropertyResult {
  const s = a.schedule;
  // The largest change between two neighbouring steps inside stages bounds what is "continuous".
  let maxDelta = 0;
  for (const st of s.stages) {
    for (const k of [st.firstStep + 1, st.firstStep + 2, Math.floor((st.firstStep + st.lastStep) / 2), st.lastStep - 1]) {
      if (k > st.firstStep && k < st.lastStep) maxDelta = Math.max(maxDelta, Math.abs(lrAt(s, k) - lrAt(s, k - 1)));
    }
  }
  const peak = s.lr.peak;
  const warm = Math.max(1, s.lr.warmupSteps);
  maxDelta = Math.max(maxDelta, peak / warm, s.lr.kind === "wsd" ? peak / Math.max(1, s.lr.decaySteps) : 0);
  for (const [i, st] of s.stages.entries()) {
    if (i === 0 || st.lastStep === st.firstStep) continue;
    const decl = a.train.stages.find((x) => x.name === st.name);
    if (decl?.lrJump) continue;
    const b = st.firstStep;
    const jump = Math.abs(lrAt(s, b) - lrAt(s, b - 1));
    if (jump > 2 * maxDelta + 1e-12) {
      return {
        name: "learning rate continuous across stage boundaries", run: a.train.name, ok: false, checks: i,
        counterexample: [`run ${a.train.name}, step ${g(b)} (start of stage ${st.name}): lr jumps from ${lrAt(s, b - 1).toExponential(4)} to ${lrAt(s, b).toExponential(4)}`,
          "declare `lr_jump = true` on the stage if the jump is intended"],
      };
    }
  }
  return { name: "learning rate continuous across stage boundaries", run: a.train.name, ok: true, checks: s.stages.length };
}

/** No train step runs before the steps that produce every dataset its mixes draw from. */
function dagOrder(checked: CheckedProgram, ir: PlanIR): PropertyResult {
  const byId = new Map(ir.steps.map((s) => [s.id, s]));
  const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
    for (const n of byId.get(id)?.needs ?? []) if (!seen.has(n)) { seen.add(n); ancestors(n, seen); }
    return seen;
  };
  let checks = 0;
  for (const step of ir.steps.filter((s) => s.kind === "train")) {
    const anc = ancestors(step.id);
    const a = checked.analyses.get(String(step.params.train));
    for (const ds of a?.datasets.keys() ?? []) {
      checks++;
      if (!anc.has(`tokenize.${ds}`)) {
        return { name: "no stage consumes a dataset before it is produced", ok: false, checks,
          counterexample: [`step ${step.id} draws from ${ds}, but does not wait for tokenize.${ds}`] };
      }
    }
  }
  return { name: "no stage consumes a dataset before it is produced", ok: true, checks };
}

/** The file's own asserts: statically, and upper bounds at random prefixes of each run. */
function assertProperties(checked: CheckedProgram, o: PropertyOptions): PropertyResult[] {
  const out: PropertyResult[] = [];
  for (const a of checked.asserts) {
    out.push({ name: `assert ${exprText(a, o)} holds statically`, ok: a.holds, checks: 1, counterexample: a.holds ? undefined : [`statically: ${a.text}`] });
    const op = a.expr.kind === "Binary" ? a.expr.op : "";
    if (!a.holds || (op !== "<=" && op !== "<")) continue;
    // Upper bounds on monotone quantities must hold at every prefix of every run.
    const runs = [...checked.analyses.values()];
    const arb = fc.tuple(fc.integer({ min: 0, max: runs.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }));
    out.push(check(`assert ${exprText(a, o)} at every step`, undefined, arb, ([ri, frac]) => {
      const run = runs[ri]!;
      const k = Math.floor(frac * run.schedule.totalSteps);
      const prefix = prefixAnalyses(checked, run, k);
      const r = new Reporter();
      const res = evalAssert(a.expr, { analyses: prefix, ev: new Evaluator(checked.symbols, r), r }, false);
      if (!res || res.holds) return undefined;
      return [`run ${run.train.name}, after step ${g(k)}: ${res.text}`];
    }, o));
  }
  return out;
}

/** The assert as written (from the source text when given), else its evaluated form. */
function exprText(a: { expr: { span: { file: string; start: number; end: number } }; text: string }, o: PropertyOptions): string {
  const t = o.texts?.get(a.expr.span.file)?.slice(a.expr.span.start, a.expr.span.end);
  return `\`${t ?? a.text}\``;
}

/** The analyses as they stand after `step` of `run`: datasets' drawn tokens cut at the prefix. */
function prefixAnalyses(checked: CheckedProgram, run: TrainAnalysis, step: number): Map<string, TrainAnalysis> {
  const drawn = cumulativeBefore(run.schedule, step);
  const datasets = new Map([...run.datasets].map(([k, u]) => [k, { ...u, drawn: drawn.get(k) ?? 0n }]));
  return new Map([...checked.analyses].map(([k, a]) => [k, a === run ? { ...a, datasets } : a]));
}
