"""bf16 on a CPU without native bf16: the training run warns, naming the slowdown it measured, and
keeps bf16 (no silent switch). oneDNN limited to AVX2 (ONEDNN_MAX_CPU_ISA) is such a CPU on any
x86 machine; fp32, and bf16 where it is native, stay quiet."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import RUNTIME

PROBE = """
import logging, torch
logging.basicConfig(level="INFO", format="%(asctime)s flowrt %(levelname)s %(message)s")
from flowrt.train.cpu_precision import native_bf16, warn_if_emulated
log = logging.getLogger("flowrt")
print("native", native_bf16())
print("bf16", warn_if_emulated("bf16", torch.device("cpu"), log))
print("fp32", warn_if_emulated("fp32", torch.device("cpu"), log))
"""


def probe(**env: str) -> subprocess.CompletedProcess:
    e = {**os.environ, "PYTHONPATH": str(RUNTIME), "OMP_NUM_THREADS": "1", **env}
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=e, timeout=120, check=True)


def test_bf16_on_a_cpu_without_native_support_warns_with_the_measured_slowdown():
    r = probe(ONEDNN_MAX_CPU_ISA="AVX2")
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    assert out["native"] == "False"
    assert float(out["bf16"]) > 1.5, "an emulated bf16 product is slower than fp32"
    assert out["fp32"] == "None"
    [warning] = [l for l in r.stderr.splitlines() if " WARNING " in l]
    assert "flowrt WARNING precision = bf16 on a CPU without native bf16" in warning
    assert f"took {float(out['bf16']):.0f}x the CPU time of an fp32 one" in warning
    assert "The run keeps bf16" in warning and "`precision = fp32`" in warning


def test_bf16_where_it_is_native_is_quiet():
    r = probe()
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    if out["native"] == "True":
        assert out["bf16"] == "None" and " WARNING " not in r.stderr
    else:  # this CPU has no native bf16: the warning stands without any limit
        assert float(out["bf16"]) > 1.5 and " WARNING " in r.stderr
