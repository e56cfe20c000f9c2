"""Training throughput. On CPU (default): tokens/s of the tiny example's model (2 layers, d_model 64)
for fp32 and bf16 at seq_len 128, one process, beside the same model's forward+backward without
the training loop (plain torch, the baseline of what the loop adds). With a GPU:
`--device cuda --preset 1b --precision bf16|fp8` measures tokens/s and MFU of a ~1B Llama
(20 layers, d_model 2048, GQA 32/8 heads, FFN 5632, seq_len 2048) on one GPU.
Beside the training path (varlen document attention, chunked cross-entropy) it prints the
previous path on the same model: a dense [b, 1, s, s] document mask through SDPA and the loss
over full fp32 logits (`--docs N`: documents packed per row, default 4).
Usage: python runtime-py/bench/train_bench.py [--device cpu|cuda] [--preset tiny|1b] [--precision fp32|bf16|fp8] [--steps N]"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime-py"))
from flowrt.model import llama
from flowrt.model.attention import dense_reference
from flowrt.model.llama import Llama, ModelConfig, loss_fn

PRESETS = {
    "tiny": (ModelConfig(layers=2, d_model=64, heads=4, kv_heads=2, ffn=256, vocab=4096, seq_len=128), 64),
    "1b": (ModelConfig(layers=20, d_model=2048, heads=32, kv_heads=8, ffn=5632, vocab=32000, seq_len=2048, tie_embeddings=True), 8),
}
LOSS_CHUNK_TOKENS = 1024  # the bench has no plan: what flowc plans (its memory.loss_chunk_tokens)
PEAK = {"cuda-bf16": 989e12, "cuda-fp8": 1979e12, "cpu": 200e9}


def flops_per_token(cfg: ModelConfig, seq_len: int, params: int) -> int:
    """The bench has no plan: src/estimate/compute.ts's formula (training runs read it from the plan)."""
    return 6 * params + 12 * cfg.layers * cfg.d_model * seq_len


def dense_mask_attention(q, k, v, docs, scale, window=None):
    """The previous attention: a dense document mask built from the documents' boundaries."""
    if window is not None:
        raise SystemExit("train_bench: the dense-mask baseline has no sliding window (the presets have none)")
    cu = torch.tensor(docs.cu_seqlens)
    seg = torch.repeat_interleave(torch.arange(len(cu) - 1), cu[1:] - cu[:-1]).view(docs.batch, docs.seq_len).to(q.device)
    return dense_reference(q, k, v, seg, scale)


def bench(cfg: ModelConfig, batch: int, device: str, precision: str, steps: int, mode: str, docs: int) -> float:
    """mode: "train" (the training path), "dense" (dense mask + full logits), "plain" (causal, no
    documents, no clipping: plain torch's step, what the loop adds is measured against it)."""
    torch.manual_seed(0)
    model = Llama(cfg).to(device)
    if precision == "fp8":
        from flowrt.train.parallel import check_precision

        check_precision("fp8", torch.device(device))
        from torchao.float8 import convert_to_float8_training

        convert_to_float8_training(model, module_filter_fn=lambda m, fqn: "lm_head" not in fqn)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=device == "cuda")
    x = torch.randint(0, cfg.vocab, (batch, cfg.seq_len), device=device)
    seg = (torch.arange(cfg.seq_len, device=device) * docs // cfg.seq_len).expand(batch, -1).contiguous()
    dtype = torch.bfloat16 if precision in ("bf16", "fp8") else torch.float32
    attention = llama.document_attention
    if mode == "dense":
        llama.document_attention = dense_mask_attention
    try:
        for i in range(steps + 3):
            if i == 3:
                if device == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
            with torch.autocast(device, dtype=dtype, enabled=dtype != torch.float32):
                if mode == "train":
                    loss = model(x, seg, loss_chunk_tokens=LOSS_CHUNK_TOKENS)
                elif mode == "dense":
                    loss = loss_fn(model(x, seg), x, seg)
                else:
                    loss = loss_fn(model(x), x, None)
            loss.backward()
            if mode != "plain":
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        return batch * cfg.seq_len * steps / (time.perf_counter() - t0)
    finally:
        llama.document_attention = attention


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
    ap.add_argument("--docs", type=int, default=4, help="documents packed per row")
    ap.add_argument("--seq-len", type=int, default=None, help="override the preset's seq_len")
    ap.add_argument("--batch", type=int, default=None, help="override the preset's micro batch")
    a = ap.parse_args()
    cfg, batch = PRESETS[a.preset]
    if a.seq_len:
        cfg = replace(cfg, seq_len=a.seq_len)
    batch = a.batch or batch
    n = sum(p.numel() for p in Llama(cfg).parameters())
    precisions = [a.precision] if a.precision else (["fp32", "bf16"] if a.device == "cpu" else ["bf16"])
    if a.device == "cpu":
        from flowrt.train.cpu_precision import native_bf16

        where = f"{cpu_model()}, {torch.get_num_threads()} threads, native bf16: {'yes' if native_bf16() else 'no (emulated)'}"
    else:
        where = torch.cuda.get_device_name()
    print(f"model {a.preset}: {n:,} parameters, seq_len {cfg.seq_len}, batch {batch}, {a.docs} documents per row, device {a.device} ({where})")
    rows = {}
    for prec in precisions:
        tps = bench(cfg, batch, a.device, prec, a.steps, "train", a.docs)
        dense = bench(cfg, batch, a.device, prec, a.steps, "dense", a.docs)
        base = bench(cfg, batch, a.device, prec, a.steps, "plain", a.docs)
        peak = PEAK.get(f"{a.device}-{prec}" if a.device == "cuda" else "cpu", 0)
        mfu = tps * flops_per_token(cfg, cfg.seq_len, n) / peak if peak else float("nan")
        rows[prec] = (tps, dense, base, mfu)
    # The precisions side by side, and their ratio: on a CPU without native bf16 the bf16 column is
    # several times slower (emulated), which is why examples/tiny.flow trains in fp32.
    both = {"fp32", "bf16"} <= set(rows)
    print(f"  {'tokens/s':<52}" + "".join(f"{p:>12}" for p in rows) + ("   bf16/fp32" if both else ""))
    labels = ["training step (varlen documents, chunked loss, clipping)", "dense-mask path (full fp32 logits)", "plain causal step"]
    for i, label in enumerate(labels):
        ratio = f"   {rows['bf16'][i] / rows['fp32'][i]:9.2f}x" if both else ""
        print(f"  {label:<52}" + "".join(f"{r[i]:12,.0f}" for r in rows.values()) + ratio)
    print(f"  {'training step over dense-mask path':<52}" + "".join(f"{r[0] / r[1]:11.2f}x" for r in rows.values()))
    print(f"  {'MFU':<52}" + "".join(f"{r[3]:12.1%}" for r in rows.values()))


if __name__ == "__main__":
    main()
