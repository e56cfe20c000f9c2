"""Document-aware causal attention without an s×s mask: varlen attention over `cu_seqlens`.

A packed row holds several documents; a token attends to earlier tokens of its own document only.
Instead of a dense [b, 1, s, s] boolean mask (kept for backward in every layer, and ruling out the
flash kernels on a GPU), the batch is flattened to T = b·s tokens in the varlen layout [T, heads,
head_dim] with cumulative document boundaries `cu_seqlens`, as the flash-attention varlen kernels
take it:
- GPU: torch.nn.attention.varlen.varlen_attn (flash varlen, causal window (-1, 0)).
- CPU: the same contract with torch's CPU flash kernel, documents batched by length (right-padded
  to a power of two: a few calls, not one per document), writing into one [T, heads, head_dim]
  output; what autograd keeps is q, k, v, the output and the log-sum-exp, linear in s.
- Every row one document (the common case of long documents): one batched causal call.

Measured on CPU (AMD EPYC, 2 cores, torch 2.15, seq 2048, 8 heads × 64, four documents): a dense
mask kept 32.1 MiB for backward and took 1002 ms per forward+backward, per-document flash 16.1 MiB
and 722 ms; FlexAttention has no CPU backward in this torch (NotImplementedError), so it is not a
training path here.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Documents:
    """Where the documents of a flattened [b, s] batch start and end (token offsets into T = b·s).
    Padding (segment −1) runs count as documents of their own: no row is empty, and the loss
    ignores them."""

    cu_seqlens: tuple[int, ...]
    max_len: int
    batch: int
    seq_len: int

    @property
    def one_per_row(self) -> bool:
        return len(self.cu_seqlens) == self.batch + 1

    def device_cu(self, device: torch.device) -> torch.Tensor:
        return torch.tensor(self.cu_seqlens, dtype=torch.int32, device=device)


def documents_of(segments: torch.Tensor | None, batch: int, seq_len: int) -> Documents:
    """[b, s] segment ids -> document boundaries. No segments: each row is one document."""
    if segments is None:
        return Documents(tuple(range(0, batch * seq_len + 1, seq_len)), seq_len, batch, seq_len)
    starts = torch.ones_like(segments, dtype=torch.bool)
    starts[:, 1:] = segments[:, 1:] != segments[:, :-1]
    idx = torch.nonzero(starts.reshape(-1)).reshape(-1).tolist()  # one host sync per forward, shared by the layers
    cu = tuple(idx) + (batch * seq_len,)
    max_len = max(b - a for a, b in zip(cu, cu[1:]))
    return Documents(cu, max_len, batch, seq_len)


class _CpuVarlen(torch.autograd.Function):
    """Causal varlen attention on CPU with torch's flash kernel (it takes grouped-query kv heads as
    they are), one output buffer; autograd keeps q, k, v, out and the log-sum-exp. Documents are
    batched by length (next power of two), right-padded with zeros: causal attention never looks
    at later positions, so the padding changes nothing, and a few kernel calls replace one per
    document. The padded copies are temporaries of the call, not kept."""

    @staticmethod
    def forward(ctx, q, k, v, docs: Documents, scale: float):
        out = q.new_empty(q.shape[0], q.shape[1], v.shape[2])
        lse = q.new_empty(q.shape[1], q.shape[0], dtype=torch.float32)
        for g in _groups(docs, q.device):
            o, l = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(g.pad(q), g.pad(k), g.pad(v), 0.0, True, scale=scale)
            g.unpad(o, out)
            lse[:, g.idx] = l.transpose(0, 1).reshape(l.shape[1], -1)[:, g.pos]
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.docs, ctx.scale = docs, scale
        return out

    @staticmethod
    def backward(ctx, grad):
        q, k, v, out, lse = ctx.saved_tensors
        grad = grad.contiguous()
        dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
        for g in _groups(ctx.docs, q.device):
            gq, gk, gv = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward(
                g.pad(grad), g.pad(q), g.pad(k), g.pad(v), g.pad(out), g.pad_lse(lse), 0.0, True, scale=ctx.scale)
            g.unpad(gq, dq)
            g.unpad(gk, dk)
            g.unpad(gv, dv)
        return dq, dk, dv, None, None


@dataclass(frozen=True)
class _Group:
    """Documents of one kernel call: n documents right-padded to `length`; idx are their tokens
    in the flattened batch, pos the same tokens' rows in the padded [n·length] layout."""

    n: int
    length: int
    idx: torch.Tensor | None  # None: the whole batch, one document per row (no copy needed)
    pos: torch.Tensor | None

    def pad(self, t: torch.Tensor) -> torch.Tensor:
        """[T, heads, d] -> the kernel's [n, heads, length, d]."""
        if self.idx is None:
            return t.view(self.n, self.length, t.shape[1], t.shape[2]).transpose(1, 2)
        p = t.new_zeros(self.n * self.length, t.shape[1], t.shape[2])
        p[self.pos] = t[self.idx]
        return p.view(self.n, self.length, t.shape[1], t.shape[2]).transpose(1, 2)

    def pad_lse(self, lse: torch.Tensor) -> torch.Tensor:
        """[heads, T] -> [n, heads, length]."""
        if self.idx is None:
            return lse.view(lse.shape[0], self.n, self.length).transpose(0, 1)
        p = lse.new_zeros(lse.shape[0], self.n * self.length)
        p[:, self.pos] = lse[:, self.idx]
        return p.view(lse.shape[0], self.n, self.length).transpose(0, 1)

    def unpad(self, src: torch.Tensor, dst: torch.Tensor) -> None:
        """The kernel's [n, heads, length, d] -> dst's rows [T, heads, d]."""
        rows = src.transpose(1, 2).reshape(self.n * self.length, src.shape[1], src.shape[3])
        if self.idx is None:
            dst.copy_(rows)
        else:
            dst[self.idx] = rows[self.pos]


