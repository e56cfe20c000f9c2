"""Running one step (or one shard): skip it when its marker holds the key it would run with, else
clear what an earlier, different or crashed attempt left, run the step's function and write the
marker last. Step functions are `fn(ctx) -> stats`; training, eval and release import torch, so
they load lazily."""
from __future__ import annotations

import logging
import os
import re
import shutil
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

from ..context import StepContext
from ..frozen import FrozenDict
from ..markers import MARKER, input_files, marker_path, needs_keys, read_marker, shard_name, stale_reason, step_key, write_marker
from ..plan_types import Plan, Step

_STEPS: dict[str, str] = {
    "tokenizer": "flowrt.steps.data_steps:tokenizer_step",
    "curate": "flowrt.steps.data_steps:curate_step",
    "dedup": "flowrt.steps.data_steps:dedup_step",
    "tokenize": "flowrt.steps.data_steps:tokenize_step",
    "mix": "flowrt.steps.data_steps:mix_step",
    "train": "flowrt.train.step:run",
    "eval": "flowrt.eval.step:run",
    "release": "flowrt.release.step:run",
}
STEP_KINDS = tuple(_STEPS)
_SHARD_FILE = re.compile(r"^\.?(?:_DONE\.)?shard-(\d{5})")


def step_function(kind: str) -> Callable[[StepContext], dict[str, Any] | None]:
    module, name = _STEPS[kind].split(":")
    return getattr(import_module(module), name)


def _is_main_rank() -> bool:
    return os.environ.get("RANK", "0") == "0"


def clear_for_run(run_dir: Path, step: Step, shard: int) -> None:
    """What this attempt must not build on. A shard clears only its own files and those of shards
    the plan no longer has, so shards running at once never touch each other's; a step alone in its
    directory starts from an empty one; a train run keeps its checkpoints (its lineage decides)."""
    out = run_dir / step.out_dir
    if step.kind == "train" or not out.exists():
        return
    if step.shards == 1:
        shutil.rmtree(out)
        return
    for p in out.iterdir():
        m = _SHARD_FILE.match(p.name)
        if (m and (int(m.group(1)) == shard or int(m.group(1)) >= step.shards)) or p.name == MARKER:
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def run_step(plan: Plan, step: Step, *, run_dir: Path, input_root: Path | None, shard: int = 0,
             log: logging.Logger | None = None) -> None:
    log = log or logging.getLogger("flowrt")
    by_id = {s.id: s for s in plan.steps}
    inputs = input_files(step, input_root)
    needs = needs_keys(run_dir, step, by_id)
    key = step_key(step, inputs, needs)
    marker = marker_path(run_dir, step, shard if step.shards > 1 else None)
    what = f"{step.id} {shard_name(shard)}" if step.shards > 1 else step.id
    m = read_marker(marker)
    if m is not None and m.get("key") == key:
        log.info("%s is already done (%s holds its key); skipping", what, marker)
        return
    if m is not None:
        log.info("%s: redoing it: %s", what, stale_reason(m, step, inputs, needs))
    if _is_main_rank():
        clear_for_run(run_dir, step, shard)
    ctx = StepContext(plan=plan, step=step, run_dir=run_dir, input_root=input_root, shard=shard, needs_keys=FrozenDict(needs), log=log)
    stats = step_function(step.kind)(ctx)
    if _is_main_rank():
        write_marker(marker, step=step, key=key, inputs=inputs, needs=needs, shard=shard if step.shards > 1 else None, stats=stats)
