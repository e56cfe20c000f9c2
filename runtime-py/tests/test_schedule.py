"""Properties of flowrt.schedule on its own (the vectors check agreement with TypeScript)."""
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from flowrt.schedule import batch_sources, drawn_before, lr_at, rank_micro_batch, resolve_schedule


def one_stage(q, per_step, steps, seed=0, dp=1):
    S = sum(q)
    return {
        "batchTokens": per_step, "dp": dp, "totalTokens": per_step * steps, "seed": seed,
        "lr": {"kind": "cosine", "peak": 1e-3, "warmupSteps": 2, "minRatio": 0.1},
        "stages": [{"name": "a", "until": per_step * steps, "seqLen": 1, "microBatch": 1,
                    "mix": [{"source": f"s{j}", "weight": {"num": x, "den": S}} for j, x in enumerate(q)]}],
    }


@st.composite
def stages(draw):
    per_step = draw(st.integers(1, 40))
    steps = draw(st.integers(1, 25))
    S = per_step * steps
    if draw(st.booleans()):
        n = draw(st.integers(1, 6))
        cuts = sorted(draw(st.lists(st.integers(0, S), min_size=n - 1, max_size=n - 1)))
        q = [b - a for a, b in zip([0] + cuts, cuts + [S])]
    else:  # skewed: a few big sources and many small ones
        ws = draw(st.lists(st.sampled_from([1, 1, 1, 2, 3, 50, 100]), min_size=2, max_size=10))
        q = [w * S // sum(ws) for w in ws]
        q[0] += S - sum(q)
    return q, per_step, steps, draw(st.integers(0, 1000))


@settings(max_examples=300, deadline=None)
@given(stages())
def test_within_one_at_every_prefix_and_exact_at_the_end(case):
    q, per_step, steps, seed = case
    s, problems = resolve_schedule(one_stage(q, per_step, steps, seed))
    assert problems == []
    S = sum(q)
    c = [0] * len(q)
    i = 0
    for t in range(steps):
        assert drawn_before(s, t) == {f"s{j}": c[j] for j in range(len(q))}
        for src in batch_sources(s, t):
            c[int(src[1:])] += 1
            i += 1
            for j in range(len(q)):
                assert abs(Fraction(c[j]) - Fraction(q[j] * i, S)) < 1
    assert c == q
    assert drawn_before(s, steps) == {f"s{j}": q[j] for j in range(len(q))}


def test_tiny_anneal_math_tokens():
    pct = lambda n: {"num": n, "den": 100}
    s, problems = resolve_schedule({
        "batchTokens": 8192, "dp": 2, "totalTokens": 1_024_000, "seed": 0,
        "lr": {"kind": "wsd", "peak": 3e-3, "warmupSteps": 20, "decaySteps": 25, "minRatio": 0},
        "stages": [
            {"name": "warm", "until": 614_400, "seqLen": 128, "microBatch": 8,
             "mix": [{"source": "web", "weight": pct(70)}, {"source": "code", "weight": pct(30)}]},
            {"name": "anneal", "until": 1_024_000, "seqLen": 128, "microBatch": 8,
             "mix": [{"source": "web", "weight": pct(50)}, {"source": "code", "weight": pct(25)},
                     {"source": "math", "weight": pct(25)}]},
        ]})
    assert problems == []
    anneal = s.stages[1]
    assert (anneal.first_step, anneal.last_step, anneal.grad_accum) == (75, 125, 4)
    assert [q.tokens for q in anneal.quotas] == [204_800, 102_400, 102_400]
    assert lr_at(s, 0) == 3e-3 / 21 and lr_at(s, 50) == 3e-3
    parts = [src for r in range(2) for m in range(4) for src in rank_micro_batch(s, 80, m, r)]
    assert parts == batch_sources(s, 80)


def test_bad_inputs_give_problems_not_exceptions():
    base = one_stage([1, 1], 4, 3)
    for bad, kind in [
        ({"batchTokens": 0}, "bad-input"), ({"dp": 0}, "bad-input"), ({"seed": -1}, "bad-input"),
        ({"dp": 3}, "grad-accum"), ({"totalTokens": 13}, "stage-gap"),
    ]:
        s, problems = resolve_schedule({**base, **bad})
        assert s is None and kind in [p.kind for p in problems], (bad, problems)
    s, problems = resolve_schedule({**base, "stages": [{**base["stages"][0], "seqLen": 3}]})
    assert s is None and [p.kind for p in problems] == ["batch-not-divisible"]
