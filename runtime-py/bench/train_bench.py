"""Training throughput. On CPU (default): tokens/s of the tiny example's model (2 layers, d_model 64)
for fp32 and bf16 at seq_len 128, one process, beside the same model's forward+backward without
the training loop (plain torch, the baseline of what the loop adds). With a GPU:
`--device cuda --preset 1b --precision bf16|fp8` measures tokens/s and MFU of a ~1B Llama
(20 layers, d_model 2048, GQA 32/8 heads, FFN 5632, seq_len 2048) on one GPU.
Usage: python runtime-py/bench/train_bench.py [--device cpu|cuda] [--preset tiny|1b] [--precision fp32|bf16|fp8] [--steps N]"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime-py"))
from flowrt.model.llama import Llama, ModelConfig, loss_fn

PRESETS = {
    "tiny": (ModelConfig(layers=2, d_model=64, heads=4, kv_heads=2, ffn=256, vocab=4096, seq_len=128), 64),
    "1b": (ModelConfig(layers=20, d_model=2048, heads=32, kv_heads=8, ffn=5632, vocab=32000, seq_len=2048, tie_embeddings=True), 8),
}
PEAK = {"cuda-bf16": 989e12, "cuda-fp8": 1979e12, "cpu": 200e9}


def flops_per_token(cfg: ModelConfig, seq_len: int, params: int) -> int:
    """The bench has no plan: src/estimate/compute.ts's formula (training runs read it from the plan)."""
    return 6 * params + 12 * cfg.layers * cfg.d_model * seq_len


def bench(cfg: ModelConfig, batch: int, device: str, precision: str, steps: int, loop: bool) -> float:
    torch.manual_seed(0)
    model = Llama(cfg).to(device)
    if precision == "fp8":
        from flowrt.train.parallel import check_precision

        check_precision("fp8", torch.device(device))
        from torchao.float8 import convert_to_float8_training

        convert_to_float8_training(model, module_filter_fn=lambda m, fqn: "lm_head" not in fqn)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=device == "cuda")
    x = torch.randint(0, cfg.vocab, (batch, cfg.seq_len), device=device)
    seg = torch.zeros_like(x)
    dtype = torch.bfloat16 if precision in ("bf16", "fp8") else torch.float32
    for i in range(steps + 3):
        if i == 3:
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        with torch.autocast(device, dtype=dtype, enabled=dtype != torch.float32):
            logits = model(x, seg if loop else None)
            loss = loss_fn(logits, x, seg if loop else None)
        loss.backward()
        if loop:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    if device == "cuda":
        torch.cuda.synchronize()
    return batch * cfg.seq_len * steps / (time.perf_counter() - t0)


def cpu_model() -> str:
    """The CPU's model name (lscpu's "Model name"), for the figures' label."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown CPU"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--preset", default="tiny", choices=PRESETS)
    ap.add_argument("--precision", default=None, choices=["fp32", "bf16", "fp8"])
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    cfg, batch = PRESETS[a.preset]
    n = sum(p.numel() for p in Llama(cfg).parameters())
    precisions = [a.precision] if a.precision else (["fp32", "bf16"] if a.device == "cpu" else ["bf16"])
    if a.device == "cpu":
        from flowrt.train.cpu_precision import native_bf16

        where = f"{cpu_model()}, {torch.get_num_threads()} threads, native bf16: {'yes' if native_bf16() else 'no (emulated)'}"
    else:
        where = torch.cuda.get_device_name()
    print(f"model {a.preset}: {n:,} parameters, seq_len {cfg.seq_len}, batch {batch}, device {a.device} ({where})")
    rows = {}
    for prec in precisions:
        tps = bench(cfg, batch, a.device, prec, a.steps, loop=True)
        base = bench(cfg, batch, a.device, prec, a.steps, loop=False)
        peak = PEAK.get(f"{a.device}-{prec}" if a.device == "cuda" else "cpu", 0)
        mfu = tps * flops_per_token(cfg, cfg.seq_len, n) / peak if peak else float("nan")
        rows[prec] = (tps, base, mfu)
    # The precisions side by side, and their ratio: on a CPU without native bf16 the second column is
    # several times slower (emulated), which is why examples/tiny.flow trains in fp32.
    print(f"  {'tokens/s':<44}" + "".join(f"{p:>12}" for p in rows) + ("   bf16/fp32" if {"fp32", "bf16"} <= set(rows) else ""))
    for i, label in enumerate(["training step (document masks, clipping)", "baseline: plain causal step"]):
        ratio = f"   {rows['bf16'][i] / rows['fp32'][i]:9.2f}x" if {"fp32", "bf16"} <= set(rows) else ""
        print(f"  {label:<44}" + "".join(f"{r[i]:12,.0f}" for r in rows.values()) + ratio)
    print(f"  {'MFU':<44}" + "".join(f"{r[2]:12.1%}" for r in rows.values()))


if __name__ == "__main__":
    main()
