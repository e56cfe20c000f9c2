// What each training backend of flowrt can run. The checker rejects a layout outside it (E0181
// Megatron-LM, E0182 the FSDP2 loop), and neither the planner nor the OOM fixes ever propose one,
// so a plan that passes `flowc check` is one the runtime starts (runtime-py/flowrt/train/parallel.py
// refuses the same layouts, in case a plan.json is written by hand).
import type { Backend, ParallelConfig } from "./memory.js";

type Layout = Pick<ParallelConfig, "tp" | "pp" | "cp" | "zero">;

/** Why `backend` cannot run `p`; empty when it can. */
export function backendProblems(p: Layout, backend: Backend): string[] {
  const out: string[] = [];
  if (backend === "megatron") {
    if (p.zero >= 2) out.push(`Megatron-LM has no ZeRO stage ${p.zero}; its distributed optimizer shards optimizer states only (ZeRO-1)`);
    return out;
  }
  if (p.zero === 1) out.push("FSDP2 shards gradients along with optimizer states, so zero = 1 has no FSDP equivalent");
  if (p.zero === 0 && (p.tp > 1 || p.pp > 1)) out.push(`zero = 0 (replicated data parallelism) runs with tp = pp = 1 on the fsdp backend (tp = ${p.tp}, pp = ${p.pp})`);
  if (p.cp > 1) out.push(`the fsdp backend has no context parallelism (cp = ${p.cp})`);
  if (p.tp > 1 && p.pp > 1) out.push(`the fsdp backend combines pipeline parallelism with dp only, not with tp (tp = ${p.tp}, pp = ${p.pp})`);
  return out;
}
