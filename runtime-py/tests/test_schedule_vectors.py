"""flowrt.schedule must reproduce every TS-generated vector in test/vectors/ (npm run vectors)."""
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest

from flowrt.schedule import (batch_sources, drawn_before, lr_at, rank_micro_batch, resolve_schedule,
                             tokens_drawn_before)

VECTORS = Path(__file__).resolve().parents[2] / "test" / "vectors"
FILES = sorted(VECTORS.glob("*.json"))


def test_vectors_exist():
    names = {f.name for f in FILES}
    assert len(FILES) >= 20 and {"tiny.json", "smollm2.json"} <= names


def stage_json(st):
    return {
        "name": st.name, "index": st.index, "firstStep": st.first_step, "lastStep": st.last_step,
        "firstToken": st.first_token, "tokens": st.tokens, "sequences": st.sequences, "seqLen": st.seq_len,
        "microBatch": st.micro_batch, "sequencesPerStep": st.sequences_per_step, "gradAccum": st.grad_accum,
        "quotas": [{"source": q.source, "sequences": q.sequences, "tokens": q.tokens} for q in st.quotas],
        "lrScale": {"num": st.lr_scale.numerator, "den": st.lr_scale.denominator}, "lrJump": st.lr_jump,
        "samplerBlockSteps": st.sampler_block_steps, "tieOrder": list(st.tie_order),
    }


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_vector(path):
    v = json.loads(path.read_text())
    exp = v["expected"]
    s, problems = resolve_schedule(v["input"])
    assert [{"kind": p.kind, "stage": p.stage} for p in problems] == exp["problems"]
    if exp["problems"]:
        assert s is None
        return
    assert s.total_steps == exp["totalSteps"] and s.total_tokens == exp["totalTokens"]
    assert [stage_json(st) for st in s.stages] == exp["stages"]
    for step, want in exp["lr"]:
        got = lr_at(s, step)
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0) or got == want, (step, got, want)
    for b in exp["batches"]:
        assert batch_sources(s, b["step"]) == b["sources"], b["step"]
    for d in exp["drawnBefore"]:
        assert drawn_before(s, d["step"]) == d["counts"], d["step"]
    for d in exp["tokensDrawnBefore"]:
        assert tokens_drawn_before(s, d["step"]) == d["tokens"], d["step"]
    for r in exp["rankMicroBatch"]:
        assert rank_micro_batch(s, r["step"], r["microStep"], r["rank"]) == r["sources"]
