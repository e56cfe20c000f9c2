// Lowering: checked program -> plan IR. Pure and deterministic (same input, same JSON), so
// `compile` can tell whether a directory already holds this plan.
import { createHash } from "node:crypto";
import { basename, dirname, relative, resolve, sep } from "node:path";
import type { CheckedProgram, TrainAnalysis } from "../check/analysis.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/diagnostic.js";
import { span } from "../source/span.js";
import { checkpointEstimate, effectivePeak, flopsPerToken, LOSS_CHUNK_TOKENS, ranksPerNode, runtimeLayout } from "../estimate/index.js";
import type { ClusterT, CurateOpT, CurateT, GateT } from "../check/typed.js";
import * as R from "../units/rational.js";
import { lrScheduleIR } from "./lrIR.js";
import { withResources } from "./stepResources.js";
import { fingerprinted, trainLineage, type StepDraft } from "./fingerprint.js";
import {
  CurateOpIR, DEFAULT_DEDUP_METHOD, PLAN_IR_VERSION, PlanIR, PREEMPT_SIGNAL, REQUEUE_EXIT_CODE, STOP_FILE_ENV, STOP_MARKER, STOP_SIGNAL,
  type CurateOpIR as CurateOp, type DocOpIR, type DedupOpIR, type LayoutIR, type PlanInput,
} from "./ir.js";

export const FLOWC_VERSION = "0.1.0";

/** Declared tokens per curate shard: large sources become Slurm array tasks of about this size. */
const TOKENS_PER_SHARD = 2_000_000_000n;
const MAX_SHARDS = 512n;
/** Walltime of CPU data steps when the cluster gives no max_walltime. */
const DEFAULT_CPU_WALLTIME_S = 4 * 3600;

export interface LowerInput {
  readonly checked: CheckedProgram;
  /** The entry file's canonical path (the loader's `Program.entryPath`). */
  readonly entryPath: string;
  /** Canonical path -> text of every file of the program (entry and imports). */
  readonly texts: ReadonlyMap<string, string>;
}

type StepInput = PlanInput["steps"][number];
type AnyDraft = StepDraft<StepInput>;
type TrainInput = PlanInput["trains"][number];

/** The plan, or why there is none (E0400: nothing to place the steps on). */
export function lowerProgram({ checked, entryPath, texts }: LowerInput): Result<PlanIR | undefined> {
  const d = checked.decls;
  const analyses = [...checked.analyses.values()];
  const cluster = analyses[0]?.cluster ?? [...d.clusters.values()][0];
  if (!cluster) return { value: undefined, diagnostics: [noCluster(entryPath)] };
  return { value: lowerWith(checked, cluster, entryPath, texts), diagnostics: [] };
}

function noCluster(entryPath: string): Diagnostic {
  return diagnostic("E0400", span(entryPath, 0, 0), "The program declares no `cluster`, so there is nothing to plan its steps on.", {
    help: "declare a `cluster NAME { … }` (or import the file that does); a file of shared declarations is checked with `flowc check`",
  });
}

/**
 * The program's identity in the plan, the same from any working directory and any checkout: the
 * entry's file name, and a SHA-256 over every file's text keyed by its path relative to the entry's
 * directory (`/`-separated, sorted by that key).
 */
