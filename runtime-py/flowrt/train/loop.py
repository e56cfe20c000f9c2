"""The training loop, read top to bottom (nanoGPT/torchtitan style):
for each step: stage transition? -> learning rate -> micro-batches (forward, backward) -> clip ->
optimizer step -> metrics -> checkpoint (every `checkpoint_every`, at the end, or on a signal)."""
from __future__ import annotations

import json
import math
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from ..data.layout import StageData
from ..errors import FlowrtError
from ..model.llama import Llama, ModelConfig, loss_fn
from ..plan_schedule import schedule_of
from ..schedule import lr_at, stage_at
from . import checkpoint as ckpt
from .parallel import Dist, apply_fsdp, apply_tensor_parallel, build_mesh, check_precision, set_checkpointing

REQUEUE_EXIT = 75  # EX_TEMPFAIL: checkpointed on a signal; the job script requeues


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """The run's settings, read strictly from the plan (unknown keys are errors)."""

    name: str
    first_step: int
    last_step: int
    checkpoint_every: int
    precision: str
    tp: int
    pp: int
    dp: int
    cp: int
    zero: int
    recompute: str
    lr: float
    betas: tuple[float, float]
    weight_decay: float
    eps: float
    clip: float
    seed: int

    @classmethod
    def from_plan(cls, train: dict[str, Any], first_step: int, last_step: int) -> "TrainConfig":
        p, o = train["parallel"], train["optimizer"]
        if set(o) - {"kind", "lr", "betas", "weight_decay", "eps", "clip"}:
            raise FlowrtError(f"unknown optimizer keys {sorted(set(o) - {'kind', 'lr', 'betas', 'weight_decay', 'eps', 'clip'})}")
        return cls(name=train["name"], first_step=first_step, last_step=last_step, checkpoint_every=train["checkpoint_every"],
                   precision=train["precision"], tp=p["tp"], pp=p["pp"], dp=p["dp"], cp=p["cp"], zero=p["zero"],
                   recompute=p["recompute"], lr=o["lr"], betas=tuple(o["betas"]), weight_decay=o["weight_decay"], eps=o["eps"],
                   clip=o["clip"], seed=train["seed"])


def flops_per_token(cfg: ModelConfig, seq_len: int, params: int) -> float:
    return 6 * params + 12 * cfg.layers * cfg.d_model * seq_len  # as src/estimate/compute.ts


