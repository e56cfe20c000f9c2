// Reading a plan.json someone hands back to flowc (a compiled directory, `flowc submit`): the zod
// schema of ir.ts, then the invariants the schema cannot express. These are the same checks as
// flowrt's strict loader (runtime-py/flowrt/plan.py): the plan is the one contract between flowc
// and flowrt, so both refuse the same plans (test/plan/load.test.ts and runtime-py's
// test_plan_agreement.py run the same mutations through both).
import { PlanIR, type CurateOpIR, type StepIR } from "./ir.js";
import { opProblem } from "./opBounds.js";

export class PlanLoadError extends Error {
  constructor(message: string, readonly help: string) {
    super(message);
    this.name = "PlanLoadError";
  }
}

const REMAKE = "re-create it with `flowc compile FILE --out DIR`; do not edit plan.json by hand";

/** A plan from parsed JSON, or a PlanLoadError naming the first thing wrong with it. */
export function planFromJson(raw: unknown, where = "plan.json"): PlanIR {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    const kind = raw === null ? "null" : Array.isArray(raw) ? "array" : typeof raw;
    throw new PlanLoadError(`${where} is not a plan: it holds a JSON ${kind}, not an object`, REMAKE);
  }
  const r = PlanIR.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const at = first.path.length > 0 ? first.path.join("/") : "(top level)";
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : "";
    throw new PlanLoadError(`${where} does not match the plan schema at ${at}: ${first.message.slice(0, 300)}${more}`, REMAKE);
  }
  const missing = unknownKey(r.data, raw, []);
  if (missing) {
    // zod fills a defaulted option that is absent; flowc always writes it, and flowrt's schema requires it.
    throw new PlanLoadError(`${where} does not match the plan schema at ${missing.slice(0, -1).join("/") || "(top level)"}: '${String(missing[missing.length - 1])}' is a required property`, REMAKE);
  }
  const extra = unknownKey(raw, r.data, []);
  if (extra) {
    // zod drops keys it does not know; the JSON Schema flowrt validates with refuses them, and so must flowc.
    throw new PlanLoadError(`${where} does not match the plan schema at ${extra.slice(0, -1).join("/") || "(top level)"}: the key '${String(extra[extra.length - 1]).slice(0, 80)}' is not part of the plan`, REMAKE);
  }
  checkPlan(r.data, where);
  return r.data;
}

/** The path of a key of `raw` that `parsed` lacks, if any (zod strips unknown keys and fills defaults: compared both ways). */
function unknownKey(raw: unknown, parsed: unknown, at: (string | number)[]): (string | number)[] | null {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    for (let i = 0; i < raw.length; i++) {
      const k = unknownKey(raw[i], parsed[i], [...at, i]);
      if (k) return k;
    }
  } else if (raw && typeof raw === "object" && parsed && typeof parsed === "object") {
    for (const [k, v] of Object.entries(raw)) {
      if (!Object.hasOwn(parsed, k)) return [...at, k];
      const inner = unknownKey(v, (parsed as Record<string, unknown>)[k], [...at, k]);
      if (inner) return inner;
    }
  }
  return null;
}

/** The step ids named in `reads`, whatever the role's shape (an id, or name -> id). */
function readIds(s: StepIR): string[] {
  const out: string[] = [];
  for (const v of Object.values(s.reads as Record<string, unknown>)) {
    if (typeof v === "string") out.push(v);
    else if (v && typeof v === "object") out.push(...Object.values(v as Record<string, string>));
  }
  return out;
}

