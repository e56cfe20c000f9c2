"""The benchmarks still run against the code they measure (changes to the attention's signature and
to the curation ops' constructors once broke them without any test noticing). They assert nothing
about speed; these tests run them small and check that each prints its figures."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def run(script: str, *args: str) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_train_bench_runs_its_three_paths() -> None:
    out = run("train_bench.py", "--precision", "fp32", "--steps", "1", "--seq-len", "64", "--batch", "2")
    for label in ("training step", "dense-mask path", "plain causal step"):
        line = next((x for x in out.splitlines() if x.strip().startswith(label)), None)
        assert line is not None, out
        assert float(re.findall(r"[\d,]+(?:\.\d+)?", line.split(")")[-1])[-1].replace(",", "")) > 0, line


def test_data_bench_prints_every_figure_beside_its_baseline() -> None:
    out = run("data_bench.py", "--repeat", "1")
    for op in ("language", "quality:gopher", "quality:c4", "pii", "filter"):
        assert re.search(rf"^{op}\s+[\d,]+$", out, re.M), out
    assert re.search(r"flowrt\s+[\d.]+ s\s+recall 1\.000", out), out
    assert "datasketch" in out and "best-fit decreasing" in out and "plain encode_batch" in out, out
