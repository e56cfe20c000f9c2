// Lowering: checked program -> plan IR. Pure and deterministic (same input, same JSON), so
// `compile` can tell whether a directory already holds this plan.
import { createHash } from "node:crypto";
import { basename, dirname, relative, resolve, sep } from "node:path";
import type { CheckedProgram, TrainAnalysis } from "../check/analysis.js";
import type { Diagnostic, Result } from "../diagnostics/diagnostic.js";
import { span } from "../source/span.js";
import { ranksPerNode } from "../estimate/index.js";
import type { ClusterT, CurateT, GateT } from "../check/typed.js";
import * as R from "../units/rational.js";
import { lrScheduleIR } from "./lrIR.js";
import { PLAN_IR_VERSION, type PlanIR, type StepIR, type TrainIR } from "./ir.js";

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

/** The plan, or why there is none (E0400: nothing to place the steps on). */
export function lowerProgram({ checked, entryPath, texts }: LowerInput): Result<PlanIR | undefined> {
  const d = checked.decls;
  const analyses = [...checked.analyses.values()];
  const cluster = analyses[0]?.cluster ?? [...d.clusters.values()][0];
  if (!cluster) return { value: undefined, diagnostics: [noCluster(entryPath)] };
  return { value: lowerWith(checked, cluster, entryPath, texts), diagnostics: [] };
}