def train(plan: dict[str, Any], train_ir: dict[str, Any], first_step: int, last_step: int, out: Path, d: Dist, log,
          peak_flops: float | None = None) -> dict[str, Any]:
    cfg = TrainConfig.from_plan(train_ir, first_step, last_step)
    check_precision(cfg.precision, d.device)
    mcfg = ModelConfig.from_plan(train_ir["model"])
    sched = schedule_of(train_ir, cfg.dp)

    # Model: identical initialization on every rank, then parallelized.
    torch.manual_seed(cfg.seed)
    model = Llama(mcfg).to(d.device)
    n_params = sum(p.numel() for p in model.parameters())
    mesh = build_mesh(d, cfg.tp, cfg.pp, cfg.dp, cfg.cp)
    dp_rank, pp_rank = mesh["dp"].get_local_rank(), mesh["pp"].get_local_rank()
    full_model = model
    if cfg.pp > 1:
        from .pipeline import StageModule

        model = StageModule(full_model, pp_rank, cfg.pp)
    if cfg.tp > 1:
        apply_tensor_parallel(model, mesh)
    set_checkpointing(full_model, cfg.recompute)
    apply_fsdp(model, mesh, cfg.zero, cfg.precision, d.device)
    if cfg.precision == "fp8":
        from torchao.float8 import convert_to_float8_training

        convert_to_float8_training(model, module_filter_fn=lambda m, fqn: "lm_head" not in fqn)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, foreach=False)

    # Resume: model, optimizer, step and RNG; the sampler position is a function of the step.
    ckpt_dir = out / "ckpt"
    step = cfg.first_step
    resumed = ckpt.latest(ckpt_dir)
    if resumed is not None:
        step = ckpt.load(resumed, model, opt)
        log.info("resumed from %s at step %d", resumed, step)

    # Signals: SIGUSR2 (the pre-timeout signal the Slurm emitter asks for) and SIGTERM (preemption).
    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signal.Signals(signum).name

    for s in (signal.SIGUSR2, signal.SIGTERM):
        signal.signal(s, on_signal)

    mix_dir = Path(out).parent / f"mix.{cfg.name}"
    data: dict[str, StageData] = {}
    metrics_path = out / "metrics.jsonl"
    current_stage = None
    losses: list[float] = []
    t_last = time.perf_counter()
    autocast = torch.autocast(d.device.type, dtype=torch.bfloat16, enabled=cfg.precision in ("bf16", "fp8") and d.device.type == "cuda")
    while step < cfg.last_step:
        st = stage_at(sched, step)
        ir_stage = train_ir["stages"][st.index]
        if current_stage != st.name:
            # Stage transition: mix (the data file), seq_len, micro_batch, rope_theta / YaRN.
            full_model.set_rope(ir_stage["rope_theta"], ir_stage.get("yarn_factor"))
            data.setdefault(st.name, StageData(mix_dir, sched, st))
            if cfg.pp > 1:
                from .pipeline import make_schedule

                pipe = make_schedule(model, pp_rank, cfg.pp, d.device, mesh["pp"].get_group(), st.grad_accum)
            current_stage = st.name
            if d.is_main:
                log.info("step %d: stage %s (seq_len %d, micro_batch %d, grad_accum %d)", step, st.name, st.seq_len, st.micro_batch, st.grad_accum)
        lr = lr_at(sched, step)
        for g in opt.param_groups:
            g["lr"] = lr
        total = torch.zeros((), device=d.device)
        if cfg.pp > 1:
            # 1F1B over the step's micro-batches; the last stage computes the loss.
            tokens, segments = data[st.name].rank_batch(step, dp_rank, cfg.dp)
            xs = torch.stack([tokens, segments], 1).to(d.device)
            step_losses: list[torch.Tensor] = []
            if pp_rank == 0:
                pipe.step(xs)
            elif pp_rank == cfg.pp - 1:
                pipe.step(target=xs, losses=step_losses)
            else:
                pipe.step()
            if step_losses:
                total += torch.stack([l.detach().float() for l in step_losses]).mean()
            dist.all_reduce(total, group=mesh["pp"].get_group())
        for micro in range(st.grad_accum if cfg.pp == 1 else 0):
            tokens, segments = data[st.name].micro_batch(step, micro, dp_rank, cfg.dp)
            tokens, segments = tokens.to(d.device), segments.to(d.device)
            model.set_requires_gradient_sync(micro == st.grad_accum - 1)
            with autocast:
                logits = model(tokens, segments)
                loss = loss_fn(logits, tokens, segments) / st.grad_accum
            loss.backward()
            total += loss.detach()
        grad_norm = clip_grad_norm(list(model.parameters()), cfg.clip, mesh["pp"].get_group() if cfg.pp > 1 else None)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dist.all_reduce(total, op=dist.ReduceOp.AVG) if d.world > 1 and d.device.type == "cuda" else _avg_gloo(total, d)
        step += 1
        loss_v = float(total)
        if not math.isfinite(loss_v):
            raise FlowrtError(f"the loss is {loss_v} at step {step - 1}", "lower the learning rate or check the data; the last checkpoint is intact")
        losses.append(loss_v)
        now = time.perf_counter()
        tokens_step = st.sequences_per_step * st.seq_len
        tps = tokens_step / max(1e-9, now - t_last)
        t_last = now
        if d.is_main:
            rec = {"step": step - 1, "stage": st.name, "loss": loss_v, "lr": lr, "grad_norm": grad_norm,
                   "tokens_per_s": tps, "memory_bytes": _memory(d)}
            if peak_flops:
                rec["mfu"] = tps * flops_per_token(mcfg, st.seq_len, n_params) / (peak_flops * d.world)
            with metrics_path.open("a") as f:
                f.write(json.dumps(rec) + "\n")
            print(f"[{cfg.name}] step {step - 1}/{cfg.last_step} stage {st.name} loss {loss_v:.4f} lr {lr:.3e} {tps:,.0f} tok/s", flush=True)
        at_end = step == cfg.last_step
        if at_end or step % cfg.checkpoint_every == 0 or stop["signal"]:
            ckpt.save(ckpt_dir, step, model, opt, d)
        if stop["signal"] and not at_end:
            log.info("%s: checkpointed at step %d; exiting for requeue", stop["signal"], step)
            return {"stopped": stop["signal"], "step": step, "losses": losses, "exit": REQUEUE_EXIT}
    if step >= train_ir["total_steps"]:
        ckpt.export_full(model, out / "final", d, part=pp_rank if cfg.pp > 1 else None, parts=cfg.pp, first_of_part=dp_rank == 0)
    return {"step": step, "losses": losses, "params": n_params}


def clip_grad_norm(params: list[torch.nn.Parameter], max_norm: float, pp_group=None) -> float:
    """Global gradient norm over parameters that live on different device meshes (FSDP's dp mesh
    and the 2-D dp×tp mesh of tensor-parallel layers): norms are taken per mesh, made full, and
    combined; then every gradient is scaled by the same factor (torch's clip_grad_norm_ refuses
    to stack DTensors of different meshes)."""
    from collections import defaultdict

    from torch.distributed.tensor import DTensor

    groups: dict[object, list[torch.Tensor]] = defaultdict(list)
    for p in params:
        if p.grad is not None:
            groups[p.grad.device_mesh if isinstance(p.grad, DTensor) else None].append(p.grad)
    total_sq = 0.0
    for grads in groups.values():
        n = torch.nn.utils.get_total_norm(grads, 2.0, foreach=False)
        if isinstance(n, DTensor):
            n = n.full_tensor()
        total_sq += float(n) ** 2
    if pp_group is not None:
        # Each pipeline stage holds other parameters: the global norm sums over stages.
        t = torch.tensor(total_sq, dtype=torch.float64)
        dist.all_reduce(t, group=pp_group)
        total_sq = float(t)
    total = math.sqrt(total_sq)
    if max_norm > 0 and total > max_norm:
        coef = max_norm / (total + 1e-6)
        for grads in groups.values():
            for g in grads:
                g.mul_(coef)
    return total


def _avg_gloo(t: torch.Tensor, d: Dist) -> None:
    if d.world > 1:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        t /= d.world


def _memory(d: Dist) -> int:
    if d.device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(d.device))
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
