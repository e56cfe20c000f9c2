"""bf16 on a CPU: fast where the CPU has bf16 instructions (AVX512-BF16, AMX) and torch's oneDNN
uses them; emulated, several times slower than fp32, where it has not. The plan keeps the
precision the .flow file asks for (never a silent switch); a training run on such a CPU says so
at its start, with the slowdown measured here and now on one matrix product of both dtypes."""
from __future__ import annotations

import time

import torch

#: A training step of examples/tiny.flow's model in bf16 over fp32 on a CPU without native bf16
#: (README, "Figures": measured with oneDNN limited to AVX2 on the project's 2-core machine).
TRAIN_STEP_SLOWDOWN = "7"


def native_bf16() -> bool:
    """Whether this torch runs bf16 matrix products natively on this CPU (oneDNN's own check)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def bf16_slowdown(n: int = 384, reps: int = 5) -> float:
    """How many times longer an n×n by n×n product takes in bf16 than in fp32, measured now
    (~0.1 s): the best of `reps` of each, interleaved, in CPU seconds of this process, so other
    processes on a busy machine do not count."""
    a32, b32 = torch.randn(n, n), torch.randn(n, n)
    a16, b16 = a32.bfloat16(), b32.bfloat16()
    torch.mm(a32, b32), torch.mm(a16, b16)  # warm-up
    best = {torch.float32: float("inf"), torch.bfloat16: float("inf")}
    for _ in range(reps):
        for dtype, (a, b) in ((torch.float32, (a32, b32)), (torch.bfloat16, (a16, b16))):
            t0 = time.process_time()
            torch.mm(a, b)
            best[dtype] = min(best[dtype], time.process_time() - t0)
    return best[torch.bfloat16] / max(1e-6, best[torch.float32])


def warn_if_emulated(precision: str, device: torch.device, log) -> float | None:
    """On a CPU without native bf16, a run in bf16 logs a warning with the measured slowdown
    (returned); elsewhere nothing (None)."""
    if device.type != "cpu" or precision != "bf16" or native_bf16():
        return None
    x = bf16_slowdown()
    log.warning("precision = bf16 on a CPU without native bf16 (this torch reports no AVX512-BF16/AMX support): bf16 is emulated; "
                "a bf16 matrix product took %.0fx the CPU time of an fp32 one here just now, and a whole training step of the tiny "
                "example measured %sx slower than in fp32 (README, \"Figures\"). The run keeps bf16, as the plan says; "
                "`precision = fp32` trains faster on this machine", x, TRAIN_STEP_SLOWDOWN)
    return x
