// What each training backend of flowrt can run. The checker reports every problem found here
// (E0181 Megatron-LM, E0182 the FSDP2 loop) at the attribute it names, and neither the planner nor
// the OOM fixes ever propose a layout with one, so a plan that passes `flowc check` is one the
// runtime starts (runtime-py/flowrt/train/parallel.py refuses the same layouts, in case a plan.json
// is written by hand).
import type { Backend, ParallelConfig } from "./memory.js";

type Layout = Pick<ParallelConfig, "tp" | "pp" | "cp" | "zero">;

export interface BackendProblem {
  /** The `parallel` attribute to point at. */
  readonly key: "zero" | "cp" | "pp";
  readonly message: string;
  readonly help: string;
}

/** Why `backend` cannot run `p`; empty when it can. */
export function backendProblems(p: Layout, backend: Backend): BackendProblem[] {
  const out: BackendProblem[] = [];
  if (backend === "megatron") {
    if (p.zero >= 2) {
      out.push({ key: "zero", message: `Megatron-LM has no ZeRO stage ${p.zero}; its distributed optimizer shards optimizer states only (ZeRO-1).`,
        help: "use `zero = 1` (distributed optimizer) or `zero = 0` with Megatron, or `backend = fsdp`" });
    }
    return out;
  }
  if (p.zero === 1) {
    out.push({ key: "zero", message: "FSDP2 shards gradients along with optimizer states, so `zero = 1` has no FSDP equivalent.",
      help: "use `zero = 0` (replicated), `zero = 2` (gradients and optimizer states sharded) or `zero = 3`, or `backend = megatron` for ZeRO-1" });
  }
  if (p.zero === 0 && (p.tp > 1 || p.pp > 1)) {
    out.push({ key: "zero", message: `\`zero = 0\` (replicated data parallelism) runs with tp = pp = 1 on the fsdp backend (tp = ${p.tp}, pp = ${p.pp}).`,
      help: "use `zero = 2` or `zero = 3` with tp or pp, or `backend = megatron`" });
  }
  if (p.cp > 1) {
    out.push({ key: "cp", message: `The fsdp backend has no context parallelism (\`cp = ${p.cp}\`).`,
      help: "use `cp = 1` with more `tp` or `recompute` for long sequences, or `backend = megatron`" });
  }
  if (p.tp > 1 && p.pp > 1) {
    out.push({ key: "pp", message: `The fsdp backend combines pipeline parallelism with dp only, not with tp (tp = ${p.tp}, pp = ${p.pp}).`,
      help: "use tp or pp, not both, or `backend = megatron`" });
  }
  return out;
}

/** What a layout means for the runtime: how FSDP2 wraps the model, or Megatron's optimizer flags. */
export type RuntimeLayout =
  | { readonly backend: "fsdp"; readonly dataParallel: "fully_shard" | "replicate"; readonly reshardAfterForward: boolean;
      readonly paramDtype: "bfloat16" | "float32"; readonly reduceDtype: "float32" }
  | { readonly backend: "megatron"; readonly distributedOptimizer: boolean; readonly sequenceParallel: boolean };

/**
 * The runtime's side of a layout that `backendProblems` accepts. FSDP2: ZeRO-3 is `fully_shard`
 * with reshard_after_forward (parameters freed after forward, gathered again for backward),
 * ZeRO-2 keeps them gathered until backward (reshard_after_forward=False), ZeRO-0 is
 * `replicate` (DDP); bf16/fp8 gather parameters in bf16 and reduce gradients in fp32
 * (torchtitan's MixedPrecisionPolicy). Megatron: ZeRO-1 is the distributed optimizer; tp > 1
 * runs with sequence parallelism, as the memory estimate assumes.
 */
export function runtimeLayout(p: Layout, backend: Backend, precision: "bf16" | "fp8" | "fp32"): RuntimeLayout {
  if (backend === "megatron") return { backend, distributedOptimizer: p.zero === 1, sequenceParallel: p.tp > 1 };
  return {
    backend, dataParallel: p.zero === 0 ? "replicate" : "fully_shard", reshardAfterForward: p.zero === 3,
    paramDtype: precision === "fp32" ? "float32" : "bfloat16", reduceDtype: "float32",
  };
}
