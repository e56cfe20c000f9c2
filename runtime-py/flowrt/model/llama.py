"""A Llama-style decoder: RMSNorm, RoPE (rope_theta, YaRN scaling for context extension), grouped-
query attention, SwiGLU, optionally tied embeddings. Attention is document-aware: packed
sequences carry a segment id per token, and a token attends only to earlier tokens of its own
document (varlen attention over the documents' boundaries, `attention.py`: no s×s mask). The
elementwise layers keep what flowc's memory estimate counts (`layers.py`), and the training loss
is a chunked cross-entropy inside forward (no full fp32 logits).

Parameter names follow Hugging Face's LlamaForCausalLM, so the release is a plain state-dict copy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from .attention import Documents, documents_of, document_attention
from .layers import apply_rope, chunked_cross_entropy, rms_norm, swiglu

if TYPE_CHECKING:
    from .. import plan_types


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    layers: int
    d_model: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int
    seq_len: int
    rope_theta: float = 10_000.0
    tie_embeddings: bool = False
    norm_eps: float = 1e-5
    yarn_factor: float | None = None
    yarn_original_seq_len: int | None = None
    # Sliding-window attention in every layer but the last `full_attention_layers` (None: full everywhere).
    sliding_window: int | None = None
    full_attention_layers: int = 0

    @classmethod
    def from_plan(cls, m: "plan_types.Model") -> "ModelConfig":
        """The plan's model (a typed flowrt.plan_types.Model: the loader already refused unknown keys)."""
        if m.arch != "llama":
            from ..errors import FlowrtError

            raise FlowrtError(f"this flowrt builds Llama-style models, not arch = {m.arch}", "use arch = llama")
        return cls(layers=m.layers, d_model=m.d_model, heads=m.heads, kv_heads=m.kv_heads, ffn=m.ffn, vocab=m.vocab,
                   seq_len=m.seq_len, rope_theta=m.rope_theta, tie_embeddings=m.tie_embeddings,
                   sliding_window=m.sliding_window, full_attention_layers=m.full_attention_layers or 0)

    def window_of(self, layer: int) -> int | None:
        """The attention window of a layer: `sliding_window` but in the last `full_attention_layers`."""
        return self.sliding_window if self.sliding_window and layer < self.layers - self.full_attention_layers else None

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self.weight, self.eps)