function noCluster(entryPath: string): Diagnostic {
  return {
    code: "E0400", severity: "error", message: "The program declares no `cluster`, so there is nothing to plan its steps on.",
    primary: { span: span(entryPath, 0, 0) }, secondary: [], notes: [],
    help: "declare a `cluster NAME { … }` (or import the file that does); a file of shared declarations is checked with `flowc check`",
  };
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

  const sources: PlanIR["sources"] = {};
  for (const a of analyses) {
    for (const u of a.datasets.values()) {
      const prev = sources[u.dataset];
      const drawn = Number(u.drawn) + (prev?.drawn_tokens ?? 0);
      sources[u.dataset] = {
        curation: u.curation, source: u.source, available_tokens: Number(u.available), drawn_tokens: drawn,
        epochs: round4(u.available === 0n ? 0 : drawn / Number(u.available)), max_epochs: R.toNumber(u.maxEpochs),
      };
    }
  }

  return {
    version: PLAN_IR_VERSION,
    flowc_version: FLOWC_VERSION,
    source_file: source.file,
    base_dir: dirname(resolve(entryPath)),
    source_hash: source.hash,
    cluster: clusterIR(cluster),
    raw_sources: Object.fromEntries([...d.sources.values()].map((s) => [s.name, {
      uri: s.uri, format: s.format, declared_tokens: Number(s.tokens), kind: s.kind, ...(s.upsample && s.upsample > 1 ? { upsample: s.upsample } : {}),
    }])),
    evalsets: Object.fromEntries([...d.evalsets.values()].map((e) => [e.name, { uri: e.uri, task: e.task }])),
    tokenizers: Object.fromEntries([...d.tokenizers.values()].map((t) => [t.name, {
      kind: t.kind, vocab: t.vocab, ...(t.path !== undefined ? { path: t.path } : {}), ...(t.trainOn ? { train_on: [...t.trainOn] } : {}),
    }])),
    curations: Object.fromEntries([...d.curations.values()].map((c) => [c.name, {
      from: [...c.from], ops: c.ops.map((o) => ({ op: o.op, params: o.params })), tokenizer: c.tokenizer ?? "",
      expect_retention: R.format(c.retention),
    }])),
    sources,
    trains: analyses.map(trainIR),
    evals: [...d.evals.values()].map((e) => ({
      name: e.name, after: e.after, ...(e.every !== undefined ? { every: e.every } : {}), tasks: [...e.tasks], gates: e.gates.map(gateIR),
    })),
    releases: [...d.releases.values()].map((r) => ({
      name: r.name, from: r.from, require: [...r.require], format: r.format, phases: [...r.phases], rollback_if: r.rollbackIf.map(gateIR),
    })),
    steps: steps(checked, cluster),
  };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function clusterIR(c: ClusterT): PlanIR["cluster"] {
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

function trainIR(a: TrainAnalysis): TrainIR {
  const t = a.train;
  const s = a.schedule;
  const m = a.memory?.memory;
  return {
    name: t.name,
    model: {
      arch: "llama", layers: a.model.layers, d_model: a.model.dModel, heads: a.model.heads, kv_heads: a.model.kvHeads,
      ffn: a.model.ffn, vocab: a.model.vocab, seq_len: a.model.seqLen, rope_theta: a.model.ropeTheta, tie_embeddings: a.model.tieEmbeddings,
    },
    params: Number(a.params),
    cluster: a.cluster.name,
    nodes: t.nodes || a.cluster.nodes,
    ...(t.initFrom !== undefined ? { init_from: t.initFrom } : {}),
    precision: t.precision,
    backend: t.backend,
    parallel: { tp: a.parallel.tp, pp: a.parallel.pp, dp: a.parallel.dp, cp: a.parallel.cp, zero: a.parallel.zero, recompute: a.parallel.recompute },
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
        lr_scale: R.toNumber(st.lrScale), lr_jump: decl.lrJump,
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
    },
    flops: a.compute?.flops ?? 0,
    mfu_assumed: a.gpu.mfuAssumed,
    gpu_hours: a.compute?.gpuHours ?? 0,
    walltime_s: a.compute?.walltimeS ?? 0,
    jobs: (a.compute?.jobs.jobs ?? []).map((j) => ({ index: j.index, first_step: j.firstStep, last_step: j.lastStep, walltime_s: Math.max(1, Math.ceil(j.walltimeSeconds)) })),
  };
}

// ---- the job DAG -----------------------------------------------------------------------------------

function cpuResources(c: ClusterT, array?: number): StepIR["resources"] {
  return {
    nodes: 1, gpus_per_node: 0, ranks_per_node: 1, cpus_per_task: c.cpusPerNode ?? 4,
    walltime_s: c.maxWalltimeS ?? DEFAULT_CPU_WALLTIME_S, ...(array && array > 1 ? { array } : {}),
  };
}

function shardsFor(tokens: bigint): number {
  const n = (tokens + TOKENS_PER_SHARD - 1n) / TOKENS_PER_SHARD;
  return Number(n < 1n ? 1n : n > MAX_SHARDS ? MAX_SHARDS : n);
}

function steps(checked: CheckedProgram, cluster: ClusterT): StepIR[] {
  const d = checked.decls;
  const out: StepIR[] = [];
  const usedTokenizers = new Set([...d.curations.values()].map((c) => c.tokenizer).filter((t): t is string => !!t));
  for (const tok of d.tokenizers.values()) {
    if (!usedTokenizers.has(tok.name)) continue;
    out.push({ id: `tokenizer.${tok.name}`, kind: "tokenizer", needs: [], resources: cpuResources(cluster), params: { tokenizer: tok.name } });
  }
  for (const cur of d.curations.values()) out.push(...curationSteps(cur, checked, cluster));
  for (const a of checked.analyses.values()) {
    const t = a.train;
    const datasets = [...a.datasets.keys()];
    out.push({
      id: `mix.${t.name}`, kind: "mix", needs: datasets.map((ds) => `tokenize.${ds}`), resources: cpuResources(cluster),
      params: { train: t.name },
    });
    const perNode = ranksPerNode(a.cluster);
    const nodes = t.nodes || a.cluster.nodes;
    const jobs = a.compute?.jobs.jobs.length ? a.compute.jobs.jobs : [{ index: 0, firstStep: 0, lastStep: a.schedule.totalSteps, walltimeSeconds: a.compute?.walltimeS ?? 3600 }];
    const initNeeds = t.initFrom && checked.analyses.has(t.initFrom) ? [lastTrainStep(checked, t.initFrom)] : [];
    let prev: string | undefined;
    for (const j of jobs) {
      const id = jobs.length === 1 ? `train.${t.name}` : `train.${t.name}.j${j.index}`;
      out.push({
        id, kind: "train", needs: prev ? [prev] : [`mix.${t.name}`, ...initNeeds],
        resources: {
          nodes, gpus_per_node: a.cluster.gpusPerNode, ranks_per_node: perNode,
          cpus_per_task: Math.max(1, Math.floor((a.cluster.cpusPerNode ?? perNode * 8) / perNode)),
          walltime_s: Math.min(a.cluster.maxWalltimeS ?? Number.MAX_SAFE_INTEGER, Math.max(60, Math.ceil(j.walltimeSeconds * 1.1) + 600)),
        },
        params: { train: t.name, first_step: j.firstStep, last_step: j.lastStep },
      });
      prev = id;
    }
  }
  for (const e of d.evals.values()) {
    const a = checked.analyses.get(e.after);
    out.push({
      id: `eval.${e.name}`, kind: "eval", needs: [lastTrainStep(checked, e.after)],
      resources: a ? { ...trainResources(out, e.after), walltime_s: Math.min(cluster.maxWalltimeS ?? 7200, 7200) } : cpuResources(cluster),
      params: { eval: e.name },
    });
  }
  for (const r of d.releases.values()) {
    out.push({
      id: `release.${r.name}`, kind: "release", needs: [lastTrainStep(checked, r.from), ...r.require.map((x) => `eval.${x}`)],
      resources: cpuResources(cluster), params: { release: r.name },
    });
  }
  return out;
}

function trainResources(steps: StepIR[], train: string): StepIR["resources"] {
  const s = steps.find((x) => x.kind === "train" && x.params.train === train)!;
  return { ...s.resources, nodes: 1 };
}

function lastTrainStep(checked: CheckedProgram, train: string): string {
  const a = checked.analyses.get(train);
  const n = a?.compute?.jobs.jobs.length ?? 1;
  return n > 1 ? `train.${train}.j${n - 1}` : `train.${train}`;
}

function curationSteps(cur: CurateT, checked: CheckedProgram, cluster: ClusterT): StepIR[] {
  const d = checked.decls;
  const out: StepIR[] = [];
  const hasDedup = cur.ops.some((o) => o.op === "dedup");
  for (const src of cur.from) {
    const s = d.sources.get(src);
    const shards = s ? shardsFor(s.tokens) : 1;
    out.push({
      id: `curate.${cur.name}.${src}`, kind: "curate", needs: [], resources: cpuResources(cluster, shards),
      params: { curation: cur.name, source: src, shards },
    });
  }
  if (hasDedup) {
    out.push({
      id: `dedup.${cur.name}`, kind: "dedup", needs: cur.from.map((s) => `curate.${cur.name}.${s}`), resources: cpuResources(cluster),
      params: { curation: cur.name, sources: [...cur.from] },
    });
  }
  for (const src of cur.from) {
    out.push({
      id: `tokenize.${cur.name}.${src}`, kind: "tokenize",
      needs: [hasDedup ? `dedup.${cur.name}` : `curate.${cur.name}.${src}`, `tokenizer.${cur.tokenizer}`],
      resources: cpuResources(cluster), params: { curation: cur.name, source: src, tokenizer: cur.tokenizer },
    });
  }
  return out;
}
