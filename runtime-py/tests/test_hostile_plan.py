"""plan.json against hostile edits: whatever is done to it, loading gives the typed plan or a
FlowrtError naming what is wrong, never another exception (a KeyError, a TypeError, a traceback).
Hypothesis mutates the compiler's real plan of examples/tiny.flow: any value replaced by one of
another type or sign, keys dropped or added, list items duplicated or dropped."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import flowrt, tiny_plan, write_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowrt.errors import FlowrtError
from flowrt.plan import plan_from_json

PLAN = tiny_plan()


def _paths(v: Any, at: tuple = ()) -> list[tuple]:
    """Every position in the JSON tree (the root included)."""
    out = [at]
    if isinstance(v, dict):
        for k, x in v.items():
            out += _paths(x, at + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out += _paths(x, at + (i,))
    return out


PATHS = _paths(PLAN)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _get(v: Any, at: tuple) -> Any:
    for k in at:
        v = v[k]
    return v


@st.composite
def mutations(draw) -> dict:
    plan = copy.deepcopy(PLAN)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(PATHS))
        try:
            parent = _get(plan, at[:-1]) if at else None
            here = _get(plan, at)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        how = draw(st.sampled_from(["replace", "negate", "drop", "duplicate", "add_key", "huge"]))
        if not at:
            if how == "replace":
                plan = draw(json_values)
            continue
        key = at[-1]
        if how == "replace":
            parent[key] = draw(json_values)
        elif how == "negate" and isinstance(here, (int, float)) and not isinstance(here, bool):
            parent[key] = -here - 1
        elif how == "huge" and isinstance(here, int) and not isinstance(here, bool):
            parent[key] = here + 2 ** 64
        elif how == "drop":
            del parent[key]
        elif how == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(here))
        elif how == "add_key" and isinstance(here, dict):
            here[draw(st.text(max_size=8))] = draw(json_values)
    return plan


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_a_mutated_plan_loads_or_is_a_flowrt_error(plan):
    try:
        plan_from_json(plan)
    except FlowrtError as e:
        assert e.message and e.hint


def _step(plan: dict, sid: str) -> dict:
    return next(s for s in plan["steps"] if s["id"] == sid)


def _curation_op(plan: dict, op: str) -> dict:
    return next(o for o in plan["curations"]["clean"]["ops"] if o["op"] == op)


@pytest.mark.parametrize("edit, message", [
    (lambda p: _step(p, "train.pretrain")["params"].update(first_step=-5), "does not match the plan schema at steps/9/params/first_step: -5 is less than the minimum of 0"),
    (lambda p: _step(p, "train.pretrain")["params"].update(first_step=60, last_step=50), "its segment ends (step 50) before it starts (step 60)"),
    (lambda p: _step(p, "train.pretrain")["needs"].append("train.ghost"), "it needs train.ghost, which the plan does not have"),
    (lambda p: p["steps"].append(copy.deepcopy(p["steps"][3])), "the id is used by two steps"),
    (lambda p: p["curations"]["clean"].update(tokenizer="ghost"), "curation clean: it names tokenizer 'ghost', which the plan does not have"),
    (lambda p: _step(p, "tokenizer.tok")["params"].update(tokenizer="ghost"), "it names tokenizer 'ghost', which the plan does not have"),
    (lambda p: _curation_op(p, "dedup").update(bands=7), "curation clean: dedup: bands: 64 permutations do not split into 7 bands"),
    (lambda p: _curation_op(p, "dedup").update(ngram=0), "curation clean: dedup: ngram: 0 is outside 1..1000"),
    (lambda p: _step(p, "dedup.clean")["params"]["dedup"].update(permutations=60), "dedup: bands: 60 permutations do not split into 8 bands"),
    (lambda p: _curation_op(p, "language").update(min_score=3), "curation clean: language: min_score: 3 is outside 0..1"),
    (lambda p: _curation_op(p, "decontaminate").update(ngram=0), "curation clean: decontaminate: ngram: 0 is outside"),
])
def test_the_loader_refuses_plans_no_step_can_run(edit, message):
    plan = tiny_plan()
    edit(plan)
    with pytest.raises(FlowrtError) as e:
        plan_from_json(plan)
    assert message in e.value.message, e.value.message


@pytest.mark.parametrize("text", ["[]", "null", "42", '"plan"', "{", "", "\xff"])
def test_a_plan_that_is_not_an_object_is_an_error_with_help(tmp_path, text):
    p = tmp_path / "plan.json"
    p.write_bytes(text.encode("latin-1"))
    r = flowrt("step", "--plan", str(p), "--step", "tokenizer.tok", check=False)
    assert r.returncode == 2 and r.stderr.startswith("flowrt: error: ") and "\nhelp: " in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_directory_or_fifo_as_the_plan_is_an_error(tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo.json")
    for p in (tmp_path, tmp_path / "fifo.json"):
        r = flowrt("status", "--plan", str(p), check=False, timeout=60)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "\nhelp: " in r.stderr, r.stderr


def _stage(plan: dict, i: int) -> dict:
    return plan["trains"][0]["stages"][i]


def _stages(p: dict) -> tuple[dict, dict, int]:
    t = p["trains"][0]
    return t["stages"][0], t["stages"][1], t["total_steps"]


# Each message is computed from the fixture's own stages (the compiler decides their steps).
@pytest.mark.parametrize("edit, message", [
    (lambda p: _step(p, "train.pretrain")["params"].update(first_step=5, last_step=5), lambda p: "its segment [5, 5) is empty"),
    (lambda p: _stages(p)[0].update(last_step=_stages(p)[0]["last_step"] - 1),
     lambda p: f"stage {_stages(p)[1]['name']} covers [{_stages(p)[1]['first_step']}, {_stages(p)[1]['last_step']}); it should start at step {_stages(p)[0]['last_step']}"),
    (lambda p: _stages(p)[1].update(last_step=_stages(p)[1]["first_step"]),
     lambda p: f"stage {_stages(p)[1]['name']} covers [{_stages(p)[1]['first_step']}, {_stages(p)[1]['first_step']})"),
    (lambda p: _stages(p)[1].update(last_step=_stages(p)[2] - 1), lambda p: f"its stages end at step {_stages(p)[2] - 1}, the run at step {_stages(p)[2]}"),
    (lambda p: _stages(p)[0]["mix"].update({"clean.nope": _stages(p)[0]["mix"]["clean.web"]}), lambda p: f"stage {_stages(p)[0]['name']} draws from 'clean.nope'"),
    (lambda p: p["sources"]["clean.web"].update(curation="dirty"), lambda p: "dataset clean.web: it names curation 'dirty'"),
])
def test_the_loader_refuses_train_runs_that_cannot_run(edit, message):
    plan = tiny_plan()
    edit(plan)
    with pytest.raises(FlowrtError) as e:
        plan_from_json(plan)
    assert message(plan) in e.value.message, e.value.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_values | st.dictionaries(st.sampled_from(["key", "fingerprint", "fingerprint_parts", "inputs", "needs", "step"]), json_values, max_size=5)
       | st.binary(max_size=40))
def test_a_hostile_marker_is_stale_never_a_crash(tmp_path_factory, marker):
    """A completion marker flowrt did not write (any JSON, any bytes) reads as stale, with a reason."""
    from flowrt.markers import read_marker, stale_reason
    from flowrt.plan import find_step

    plan = plan_from_json(PLAN)
    step = find_step(plan, "curate.clean.web")
    p = tmp_path_factory.mktemp("m") / "_DONE"
    p.write_bytes(marker if isinstance(marker, bytes) else json.dumps(marker).encode())
    m = read_marker(p)
    assert isinstance(m, dict)
    assert isinstance(stale_reason(m, step, [], {"tokenizer.tok": "k"}), str)
