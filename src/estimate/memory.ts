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
 * Megatron (mixed precision, fp32 main grads): 18Ψ, or 6Ψ + 12Ψ/d with the distributed optimizer
 * (zero = 1); ZeRO paper, arXiv 1910.02054.
 * FSDP2 as flowrt runs it (src/estimate/backends.ts picks the layout): parameters, gradients and
 * Adam's two moments are fp32 whatever the precision: 4 + 4 + 8 bytes, sharded over d from
 * zero = 2 on (`fully_shard`); zero = 0 (`replicate`) keeps them whole. bf16 compute works on
 * gathered (fully_shard) or autocast-cast (replicate) copies, counted by `workingWeights`. FP8
 * training (torchao) keeps the same states (torchtitan: 77.0 -> 76.8 GiB with Float8).
 */
export function modelStates(psi: number, zero: 0 | 1 | 2 | 3, dp: number, precision: Precision, backend: Backend) {
  if (backend === "megatron") {
    const optimizer = zero >= 1 ? (12 * psi) / dp : 12 * psi;
    return { weights: 2 * psi, gradients: 4 * psi, optimizer };
  }
  void precision;
  const shard = zero >= 2 ? dp : 1;
  // zero = 1 has no FSDP layout (E0182); estimated as ZeRO-1: optimizer states sharded only.
  return { weights: (4 * psi) / shard, gradients: (4 * psi) / shard, optimizer: (8 * psi) / (zero >= 1 ? dp : 1) };
}

/**
 * The compute copies of the weights an FSDP2 rank holds besides its fp32 shard (flowrt's layouts):
 * zero = 2 keeps every gathered parameter from forward to backward (reshard_after_forward=False),
 * plus one block's all-gather buffer while the last block is gathered;
 * zero = 3 frees them after each block, so the root's (embedding, final norm, LM head) and two
 * blocks' (current + prefetch; one with a single data-parallel rank) are gathered at once;
 * zero = 0 in bf16 holds autocast's bf16 copy of every block's Linear weights, cached for backward. In the compute dtype (bf16: 2 bytes,
 * fp32: 4).
 */
export function workingWeights(m: ModelShape, p: Pick<ParallelConfig, "zero" | "tp" | "pp" | "dp" | "recompute">, precision: Precision, backend: Backend): number {
  if (backend === "megatron") return 0;
  const b = paramBreakdown(m);
  const bytes = precision === "fp32" ? 4 : 2;
  const blocks = Number(b.blocks) / p.pp / p.tp;
  const root = ((p.pp === 1 ? Number(b.lmHead) + Number(b.finalNorm) : 0) + Number(b.embedding)) / p.tp;
  if (p.zero <= 1) {
    // (zero = 1 has no FSDP layout, E0182; estimated as zero = 0.) autocast casts the blocks'
    // Linear weights outside checkpointed regions (a recomputed module casts again in backward:
    // selective keeps the attention projections' copies, full none); the embedding runs in fp32,
    // and the LM head's cast lives inside the checkpointed loss chunk.
    if (precision === "fp32" || p.recompute === "full") return 0;
    const hd = m.dModel / m.heads;
    const attention = (2 * m.dModel * m.heads * hd + 2 * m.dModel * m.kvHeads * hd) * (m.layers / p.pp) / p.tp;
    return bytes * (p.recompute === "selective" ? attention : blocks - (2 * m.dModel * m.layers) / p.pp / p.tp);
  }
  // zero = 2: everything gathered, and while forward gathers the last block its all-gather
  // buffer beside it (FSDP2 copies out of that buffer into the unsharded parameters; with one
  // rank there is no all-gather).
  if (p.zero === 2) return bytes * (blocks + root + (p.dp > 1 ? Number(b.perLayer) / p.tp : 0));
  // One data-parallel rank: FSDP2 has no all-gather to prefetch, it fills a block's unsharded
  // parameters from the shard when the block runs, so one block at a time.
  return bytes * (root + Math.min(p.dp > 1 ? 2 : 1, m.layers / p.pp) * (Number(b.perLayer) / p.tp));
}

/**
 * Activation bytes saved per token per layer of a Llama block as flowrt's layers keep them
 * (runtime-py/flowrt/model/layers.py, attention.py; no dropout, SwiGLU, varlen attention):
 *   compute dtype (e bytes): the two norm outputs, q, the attention output, k and v (g/a of h
 *   each), the gate and up projections and their product: e·(4h + 2h·g/a + 3F);
 *   residual stream (r bytes: e, or 4 when autocast keeps it fp32): the two norm inputs, 2h·r;
 *   fp32 statistics: each norm's 1/rms and attention's log-sum-exp per head, 4·(2 + a).
 * With e = r = 2 that is h(12 + 4g/a) + 6F (docs/estimators.md), plus the statistics.
 * selective recompute = the MLP is recomputed in backward (its three matmuls' outputs dropped:
 * − 3F·e); full recompute keeps only the block input, h·r (the recomputed layer's working set is a
 * transient the caller adds to the peak, with `backwardTransientBytesPerToken`). TP with sequence parallelism divides everything by t; TP without SP leaves the
 * norms' inputs and outputs (4h) replicated.
 */
