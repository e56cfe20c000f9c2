"""flowc's memory estimate against flowrt's own training step (bench/memory_bench.py) on four small
configurations: one replicated fp32 rank (DDP buckets, autocast off), two bf16 ranks sharded with
zero = 3 and the MLP recomputed, two fp32 ranks with zero = 2, and one bf16 rank sharded. Model
states within 2%, activations and the peak within 10%, and never an underestimate by more than 5%
(an underestimate is an out-of-memory after launch).
Needs flowc built (`npm run build`: bin/flowc.js runs dist/)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import memory_bench  # noqa: E402


@pytest.mark.parametrize("config", memory_bench.grid("small"), ids=lambda c: c.label().replace(" ", ""))
def test_estimate_matches_the_measured_step(config: memory_bench.Config) -> None:
    if not (memory_bench.REPO / "dist" / "cli" / "main.js").is_file():
        pytest.fail("flowc is not built: run `npm run build` (bin/flowc.js runs dist/)")
    r = memory_bench.run(config)
    ratio = r["ratio"]
    for k in ("weights", "gradients", "optimizer"):
        assert ratio[k] == pytest.approx(1.0, abs=0.02), (k, r)
    for k in ("activations", "peak"):
        assert 0.95 <= ratio[k] <= 1.10, (k, r)
