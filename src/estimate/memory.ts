// Memory per GPU (the most-loaded rank) of one training step. Every term cites its source; the
// fixed overheads that formulas leave out are stated as such (docs/estimators.md, "Memory per GPU").
import type { GpuSpec } from "./gpus.js";
import { paramBreakdown, type ModelShape } from "./model.js";

export type Precision = "bf16" | "fp8" | "fp32";
export type Recompute = "none" | "selective" | "full";
export type Backend = "fsdp" | "megatron";

export interface ParallelConfig {
  readonly tp: number;
  readonly pp: number;
  readonly dp: number;
  readonly cp: number;
  readonly zero: 0 | 1 | 2 | 3;
  readonly recompute: Recompute;
  readonly microBatch: number;
  readonly seqLen: number;
  /** Megatron-style sequence parallelism with TP (default: on when tp > 1). */
  readonly sequenceParallel: boolean;
}

export interface MemoryBreakdown {
  readonly weights: number;
  readonly gradients: number;
  readonly optimizer: number;
  readonly activations: number;
  readonly logits: number;
  readonly overheads: { readonly cudaContext: number; readonly nccl: number; readonly fragmentation: number };
  readonly total: number;
  readonly assumptions: string[];
}

const GiB = 2 ** 30;

/**
 * Parameters held by the most-loaded model-parallel rank before data-parallel sharding
 * (Megatron theoretical_memory_usage.py): the first pipeline stage holds its share of the
 * blocks plus the embedding, and the LM head too when p = 1 and it is untied; all over t.
 */
export function paramsOnRank(m: ModelShape, tp: number, pp: number): number {
  const b = paramBreakdown(m);
  const blocks = Number(b.blocks) / pp;
  const head = pp === 1 ? Number(b.lmHead) + Number(b.finalNorm) : 0;
  return (blocks + Number(b.embedding) + head) / tp;
}

/**
 * Model states (weights, gradients, optimizer) per rank for psi parameters on that rank.
 * Mixed precision with fp32 master weights and Adam moments (ZeRO paper, arXiv 1910.02054, K = 12):
 *   DDP 16Ψ; ZeRO-1 4Ψ + 12Ψ/d; ZeRO-2 2Ψ + 14Ψ/d; ZeRO-3 16Ψ/d.
 * FSDP2 (fp32 sharded params, bf16 compute) is ZeRO-3-like: 16Ψ/d; ZeRO-2 maps to
 * reshard_after_forward=False (bf16 params stay gathered). Megatron keeps fp32 main grads:
 * 18Ψ, or 6Ψ + 12Ψ/d with the distributed optimizer (zero = 1). FP8 training (TE, torchao) keeps
 * bf16/fp32 weights, so model states do not change (torchtitan: 77.0 -> 76.8 GiB with Float8).
 * Plain fp32: 4 (weights) + 4 (grads) + 8 (Adam) = 16 bytes, sharded the same way.
 */
export function modelStates(psi: number, zero: 0 | 1 | 2 | 3, dp: number, precision: Precision, backend: Backend) {
  if (backend === "megatron") {
    const optimizer = zero >= 1 ? (12 * psi) / dp : 12 * psi;
    return { weights: 2 * psi, gradients: 4 * psi, optimizer };
  }
  const wBytes = precision === "fp32" ? 4 : 2;
  const gBytes = precision === "fp32" ? 4 : 2;
  const oBytes = precision === "fp32" ? 8 : 12;
  return {
    weights: zero >= 3 ? (wBytes * psi) / dp : wBytes * psi,
    gradients: zero >= 2 ? (gBytes * psi) / dp : gBytes * psi,
    optimizer: zero >= 1 ? (oBytes * psi) / dp : oBytes * psi,
  };
}

/**
 * Activation bytes saved per token per layer of a Llama block (FlashAttention/SDPA, no dropout,
 * SwiGLU), derived from the tensors autograd keeps (docs/estimators.md):
 *   h(12 + 4g/a) + 6F bytes with 16-bit activations (norm inputs, q/k/v, attention output,
 *   MLP input, w1/w3 outputs and their product);
 * selective recompute (recompute the elementwise ops, keep matmul outputs) drops the SiLU/product
 * tensors: h(12 + 4g/a) + 4F; full recompute keeps only the block input: 2h.
 * TP with sequence parallelism divides everything by t; TP without SP leaves 8h replicated
 * (norm inputs and residuals). CP divides the sequence.
 */
