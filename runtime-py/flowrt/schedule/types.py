"""The schedule's data, mirroring src/schedule/types.ts (exact ints and Fractions)."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


@dataclass(frozen=True, kw_only=True)
class SourceQuota:
    source: str
    sequences: int
    tokens: int


@dataclass(frozen=True, kw_only=True)
class ResolvedStage:
    name: str
    index: int
    first_step: int
    last_step: int  # exclusive
    first_token: int
    tokens: int
    sequences: int
    seq_len: int
    micro_batch: int
    sequences_per_step: int
    grad_accum: int
    quotas: tuple[SourceQuota, ...]  # declaration order
    lr_scale: Fraction
    lr_jump: bool
    sampler_block_steps: int
    tie_order: tuple[int, ...]
    tie_rank: tuple[int, ...] = field(repr=False, compare=False, default=())


@dataclass(frozen=True, kw_only=True)
class ResolvedSchedule:
    stages: tuple[ResolvedStage, ...]
    total_steps: int
    total_tokens: int
    lr: dict[str, Any]
    seed: int
    dp: int
    batch_tokens: int


@dataclass(frozen=True, kw_only=True)
class ScheduleProblem:
    kind: str
    message: str
    numbers: dict[str, str]
    stage: str | None = None
