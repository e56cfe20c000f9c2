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
