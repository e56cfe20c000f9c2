"""The `train` step: runs a segment of a train run of the plan under torchrun. The segments of a
run share one directory (the step's out_dir), so checkpoints carry over; the run's lineage key
decides whether existing checkpoints are its own to resume from."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..context import StepContext
from ..errors import FlowrtError
from ..model.llama import ModelConfig
from ..plan import eval_of, train_of
from .lineage import check_and_record, lineage_key
from .loop import PeriodicEvals, train
from .stop import CANCEL_EXIT_CODE, under_torchrun, write_stop_marker


def init_weights(ctx: StepContext) -> Path | None:
    """The weights `init_from` names: the final export of a run of the plan, or a directory's."""
    if ctx.step.reads.init is not None:
        return ctx.dir_of(ctx.step.reads.init) / "final" / "model.safetensors"
    if ctx.step.params.init_path is not None:
        p = ctx.resolve(ctx.step.params.init_path) / "model.safetensors"
        if not p.is_file():
            raise FlowrtError(f"init_from: no weights at {p}", "point `init_from` at a directory holding model.safetensors (a flowrt final/ or a Hugging Face export)")
        return p
    return None


def periodic_evals(ctx: StepContext) -> PeriodicEvals | None:
    if not ctx.step.params.evals:
        return None
    from ..data.shards import load_text_tokenizer
    from ..eval.metrics import load_evalset

    tok = load_text_tokenizer(ctx.dir_of(ctx.step.reads.tokenizer) / "tokenizer.json")
    evals = []
    for pe in ctx.step.params.evals:
        ev = eval_of(ctx.plan, pe.eval)
        sets = [load_evalset(t, ctx.plan.evalsets[t], ctx.expand) for t in ev.tasks if not ctx.plan.evalsets[t].uri.startswith("lm_eval:")]
        evals.append((ev.name, pe.every, sets))
    return PeriodicEvals(tokenizer=tok, eos=tok.token_to_id("<|endoftext|>") or 0, evals=evals)


def stopped_exit(ctx: StepContext, result: dict[str, Any], out: Path, d) -> int:
    """After a stop or a cancel: the exit status the protocol gives this rank (its marker first)."""
    import torch.distributed as dist

    protocol = ctx.plan.protocol
    if result.get("cancelled"):
        dist.destroy_process_group()
        return CANCEL_EXIT_CODE
    if d.is_main:
        write_stop_marker(out, protocol, result["step"], result["stopped"])
    dist.barrier()
    dist.destroy_process_group()
    # Under torchrun every worker exits 0 (it reports any other status as 1): the marker says "requeue".
    return 0 if under_torchrun() else protocol.requeue_exit_code


def run(ctx: StepContext) -> dict[str, Any]:
    p = ctx.step.params
    train_ir = train_of(ctx.plan, p.train)
    out = ctx.out_dir()
    key = lineage_key(ctx.plan, ctx.step, ctx.run_dir, ctx.input_root)
    if key is None:
        raise FlowrtError(f"{ctx.step.id}: the mix step's marker has no data digest, or the init run no lineage record",
                          f"re-run {ctx.step.reads.mix} (and the init run) with this flowrt")
    check_and_record(out, key, is_main=os.environ.get("RANK", "0") == "0")
    if train_ir.layout.backend == "megatron":
        if train_ir.model.sliding_window is not None:
            raise FlowrtError(f"{ctx.step.id}: sliding-window attention with backend = megatron is not supported by this runtime",
                              "use backend = fsdp (flowrt's own model masks the window), or remove `sliding_window`")
        from .megatron import run as run_megatron

        run_megatron(ctx, train_ir)
        return {"backend": "megatron"}
    import torch.distributed as dist

    from .parallel import init_distributed

    evals = periodic_evals(ctx)
    d = init_distributed()
    if d.is_main:  # a stop marker of an earlier attempt says nothing about this one
        (out / ctx.plan.protocol.stop_marker).unlink(missing_ok=True)
    result = train(ctx.plan, train_ir, p.first_step, p.last_step, out, d, ctx.log, mix_dir=ctx.dir_of(ctx.step.reads.mix),
                   init=init_weights(ctx), evals=evals)
    if result.get("stopped"):
        sys.exit(stopped_exit(ctx, result, out, d))
    if d.is_main:
        (out / "config.json").write_text(json.dumps(asdict(ModelConfig.from_plan(train_ir.model)), indent=2) + "\n")
    dist.barrier()
    dist.destroy_process_group()
    return {"step": result["step"], "last_loss": result["losses"][-1] if result["losses"] else None}
