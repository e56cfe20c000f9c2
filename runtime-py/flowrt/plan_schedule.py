"""The exact schedule of a train run of the plan (flowrt.schedule, identical to the compiler's)."""
from __future__ import annotations

from typing import Any

from .errors import FlowrtError
from .plan_types import Train
from .schedule import ResolvedSchedule, resolve_schedule


def schedule_input(train: Train, dp: int | None = None) -> dict[str, Any]:
    """The schedule's input from the plan: stage ends are already whole steps, so resolving them
    again gives the same stages, quotas and sampler as the compiler computed."""
    lr = train.lr_schedule
    lr_in: dict[str, Any] = {"kind": lr.kind, "peak": lr.peak, "warmupSteps": lr.warmup_steps}
    if lr.kind in ("cosine", "wsd"):
        lr_in["minRatio"] = lr.min_ratio
    if lr.kind == "wsd":
        lr_in["decaySteps"] = lr.decay_steps
    B = train.batch_tokens
    return {
        "batchTokens": B,
        "dp": dp if dp is not None else train.parallel.dp,
        "totalTokens": train.total_steps * B,
        "seed": train.seed,
        "lr": lr_in,
        "stages": [{
            "name": s.name, "until": s.last_step * B, "seqLen": s.seq_len, "microBatch": s.micro_batch,
            "lrScale": s.lr_scale, "lrJump": s.lr_jump,
            "mix": [{"source": k, "weight": q.weight} for k, q in s.mix.items()],
        } for s in train.stages],
    }


def schedule_of(train: Train, dp: int | None = None) -> ResolvedSchedule:
    s, problems = resolve_schedule(schedule_input(train, dp))
    if s is None:
        raise FlowrtError(f"the schedule of train run {train.name!r} does not resolve: {problems[0].message}",
                          "re-create plan.json with flowc")
    for st, ir in zip(s.stages, train.stages):
        got = {q.source: q.sequences for q in st.quotas}
        want = {k: q.sequences for k, q in ir.mix.items()}
        if got != want or st.first_step != ir.first_step or st.last_step != ir.last_step:
            raise FlowrtError(f"stage {st.name!r}: the runtime's schedule disagrees with the plan ({got} vs {want})",
                              "the compiler and the runtime are of different versions; use the same release")
    return s
