"""The `train` step: runs (a segment of) a train run of the plan under torchrun."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict

import torch.distributed as dist

from ..context import StepContext, mark_done
from ..model.llama import ModelConfig
from ..plan import train_of
from .loop import REQUEUE_EXIT, train
from .parallel import init_distributed

# Nominal peaks for the MFU estimate in metrics (dense bf16, FLOP/s), as the compiler's catalog.
PEAKS = {"H100-80GB": 989e12, "H200-141GB": 989e12, "A100-80GB": 312e12, "A100-40GB": 312e12, "B200-192GB": 2250e12, "cpu": 200e9}


def run(ctx: StepContext) -> None:
    p = ctx.step["params"]
    train_ir = train_of(ctx.plan, p["train"])
    if train_ir["backend"] == "megatron":
        from .megatron import run as run_megatron

        run_megatron(ctx, train_ir)
        mark_done(ctx.out_dir(), {"backend": "megatron"})
        return
    d = init_distributed()
    # One output directory per run, shared by its segments (train.X.jN), so checkpoints carry over.
    out = ctx.run_dir / "steps" / f"train.{train_ir['name']}"
    out.mkdir(parents=True, exist_ok=True)
    result = train(ctx.plan, train_ir, p.get("first_step", 0), p.get("last_step", train_ir["total_steps"]), out, d, ctx.log,
                   PEAKS.get(ctx.plan["cluster"]["gpu"]))
    if result.get("exit") == REQUEUE_EXIT:
        dist.destroy_process_group()
        sys.exit(REQUEUE_EXIT)
    if d.is_main:
        (out / "config.json").write_text(json.dumps(asdict(ModelConfig.from_plan(train_ir["model"])), indent=2) + "\n")
    dist.barrier()
    dist.destroy_process_group()
    step_dir = ctx.out_dir()
    if d.is_main:
        mark_done(step_dir, {"step": result["step"], "last_loss": result["losses"][-1] if result["losses"] else None})
