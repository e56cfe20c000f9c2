// docs/language.md, checks 7–10: parallelism divides the ranks evenly, memory per GPU fits with
// headroom, GPU-hours fit the budget (jobs longer than max_walltime are split), fp8 only where the
// GPU has it, each backend (Megatron-LM, the FSDP2 loop) only with layouts it can run. The numbers come from estimate/ (pure functions
// with their sources); this file only decides what is an error and how to say it.
import {
  backendProblems, cheapestFixes, estimateMemory, fitsMemory, gpuHours, GPU_CATALOG, lookupGpu, memoryLines, planParallel, ranksPerNode, splitJobs,
  stepTimeSeconds, trainingFlops, validateParallel,
  type GpuSpec, type JobSplit, type MemoryBreakdown, type ModelShape, type ParallelConfig, type PlannerResult,
} from "../../estimate/index.js";
import type { ResolvedSchedule } from "../../schedule/index.js";
import { MAX_JOBS } from "../../units/limits.js";
import * as R from "../../units/rational.js";
import { replaceWith, type Reporter } from "../report.js";
import { gib, grouped, overBy } from "../../units/print.js";
import { suggest } from "../../diagnostics/suggest.js";
import type { ClusterT, ModelT, TrainT } from "../typed.js";
import { attributeValue as attrValue } from "../../ast/nodes.js";
import type { Fix } from "../../diagnostics/diagnostic.js";
import { setAttribute } from "../fixes.js";

export function modelShape(m: ModelT): ModelShape {
  return { layers: m.layers, dModel: m.dModel, heads: m.heads, kvHeads: m.kvHeads, ffn: m.ffn, vocab: m.vocab, tieEmbeddings: m.tieEmbeddings };
}

export function gpuOf(c: ClusterT, r: Reporter): GpuSpec | undefined {
  const g = lookupGpu(c.gpu);
  if (!g && c.gpuNode) {
    const guess = suggest(c.gpu, Object.keys(GPU_CATALOG));
    r.report("E0153", c.gpuNode, `Unknown GPU \`${c.gpu}\`.`, {
      help: guess ? `did you mean \`"${guess}"\`?` : `known GPUs: ${Object.keys(GPU_CATALOG).map((k) => `"${k}"`).join(", ")}`,
      fixes: [replaceWith(c.gpuNode, guess === undefined ? undefined : JSON.stringify(guess))],
    });
  }
  return g;
}

/** Ranks of the run: GPUs, or CPU ranks (gloo) on a cluster without GPUs. */

export interface ResolvedParallel {
  readonly config: ParallelConfig;
  readonly planner?: PlannerResult;
}

