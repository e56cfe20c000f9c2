"""Wall seconds per phase of a training step (data, forward, backward, optimizer, checkpoint,
evals), summed until taken: the loop writes them into each metrics.jsonl record, so where a run's
time goes is read from its own log rather than guessed (a slow sampler, an emulated dtype, a
checkpoint that costs more than the steps between)."""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class PhaseTimer:
    def __init__(self) -> None:
        self._acc: dict[str, float] = defaultdict(float)
        self.total: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            dt = time.perf_counter() - t0
            self._acc[phase] += dt
            self.total[phase] += dt

    def take(self) -> dict[str, float]:
        """The seconds since the last take, per phase (rounded to 0.1 ms), and reset."""
        out = {k: round(v, 4) for k, v in self._acc.items()}
        self._acc.clear()
        return out

    def summary(self) -> str:
        """The run's seconds per phase so far: "forward 12.3 s, backward 20.1 s, …"."""
        return ", ".join(f"{k} {v:.1f} s" for k, v in sorted(self.total.items(), key=lambda kv: -kv[1]))