/** What the schema cannot say: ids unique, `needs` resolve and equal `reads`, no cycle, train segments inside their run, names resolve. */
export function checkPlan(plan: PlanIR, where = "plan.json"): void {
  const bad = (s: StepIR | null, message: string) => new PlanLoadError(`${where}: ${s ? `step ${s.id}: ` : ""}${message}`, REMAKE);
  const byId = new Map<string, StepIR>();
  for (const s of plan.steps) {
    if (byId.has(s.id)) throw bad(s, "the id is used by two steps");
    byId.set(s.id, s);
  }
  checkCurations(plan, where);
  const trains = new Map(plan.trains.map((t) => [t.name, t]));
  const evals = new Map(plan.evals.map((e) => [e.name, e]));
  for (const t of plan.trains) {
    if (t.total_steps < 1) throw bad(null, `train run ${t.name}: it has ${t.total_steps} steps`);
    let at = 0;
    for (const st of t.stages) {
      if (st.first_step !== at || st.last_step <= st.first_step) {
        throw bad(null, `train run ${t.name}: stage ${st.name} covers [${st.first_step}, ${st.last_step}); it should start at step ${at} and have at least one step`);
      }
      at = st.last_step;
    }
    if (at !== t.total_steps) throw bad(null, `train run ${t.name}: its stages end at step ${at}, the run at step ${t.total_steps}`);
  }
  const owner = new Map<string, StepIR>();
  for (const s of plan.steps) {
    for (const n of s.needs) if (!byId.has(n)) throw bad(s, `it needs ${n}, which the plan does not have`);
    const reads = readIds(s);
    const readSet = new Set(reads);
    const needSet = new Set(s.needs);
    if (readSet.size !== needSet.size || ![...needSet].every((n) => readSet.has(n))) {
      throw bad(s, `its needs (${s.needs.join(", ") || "none"}) are not the steps it reads (${reads.join(", ") || "none"})`);
    }
    const other = owner.get(s.out_dir) ?? s;
    owner.set(s.out_dir, other);
    const sharedRun = s.kind === "train" && other.kind === "train" && other.params.train === s.params.train;
    if (other !== s && !sharedRun) throw bad(s, `it writes to ${s.out_dir}, as ${other.id} does`);
    const need = (has: boolean, what: string, name: string) => {
      if (!has) throw bad(s, `it names ${what} '${name}', which the plan does not have`);
    };
    if (s.kind === "tokenizer") need(s.params.tokenizer in plan.tokenizers, "tokenizer", s.params.tokenizer);
    else if (s.kind === "curate" || s.kind === "tokenize") {
      need(s.params.curation in plan.curations, "curation", s.params.curation);
      need(s.params.source in plan.raw_sources, "raw source", s.params.source);
    } else if (s.kind === "dedup") need(s.params.curation in plan.curations, "curation", s.params.curation);
    else if (s.kind === "mix") need(trains.has(s.params.train), "train run", s.params.train);
    else if (s.kind === "train") {
      const p = s.params;
      need(trains.has(p.train), "train run", p.train);
      const total = trains.get(p.train)!.total_steps;
      if (p.last_step < p.first_step) throw bad(s, `its segment ends (step ${p.last_step}) before it starts (step ${p.first_step})`);
      if (p.last_step === p.first_step) throw bad(s, `its segment [${p.first_step}, ${p.last_step}) is empty: the step would be done without training`);
      if (p.last_step > total) throw bad(s, `its segment [${p.first_step}, ${p.last_step}) lies outside train run '${p.train}' (steps 0..${total})`);
      for (const e of p.evals) need(evals.has(e.eval), "eval", e.eval);
    } else if (s.kind === "eval") need(evals.has(s.params.eval), "eval", s.params.eval);
    else if (s.kind === "release") need(plan.releases.some((r) => r.name === s.params.release), "release", s.params.release);
  }
  checkAcyclic(plan.steps, byId, bad);
}

function checkAcyclic(steps: readonly StepIR[], byId: Map<string, StepIR>, bad: (s: StepIR, m: string) => PlanLoadError): void {
  const state = new Map<string, 1 | 2>(); // 1 = on the path, 2 = done
  // Iterative depth-first search: a hostile plan's chain of needs must not exhaust the stack.
  for (const root of steps) {
    if (state.get(root.id) === 2) continue;
    const path: StepIR[] = [];
    const stack: { s: StepIR; next: number }[] = [{ s: root, next: 0 }];
    state.set(root.id, 1);
    path.push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.s.needs.length) {
        const n = byId.get(top.s.needs[top.next++]!)!;
        const st = state.get(n.id);
        if (st === 1) {
          const ids = path.map((p) => p.id);
          throw bad(n, `its needs form a cycle: ${[...ids.slice(ids.indexOf(n.id)), n.id].join(" -> ")}`);
        }
        if (st === undefined) {
          state.set(n.id, 1);
          path.push(n);
          stack.push({ s: n, next: 0 });
        }
      } else {
        state.set(top.s.id, 2);
        path.pop();
        stack.pop();
      }
    }
  }
}

/** Every op of a curation (as declared, and as its steps apply them) usable, and the names it gives resolve. */
function checkCurations(plan: PlanIR, where: string): void {
  for (const [name, c] of Object.entries(plan.curations)) {
    const bad = (m: string) => new PlanLoadError(`${where}: curation ${name}: ${m}`, REMAKE);
    if (!(c.tokenizer in plan.tokenizers)) throw bad(`it names tokenizer '${c.tokenizer}', which the plan does not have`);
    for (const src of c.from) if (!(src in plan.raw_sources)) throw bad(`it names raw source '${src}', which the plan does not have`);
    const ops: CurateOpIR[] = [...c.ops];
    for (const s of plan.steps) {
      if ((s.kind === "curate" || s.kind === "tokenize") && s.params.curation === name) {
        ops.push(...s.params.ops);
        if (s.kind === "curate" && s.params.signatures) ops.push(s.params.signatures);
      } else if (s.kind === "dedup" && s.params.curation === name) ops.push(s.params.dedup);
    }
    for (const op of ops) {
      const problem = opProblem(op);
      if (problem) throw bad(`${op.op}: ${problem}`);
    }
  }
  for (const [name, ds] of Object.entries(plan.sources)) {
    if (!(ds.curation in plan.curations)) throw new PlanLoadError(`${where}: dataset ${name}: it names curation '${ds.curation}', which the plan does not have`, REMAKE);
    if (!(ds.source in plan.raw_sources)) throw new PlanLoadError(`${where}: dataset ${name}: it names raw source '${ds.source}', which the plan does not have`, REMAKE);
  }
}