/** Rule 7, and `auto` through the planner. */
export function resolveParallel(train: TrainT, model: ModelT, cluster: ClusterT, gpu: GpuSpec, r: Reporter): ResolvedParallel | undefined {
  const nodes = train.nodes || cluster.nodes;
  if (train.nodes > cluster.nodes && train.nodesNode) {
    r.report("E0152", train.nodesNode, `\`${train.name}\` asks for ${train.nodes} nodes, but cluster \`${cluster.name}\` has ${cluster.nodes}.`, {
      help: `lower \`nodes\` to at most ${cluster.nodes}`,
    });
    return undefined;
  }
  const perNode = ranksPerNode(cluster);
  const total = nodes * perNode;
  const p = train.parallel;
  const at = p.block ?? train.block.name!;
  const shape = modelShape(model);
  const seqLen = model.seqLen;
  const autoKeys = (["tp", "pp", "cp", "zero", "recompute"] as const).filter((k) => p[k] === "auto");
  if (autoKeys.length > 0) {
    const fixed: { -readonly [K in keyof ParallelConfig]?: ParallelConfig[K] } = {};
    for (const k of ["tp", "pp", "dp", "cp"] as const) if (p[k] !== "auto") fixed[k] = p[k] as number;
    if (p.zero !== "auto") fixed.zero = p.zero;
    if (p.recompute !== "auto") fixed.recompute = p.recompute;
    fixed.microBatch = train.microBatch;
    const planner = planParallel(shape, { totalGpus: total, gpusPerNode: perNode, batchTokens: Number(train.batch), seqLen, fixed }, train.precision, gpu, train.backend);
    if (!planner.best) {
      r.report("E0154", at, `No parallel layout of \`${train.name}\` fits ${total} ${gpu.name === "cpu" ? "CPU ranks" : `× ${gpu.name}`}.`, {
        notes: [`${planner.considered} layouts considered`, ...planner.rejected.map((x) => `${x.count} rejected: ${x.reason}`)],
        help: "add nodes, lower micro_batch or seq_len, or enable recompute",
      });
      return undefined;
    }
    return { config: planner.best.config, planner };
  }
  const tp = p.tp as number, pp = p.pp as number, cp = p.cp as number;
  let dp: number;
  if (p.dp === "auto") {
    if (total % (tp * pp * cp) !== 0) {
      r.report("E0150", at, `tp × pp × cp = ${tp * pp * cp} does not divide the ${total} ranks of \`${train.name}\` (${nodes} nodes × ${perNode}).`, {
        help: "choose tp, pp and cp whose product divides the number of ranks",
      });
      return undefined;
    }
    dp = total / (tp * pp * cp);
  } else dp = p.dp;
  const config: ParallelConfig = {
    tp, pp, dp, cp, zero: p.zero as 0 | 1 | 2 | 3, recompute: p.recompute as ParallelConfig["recompute"],
    microBatch: train.microBatch, seqLen, sequenceParallel: tp > 1,
  };
  if (tp * pp * dp * cp !== total) {
    r.report("E0150", at, `tp × pp × dp × cp = ${tp} × ${pp} × ${dp} × ${cp} = ${tp * pp * dp * cp}, but \`${train.name}\` runs on ${nodes} node${nodes > 1 ? "s" : ""} × ${perNode} ${cluster.gpusPerNode > 0 ? "GPUs" : "ranks"} = ${total}.`, {
      help: total % (tp * pp * cp) === 0 ? `set \`dp = ${total / (tp * pp * cp)}\`` : "the product of the parallel sizes must equal the number of ranks",
    });
    return undefined;
  }
  // The batch arithmetic is the schedule's (E0132, per stage); here only the layout itself.
  const problems = validateParallel(shape, config, { totalGpus: total, gpusPerNode: perNode, batchTokens: Number(train.batch), seqLen })
    .filter((p) => !p.startsWith("batch "));
  for (const msg of problems) {
    r.report("E0151", at, msg, { help: "choose sizes that divide the model evenly" });
  }
  return problems.length ? undefined : { config };
}

export interface StageMemory {
  readonly stage: string;
  readonly memory: MemoryBreakdown;
}

/** Rule 8: the stage with the largest footprint must fit. */
/** The estimated memory per GPU of every stage (a stage may change seq_len and micro_batch). */
export function stageMemories(train: TrainT, model: ModelT, gpu: GpuSpec, par: ParallelConfig, schedule: ResolvedSchedule): StageMemory[] {
  const shape = modelShape(model);
  return schedule.stages.map((st) => ({
    stage: st.name,
    memory: estimateMemory(shape, { ...par, seqLen: st.seqLen, microBatch: st.microBatch }, train.precision, gpu, train.backend),
  }));
}

export function checkMemory(train: TrainT, model: ModelT, cluster: ClusterT, gpu: GpuSpec, par: ParallelConfig, schedule: ResolvedSchedule, r: Reporter): StageMemory | undefined {
  let worst: StageMemory | undefined;
  for (const sm of stageMemories(train, model, gpu, par, schedule)) {
    if (!worst || sm.memory.total > worst.memory.total) worst = sm;
  }
  if (!worst) return undefined;
  const fit = fitsMemory(worst.memory, gpu);
  if (!fit.fits) {
    const st = schedule.stages.find((s) => s.name === worst!.stage)!;
    const cfg = { ...par, seqLen: st.seqLen, microBatch: st.microBatch };
    const total = (train.nodes || cluster.nodes) * ranksPerNode(cluster);
    const fixes = cheapestFixes(modelShape(model), cfg, train.precision, gpu, train.backend, total, ranksPerNode(cluster), Number(train.batch));
    const m = worst.memory;
    r.report("E0160", train.parallel.block ?? train.block.name!, `Estimated memory per ${gpu.name === "cpu" ? "rank" : "GPU"} is ${gib(m.total)} in stage \`${worst.stage}\`, more than the ${gib(fit.usableBytes)} usable on a ${gpu.name}.`, {
      notes: [
        ...memoryLines(m),
        ...(fixes.length ? [`cheapest fixes first: ${fixes.slice(0, 5).map((f) => `${f.change} saves ${gib(f.savesBytes)}${f.fits ? " (fits)" : ""}`).join("; ")}`] : []),
      ],
      help: fixHelp(fixes),
      // The cheapest change that fits on its own first, then the others cheapest first.
      fixes: fixes.slice(0, 5).map((f) => oomFix(train, st.name, cfg, f, f === fixes.find((x) => x.fits)))
        .sort((a, b) => Number(!!b?.preferred) - Number(!!a?.preferred)),
    });
  }
  return worst;
}