export function activationBytesPerTokenPerLayer(m: ModelShape, p: Pick<ParallelConfig, "tp" | "recompute" | "sequenceParallel">): number {
  const h = m.dModel, F = m.ffn, ga = m.kvHeads / m.heads;
  if (p.recompute === "full") return (2 * h) / (p.sequenceParallel ? p.tp : 1);
  const total = h * (12 + 4 * ga) + (p.recompute === "selective" ? 4 : 6) * F;
  if (p.tp === 1 || p.sequenceParallel) return total / p.tp;
  return 8 * h + (total - 8 * h) / p.tp;
}

/**
 * Korthikanti et al. (2022), Table 2: activation bytes per layer of a GPT block (F = 4h, MHA,
 * dropout, 16-bit), for s tokens, micro-batch b, a heads, TP t. Kept for comparison with the
 * published formulas; flowc's own estimate is the Llama formula above.
 */
export function korthikantiPerLayer(s: number, b: number, h: number, a: number, t: number, mode: "none" | "tp" | "tp+sp" | "tp+selective" | "tp+sp+selective" | "full"): number {
  const sbh = s * b * h;
  switch (mode) {
    case "none": return sbh * (34 + (5 * a * s) / h);
    case "tp": return sbh * (10 + 24 / t + (5 * a * s) / (h * t));
    case "tp+sp": return (sbh * (34 + (5 * a * s) / h)) / t;
    case "tp+selective": return sbh * (10 + 24 / t);
    case "tp+sp+selective": return (34 * sbh) / t;
    case "full": return 2 * sbh;
  }
}

export function estimateMemory(m: ModelShape, p: ParallelConfig, precision: Precision, gpu: GpuSpec, backend: Backend): MemoryBreakdown {
  const assumptions: string[] = [];
  const psi = paramsOnRank(m, p.tp, p.pp);
  const states = modelStates(psi, p.zero, p.dp, precision, backend);
  let weights = states.weights;
  if (backend === "fsdp" && p.zero >= 3 && p.dp > 1) {
    // FSDP gathers each layer's bf16 parameters for compute; with prefetch two are in flight
    // (never more than the unsharded weights themselves).
    const layer = Number(paramBreakdown(m).perLayer) / p.tp;
    weights += Math.min(2 * 2 * layer, 2 * psi - states.weights);
    assumptions.push("FSDP keeps two layers' bf16 parameters gathered (current + prefetch)");
  }
  const tokensPerMicro = (p.microBatch * p.seqLen) / p.cp;
  const layersOnStage = m.layers / p.pp;
  // 1F1B: the first stage holds p micro-batches in flight, i.e. about L layers' worth.
  const inFlight = p.pp > 1 ? p.pp : 1;
  const perLayer = activationBytesPerTokenPerLayer(m, p) * tokensPerMicro;
  let activations = perLayer * layersOnStage * inFlight;
  if (p.recompute === "full") {
    // One layer is recomputed at a time; its full working set exists transiently.
    activations += activationBytesPerTokenPerLayer(m, { ...p, recompute: "none" }) * tokensPerMicro;
  }
  if (precision === "fp32") activations *= 2;
  // Logits: s·b·V/t in bf16 plus the fp32 copy for the loss (6 bytes), on the last stage; unfused.
  const logits = (tokensPerMicro * m.vocab * 6) / p.tp;
  assumptions.push("logits are materialized (bf16 + fp32 for the loss), no fused cross-entropy");
  const isCpu = gpu.name === "cpu";
  const cudaContext = isCpu ? 0 : 0.5 * GiB;
  // NCCL communicators: ~0.5–0.7 GB each in reports; a flat 1 GiB keeps the estimate monotone.
  const nccl = isCpu ? 0 : 1 * GiB;
  const sub = weights + states.gradients + states.optimizer + activations + logits + cudaContext + nccl;
  // Caching-allocator fragmentation: reserved exceeds allocated; 5% allowance.
  const fragmentation = 0.05 * sub;
  if (!isCpu) assumptions.push("CUDA context 0.5 GiB; NCCL communicators 1 GiB; allocator fragmentation 5%");
  else assumptions.push("CPU ranks: gloo buffers neglected; fragmentation 5%");
  const r = (x: number) => Math.ceil(x);
  return {
    weights: r(weights), gradients: r(states.gradients), optimizer: r(states.optimizer), activations: r(activations), logits: r(logits),
    overheads: { cudaContext: r(cudaContext), nccl: r(nccl), fragmentation: r(fragmentation) },
    total: r(sub + fragmentation),
    assumptions,
  };
}

/** Headroom: 5% of the device (allocator slack, kernels' workspaces) is kept free. */
export function fitsMemory(b: MemoryBreakdown, gpu: GpuSpec): { fits: boolean; headroomBytes: number; usableBytes: number } {
  const usable = Math.floor(gpu.memoryBytes * 0.95);
  return { fits: b.total <= usable, headroomBytes: usable - b.total, usableBytes: usable };
}
