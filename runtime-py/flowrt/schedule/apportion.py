"""Apportionment, identical to src/schedule/apportion.ts."""
from __future__ import annotations

from fractions import Fraction


def largest_remainder(total: int, weights: list[Fraction]) -> list[int]:
    """Largest-remainder split of `total` by weights summing to 1; ties in declaration order."""
    floors = [total * w.numerator // w.denominator for w in weights]
    rems = [Fraction(total * w.numerator % w.denominator, w.denominator) for w in weights]
    left = total - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-rems[i], i)):
        if left <= 0:
            break
        floors[i] += 1
        left -= 1
    return floors


def counts_at(quotas: list[int], total: int, x: int, tie_rank: tuple[int, ...]) -> list[int]:
    """Largest-remainder split of x seats by integer quotas (ideal q·x/total), ties by tie_rank."""
    counts = [q * x // total for q in quotas]
    left = x - sum(counts)
    if left == 0:
        return counts
    rems = [q * x % total for q in quotas]
    for i in sorted(range(len(quotas)), key=lambda i: (-rems[i], tie_rank[i])):
        if left <= 0:
            break
        counts[i] += 1
        left -= 1
    return counts
