// Step fingerprints: a hash of everything in the plan that decides a step's output, kept per part
// (`step`, `trains.pretrain`, `evalsets.quiz`, …) so the runtime can say which part changed when a
// completion marker no longer matches. What a step's fingerprint leaves out is as deliberate as
// what it covers: resources, the parallel layout, micro-batching and checkpoint intervals change
// how a step runs, not what it produces, so changing them never invalidates finished work (a run
// resumes on another dp; DCP reshards). Changing anything covered makes the runtime redo the step,
// or refuse to resume a train run from checkpoints of another lineage.
import { createHash } from "node:crypto";
import { PLAN_IR_VERSION, type PlanInput } from "./ir.js";

/** JSON with object keys sorted at every level and no whitespace: the same value, the same text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export const hashOf = (v: unknown): string => sha256Hex(canonicalJson(v));

/** A step before its fingerprint (Omit distributed over the union of kinds). */
export type StepDraft<S = PlanInput["steps"][number]> = S extends unknown ? Omit<S, "fingerprint" | "fingerprint_parts"> : never;
type TrainDraft = Omit<PlanInput["trains"][number], "lineage">;

/**
 * What determines a train run's weights: the model, precision and backend, the optimizer and LR
 * schedule, the seed, the data schedule (stage boundaries, seq_len, RoPE, lr_scale, the mix and
 * its quotas) and where it starts from. Not: parallel layout, micro_batch/grad_accum, checkpoint
 * interval, the job split, estimates.
 */
export function trainLineage(t: TrainDraft): string {
  return hashOf({
    version: PLAN_IR_VERSION, model: t.model, precision: t.precision, backend: t.backend, optimizer: t.optimizer,
    lr_schedule: t.lr_schedule, seed: t.seed, batch_tokens: t.batch_tokens, total_steps: t.total_steps, init_from: t.init_from,
    stages: t.stages.map(({ micro_batch: _m, grad_accum: _g, flops_per_token: _f, ...rest }) => rest),
  });
}

/** The parts of the plan a step reads, by name, each as the value that is hashed. */
function parts(plan: Omit<PlanInput, "steps">, trains: readonly PlanInput["trains"][number][], s: StepDraft): Record<string, unknown> {
  const { id: _id, needs: _needs, resources: _resources, ...step } = s;
  const out: Record<string, unknown> = { step };
  const evalset = (name: string) => { const e = plan.evalsets[name]; if (e) out[`evalsets.${name}`] = { uri: e.uri, task: e.task }; };
  const decontam = (ops: readonly { op: string; against?: readonly string[] }[]) => {
    for (const o of ops) if (o.op === "decontaminate") for (const e of o.against ?? []) evalset(e);
  };
  const train = (name: string) => trains.find((t) => t.name === name);
  switch (s.kind) {
    case "tokenizer": {
      const t = plan.tokenizers[s.params.tokenizer]!;
      out[`tokenizers.${s.params.tokenizer}`] = t;
      for (const src of t.train_on ?? []) {
        const r = plan.raw_sources[src];
        if (r) out[`raw_sources.${src}`] = { uri: r.uri, format: r.format };
      }
      break;
    }
    case "curate": {
      const r = plan.raw_sources[s.params.source]!;
      out[`raw_sources.${s.params.source}`] = { uri: r.uri, format: r.format, kind: r.kind };
      decontam(s.params.ops);
      break;
    }
    case "dedup":
      break;
    case "tokenize": {
      out[`raw_sources.${s.params.source}`] = { kind: plan.raw_sources[s.params.source]!.kind };
      const tok = plan.curations[s.params.curation]!.tokenizer;
      out[`tokenizers.${tok}`] = { vocab: plan.tokenizers[tok]!.vocab };
      decontam(s.params.ops);
      break;
    }
    case "mix": {
      const t = train(s.params.train)!;
      out[`trains.${t.name}`] = {
        batch_tokens: t.batch_tokens, seed: t.seed, total_steps: t.total_steps,
        stages: t.stages.map((st) => ({ name: st.name, first_step: st.first_step, last_step: st.last_step, seq_len: st.seq_len, mix: st.mix })),
      };
      for (const ds of Object.keys(s.reads.datasets)) {
        const d = plan.sources[ds];
        if (!d) continue;
        out[`sources.${ds}`] = { max_epochs: d.max_epochs };
        out[`raw_sources.${d.source}`] = { upsample: plan.raw_sources[d.source]?.upsample ?? 1 };
      }
      break;
    }
    case "train":
      out[`trains.${s.params.train}`] = { lineage: train(s.params.train)!.lineage };
      for (const e of s.params.evals) {
        const ev = plan.evals.find((x) => x.name === e.eval);
        if (ev) { out[`evals.${e.eval}`] = { tasks: ev.tasks }; ev.tasks.forEach(evalset); }
      }
      break;
    case "eval": {
      const ev = plan.evals.find((x) => x.name === s.params.eval)!;
      out[`evals.${ev.name}`] = { after: ev.after, tasks: ev.tasks, gates: ev.gates };
      ev.tasks.forEach(evalset);
      break;
    }
    case "release": {
      const r = plan.releases.find((x) => x.name === s.params.release)!;
      out[`releases.${r.name}`] = r;
      const t = train(r.from)!;
      out[`trains.${t.name}`] = { lineage: t.lineage, params: t.params, model: t.model, stages: t.stages };
      out.sources = plan.sources;
      break;
    }
  }
  return out;
}

/** The step with its fingerprint: the hash of its parts' hashes. */
export function fingerprinted<S extends StepDraft>(plan: Omit<PlanInput, "steps">, trains: readonly PlanInput["trains"][number][], s: S): S & { fingerprint: string; fingerprint_parts: Record<string, string> } {
  const hashes = Object.fromEntries(Object.entries(parts(plan, trains, s)).map(([k, v]) => [k, hashOf(v)] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
  return { ...s, fingerprint: hashOf({ version: PLAN_IR_VERSION, parts: hashes }), fingerprint_parts: hashes };
}