/** One of the cheapest fixes as edits: the layout in `parallel { }`, a smaller micro-batch where it is set. */
function oomFix(train: TrainT, stage: string, cfg: ParallelConfig, f: { change: string; savesBytes: number; fits: boolean; config: ParallelConfig }, preferred: boolean): Fix | undefined {
  const edits: Fix["edits"][number][] = [];
  const parent = { block: train.block, keyword: "parallel" };
  for (const key of ["tp", "pp", "cp", "dp", "zero", "recompute"] as const) {
    if (f.config[key] === cfg[key]) continue;
    // dp follows the other sizes where the user left it out.
    if (key === "dp" && train.parallel.dp === "auto") continue;
    const e = setAttribute(train.parallel.block, key, String(f.config[key]), parent);
    if (e) edits.push(e);
  }
  if (f.config.microBatch !== cfg.microBatch) {
    const st = train.stages.find((s) => s.name === stage);
    const e = st?.microBatch !== undefined ? setAttribute(st.block, "micro_batch", String(f.config.microBatch)) : setAttribute(train.block, "micro_batch", String(f.config.microBatch));
    if (e) edits.push(e);
  }
  // Two new keys in a missing `parallel` block would insert two blocks: one block with both instead.
  if (!train.parallel.block && edits.length > 1) return undefined;
  return edits.length ? { title: `Set \`${f.change}\` (saves ${gib(f.savesBytes)}${f.fits ? ", fits" : ""})`, edits, preferred } : undefined;
}

/** The cheapest change that fits on its own; else the biggest saving to start from. */
function fixHelp(fixes: readonly { change: string; savesBytes: number; fits: boolean }[]): string {
  const fit = fixes.find((f) => f.fits);
  if (fit) return `${fit.change} (saves ${gib(fit.savesBytes)}, and fits)`;
  const biggest = [...fixes].sort((a, b) => b.savesBytes - a.savesBytes)[0];
  return biggest
    ? `no single change fits; combine them, starting with ${biggest.change} (saves ${gib(biggest.savesBytes)}), or use more or larger GPUs`
    : "use more GPUs, a larger GPU, or a smaller micro_batch";
}


export interface Compute {
  readonly flops: number;
  readonly gpuHours: number;
  readonly stepSeconds: number;
  readonly walltimeS: number;
  readonly mfu: number;
  readonly jobs: JobSplit;
}

