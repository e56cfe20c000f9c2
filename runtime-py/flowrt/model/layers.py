"""The Llama block's elementwise layers as autograd functions that keep one tensor each for
backward, so what a layer holds is what flowc's memory estimate counts (src/estimate/memory.ts):
- RMSNorm keeps its input and the per-token reciprocal RMS (torch's composite rms_norm on CPU
  also keeps the normalised value: one more h per token);
- RoPE keeps nothing per token (the rotation is linear: backward is the inverse rotation);
- SwiGLU keeps the gate and up projections and recomputes SiLU in backward (the product is kept
  once, by down_proj, as its input), as Liger's fused SwiGLU does;
- the cross-entropy runs over chunks of tokens under checkpointing, so full fp32 logits never exist:
  one chunk's logits at a time, recomputed in backward (torchtitan / Liger's fused linear CE).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


class _RMSNorm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, eps: float):
        xf = x.float()
        rstd = torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
        ctx.save_for_backward(x, weight, rstd)
        # Under autocast the output is already the compute dtype: the projections that read it
        # then keep this one tensor instead of each casting (and keeping) a copy of their own.
        dtype = torch.get_autocast_dtype(x.device.type) if torch.is_autocast_enabled(x.device.type) else x.dtype
        return (weight * (xf * rstd)).to(dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight, rstd = ctx.saved_tensors
        xf, gf = x.float(), grad.float()
        n = xf * rstd
        gw = (gf * n).reshape(-1, x.shape[-1]).sum(0).to(weight.dtype)
        gn = gf * weight.float()
        gx = rstd * (gn - n * (gn * n).mean(-1, keepdim=True))
        return gx.to(x.dtype), gw, None


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """weight · x / rms(x), computed in fp32, returned in x's dtype or autocast's (Llama's RMSNorm)."""
    return _RMSNorm.apply(x, weight, eps)


def _rotate(x: torch.Tensor) -> torch.Tensor:
    # Hugging Face's rotate_half convention (first half / second half of the head dimension).
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class _Rope(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor):
        ctx.save_for_backward(cos, sin)
        return x * cos + _rotate(x) * sin

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        cos, sin = ctx.saved_tensors
        # The rotation's transpose is minus itself: d/dx (x·cos + rot(x)·sin) = g·cos − rot(g·sin).
        return grad * cos - _rotate(grad * sin), None, None


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [..., s, heads, head_dim] rotated by cos/sin [s, 1, head_dim] (broadcast over heads)."""
    return _Rope.apply(x, cos, sin)


class _SwiGLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gate: torch.Tensor, up: torch.Tensor):
        ctx.save_for_backward(gate, up)
        return F.silu(gate) * up

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        gate, up = ctx.saved_tensors
        sig = torch.sigmoid(gate.float())
        silu = gate.float() * sig
        g = grad.float()
        d_gate = g * up.float() * sig * (1 + gate.float() * (1 - sig))
        return d_gate.to(gate.dtype), (g * silu).to(up.dtype)


def swiglu(gate: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
    return _SwiGLU.apply(gate, up)


def _chunk_loss(h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(F.linear(h, weight).float(), targets, ignore_index=-100, reduction="sum")


def chunked_cross_entropy(h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk_tokens: int) -> torch.Tensor:
    """Mean next-token cross-entropy of h [N, d] through the LM head `weight` [V, d] against
    targets [N] (−100: ignored), `chunk_tokens` rows at a time; each chunk's logits are
    recomputed in backward, so the step holds one chunk's logits, not N × V of them."""
    total = h.new_zeros((), dtype=torch.float32)
    for i in range(0, h.shape[0], chunk_tokens):
        part = (h[i:i + chunk_tokens], weight, targets[i:i + chunk_tokens])
        if torch.is_grad_enabled():
            total = total + torch.utils.checkpoint.checkpoint(_chunk_loss, *part, use_reentrant=False)
        else:
            total = total + _chunk_loss(*part)
    return total / (targets != -100).sum().clamp(min=1)
