"""The learning rate, with the same float operations in the same order as src/schedule/lr.ts."""
from __future__ import annotations

import math
from typing import Any

from .sampler import stage_at
from .types import ResolvedSchedule


def base_lr(lr: dict[str, Any], total_steps: int, step: int) -> float:
    peak = float(lr["peak"])
    w = lr["warmupSteps"]
    warm = (peak * (step + 1)) / (w + 1) if step < w else peak
    kind = lr["kind"]
    if kind == "constant":
        return warm
    if kind == "cosine":
        if step < w:
            return warm
        min_lr = peak * lr["minRatio"]
        progress = (step - w) / (total_steps - w)
        coeff = 0.5 * (1 + math.cos(math.pi * progress))
        return min_lr + coeff * (peak - min_lr)
    if kind == "wsd":
        decay_start = total_steps - lr["decaySteps"]
        if step < decay_start:
            return warm
        min_lr = peak * lr["minRatio"]
        progress = (step - decay_start) / lr["decaySteps"]
        decay = min_lr + (1 - progress) * (peak - min_lr)
        return decay if decay < warm else warm
    raise ValueError(f"unknown LR schedule kind {kind!r}")


def lr_at(s: ResolvedSchedule, step: int) -> float:
    """LR at optimizer step `step`, including the stage's lr_scale."""
    stage = stage_at(s, step)
    scale = float(stage.lr_scale.numerator) / float(stage.lr_scale.denominator)
    return base_lr(s.lr, s.total_steps, step) * scale
