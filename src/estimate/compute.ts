// FLOPs, step time, GPU-hours and the split of a long run into chained jobs.
import type { GpuSpec } from "./gpus.js";
import type { ModelShape } from "./model.js";
import { countParams } from "./model.js";
import type { ParallelConfig, Precision } from "./memory.js";

/**
 * Training FLOPs per token: 6N (Kaplan et al.; forward 2N + backward 4N) plus attention
 * 12·L·h·s (PaLM, Appendix B: 6·L·a·d_h·s forward+backward ×2 for QK^T and AV, non-causal, as
 * torchtitan counts it: "6·N_total + 12·L·H·Q·T"). Megatron (since 2025) halves the attention
 * term for causal masks; we keep the published convention so MFU figures compare.
 */
export function flopsPerToken(m: ModelShape, seqLen: number): number {
  return 6 * Number(countParams(m)) + 12 * m.layers * m.dModel * seqLen;
}

export function trainingFlops(m: ModelShape, tokensBySeqLen: readonly { seqLen: number; tokens: bigint }[]): number {
  return tokensBySeqLen.reduce((acc, x) => acc + flopsPerToken(m, x.seqLen) * Number(x.tokens), 0);
}

/**
 * FP8 does not double real throughput: torchtitan's Llama-3.1-8B went 5762 -> 8532 tokens/s with
 * Float8 (x1.48). Effective peak for planning: bf16 peak x 1.4 where FP8 is supported.
 */
export function effectivePeak(gpu: GpuSpec, precision: Precision): number {
  if (precision === "fp8" && gpu.supportsFp8) return gpu.bf16PeakFlops * 1.4;
  if (precision === "fp32") return gpu.name === "cpu" ? gpu.bf16PeakFlops : gpu.bf16PeakFlops / 2; // TF32 on tensor cores
  return gpu.bf16PeakFlops;
}

/** GPU-hours = FLOPs / (peak × MFU × 3600) (docs/estimators.md). */
export function gpuHours(flops: number, gpu: GpuSpec, precision: Precision, mfu: number = gpu.mfuAssumed): number {
  return flops / (effectivePeak(gpu, precision) * mfu * 3600);
}

/**
 * Seconds per optimizer step: FLOPs of the step over the ranks' delivered throughput, times the
 * pipeline bubble (1 + (p−1)/m, m micro-batches per step, 1F1B without interleaving) and the
 * recomputation cost (full: one extra forward, ×4/3 as llm-foundry counts HFU; selective ×1.03).
 */
export function stepTimeSeconds(m: ModelShape, p: ParallelConfig, batchTokens: number, gpus: number, gpu: GpuSpec, precision: Precision): number {
  const flops = flopsPerToken(m, p.seqLen) * batchTokens;
  const microPerStep = Math.max(1, batchTokens / (p.seqLen * p.microBatch * p.dp));
  const bubble = 1 + (p.pp - 1) / microPerStep;
  const recompute = p.recompute === "full" ? 4 / 3 : p.recompute === "selective" ? 1.03 : 1;
  // Communication the MFU figure does not already include: TP all-reduces beyond one GPU's NVLink
  // island are not modelled; a mild cost per doubling of tp and cp keeps the planner honest.
  const comm = 1 + 0.04 * Math.log2(p.tp) + 0.04 * Math.log2(p.cp) + (p.zero === 3 ? 0.01 : 0);
  return (flops / (gpus * effectivePeak(gpu, precision) * gpu.mfuAssumed)) * bubble * recompute * comm;
}

export interface JobSplit {
  readonly jobs: { index: number; firstStep: number; lastStep: number; walltimeSeconds: number }[];
  /** How many jobs the run needs; `jobs` is empty when that is more than `maxJobs`. */
  readonly count: number;
  readonly stepsPerJob: number;
}

/**
 * Splits a run into chained, resumable jobs that each fit `maxWalltimeSeconds`: each job starts
 * (startup: loading, first checkpoint restore), trains a whole number of checkpoint intervals,
 * and keeps a 10% margin so the pre-timeout signal is never needed in the planned case.
 */
export function splitJobs(totalSteps: number, stepSeconds: number, maxWalltimeSeconds: number, checkpointEverySteps: number, startupSeconds = 300, maxJobs = Number.MAX_SAFE_INTEGER): JobSplit {
  const budget = maxWalltimeSeconds * 0.9 - startupSeconds;
  let perJob: number;
  if (!Number.isFinite(maxWalltimeSeconds) || maxWalltimeSeconds >= Number.MAX_SAFE_INTEGER || stepSeconds <= 0) perJob = totalSteps;
  else {
    const fit = Math.max(1, Math.floor(budget / stepSeconds));
    perJob = fit >= checkpointEverySteps ? Math.floor(fit / checkpointEverySteps) * checkpointEverySteps : fit;
  }
  perJob = Math.max(1, Math.min(perJob, Math.max(1, totalSteps)));
  // Counted before any job is built: a split into billions of jobs is refused, not allocated.
  const count = Math.ceil(totalSteps / perJob);
  if (count > maxJobs) return { jobs: [], count, stepsPerJob: perJob };
  const jobs: JobSplit["jobs"] = [];
  for (let first = 0, i = 0; first < totalSteps; first += perJob, i++) {
    const last = Math.min(totalSteps, first + perJob);
    jobs.push({ index: i, firstStep: first, lastStep: last, walltimeSeconds: startupSeconds + (last - first) * stepSeconds });
  }
  return { jobs, count, stepsPerJob: perJob };
}
