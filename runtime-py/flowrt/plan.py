"""Loading plan.json: validated against plan.schema.json (generated from the compiler's zod schema)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .errors import FlowrtError

SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")
SUPPORTED_VERSION = 1


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema)


def load_plan(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        plan = json.loads(p.read_text())
    except FileNotFoundError:
        raise FlowrtError(f"no plan at {p}", "compile one with `flowc compile FILE --out DIR` or `flowc run`") from None
    except json.JSONDecodeError as e:
        raise FlowrtError(f"{p} is not valid JSON ({e.msg} at line {e.lineno})", "re-create it with flowc; do not edit plan.json by hand") from None
    if plan.get("version") != SUPPORTED_VERSION:
        raise FlowrtError(f"{p} has plan version {plan.get('version')!r}; this flowrt reads version {SUPPORTED_VERSION}",
                          "use the flowc and flowrt of the same release")
    errors = sorted(_validator().iter_errors(plan), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(x) for x in e.absolute_path) or "(top level)"
        raise FlowrtError(f"{p} does not match the plan schema at {where}: {e.message}"
                          + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""),
                          "re-create it with flowc; plan.json is the compiler's output")
    return plan


def find_step(plan: dict[str, Any], step_id: str) -> dict[str, Any]:
    for s in plan["steps"]:
        if s["id"] == step_id:
            return s
    ids = ", ".join(s["id"] for s in plan["steps"])
    raise FlowrtError(f"the plan has no step {step_id!r}", f"steps are: {ids}")


def train_of(plan: dict[str, Any], name: str) -> dict[str, Any]:
    for t in plan["trains"]:
        if t["name"] == name:
            return t
    raise FlowrtError(f"the plan has no train run {name!r}")
