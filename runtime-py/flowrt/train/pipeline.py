"""Pipeline parallelism with torch.distributed.pipelining: the model is cut into `pp` stages of
whole layers (the first holds the embedding, the last the final norm and LM head) and run with
the 1F1B schedule over the step's micro-batches. A stage owns only its own modules, under the
same names as in the whole model (`layers.7.mlp…`), so the DCP checkpoints of all stages
together are the whole model. Segment ids travel with the hidden states, so every stage builds
its documents' boundaries for the document-aware attention."""
from __future__ import annotations

import torch
from torch import nn

from ..errors import FlowrtError
from ..model.attention import documents_of
from ..model.llama import Llama, loss_fn


class StageModule(nn.Module):
    def __init__(self, model: Llama, stage: int, stages: int):
        super().__init__()
        cfg = model.cfg
        if cfg.layers % stages:
            raise FlowrtError(f"layers {cfg.layers} is not divisible by pp {stages}")
        if cfg.tie_embeddings and stages > 1:
            raise FlowrtError("tied embeddings need the embedding and the LM head on one stage; pp > 1 cannot tie them",
                              "set tie_embeddings = false, or pp = 1")
        per = cfg.layers // stages
        self.cfg, self.first, self.last = cfg, stage == 0, stage == stages - 1
        self._rope = model.rope  # a function of the stage's sequence length, not a module
        self.embed_tokens = model.embed_tokens if self.first else None
        self.layers = nn.ModuleDict({str(i): model.layers[i] for i in range(stage * per, (stage + 1) * per)})
        self.norm = model.norm if self.last else None
        self.lm_head = model.lm_head if self.last else None

    def forward(self, x: torch.Tensor, segments: torch.Tensor | None = None):
        if self.first:
            tokens, segments = x[:, 0].contiguous(), x[:, 1].contiguous()
            h = self.embed_tokens(tokens)
        else:
            h = x
        cos, sin, scale = self._rope(h.shape[1], h.device, h.dtype)
        docs = documents_of(segments, h.shape[0], h.shape[1])
        for layer in self.layers.values():
            h = layer(h, cos, sin, docs, scale)
        if self.last:
            return self.lm_head(self.norm(h))
        return h.contiguous(), segments


def stacked_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The schedule's loss: target carries tokens and segment ids stacked on dim 1."""
    return loss_fn(logits, target[:, 0], target[:, 1])


def make_schedule(stage_module: StageModule, stage: int, stages: int, device: torch.device, group, micro_batches: int):
    from torch.distributed.pipelining import PipelineStage, Schedule1F1B

    ps = PipelineStage(stage_module, stage, stages, device, group=group)
    return Schedule1F1B(ps, n_microbatches=micro_batches, loss_fn=stacked_loss, scale_grads=True)
