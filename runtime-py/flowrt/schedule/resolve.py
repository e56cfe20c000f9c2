"""resolve_schedule: the same resolution as src/schedule/resolve.ts, from the JSON form of a
ScheduleInput (ints for bigints, {"num", "den"} for rationals). Returns problems, never raises on
bad input values."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from .apportion import largest_remainder
from .tie import tie_order, tie_rank
from .types import ResolvedSchedule, ResolvedStage, ScheduleProblem, SourceQuota


def _is_int(v: Any, lo: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= lo


def _frac(v: Any) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, dict):
        return Fraction(int(v["num"]), int(v["den"]))
    return Fraction(v)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def resolve_schedule(inp: dict[str, Any]) -> tuple[ResolvedSchedule | None, list[ScheduleProblem]]:
    problems: list[ScheduleProblem] = []

    def p(kind: str, message: str, numbers: dict[str, str] | None = None, stage: str | None = None) -> None:
        problems.append(ScheduleProblem(kind=kind, message=message, numbers=numbers or {}, stage=stage))

    B, dp, T, seed = inp.get("batchTokens"), inp.get("dp"), inp.get("totalTokens"), inp.get("seed")
    stages_in = inp.get("stages") or []
    if not _is_int(B, 1):
        p("bad-input", "The global batch must be a positive number of tokens.", {"batchTokens": str(B)})
    if not _is_int(dp, 1):
        p("bad-input", "dp must be a whole number ≥ 1.", {"dp": str(dp)})
    if not _is_int(T, 1):
        p("bad-input", "The run must train on a positive number of tokens.", {"totalTokens": str(T)})
    if not _is_int(seed, 0):
        p("bad-input", "The seed must be a whole number ≥ 0.", {"seed": str(seed)})
    if not stages_in:
        p("bad-input", "A run needs at least one stage.")
    if problems:
        return None, problems

    total_steps = _ceil_div(T, B)
    stages: list[ResolvedStage] = []
    prev_until = 0
    prev_end = 0
    for index, st in enumerate(stages_in):
        name = st["name"]
        until = int(st["until"])
        is_last = index == len(stages_in) - 1
        before = len(problems)
        _check_shape(st, p)
        if until <= prev_until:
            p("stage-order", f"Stage `{name}` ends at {until} tokens, not after the previous stage's end ({prev_until}).",
              {"until": str(until), "previousUntil": str(prev_until)}, name)
        elif not is_last and until >= T:
            p("stage-order", f"Stage `{name}` ends at {until} tokens, at or past the run's {T}; only the last stage may end there.",
              {"until": str(until), "totalTokens": str(T)}, name)
        if is_last and until != T:
            p("stage-gap", f"The last stage `{name}` ends at {until} tokens, but the run trains on {T}.",
              {"until": str(until), "totalTokens": str(T)}, name)
        end = total_steps if is_last else _ceil_div(max(until, 0), B)
        if len(problems) == before and end <= prev_end:
            p("empty-stage", f"Stage `{name}` has no optimizer step: its end ({until} tokens) rounds up to step {end}, "
              "where the previous stage already ends.",
              {"until": str(until), "endStep": str(end), "previousEndStep": str(prev_end), "batchTokens": str(B)}, name)
        if len(problems) == before:
            stages.append(_geometry(inp, st, index, prev_end, end, p))
        prev_until = max(prev_until, until)
        prev_end = max(prev_end, end)
    _check_lr(inp["lr"], total_steps, p)
    if problems:
        return None, problems
    return ResolvedSchedule(stages=tuple(stages), total_steps=total_steps, total_tokens=total_steps * B,
                            lr=dict(inp["lr"]), seed=seed, dp=dp, batch_tokens=B), problems


def _check_shape(st: dict[str, Any], p) -> None:
    name = st["name"]
    if not _is_int(st.get("seqLen"), 1):
        p("bad-input", f"Stage `{name}`: seq_len must be a whole number ≥ 1.", {"seqLen": str(st.get("seqLen"))}, name)
    if not _is_int(st.get("microBatch"), 1):
        p("bad-input", f"Stage `{name}`: micro_batch must be a whole number ≥ 1.", {"microBatch": str(st.get("microBatch"))}, name)
    if st.get("lrScale") is not None and _frac(st["lrScale"]) <= 0:
        p("bad-input", f"Stage `{name}`: lr_scale must be positive.", {"lrScale": str(_frac(st["lrScale"]))}, name)
    mix = st.get("mix") or []
    if not mix:
        p("mix-sum", f"Stage `{name}` has an empty mix.", {}, name)
        return
    seen: set[str] = set()
    total = Fraction(0)
    for m in mix:
        if m["source"] in seen:
            p("bad-input", f"Stage `{name}` lists `{m['source']}` twice in its mix.", {}, name)
        seen.add(m["source"])
        w = _frac(m["weight"])
        if w < 0:
            p("mix-sum", f"Stage `{name}`: `{m['source']}` has a negative weight.", {"weight": str(w)}, name)
        total += w
    if total != 1:
        p("mix-sum", f"Stage `{name}`'s mix sums to {total}, not 1.",
          {"sum": str(total), **{m["source"]: str(_frac(m["weight"])) for m in mix}}, name)


def _geometry(inp: dict[str, Any], st: dict[str, Any], index: int, first: int, end: int, p) -> ResolvedStage:
    B, dp, name = inp["batchTokens"], inp["dp"], st["name"]
    seq_len, micro = st["seqLen"], st["microBatch"]
    per_step = B // seq_len
    if B % seq_len != 0:
        p("batch-not-divisible", f"Stage `{name}`: the batch of {B} tokens is not a whole number of {seq_len}-token sequences.",
          {"batchTokens": str(B), "seqLen": str(seq_len), "remainder": str(B % seq_len)}, name)
    per_rank = micro * dp
    grad_accum = per_step // per_rank
    if B % seq_len == 0 and (per_step % per_rank != 0 or grad_accum < 1):
        p("grad-accum", f"Stage `{name}`: {per_step} sequences per step is not a whole multiple of micro_batch {micro} × dp {dp}.",
          {"sequencesPerStep": str(per_step), "microBatch": str(micro), "dp": str(dp), "gradAccum": f"{per_step}/{per_rank}"}, name)
    steps = end - first
    sequences = steps * per_step
    mix = st["mix"]
    shares = largest_remainder(sequences, [_frac(m["weight"]) for m in mix])
    positive = [q for q in shares if q > 0]
    q_min = min(positive) if positive else 1
    block = min(max(_ceil_div(steps, q_min), 1), steps)
    order = tie_order(inp["seed"], index, len(mix))
    return ResolvedStage(
        name=name, index=index, first_step=first, last_step=end, first_token=first * B, tokens=steps * B,
        sequences=sequences, seq_len=seq_len, micro_batch=micro, sequences_per_step=per_step, grad_accum=grad_accum,
        quotas=tuple(SourceQuota(source=m["source"], sequences=q, tokens=q * seq_len) for m, q in zip(mix, shares)),
        lr_scale=_frac(st["lrScale"]) if st.get("lrScale") is not None else Fraction(1),
        lr_jump=bool(st.get("lrJump", False)), sampler_block_steps=block,
        tie_order=tuple(order), tie_rank=tie_rank(order),
    )


def _check_lr(lr: dict[str, Any], total_steps: int, p) -> None:
    peak = lr.get("peak")
    if not (isinstance(peak, (int, float)) and peak > 0 and peak != float("inf")):
        p("lr-schedule", "The peak learning rate must be a positive number.", {"peak": str(peak)})
    if not _is_int(lr.get("warmupSteps"), 0):
        p("lr-schedule", "Warmup must be a whole number of steps ≥ 0.", {"warmupSteps": str(lr.get("warmupSteps"))})
    if lr.get("kind") != "constant":
        r = lr.get("minRatio")
        if not (isinstance(r, (int, float)) and 0 <= r <= 1):
            p("lr-schedule", "The final learning-rate ratio must lie in [0, 1].", {"minRatio": str(r)})
    if lr.get("kind") == "wsd":
        d = lr.get("decaySteps")
        if not (_is_int(d, 0) and d <= total_steps):
            p("lr-schedule", f"The decay must be a whole number of steps within the run's {total_steps}.",
              {"decaySteps": str(d), "totalSteps": str(total_steps)})
