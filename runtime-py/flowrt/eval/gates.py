"""Gates: `EVALSET.METRIC OP VALUE` over an eval's results. An eval step fails (exit 1) when one
of its gates does not hold; a release refuses to publish when one of its `rollback_if` gates does."""
from __future__ import annotations

import operator
from typing import Any, Iterable

from ..plan_types import Gate

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


def actual(g: Gate, results: dict[str, Any]) -> float | None:
    return results.get(g.evalset, {}).get(g.metric)


def holds(g: Gate, results: dict[str, Any]) -> bool:
    got = actual(g, results)
    return got is not None and bool(OPS[g.op](got, g.value))


def check_gates(gates: Iterable[Gate], results: dict[str, Any]) -> list[dict[str, Any]]:
    """One verdict per gate: the gate, the measured value and whether it passed."""
    return [{"evalset": g.evalset, "metric": g.metric, "op": g.op, "value": g.value, "actual": actual(g, results), "passed": holds(g, results)}
            for g in gates]


def text(g: Gate) -> str:
    return f"{g.evalset}.{g.metric} {g.op} {g.value}"
