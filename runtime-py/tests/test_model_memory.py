"""The Llama model's layers: the same function as the plain-torch formulation (unfused RMSNorm,
rotate-half RoPE, a dense document mask through SDPA, SiLU·up, full-logits cross-entropy), and
what autograd keeps per layer is linear in the sequence length (no s×s mask)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from flowrt.model.llama import Llama, ModelConfig, loss_fn


def reference_forward(m: Llama, tokens: torch.Tensor, segments: torch.Tensor) -> torch.Tensor:
    """Logits of m's weights through the textbook formulation (what flowrt computed before)."""
    cfg = m.cfg
    b, s = tokens.shape
    hd = cfg.head_dim

    def norm(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg.norm_eps))

    def rope(x, cos, sin):
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        return x * cos + torch.cat((-x2, x1), -1) * sin

    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = torch.outer(torch.arange(s, dtype=torch.float32), inv.float())
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.ones(s, s, dtype=torch.bool).tril()
    mask = (((segments[:, :, None] == segments[:, None, :]) & causal) | torch.eye(s, dtype=torch.bool))[:, None]
    x = m.embed_tokens.weight[tokens]
    for L in m.layers:
        a = L.self_attn
        h = norm(x, L.input_layernorm.weight)
        q = rope((h @ a.q_proj.weight.T).view(b, s, -1, hd).transpose(1, 2), cos, sin)
        k = rope((h @ a.k_proj.weight.T).view(b, s, -1, hd).transpose(1, 2), cos, sin)
        v = (h @ a.v_proj.weight.T).view(b, s, -1, hd).transpose(1, 2)
        rep = q.shape[1] // k.shape[1]
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1 / math.sqrt(hd))
        x = x + o.transpose(1, 2).reshape(b, s, -1) @ a.o_proj.weight.T
        h = norm(x, L.post_attention_layernorm.weight)
        mlp = L.mlp
        x = x + (F.silu(h @ mlp.gate_proj.weight.T) * (h @ mlp.up_proj.weight.T)) @ mlp.down_proj.weight.T
    return norm(x, m.norm.weight) @ m.lm_head.weight.T


CFG = ModelConfig(layers=2, d_model=64, heads=4, kv_heads=2, ffn=176, vocab=300, seq_len=96)


def packed(b: int, s: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, CFG.vocab, (b, s), generator=g)
    segs = []
    for _ in range(b):
        lens, left = [], s
        while left > 0:
            n = min(left, int(torch.randint(1, s // 2, (1,), generator=g)))
            lens.append(n)
            left -= n
        segs.append(torch.repeat_interleave(torch.arange(len(lens)), torch.tensor(lens)))
    seg = torch.stack(segs)
    seg[-1, -7:] = -1  # padding at the end of the last row
    return tokens, seg


@pytest.mark.parametrize("one_document", [False, True])
def test_outputs_and_gradients_equal_the_dense_mask_formulation(one_document: bool) -> None:
    torch.manual_seed(0)
    m = Llama(CFG)
    tokens, seg = packed(3, CFG.seq_len)
    if one_document:
        seg = torch.zeros_like(seg)
    valid = (seg >= 0)[..., None]
    logits = m(tokens, seg)
    ref = reference_forward(m, tokens, seg)
    assert torch.allclose(logits * valid, ref * valid, atol=1e-5, rtol=1e-4)
    params = list(m.parameters())
    ours = torch.autograd.grad(m(tokens, seg, loss_chunk_tokens=40), params)
    theirs = torch.autograd.grad(loss_fn(reference_forward(m, tokens, seg), tokens, seg), params)
    for a, b in zip(ours, theirs):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)


def saved_bytes_of_one_block(s: int, b: int = 1) -> int:
    """Bytes of the distinct storages autograd keeps for backward in one block's forward."""
    torch.manual_seed(0)
    cfg = ModelConfig(layers=1, d_model=64, heads=4, kv_heads=2, ffn=176, vocab=300, seq_len=s)
    m = Llama(cfg)
    tokens, seg = packed(b, s, seed=1)
    x = m.embed_tokens(tokens).detach().requires_grad_()
    cos, sin, scale = m.rope(s, x.device, x.dtype)
    from flowrt.model.attention import documents_of

    docs = documents_of(seg, b, s)
    seen: dict[int, int] = {}
    weights = {p.untyped_storage().data_ptr() for p in [*m.parameters(), cos, sin]}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if ptr not in weights:  # per-token tensors, not the weights or rope's tables
            seen[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        m.layers[0](x, cos, sin, docs, scale)
    return sum(seen.values())


def test_per_layer_memory_has_no_quadratic_term() -> None:
    short, long, longest = saved_bytes_of_one_block(512), saved_bytes_of_one_block(2048), saved_bytes_of_one_block(8192)
    assert long == pytest.approx(4 * short, rel=0.01), (short, long)
    assert longest == pytest.approx(16 * short, rel=0.01), (short, longest)
    # What the estimator counts per token per layer in fp32 (src/estimate/memory.ts):
    # 4 bytes × (h(6 + 2g/a) + 3F) plus the fp32 norm statistics (2) and the log-sum-exp (a).
    h, F_, a, g = 64, 176, 4, 2
    per_token = 4 * (h * (6 + 2 * g / a) + 3 * F_ + 2 + a)
    assert short == pytest.approx(512 * per_token, rel=0.01), (short, 512 * per_token)


def backward_peak_of_one_block(s: int, dtype: torch.dtype) -> dict[str, int]:
    """MemTracker's categories at the peak of one block's forward and backward (CPU), four documents."""
    from torch.distributed._tools.mem_tracker import MemTracker

    from flowrt.model.attention import documents_of

    torch.manual_seed(0)
    cfg = ModelConfig(layers=1, d_model=64, heads=4, kv_heads=2, ffn=176, vocab=300, seq_len=s)
    m = Llama(cfg)
    tokens = torch.randint(0, cfg.vocab, (1, s), generator=torch.Generator().manual_seed(1))
    docs = documents_of((torch.arange(s) * 4 // s)[None], 1, s)
    cos, sin, scale = m.rope(s, tokens.device, dtype)
    block = m.layers[0].to(dtype)
    x = m.embed_tokens(tokens).detach().to(dtype).requires_grad_()
    grad = torch.randn_like(x)
    tracker = MemTracker()
    tracker.track_external(block, x, grad, cos, sin)
    with tracker:
        block(x, cos, sin, docs, scale).backward(grad)
    snap = next(iter(tracker.get_tracker_snapshot("peak").values()))
    return {getattr(k, "value", str(k)): v for k, v in snap.items()}


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=["fp32", "bf16"])
def test_one_layers_backward_temporaries_are_what_the_estimator_counts(dtype: torch.dtype) -> None:
    # backwardTransientBytesPerToken (src/estimate/memory.ts): the SwiGLU backward's peak, the
    # incoming gradient (e·F) and five fp32 [F] temporaries, seven in bf16 (two casts are copies).
    # Linear in s: the same bytes per token at 512 and 2048 tokens.
    F_, e = 176, dtype.itemsize
    per_token = e * F_ + 4 * F_ * (5 if e == 4 else 7)
    for s in (512, 2048):
        temp = backward_peak_of_one_block(s, dtype)["Temp"]
        assert temp == pytest.approx(s * per_token, rel=0.01), (s, temp, s * per_token)