def _ranges(docs: Documents) -> list[tuple[int, int]]:
    """Token ranges of one call each (the windowed path): the whole batch when every row is one
    document, else one document."""
    if docs.one_per_row:
        return [(0, docs.batch * docs.seq_len)]
    cu = docs.cu_seqlens
    return list(zip(cu, cu[1:]))


def _view(t: torch.Tensor, a: int, b: int, docs: Documents) -> torch.Tensor:
    """Tokens a:b of a [T, heads, head_dim] tensor as [n, heads, len, head_dim] (a view)."""
    if docs.one_per_row:
        return t.view(docs.batch, docs.seq_len, t.shape[1], t.shape[2]).transpose(1, 2)
    return t[a:b].unsqueeze(0).transpose(1, 2)


def _groups(docs: Documents, device: torch.device) -> list[_Group]:
    if docs.one_per_row:
        return [_Group(docs.batch, docs.seq_len, None, None)]
    by_length: dict[int, list[tuple[int, int]]] = {}
    cu = docs.cu_seqlens
    for a, b in zip(cu, cu[1:]):
        by_length.setdefault(1 << (b - a - 1).bit_length(), []).append((a, b))
    groups = []
    for length, spans in sorted(by_length.items()):
        idx = torch.cat([torch.arange(a, b) for a, b in spans])
        pos = torch.cat([torch.arange(b - a) + i * length for i, (a, b) in enumerate(spans)])
        groups.append(_Group(len(spans), length, idx.to(device), pos.to(device)))
    return groups


def document_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, docs: Documents, scale: float,
                       window: int | None = None) -> torch.Tensor:
    """q [T, heads, head_dim], k/v [T, kv_heads, head_dim] (grouped-query: kv heads are shared by
    heads/kv_heads query heads) -> [T, heads, head_dim], causal within each document; with `window`,
    a token sees only the last `window` tokens of its document (itself included)."""
    if q.device.type == "cuda":
        from torch.nn.attention.varlen import varlen_attn

        cu = docs.device_cu(q.device)
        return varlen_attn(q, k, v, cu, cu, docs.max_len, docs.max_len, scale=scale,
                           window_size=(-1 if window is None else window - 1, 0), enable_gqa=k.shape[1] != q.shape[1])
    if q.device.type == "cpu":
        if window is not None:
            return _windowed_cpu(q, k, v, docs, scale, window)
        return _CpuVarlen.apply(q, k, v, docs, scale)
    raise NotImplementedError(f"document attention runs on CUDA or CPU, not {q.device.type}")


def window_mask(n: int, window: int, device: torch.device) -> torch.Tensor:
    """[n, n] boolean: query i sees keys j with i − window < j ≤ i (the diagonal always)."""
    i = torch.arange(n, device=device)
    return (i[:, None] >= i[None, :]) & (i[:, None] - i[None, :] < window)


def _windowed_cpu(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, docs: Documents, scale: float, window: int) -> torch.Tensor:
    """Sliding-window layers on CPU: torch's CPU flash kernel has no window, so each document (or the
    whole batch when every row is one) goes through SDPA with a banded causal mask; autograd as usual."""
    rep = q.shape[1] // k.shape[1]
    outs = []
    for a, b in _ranges(docs):
        qq, kk, vv = _view(q, a, b, docs), _view(k, a, b, docs), _view(v, a, b, docs)
        if rep > 1:
            kk, vv = kk.repeat_interleave(rep, dim=1), vv.repeat_interleave(rep, dim=1)
        o = F.scaled_dot_product_attention(qq, kk, vv, attn_mask=window_mask(qq.shape[2], window, q.device), scale=scale)
        outs.append(o.transpose(1, 2).reshape(-1, q.shape[1], q.shape[2]))
    return torch.cat(outs) if len(outs) > 1 else outs[0]


def dense_reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, segments: torch.Tensor, scale: float) -> torch.Tensor:
    """The dense-mask attention this module replaces (kept for tests and the benchmark's baseline):
    [b, 1, s, s] boolean mask, causal and same document, padding attending to itself."""
    b, s = segments.shape
    causal = torch.ones(s, s, dtype=torch.bool, device=segments.device).tril()
    same = segments[:, :, None] == segments[:, None, :]
    eye = torch.eye(s, dtype=torch.bool, device=segments.device)
    mask = ((same & causal) | eye)[:, None]
    qq, kk, vv = (t.view(b, s, t.shape[1], t.shape[2]).transpose(1, 2) for t in (q, k, v))
    if kk.shape[1] != qq.shape[1]:
        rep = qq.shape[1] // kk.shape[1]
        kk, vv = kk.repeat_interleave(rep, dim=1), vv.repeat_interleave(rep, dim=1)
    out = F.scaled_dot_product_attention(qq, kk, vv, attn_mask=mask, scale=scale)
    return out.transpose(1, 2).reshape(b * s, q.shape[1], q.shape[2])