def rope_frequencies(cfg: ModelConfig, rope_theta: float, yarn_factor: float | None) -> tuple[torch.Tensor, float]:
    """Inverse frequencies, and the attention scale YaRN applies (Peng et al. 2023, NTK-by-parts:
    dimensions whose wavelength is short keep their frequency, long ones are interpolated by the
    factor, with a linear ramp between; attention logits scaled by 0.1·ln(s) + 1)."""
    d = cfg.head_dim
    inv = 1.0 / (rope_theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    if not yarn_factor or yarn_factor <= 1.0:
        return inv.float(), 1.0
    original = cfg.yarn_original_seq_len or cfg.seq_len
    beta_fast, beta_slow = 32.0, 1.0
    wavelen = 2 * math.pi / inv
    low = original / beta_fast   # shorter wavelengths than this: keep
    high = original / beta_slow  # longer than this: interpolate fully
    ramp = ((wavelen - low) / (high - low)).clamp(0, 1)
    inv = inv * (1 - ramp) + (inv / yarn_factor) * ramp
    return inv.float(), 0.1 * math.log(yarn_factor) + 1.0


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig, window: int | None = None):
        super().__init__()
        self.cfg = cfg
        self.window = window
        hd = cfg.head_dim
        self.q_proj = nn.Linear(cfg.d_model, cfg.heads * hd, bias=False)
        self.k_proj = nn.Linear(cfg.d_model, cfg.kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(cfg.d_model, cfg.kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(cfg.heads * hd, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, docs: Documents, scale: float) -> torch.Tensor:
        b, s, _ = x.shape
        hd = self.cfg.head_dim
        # Local head counts: under tensor parallelism the projections hold a shard of the heads.
        # The varlen layout [b·s, heads, head_dim] is a view of the projections' output.
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        cos, sin = cos.to(q.dtype), sin.to(q.dtype)  # under autocast the projections are bf16, the tables not
        q = apply_rope(q.view(b, s, -1, hd), cos, sin).view(b * s, -1, hd)
        k = apply_rope(k.view(b, s, -1, hd), cos, sin).view(b * s, -1, hd)
        v = v.view(b * s, -1, hd)
        out = document_attention(q, k, v, docs, scale / math.sqrt(hd), window=self.window)
        return self.o_proj(out.view(b, s, -1))


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.d_model, cfg.ffn, bias=False)
        self.up_proj = nn.Linear(cfg.d_model, cfg.ffn, bias=False)
        self.down_proj = nn.Linear(cfg.ffn, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(swiglu(self.gate_proj(x), self.up_proj(x)))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig, window: int | None = None):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.self_attn = Attention(cfg, window)
        self.post_attention_layernorm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, docs, scale):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, docs, scale)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab, cfg.d_model)
        self.layers = nn.ModuleList(Block(cfg, cfg.window_of(i)) for i in range(cfg.layers))
        self.norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab, bias=False)
        if cfg.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        self.rope_theta = cfg.rope_theta
        self.yarn_factor = cfg.yarn_factor
        self.checkpointing = "none"
        self.reset_parameters()

    def reset_parameters(self, std: float = 0.02) -> None:
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                # Residual output projections scaled down by depth (GPT-2 / OLMo practice).
                s = std / math.sqrt(2 * self.cfg.layers) if name.endswith(("o_proj.weight", "down_proj.weight")) else std
                nn.init.normal_(p, mean=0.0, std=s)

    def set_rope(self, rope_theta: float, yarn_factor: float | None) -> None:
        """Stage transitions may change rope_theta (context extension) or add YaRN scaling."""
        self.rope_theta, self.yarn_factor = rope_theta, yarn_factor

    def rope(self, seq_len: int, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, float]:
        inv, scale = rope_frequencies(self.cfg, self.rope_theta, self.yarn_factor)
        t = torch.arange(seq_len, dtype=torch.float32)
        freqs = torch.outer(t, inv)
        emb = torch.cat((freqs, freqs), dim=-1)[:, None, :]  # [s, 1, head_dim]: broadcast over heads
        return emb.cos().to(device=device, dtype=dtype), emb.sin().to(device=device, dtype=dtype), scale

    def hidden(self, tokens: torch.Tensor, segments: torch.Tensor | None) -> torch.Tensor:
        """The final norm's output [b, s, d_model]."""
        x = self.embed_tokens(tokens)
        cos, sin, scale = self.rope(tokens.shape[1], tokens.device, x.dtype)
        docs = documents_of(segments, tokens.shape[0], tokens.shape[1])
        for layer in self.layers:
            if self.checkpointing == "full" and self.training:
                x = torch.utils.checkpoint.checkpoint(layer, x, cos, sin, docs, scale, use_reentrant=False)
            else:
                x = layer(x, cos, sin, docs, scale)
        return self.norm(x)

    def forward(self, tokens: torch.Tensor, segments: torch.Tensor | None = None, *, loss_chunk_tokens: int | None = None) -> torch.Tensor:
        """Logits [b, s, vocab]; with loss_chunk_tokens the training loss instead (`loss_fn`'s
        value, computed over chunks of that many tokens without the full logits; the plan's
        `memory.loss_chunk_tokens`, which flowc's memory estimate assumes)."""
        h = self.hidden(tokens, segments)
        if loss_chunk_tokens is None:
            return self.lm_head(h)
        # Targets for every position (the last of a row has none: −100), so h flattens as a view.
        targets = F.pad(next_token_targets(tokens, segments), (0, 1), value=-100)
        return chunked_cross_entropy(h.reshape(-1, h.shape[-1]), self.lm_head.weight, targets.reshape(-1), loss_chunk_tokens)


def next_token_targets(tokens: torch.Tensor, segments: torch.Tensor | None) -> torch.Tensor:
    """[b, s − 1] targets: the next token, −100 across document boundaries and on padding."""
    targets = tokens[:, 1:].clone()
    if segments is not None:
        cross = (segments[:, 1:] != segments[:, :-1]) | (segments[:, 1:] < 0)
        targets[cross] = -100
    return targets


def loss_fn(logits: torch.Tensor, tokens: torch.Tensor, segments: torch.Tensor | None) -> torch.Tensor:
    """Next-token cross-entropy of materialized logits (pipeline stages, evals); no loss across
    document boundaries or on padding."""
    targets = next_token_targets(tokens, segments)
    return F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