export function activationBytesPerTokenPerLayer(
  m: ModelShape, p: Pick<ParallelConfig, "tp" | "recompute" | "sequenceParallel">, e = 2, r = e,
): number {
  const h = m.dModel, F = m.ffn, ga = m.kvHeads / m.heads;
  if (p.recompute === "full") return (h * r) / (p.sequenceParallel ? p.tp : 1);
  const replicated = 2 * h * r + 2 * h * e + 8;
  const sharded = e * (2 * h + 2 * h * ga) + (p.recompute === "selective" ? 0 : 3 * F * e) + 4 * m.heads;
  if (p.tp === 1 || p.sequenceParallel) return (replicated + sharded) / p.tp;
  return replicated + sharded / p.tp;
}

/**
 * Bytes per token that exist only while one layer's backward runs, beside what forward kept
 * (flowrt's autograd functions, runtime-py/flowrt/model/layers.py, attention.py), the largest of:
 *   SwiGLU (MLP): the incoming gradient (e·F) and, at its peak, five fp32 [F] temporaries
 *   (sigmoid, SiLU and the products of d_gate), seven in bf16 (the gradient's and the gate's
 *   fp32 casts are copies there): e·F + 4F·(5 or 7);
 *   attention (CPU varlen): the gradient and the right-padded copies of q, k, v, out and the
 *   gradient, the kernel's dq, dk, dv and their unpadded outputs: e·(6h + 6h·g/a), plus the padded
 *   log-sum-exp (4·a);
 *   RMSNorm: the incoming gradient (e·h), six fp32 [h] (the fp32 casts of input and gradient,
 *   the normalised input, its gradient and two products; fp32 inputs are no copies: four).
 * The residual stream's gradient (h·r) flows beside each of them. Under TP the MLP and attention
 * shards are 1/t; the norms are 1/t with sequence parallelism only.
 */
export function backwardTransientBytesPerToken(
  m: ModelShape, p: Pick<ParallelConfig, "tp" | "sequenceParallel">, e = 2, r = e,
): number {
  const h = m.dModel, F = m.ffn, ga = m.kvHeads / m.heads;
  const mlp = (e * F + 4 * F * (e < 4 ? 7 : 5)) / p.tp;
  const attention = (e * (6 * h + 6 * h * ga) + 4 * m.heads) / p.tp;
  const norm = (e * h + 4 * h * (e < 4 ? 6 : 4)) / (p.tp > 1 && p.sequenceParallel ? p.tp : 1);
  return Math.max(mlp, attention, norm) + (h * r) / (p.sequenceParallel ? p.tp : 1);
}

/** Tokens per cross-entropy chunk: flowrt computes the loss in chunks this long (the plan's
 * `memory.loss_chunk_tokens` tells it), so one chunk's logits exist at a time. */