/** Rule 9: GPU-hours within `budget`; the job split under `max_walltime`. */
export function checkCompute(train: TrainT, model: ModelT, cluster: ClusterT, gpu: GpuSpec, par: ParallelConfig, schedule: ResolvedSchedule, r: Reporter): Compute {
  const shape = modelShape(model);
  const flops = trainingFlops(shape, schedule.stages.map((s) => ({ seqLen: s.seqLen, tokens: s.tokens })));
  const hours = gpuHours(flops, gpu, train.precision);
  const ranks = (train.nodes || cluster.nodes) * ranksPerNode(cluster);
  // Walltime: each stage at its own step time.
  let walltimeS = 0;
  for (const s of schedule.stages) {
    const t = stepTimeSeconds(shape, { ...par, seqLen: s.seqLen, microBatch: s.microBatch }, Number(schedule.batchTokens), ranks, gpu, train.precision);
    walltimeS += t * (s.lastStep - s.firstStep);
  }
  const stepSeconds = schedule.totalSteps > 0 ? walltimeS / schedule.totalSteps : 0;
  const jobs = splitJobs(schedule.totalSteps, stepSeconds, cluster.maxWalltimeS ?? Number.MAX_SAFE_INTEGER, train.checkpointEvery, undefined, MAX_JOBS);
  if (jobs.count > MAX_JOBS) {
    r.report("E0171", train.tokensNode ?? train.block.name!, `\`${train.name}\` would be split into ${grouped(jobs.count)} chained jobs by the \`max_walltime\` of cluster \`${cluster.name}\`, more than the limit of ${grouped(MAX_JOBS)}.`, {
      secondary: [{ span: cluster.block.name?.span ?? cluster.block.span, message: "the cluster" }],
      notes: [`${grouped(schedule.totalSteps)} steps at an estimated ${stepSeconds.toPrecision(3)} s each; ${grouped(jobs.stepsPerJob)} steps per job`],
      help: "raise the cluster's `max_walltime`, or train fewer tokens",
    });
  }
  if (cluster.budgetGpuHours && R.cmp(R.rat(BigInt(Math.ceil(hours))), cluster.budgetGpuHours) > 0) {
    const budget = R.toNumber(cluster.budgetGpuHours);
    r.report("E0170", train.tokensNode ?? train.block.name!, `\`${train.name}\` needs an estimated ${grouped(Math.ceil(hours))} GPU-hours, more than the budget of ${grouped(budget)} of cluster \`${cluster.name}\`.`, {
      secondary: cluster.budgetNode ? [{ span: cluster.budgetNode.span, message: "the budget" }] : [],
      notes: [`${flops.toExponential(3)} FLOPs at ${(gpu.mfuAssumed * 100).toFixed(0)}% MFU of ${gpu.name}`, `over by ${grouped(Math.ceil(hours - budget))} GPU-hours (${overBy(hours, budget, "budget")})`],
      help: `lower \`tokens\` to about ${grouped(Math.floor(Number(train.tokens) * budget / hours))}, or raise \`budget\``,
    });
  }
  return { flops, gpuHours: hours, stepSeconds, walltimeS, mfu: gpu.mfuAssumed, jobs };
}

/** Rule 10. */
export function checkPrecisionBackend(train: TrainT, cluster: ClusterT, gpu: GpuSpec, r: Reporter): boolean {
  let ok = true;
  if (train.precision === "fp8" && !gpu.supportsFp8) {
    r.report("E0180", train.precisionNode ?? train.block.name!, `\`precision = fp8\` needs a GPU with FP8 tensor cores, but cluster \`${cluster.name}\` has ${gpu.name}.`, {
      secondary: cluster.gpuNode ? [{ span: cluster.gpuNode.span, message: `${gpu.name} has no FP8` }] : [],
      help: "use `precision = bf16`, or a Hopper/Blackwell GPU (\"H100-80GB\", \"H200-141GB\", \"B200-192GB\")",
    });
    ok = false;
  }
  if (train.backend === "megatron") {
    const at = train.backendNode ?? train.block.name!;
    if (cluster.gpusPerNode === 0) {
      r.report("E0181", at, "`backend = megatron` needs GPUs; this cluster has none.", { help: "use `backend = fsdp` for CPU runs" });
      ok = false;
    }
  }
  // Layouts the backend cannot run; values left to `auto` are the planner's, which never picks these.
  const p = train.parallel;
  const fixed = (v: number | "auto") => (v === "auto" ? 1 : v);
  const zero = p.zero === "auto" ? (train.backend === "megatron" ? 1 : 3) : p.zero;
  for (const pr of backendProblems({ tp: fixed(p.tp), pp: fixed(p.pp), cp: fixed(p.cp), zero }, train.backend)) {
    r.report(train.backend === "megatron" ? "E0181" : "E0182", attrValue(p.block, pr.key) ?? p.block ?? train.backendNode ?? train.block.name!, pr.message, {
      ...(train.backend === "fsdp" && train.backendNode ? { secondary: [{ span: train.backendNode.span, message: "the backend" }] } : {}),
      help: pr.help,
    });
    ok = false;
  }
  return ok;
}


