"""bench/train_bench.py still runs against the model it measures (a change to the attention's or
the loss's signature once broke its dense-mask baseline without any test noticing): one step of
each of its three paths on a small configuration, and the figures it prints are positive."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "train_bench.py"


def test_train_bench_runs_its_three_paths() -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, str(BENCH), "--precision", "fp32", "--steps", "1", "--seq-len", "64", "--batch", "2"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    for label in ("training step", "dense-mask path", "plain causal step"):
        line = next((x for x in r.stdout.splitlines() if x.strip().startswith(label)), None)
        assert line is not None, r.stdout
        assert float(re.findall(r"[\d,]+(?:\.\d+)?", line.split(")")[-1])[-1].replace(",", "")) > 0, line
