"""Step dispatch: kind -> function(ctx). Training, eval and release import torch, so they load lazily."""
from __future__ import annotations

from importlib import import_module
from typing import Callable

from ..context import StepContext

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


def step_function(kind: str) -> Callable[[StepContext], None]:
    module, name = _STEPS[kind].split(":")
    return getattr(import_module(module), name)


STEP_KINDS = tuple(_STEPS)
