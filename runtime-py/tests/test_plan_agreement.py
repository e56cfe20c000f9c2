"""flowrt's strict plan loader refuses what flowc's refuses: the mutations of
fixtures/plan-mutations.json (each breaking one invariant of the plan) applied to the compiler's plan
of examples/tiny.flow. test/plan/load.test.ts runs the same file through src/plan/load.ts."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import tiny_plan

from flowrt.errors import FlowrtError
from flowrt.plan import plan_from_json

MUTATIONS = json.loads((Path(__file__).parent / "fixtures" / "plan-mutations.json").read_text())["mutations"]


def _step_index(plan: dict, key: Any, parent: Any) -> Any:
    if isinstance(key, str) and key.startswith("@"):
        return next(i for i, s in enumerate(parent) if s["id"] == key[1:])
    return key


def apply(plan: dict, edits: list[dict]) -> dict:
    out = copy.deepcopy(plan)
    for e in edits:
        parent: Any = out
        path = e["path"]
        for k in path[:-1]:
            parent = parent[_step_index(out, k, parent)]
        last = _step_index(out, path[-1], parent)
        if e["op"] == "set":
            parent[last] = e["value"]
        elif e["op"] == "delete":
            del parent[last]
        elif e["op"] == "append":
            parent[last].append(e["value"])
        elif e["op"] == "duplicate":
            parent.append(copy.deepcopy(parent[last]))
        else:
            raise AssertionError(f"unknown edit {e['op']}")
    return out


def test_the_unmutated_plan_loads():
    assert plan_from_json(tiny_plan()).steps


@pytest.mark.parametrize("m", MUTATIONS, ids=[m["name"] for m in MUTATIONS])
def test_flowrt_refuses_each_mutation_flowc_refuses(m):
    with pytest.raises(FlowrtError) as e:
        plan_from_json(apply(tiny_plan(), m["edits"]))
    assert m["says"] in e.value.message, e.value.message
    assert e.value.hint