export const LOSS_CHUNK_TOKENS = 1024;

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
  const gathered = workingWeights(m, p, precision, backend);
  const weights = states.weights + gathered;
  if (gathered > 0) {
    assumptions.push(p.zero === 0 ? "autocast keeps a bf16 copy of every Linear weight for backward"
      : p.zero === 2 ? "FSDP keeps every gathered parameter from forward to backward, and one block's all-gather buffer while it gathers (zero = 2)"
        : p.dp > 1 ? "FSDP keeps the root's and two blocks' parameters gathered (current + prefetch)"
          : "FSDP keeps the root's and one block's parameters unsharded (one rank: no prefetch)");
  }
  // Gradient buffers in flight: DDP (replicate, zero = 0) all-reduces through flat fp32 buckets
  // as large as the gradients; FSDP reduce-scatters each unit's gradients from an unsharded fp32
  // buffer (the largest unit: a block, or the root's embedding and LM head; ×4 bytes).
  const fsdpSharded = backend === "fsdp" && p.zero >= 2;
  const pb = paramBreakdown(m);
  const rootUnit = Number(pb.embedding) + (p.pp === 1 ? Number(pb.lmHead) + Number(pb.finalNorm) : 0);
  const buckets = backend === "fsdp" && p.zero <= 1 ? 4 * psi : fsdpSharded ? (4 * Math.max(Number(pb.perLayer), rootUnit)) / p.tp : 0;
  const gradients = states.gradients + buckets;
  if (buckets > 0) assumptions.push(fsdpSharded ? "FSDP reduce-scatters one unit's gradients at a time from an fp32 buffer" : "DDP's gradient buckets: a second fp32 copy of the gradients");
  const tokensPerMicro = (p.microBatch * p.seqLen) / p.cp;
  const layersOnStage = m.layers / p.pp;
  // 1F1B: the first stage holds p micro-batches in flight, i.e. about L layers' worth.
  const inFlight = p.pp > 1 ? p.pp : 1;
  const e = precision === "fp32" ? 4 : 2;
  // Replicated bf16 runs under autocast: the embedding and the residual adds stay fp32.
  const r = backend === "fsdp" && p.zero === 0 ? 4 : e;
  const perLayer = activationBytesPerTokenPerLayer(m, p, e, r) * tokensPerMicro;
  let activations = perLayer * layersOnStage * inFlight;
  // One layer's backward at a time (the last, at the start of backward, when every activation
  // is still kept): what its recompute brings back (full: the layer's working set but its input,
  // which forward kept; selective: its MLP's gate, up and product) and its backward's
  // temporaries. Counted in the peak, not in what forward keeps; the loss chunk is freed before.
  const recomputed = p.recompute === "full"
    ? activationBytesPerTokenPerLayer(m, { ...p, recompute: "none" }, e, r) - activationBytesPerTokenPerLayer(m, p, e, r)
    : p.recompute === "selective" ? (3 * m.ffn * e) / p.tp : 0;
  // Megatron's fused layers are not flowrt's: its full recompute is counted as twice a layer.
  const layerBackward = backend === "megatron"
    ? (p.recompute === "full" ? 2 * activationBytesPerTokenPerLayer(m, { ...p, recompute: "none" }, e, r) : recomputed) * tokensPerMicro
    : (recomputed + backwardTransientBytesPerToken(m, p, e, r)) * tokensPerMicro;
  // Around the blocks: token ids (int64, the embedding's backward), the final norm's input,
  // statistics and output (kept by the chunked loss), the targets (int64).
  activations += tokensPerMicro * (8 + r * m.dModel + 4 + e * m.dModel + 8);
  // RoPE's cos/sin tables ([s, head_dim] each, shared by the layers).
  activations += 2 * (p.seqLen / p.cp) * (m.dModel / m.heads) * r;
  // The loss: one chunk of logits at a time (compute dtype, fp32 log-softmax and its gradient,
  // and in bf16 the fp32 copy), recomputed in backward; on the last stage.
  const chunk = Math.min(LOSS_CHUNK_TOKENS, tokensPerMicro);
  // Megatron materializes the logits: bf16 plus the fp32 copy for the loss (6 bytes), unfused.
  const logits = backend === "megatron" ? (tokensPerMicro * m.vocab * 6) / p.tp : (chunk * m.vocab * (e + 8 + (e < 4 ? 4 : 0))) / p.tp;
  assumptions.push(backend === "megatron" ? "logits are materialized (bf16 + fp32 for the loss), no fused cross-entropy"
    : `cross-entropy in chunks of ${LOSS_CHUNK_TOKENS} tokens: one chunk's logits at a time`);
  // AdamW (foreach=False) steps one tensor at a time: two fp32 temporaries of the largest.
  const b = pb;
  const largest = Math.max(Number(b.embedding), m.dModel * Math.max(m.ffn, m.heads * (m.dModel / m.heads))) / p.tp / (p.zero >= 2 ? p.dp : 1);
  const optimizerStep = backend === "fsdp" ? 2 * 4 * largest : 0;
  const isCpu = gpu.name === "cpu";
  const cudaContext = isCpu ? 0 : 0.5 * GiB;
  // NCCL communicators: ~0.5–0.7 GB each in reports; a flat 1 GiB keeps the estimate monotone.
  const nccl = isCpu ? 0 : 1 * GiB;
  // The peak: weights, optimizer states and buckets throughout; then the largest of the start of
  // backward (all activations, and the loss's chunk or then the last layer's backward, gradients
  // not yet allocated), the end of backward (the first layer's backward: its activations, the
  // gradients of the layers after it; all gradients counted) and the optimizer step (all
  // gradients, no activations). Full recompute peaks at the end of backward (memory_bench.py).
  // Megatron allocates its fp32 main-gradient buffer up front, so it counts throughout.
  const endOfBackward = states.gradients + perLayer + layerBackward;
  const peak = backend === "megatron" ? weights + states.gradients + states.optimizer + activations + layerBackward + logits
    : weights + states.optimizer + buckets + Math.max(activations + Math.max(logits, layerBackward), endOfBackward, states.gradients + optimizerStep);
  const sub = peak + cudaContext + nccl;
  // Caching-allocator fragmentation: reserved exceeds allocated; 5% allowance.
  const fragmentation = 0.05 * sub;
  if (!isCpu) assumptions.push("CUDA context 0.5 GiB; NCCL communicators 1 GiB; allocator fragmentation 5%");
  else assumptions.push("CPU ranks: gloo buffers neglected; fragmentation 5%");
  const rr = (x: number) => Math.ceil(x);
  return {
    weights: rr(weights), gradients: rr(gradients), optimizer: rr(states.optimizer), activations: rr(activations), logits: rr(logits),
    overheads: { cudaContext: rr(cudaContext), nccl: rr(nccl), fragmentation: rr(fragmentation) },
    total: rr(sub + fragmentation),
    assumptions,
  };
}

/** Headroom: 5% of the device (allocator slack, kernels' workspaces) is kept free. */
export function fitsMemory(b: MemoryBreakdown, gpu: GpuSpec): { fits: boolean; headroomBytes: number; usableBytes: number } {
  const usable = Math.floor(gpu.memoryBytes * 0.95);
  return { fits: b.total <= usable, headroomBytes: usable - b.total, usableBytes: usable };
}