export function sourceIdentity(entryPath: string, texts: ReadonlyMap<string, string>): { file: string; hash: string } {
  const root = dirname(resolve(entryPath));
  const keyed = [...texts.entries()].map(([path, text]) => [relative(root, resolve(path)).split(sep).join("/"), text] as const);
  const hash = createHash("sha256");
  for (const [key, text] of keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(key).update("\0").update(text).update("\0");
  return { file: basename(entryPath), hash: hash.digest("hex") };
}

function lowerWith(checked: CheckedProgram, cluster: ClusterT, entryPath: string, texts: ReadonlyMap<string, string>): PlanIR {
  const d = checked.decls;
  const analyses = [...checked.analyses.values()];
  const source = sourceIdentity(entryPath, texts);

  const sources: PlanInput["sources"] = {};
  for (const a of analyses) {
    for (const u of a.datasets.values()) {
      const prev = sources[u.dataset];
      const drawn = Number(u.drawn) + (prev?.drawn_tokens ?? 0);
      sources[u.dataset] = {
        curation: u.curation, source: u.source, available_tokens: Number(u.available), drawn_tokens: drawn,
        epochs: round4(u.available === 0n ? 0 : drawn / Number(u.available)), max_epochs: R.format(u.maxEpochs),
      };
    }
  }

  const trains = analyses.map(trainIR);
  const sections: Omit<PlanInput, "steps"> = {
    version: PLAN_IR_VERSION,
    flowc_version: FLOWC_VERSION,
    source_file: source.file,
    source_hash: source.hash,
    protocol: { requeue_exit_code: REQUEUE_EXIT_CODE, stop_signal: STOP_SIGNAL, preempt_signal: PREEMPT_SIGNAL, stop_file_env: STOP_FILE_ENV, stop_marker: STOP_MARKER },
    cluster: clusterIR(cluster),
    raw_sources: Object.fromEntries([...d.sources.values()].map((s) => [s.name, {
      uri: s.uri, format: s.format, declared_tokens: Number(s.tokens), kind: s.kind, ...(s.upsample && s.upsample > 1 ? { upsample: s.upsample } : {}),
    }])),
    evalsets: Object.fromEntries([...d.evalsets.values()].map((e) => [e.name, { uri: e.uri, task: e.task }])),
    tokenizers: Object.fromEntries([...d.tokenizers.values()].map((t) => [t.name, {
      kind: t.kind, vocab: t.vocab, ...(t.path !== undefined ? { path: t.path } : {}), ...(t.trainOn ? { train_on: [...t.trainOn] } : {}),
    }])),
    curations: Object.fromEntries([...d.curations.values()].map((c) => [c.name, {
      from: [...c.from], ops: c.ops.map(curateOp), tokenizer: c.tokenizer ?? "", expect_retention: R.format(c.retention),
    }])),
    sources,
    trains,
    evals: [...d.evals.values()].map((e) => ({
      name: e.name, after: e.after, ...(e.every !== undefined ? { every: e.every } : {}), tasks: [...e.tasks], gates: e.gates.map(gateIR),
    })),
    releases: [...d.releases.values()].map((r) => ({
      name: r.name, from: r.from, require: [...r.require], format: r.format, phases: [...r.phases], rollback_if: r.rollbackIf.map(gateIR),
    })),
  };
  const steps = stepDrafts(checked, cluster, sections).map((s) => fingerprinted(sections, trains, withResources(s, sections)));
  // Parsing fills nothing new (ops already carry their defaults) but proves the plan is the schema's.
  return PlanIR.parse({ ...sections, steps });
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function clusterIR(c: ClusterT): PlanInput["cluster"] {
  return {
    name: c.name, scheduler: c.scheduler, nodes: c.nodes, gpus_per_node: c.gpusPerNode, gpu: c.gpu,
    ...(c.partition !== undefined ? { partition: c.partition } : {}),
    ...(c.account !== undefined ? { account: c.account } : {}),
    ...(c.cpusPerNode !== undefined ? { cpus_per_node: c.cpusPerNode } : {}),
    ...(c.ranksPerNode !== undefined ? { ranks_per_node: c.ranksPerNode } : {}),
    ...(c.maxWalltimeS !== undefined ? { max_walltime_s: c.maxWalltimeS } : {}),
    ...(c.budgetGpuHours !== undefined ? { budget_gpu_hours: R.toNumber(c.budgetGpuHours) } : {}),
    ...(c.ssh !== undefined ? { ssh: c.ssh } : {}),
    ...(c.address !== undefined ? { address: c.address } : {}),
  };
}

function gateIR(g: GateT) {
  return { evalset: g.evalset, metric: g.metric, op: g.op, value: g.value };
}

/** The given parameters of `o` that `keys` names (undefined ones dropped). */
function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** The .flow parameters each dedup method takes into the plan. */
const DEDUP_KEYS: Record<string, readonly string[]> = {
  minhash: ["ngram", "permutations", "bands", "threshold", "seed"], simhash: ["ngram", "hamming"], semantic: ["model", "threshold"], ast: [], exact: [],
};

/** A curation operation in the plan's form, its defaults filled in (they are declared in ir.ts). */
function curateOp(o: CurateOpT): CurateOp {
  const p = o.params;
  switch (o.op) {
    case "language": return CurateOpIR.parse({ op: "language", ...pick(p, ["keep", "min_score", "model"]) });
    case "quality": {
      // `min_score` and `threshold` are one option under two names; min_score wins, as it always did.
      const threshold = p.min_score ?? p.threshold;
      return CurateOpIR.parse({ op: "quality", ...pick(p, ["method", "model"]), ...(threshold !== undefined ? { threshold } : {}) });
    }
    case "pii": return CurateOpIR.parse({ op: "pii", ...pick(p, ["redact", "replacement"]) });
    case "perplexity": return CurateOpIR.parse({ op: "perplexity", ...pick(p, ["model", "max"]) });
    case "nsfw": return CurateOpIR.parse({ op: "nsfw", ...pick(p, ["model", "max_score"]) });
    case "review": return CurateOpIR.parse({ op: "review", ...pick(p, ["sample", "min_accuracy"]) });
    case "dedup": {
      const method = (p.method as string | undefined) ?? DEFAULT_DEDUP_METHOD;
      const keys = DEDUP_KEYS[method] ?? [];
      return CurateOpIR.parse({ op: "dedup", method, ...pick(p, keys) });
    }
    case "decontaminate": return CurateOpIR.parse({ op: "decontaminate", ...pick(p, ["against", "ngram"]) });
    case "filter": return CurateOpIR.parse({ op: "filter", ...pick(p, ["min_words", "max_words", "min_chars", "max_chars", "max_repetition", "max_symbol_ratio"]) });
  }
}

function layoutIR(l: ReturnType<typeof runtimeLayout>): LayoutIR {
  return l.backend === "megatron"
    ? { backend: "megatron", distributed_optimizer: l.distributedOptimizer, sequence_parallel: l.sequenceParallel }
    : { backend: "fsdp", data_parallel: l.dataParallel, reshard_after_forward: l.reshardAfterForward, param_dtype: l.paramDtype, reduce_dtype: l.reduceDtype };
}

function trainIR(a: TrainAnalysis): TrainInput {
  const t = a.train;
  const s = a.schedule;
  const m = a.memory?.memory;
  const nodes = t.nodes || a.cluster.nodes;
  const ckpt = checkpointEstimate(a.params, t.backend, nodes, a.compute?.stepSeconds ?? 0);
  const draft: Omit<TrainInput, "lineage"> = {
    name: t.name,
    model: {
      arch: "llama", layers: a.model.layers, d_model: a.model.dModel, heads: a.model.heads, kv_heads: a.model.kvHeads,
      ffn: a.model.ffn, vocab: a.model.vocab, seq_len: a.model.seqLen, rope_theta: a.model.ropeTheta, tie_embeddings: a.model.tieEmbeddings,
      ...(a.model.slidingWindow !== undefined ? { sliding_window: a.model.slidingWindow, full_attention_layers: a.model.fullAttentionLayers ?? 0 } : {}),
    },
    params: Number(a.params),
    cluster: a.cluster.name,
    nodes,
    ...(t.initFrom !== undefined ? { init_from: t.initFrom } : {}),
    precision: t.precision,
    backend: t.backend,
    parallel: { tp: a.parallel.tp, pp: a.parallel.pp, dp: a.parallel.dp, cp: a.parallel.cp, zero: a.parallel.zero, recompute: a.parallel.recompute },
    layout: layoutIR(runtimeLayout(a.parallel, t.backend, t.precision)),
    optimizer: { kind: "adamw", lr: t.optimizer.lr, betas: [t.optimizer.betas[0], t.optimizer.betas[1]], weight_decay: t.optimizer.weightDecay, eps: t.optimizer.eps, clip: t.optimizer.clip },
    lr_schedule: lrScheduleIR(s.lr),
    seed: t.seed,
    batch_tokens: Number(t.batch),
    tokens: Number(s.totalTokens),
    total_steps: s.totalSteps,
    checkpoint_every: t.checkpointEvery,
    stages: s.stages.map((st) => {
      const decl = t.stages.find((x) => x.name === st.name)!;
      return {
        name: st.name, first_step: st.firstStep, last_step: st.lastStep, first_token: Number(st.firstToken), tokens: Number(st.tokens),
        sequences: Number(st.sequences), seq_len: st.seqLen, micro_batch: st.microBatch, grad_accum: st.gradAccum,
        sequences_per_step: st.sequencesPerStep,
        rope_theta: decl.ropeTheta ?? a.model.ropeTheta,
        ...(decl.yarnFactor !== undefined ? { yarn_factor: decl.yarnFactor } : {}),
        ...(decl.packing !== undefined ? { packing: decl.packing } : {}),
        lr_scale: R.format(st.lrScale), lr_jump: decl.lrJump,
        flops_per_token: flopsPerToken(a.model, st.seqLen),
        mix: Object.fromEntries(st.quotas.map((q) => {
          const w = decl.mix.find((e) => e.dataset === q.source)!.weight;
          return [q.source, { sequences: Number(q.sequences), tokens: Number(q.tokens), weight: R.format(w) }];
        })),
      };
    }),
    memory: {
      stage: a.memory?.stage ?? s.stages[0]!.name,
      per_gpu_bytes: Math.ceil(m?.total ?? 0),
      weights: Math.ceil(m?.weights ?? 0), gradients: Math.ceil(m?.gradients ?? 0), optimizer: Math.ceil(m?.optimizer ?? 0),
      activations: Math.ceil(m?.activations ?? 0), logits: Math.ceil(m?.logits ?? 0),
      overheads: Math.ceil(m ? m.overheads.cudaContext + m.overheads.nccl + m.overheads.fragmentation : 0),
      gpu_bytes: a.gpu.memoryBytes,
      loss_chunk_tokens: LOSS_CHUNK_TOKENS,
    },
    flops: a.compute?.flops ?? 0,
    peak_flops_per_gpu: effectivePeak(a.gpu, t.precision),
    mfu_assumed: a.gpu.mfuAssumed,
    gpu_hours: a.compute?.gpuHours ?? 0,
    walltime_s: a.compute?.walltimeS ?? 0,
    checkpoint: { state_bytes: ckpt.stateBytes, write_bytes_per_s: ckpt.writeBytesPerS, write_s: ckpt.writeSeconds, stop_signal_lead_s: ckpt.stopSignalLeadS },
    jobs: (a.compute?.jobs.jobs ?? []).map((j) => ({ index: j.index, first_step: j.firstStep, last_step: j.lastStep, walltime_s: Math.max(1, Math.ceil(j.walltimeSeconds)) })),
  };
  return { ...draft, lineage: trainLineage(draft) };
}

// ---- the job DAG -----------------------------------------------------------------------------------

function cpuResources(c: ClusterT): StepInput["resources"] {
  // memory_bytes and walltime_s are estimated per step in stepResources.ts.
  return { nodes: 1, gpus_per_node: 0, ranks_per_node: 1, cpus_per_task: c.cpusPerNode ?? 4, memory_bytes: 1, walltime_s: c.maxWalltimeS ?? DEFAULT_CPU_WALLTIME_S };
}

function shardsFor(tokens: bigint): number {
  const n = (tokens + TOKENS_PER_SHARD - 1n) / TOKENS_PER_SHARD;
  return Number(n < 1n ? 1n : n > MAX_SHARDS ? MAX_SHARDS : n);
}

/** `needs` is the set of step ids the step reads, in the order of its roles. */
function needsOf(reads: Record<string, string | Record<string, string> | undefined>): string[] {
  const out: string[] = [];
  for (const v of Object.values(reads)) for (const id of v === undefined ? [] : typeof v === "string" ? [v] : Object.values(v)) if (!out.includes(id)) out.push(id);
  return out;
}

const outDir = (id: string) => `steps/${id}`;

/** A relative or absolute path joined to a file name inside it. */
const within = (dir: string, file: string) => `${dir.replace(/\/+$/, "")}/${file}`;

/** Raw files the document operations read: their models and the evalsets they decontaminate against. */
function opInputs(ops: readonly DocOpIR[], sections: Omit<PlanInput, "steps">): string[] {
  const out: string[] = [];
  for (const o of ops) {
    if ((o.op === "language" || o.op === "quality" || o.op === "perplexity" || o.op === "nsfw") && o.model !== undefined) out.push(o.model);
    if (o.op === "decontaminate") out.push(...o.against.map((e) => sections.evalsets[e]?.uri).filter(isFileUri));
  }
  return out;
}

/** An evalset URI that names files (not an lm-evaluation-harness task). */
function isFileUri(u: string | undefined): u is string {
  return u !== undefined && !u.startsWith("lm_eval:");
}

function stepDrafts(checked: CheckedProgram, cluster: ClusterT, sections: Omit<PlanInput, "steps">): AnyDraft[] {
  const d = checked.decls;
  const out: AnyDraft[] = [];
  const usedTokenizers = new Set([...d.curations.values()].map((c) => c.tokenizer).filter((t): t is string => !!t));
  for (const tok of d.tokenizers.values()) {
    if (!usedTokenizers.has(tok.name)) continue;
    const inputs = tok.path !== undefined ? [tok.path] : (tok.trainOn ?? []).map((s) => sections.raw_sources[s]?.uri).filter((u): u is string => !!u);
    const id = `tokenizer.${tok.name}`;
    out.push({ id, kind: "tokenizer", needs: [], reads: {}, out_dir: outDir(id), shards: 1, inputs, resources: cpuResources(cluster), params: { tokenizer: tok.name } });
  }
  for (const cur of d.curations.values()) out.push(...curationSteps(cur, checked, cluster, sections));
  for (const a of checked.analyses.values()) out.push(...trainSteps(a, checked, sections));
  for (const e of d.evals.values()) {
    const id = `eval.${e.name}`;
    const reads = { model: lastTrainStep(checked, e.after), tokenizer: `tokenizer.${runTokenizer(checked, e.after)}` };
    out.push({
      id, kind: "eval", needs: needsOf(reads), reads, out_dir: outDir(id), shards: 1,
      inputs: e.tasks.map((t) => sections.evalsets[t]?.uri).filter(isFileUri),
      resources: cpuResources(cluster),
      params: { eval: e.name },
    });
  }
  for (const r of d.releases.values()) {
    const id = `release.${r.name}`;
    const reads = { model: lastTrainStep(checked, r.from), tokenizer: `tokenizer.${runTokenizer(checked, r.from)}`, evals: Object.fromEntries(r.require.map((x) => [x, `eval.${x}`])) };
    out.push({
      id, kind: "release", needs: needsOf(reads), reads, out_dir: outDir(id), shards: 1, inputs: [],
      resources: cpuResources(cluster), params: { release: r.name, publish_dir: `release/${r.name}` },
    });
  }
  return out;
}

function trainSteps(a: TrainAnalysis, checked: CheckedProgram, sections: Omit<PlanInput, "steps">): AnyDraft[] {
  const t = a.train;
  const out: AnyDraft[] = [];
  const datasets = Object.fromEntries([...a.datasets.keys()].map((ds) => [ds, `tokenize.${ds}`]));
  const mixId = `mix.${t.name}`;
  out.push({
    id: mixId, kind: "mix", needs: needsOf({ datasets }), reads: { datasets }, out_dir: outDir(mixId), shards: 1, inputs: [],
    resources: cpuResources(a.cluster), params: { train: t.name },
  });
  const perNode = ranksPerNode(a.cluster);
  const nodes = t.nodes || a.cluster.nodes;
  const jobs = a.compute?.jobs.jobs.length ? a.compute.jobs.jobs : [{ index: 0, firstStep: 0, lastStep: a.schedule.totalSteps, walltimeSeconds: a.compute?.walltimeS ?? 3600 }];
  const initRun = t.initFrom !== undefined && checked.analyses.has(t.initFrom) ? t.initFrom : undefined;
  const initPath = t.initFrom !== undefined && !initRun ? t.initFrom : undefined;
  const evals = [...checked.decls.evals.values()].filter((e) => e.after === t.name && e.every !== undefined).map((e) => ({ eval: e.name, every: e.every! }));
  const evalInputs = [...new Set(evals.flatMap((e) => checked.decls.evals.get(e.eval)!.tasks.map((x) => sections.evalsets[x]?.uri)).filter(isFileUri))];
  const tokenizer = evals.length || t.backend === "megatron" ? `tokenizer.${runTokenizer(checked, t.name)}` : undefined;
  let prev: string | undefined;
  for (const j of jobs) {
    const id = jobs.length === 1 ? `train.${t.name}` : `train.${t.name}.j${j.index}`;
    const reads = {
      mix: mixId,
      ...(tokenizer ? { tokenizer } : {}),
      ...(t.backend === "megatron" ? { datasets } : {}),
      ...(initRun ? { init: lastTrainStep(checked, initRun) } : {}),
      ...(prev ? { previous: prev } : {}),
    };
    out.push({
      id, kind: "train", needs: needsOf(reads), reads, out_dir: outDir(`train.${t.name}`), shards: 1,
      inputs: [...(initPath !== undefined ? [within(initPath, "model.safetensors")] : []), ...evalInputs],
      resources: {
        nodes, gpus_per_node: a.cluster.gpusPerNode, ranks_per_node: perNode,
        cpus_per_task: Math.max(1, Math.floor((a.cluster.cpusPerNode ?? perNode * 8) / perNode)), memory_bytes: 1,
        walltime_s: Math.min(a.cluster.maxWalltimeS ?? Number.MAX_SAFE_INTEGER, Math.max(60, Math.ceil(j.walltimeSeconds * 1.1) + 600)),
      },
      params: { train: t.name, segment: j.index, first_step: j.firstStep, last_step: j.lastStep, ...(initPath !== undefined ? { init_path: initPath } : {}), evals },
    });
    prev = id;
  }
  return out;
}

function lastTrainStep(checked: CheckedProgram, train: string): string {
  const a = checked.analyses.get(train);
  const n = a?.compute?.jobs.jobs.length ?? 1;
  return n > 1 ? `train.${train}.j${n - 1}` : `train.${train}`;
}

/** The tokenizer of a run: that of its datasets' curations (the checker makes them agree with the model's). */
function runTokenizer(checked: CheckedProgram, train: string): string {
  const a = checked.analyses.get(train);
  const curation = a ? [...a.datasets.values()][0]?.curation : undefined;
  const tok = curation !== undefined ? checked.decls.curations.get(curation)?.tokenizer : undefined;
  return tok ?? [...checked.decls.tokenizers.keys()][0] ?? "";
}

function curationSteps(cur: CurateT, checked: CheckedProgram, cluster: ClusterT, sections: Omit<PlanInput, "steps">): AnyDraft[] {
  const d = checked.decls;
  const out: AnyDraft[] = [];
  const ops = cur.ops.map(curateOp);
  // Operations before the first dedup run per shard in `curate`, the dedup is one global merge,
  // the operations after it run in `tokenize` on what the dedup kept.
  const at = ops.findIndex((o) => o.op === "dedup");
  const dedup = at >= 0 ? (ops[at] as DedupOpIR) : undefined;
  const before = (at >= 0 ? ops.slice(0, at) : ops).filter((o): o is DocOpIR => o.op !== "dedup");
  const after = at >= 0 ? ops.slice(at + 1).filter((o): o is DocOpIR => o.op !== "dedup") : [];
  const shards = new Map(cur.from.map((src) => [src, d.sources.get(src) ? shardsFor(d.sources.get(src)!.tokens) : 1]));
  for (const src of cur.from) {
    const id = `curate.${cur.name}.${src}`;
    const uri = sections.raw_sources[src]?.uri;
    out.push({
      id, kind: "curate", needs: [], reads: {}, out_dir: outDir(id), shards: shards.get(src)!,
      inputs: [...(uri !== undefined ? [uri] : []), ...opInputs(before, sections)],
      resources: cpuResources(cluster), params: { curation: cur.name, source: src, ops: before, ...(dedup ? { signatures: dedup } : {}) },
    });
  }
  const dedupId = `dedup.${cur.name}`;
  if (dedup) {
    const reads = { curated: Object.fromEntries(cur.from.map((s) => [s, `curate.${cur.name}.${s}`])) };
    out.push({
      id: dedupId, kind: "dedup", needs: needsOf(reads), reads, out_dir: outDir(dedupId), shards: 1, inputs: [],
      resources: cpuResources(cluster), params: { curation: cur.name, dedup },
    });
  }
  for (const src of cur.from) {
    const id = `tokenize.${cur.name}.${src}`;
    const reads = { documents: `curate.${cur.name}.${src}`, ...(dedup ? { dedup: dedupId } : {}), tokenizer: `tokenizer.${cur.tokenizer}` };
    out.push({
      id, kind: "tokenize", needs: needsOf(reads), reads, out_dir: outDir(id),
      // Shard for shard with its curate step: tokenize shard i reads curate shard i's documents.
      shards: shards.get(src)!,
      inputs: opInputs(after, sections),
      resources: cpuResources(cluster), params: { curation: cur.name, source: src, dataset: `${cur.name}.${src}`, ops: after },
    });
  }
  return out;
}
