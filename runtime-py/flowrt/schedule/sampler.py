"""The sampler, identical to src/schedule/sampler.ts (see that file for the method, why, and
the proof that it stays within one sequence of the ideal at every prefix): closed-form
largest-remainder counts at "good" block boundaries (Hall's condition holds both ways),
earliest-deadline-first between them. Exact ints throughout."""
from __future__ import annotations

from .apportion import counts_at
from .types import ResolvedSchedule, ResolvedStage


def stage_at(s: ResolvedSchedule, step: int) -> ResolvedStage:
    if not (0 <= step < s.total_steps):
        raise IndexError(f"step {step} is outside the run's steps [0, {s.total_steps})")
    lo, hi = 0, len(s.stages) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if step < s.stages[mid].last_step:
            hi = mid
        else:
            lo = mid + 1
    return s.stages[lo]


def block_sequences(st: ResolvedStage) -> int:
    return st.sampler_block_steps * st.sequences_per_step


def boundary_counts(st: ResolvedStage, x: int) -> list[int]:
    return counts_at([q.sequences for q in st.quotas], st.sequences, x, st.tie_rank)


def _horizon(st: ResolvedStage) -> int:
    q_min = min(q.sequences for q in st.quotas if q.sequences > 0)
    return -(-st.sequences // q_min)


def is_good_boundary(st: ResolvedStage, x: int) -> bool:
    """Whether the closed-form counts at x lie on a within-one order of the whole stage (Hall's
    condition toward the future and the past for horizons below ceil(S / min q))."""
    S = st.sequences
    if x <= 0 or x >= S:
        return True
    q = [qq.sequences for qq in st.quotas]
    c = boundary_counts(st, x)
    H = _horizon(st)
    m = 1
    while m < H and x + m <= S:
        if sum(max(0, qj * (x + m) // S - cj) for qj, cj in zip(q, c)) > m:
            return False
        m += 1
    m = 1
    while m < H and x - m >= 0:
        if sum(max(0, cj - (-(-qj * (x - m) // S))) for qj, cj in zip(q, c)) > m:
            return False
        m += 1
    return True


def block_around(st: ResolvedStage, start: int, to: int) -> tuple[int, int]:
    """The good boundaries x0 <= start and to <= x1 that enclose positions [start, to)."""
    S, K = st.sequences, block_sequences(st)
    x0 = (start // K) * K
    while not is_good_boundary(st, x0):
        x0 -= K
    x1 = x0 + K
    while x1 < to:
        x1 += K
    x1 = min(x1, S)
    while not is_good_boundary(st, x1):
        x1 = min(x1 + K, S)
    return x0, x1


def replay(st: ResolvedStage, start: int, to: int) -> tuple[list[int], list[int]]:
    """Counts after the first `to` sequences of the stage, and the quota indices of positions
    [start, to); replays from the good boundary at or before `start`."""
    S = st.sequences
    if start < 0 or to < start or to > S:
        raise IndexError(f"positions [{start}, {to}) are outside the stage's [0, {S}]")
    x0, x1 = block_around(st, start, to)
    q = [qq.sequences for qq in st.quotas]
    rank = st.tie_rank
    c = boundary_counts(st, x0)
    target = list(q) if x1 == S else boundary_counts(st, x1)
    picks: list[int] = []
    n = len(q)
    for i in range(x0 + 1, to + 1):
        best, best_rel = -1, False
        for j in range(n):
            if c[j] >= target[j]:
                continue
            rel = c[j] * S < q[j] * i
            if best < 0 or (rel and not best_rel):
                best, best_rel = j, rel
                continue
            if rel != best_rel:
                continue
            left, right = (c[j] + 1) * q[best], (c[best] + 1) * q[j]
            if left < right or (left == right and rank[j] < rank[best]):
                best = j
        c[best] += 1
        if i - 1 >= start:
            picks.append(best)
    return c, picks


def batch_sources(s: ResolvedSchedule, step: int) -> list[str]:
    """Source of each sequence of the global batch at `step`, rank-major."""
    st = stage_at(s, step)
    P = st.sequences_per_step
    start = (step - st.first_step) * P
    return [st.quotas[j].source for j in replay(st, start, start + P)[1]]


def drawn_before(s: ResolvedSchedule, step: int) -> dict[str, int]:
    """Per-source sequences drawn in [stage.first_step, step); step = total_steps gives the last
    stage's quotas."""
    st = s.stages[-1] if step == s.total_steps else stage_at(s, step)
    x = (step - st.first_step) * st.sequences_per_step
    counts = replay(st, x, x)[0]
    return {q.source: n for q, n in zip(st.quotas, counts)}


def tokens_drawn_before(s: ResolvedSchedule, step: int) -> dict[str, int]:
    """Per-source tokens drawn in [0, step), across stages."""
    out: dict[str, int] = {}
    for st in s.stages:
        if st.last_step <= step:
            for q in st.quotas:
                out[q.source] = out.get(q.source, 0) + q.tokens
            continue
        if st.first_step < step:
            for src, n in drawn_before(s, step).items():
                out[src] = out.get(src, 0) + n * st.seq_len
        break
    return out


def rank_micro_batch(s: ResolvedSchedule, step: int, micro_step: int, rank: int) -> list[str]:
    """Sources of the micro-batch that rank `rank` of dp trains on at (step, micro_step)."""
    st = stage_at(s, step)
    if not (0 <= rank < s.dp):
        raise IndexError(f"rank {rank} is outside [0, {s.dp})")
    if not (0 <= micro_step < st.grad_accum):
        raise IndexError(f"micro-step {micro_step} is outside [0, {st.grad_accum})")
    per_rank = st.sequences_per_step // s.dp
    first = rank * per_rank + micro_step * st.micro_batch
    return batch_sources(s, step)[first:first + st.micro_batch]
