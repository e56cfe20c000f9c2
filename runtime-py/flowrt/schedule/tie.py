"""Seeded tie-breaking; SplitMix64 on exact ints, identical to src/schedule/tie.ts."""
from __future__ import annotations

MASK = (1 << 64) - 1


def splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def tie_order(seed: int, stage_index: int, sources: int) -> list[int]:
    base = splitmix64(splitmix64(seed) ^ stage_index)
    keys = [splitmix64(base ^ j) for j in range(sources)]
    return sorted(range(sources), key=lambda j: (keys[j], j))


def tie_rank(order: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    rank = [0] * len(order)
    for pos, j in enumerate(order):
        rank[j] = pos
    return tuple(rank)
