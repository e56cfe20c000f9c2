"""The training loop, read top to bottom (nanoGPT/torchtitan style):
for each step: stage transition? -> learning rate -> micro-batches (forward, backward) -> clip ->
optimizer step -> metrics -> evals every N steps -> checkpoint (every `checkpoint_every`, at the
end, or when the ranks agree on the plan's stop signal; see train/stop.py)."""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from ..data.layout import StageData
from ..errors import FlowrtError
from ..model.llama import Llama, ModelConfig
from ..plan_schedule import schedule_of
from ..plan_types import FsdpLayout, Plan, Train
from ..schedule import lr_at, stage_at
from . import checkpoint as ckpt
from .cpu_precision import warn_if_emulated
from .parallel import (
    Dist,
    apply_fsdp,
    apply_tensor_parallel,
    build_mesh,
    check_precision,
    set_checkpointing,
)
from .phases import PhaseTimer
from .stop import CANCEL, CANCEL_CHECKPOINT_MAX_S, NONE, STOP, StopFlag


@dataclass(frozen=True, kw_only=True)
class PeriodicEvals:
    """Evals run every N steps during training: (eval name, every, loaded evalsets)."""

    tokenizer: Any
    eos: int
    evals: list[tuple[str, int, list[Any]]]


def _truncate_jsonl(path: Path, keep) -> None:
    """Drops the records a resumed run will write again (those after its checkpoint)."""
    if not path.exists():
        return
    lines = [l for l in path.read_text().splitlines() if l.strip() and keep(json.loads(l))]
    path.write_text("".join(l + "\n" for l in lines))


def load_init(model: Llama, weights: Path) -> None:
    """init_from: the named run's final weights (a fresh optimizer: the continued run has its own
    schedule and warmup, as continued pretraining usually restarts Adam's moments)."""
    from safetensors.torch import load_file

    from ..model.hf import from_hf_names

    sd = from_hf_names(load_file(str(weights)))
    if model.cfg.tie_embeddings:
        sd.pop("lm_head.weight", None)
    try:
        missing, unexpected = model.load_state_dict(sd, strict=False)
    except RuntimeError as e:  # shape mismatches
        raise FlowrtError(f"init_from: {weights} does not fit this run's model ({str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else e})",
                          "init_from needs a run (or checkpoint) of the same model shape") from None
    missing = [m for m in missing if not (model.cfg.tie_embeddings and m == "lm_head.weight")]
    if missing or unexpected:
        raise FlowrtError(f"init_from: {weights} does not match this run's model (missing {missing[:3]}, unexpected {unexpected[:3]})",
                          "init_from needs a run (or checkpoint) of the same model shape")


def train(plan: Plan, t: Train, first_step: int, last_step: int, out: Path, d: Dist, log, *, mix_dir: Path,
          init: Path | None = None, evals: PeriodicEvals | None = None) -> dict[str, Any]:
    par, opt_ir = t.parallel, t.optimizer
    check_precision(t.precision, d.device)
    if d.is_main:
        warn_if_emulated(t.precision, d.device, log)
    mcfg = ModelConfig.from_plan(t.model)
    sched = schedule_of(t, par.dp)
    if evals is not None and par.pp > 1:
        raise FlowrtError("evals during training (`every`) run on the live model, which pipeline stages split (pp > 1)",
                          "drop `every` from the eval (it still runs after training), or train with pp = 1")
    ckpt_dir = out / "ckpt"
    resumed = ckpt.latest(ckpt_dir)
    if resumed is None and first_step > 0:
        raise FlowrtError(f"{t.name}: this segment starts at step {first_step}, but {ckpt_dir} holds no checkpoint to resume from",
                          "run the segment before it first (its last checkpoint is where this one starts); a later segment never trains from a fresh model")

    # Model: identical initialization on every rank (or the init_from weights), then parallelized.
    torch.manual_seed(t.seed)
    model = Llama(mcfg)
    if init is not None and resumed is None:
        load_init(model, init)
        log.info("initialized from %s", init)
    model = model.to(d.device)
    n_params = sum(p.numel() for p in model.parameters())
    mesh = build_mesh(d, par.tp, par.pp, par.dp, par.cp)
    dp_rank, pp_rank = mesh["dp"].get_local_rank(), mesh["pp"].get_local_rank()
    full_model = model
    if par.pp > 1:
        from .pipeline import StageModule

        model = StageModule(full_model, pp_rank, par.pp)
    if par.tp > 1:
        apply_tensor_parallel(model, mesh)
    set_checkpointing(full_model, par.recompute)
    assert isinstance(t.layout, FsdpLayout)
    apply_fsdp(model, mesh, t.layout)
    if t.precision == "fp8":
        from torchao.float8 import convert_to_float8_training

        convert_to_float8_training(model, module_filter_fn=lambda m, fqn: "lm_head" not in fqn)
    opt = make_optimizer(model, opt_ir)

    # Resume: model, optimizer, step and RNG; the sampler position is a function of the step.
    step = first_step
    if resumed is not None:
        step = ckpt.load(resumed, model, opt)
        log.info("resumed from %s at step %d", resumed, step)
    metrics_path, evals_path = out / "metrics.jsonl", out / "evals.jsonl"
    if d.is_main:  # records past the checkpoint are written again
        _truncate_jsonl(metrics_path, lambda r, k=step: r["step"] < k)
        _truncate_jsonl(evals_path, lambda r, k=step: r["step"] <= k)

    # The stop signal (before the walltime limit) or the batch script's stop file, and scancel's
    # SIGTERM: agreed on by all ranks once per step (train/stop.py).
    stop = StopFlag(plan.protocol, d.device, d.world)

    data: dict[str, StageData] = {}
    current_stage = None
    losses: list[float] = []
    t_last = time.perf_counter()
    # Wall seconds per phase of each step (data, forward, backward, optimizer, checkpoint, evals):
    # in metrics.jsonl beside the step's time, so a slow run says where its time goes.
    timer = PhaseTimer()
    autocast = autocast_of(t.precision, d.device)
    while step < last_step:
        st = stage_at(sched, step)
        ir_stage = t.stages[st.index]
        if current_stage != st.name:
            # Stage transition: mix (the data file), seq_len, micro_batch, rope_theta / YaRN.
            full_model.set_rope(ir_stage.rope_theta, ir_stage.yarn_factor)
            data.setdefault(st.name, StageData(mix_dir, sched, st))
            if par.pp > 1:
                from .pipeline import make_schedule

                pipe = make_schedule(model, pp_rank, par.pp, d.device, mesh["pp"].get_group(), st.grad_accum)
            current_stage = st.name
            if d.is_main:
                log.info("step %d: stage %s (seq_len %d, micro_batch %d, grad_accum %d)", step, st.name, st.seq_len, st.micro_batch, st.grad_accum)
        lr = lr_at(sched, step)
        for g in opt.param_groups:
            g["lr"] = lr
        total = torch.zeros((), device=d.device)
        if par.pp > 1:
            # 1F1B over the step's micro-batches; the last stage computes the loss.
            tokens, segments = data[st.name].rank_batch(step, dp_rank, par.dp)
            xs = torch.stack([tokens, segments], 1).to(d.device)
            step_losses: list[torch.Tensor] = []
            if pp_rank == 0:
                pipe.step(xs)
            elif pp_rank == par.pp - 1:
                pipe.step(target=xs, losses=step_losses)
            else:
                pipe.step()
            if step_losses:
                total += torch.stack([l.detach().float() for l in step_losses]).mean()
            dist.all_reduce(total, group=mesh["pp"].get_group())
        for micro in range(st.grad_accum if par.pp == 1 else 0):
            with timer("data"):
                tokens, segments = data[st.name].micro_batch(step, micro, dp_rank, par.dp)
                tokens, segments = tokens.to(d.device), segments.to(d.device)
            model.set_requires_gradient_sync(micro == st.grad_accum - 1)
            total += micro_step(model, t, tokens, segments, st.grad_accum, d.device, timer)
        with timer("optimizer"):
            grad_norm = clip_grad_norm(list(model.parameters()), opt_ir.clip, mesh["pp"].get_group() if par.pp > 1 else None)
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
        step_s = now - t_last
        tps = tokens_step / max(1e-9, step_s)
        t_last = now
        if d.is_main:
            rec = {"step": step - 1, "stage": st.name, "loss": loss_v, "lr": lr, "grad_norm": grad_norm,
                   "tokens_per_s": tps, "memory_bytes": _memory(d), "time": time.time(), "step_s": step_s,
                   # The step's phases; checkpoint and evals are those of the step before (they follow its record).
                   "phase_s": timer.take()}
            # MFU against the plan's peak for this GPU and precision, with the plan's FLOPs per token.
            rec["mfu"] = tps * ir_stage.flops_per_token / (t.peak_flops_per_gpu * d.world)
            with metrics_path.open("a") as f:
                f.write(json.dumps(rec) + "\n")
            print(f"[{t.name}] step {step - 1}/{last_step} stage {st.name} loss {loss_v:.4f} lr {lr:.3e} {tps:,.0f} tok/s", flush=True)
        if evals is not None:
            with timer("evals"):
                run_periodic_evals(evals, step, model, mcfg, autocast, d, evals_path, log)
        at_end = step == last_step
        flag = stop.agreed()
        # A cancel checkpoints only when that is quick (SIGKILL follows within KillWait).
        save_on_flag = flag == STOP or (flag == CANCEL and t.checkpoint.write_s <= CANCEL_CHECKPOINT_MAX_S)
        if at_end or step % t.checkpoint_every == 0 or save_on_flag:
            with timer("checkpoint"):
                ckpt.save(ckpt_dir, step, model, opt, d)
        if flag != NONE and not at_end:
            log.info("SIG%s: %s at step %d; %s", stop.name(flag), "checkpointed" if save_on_flag or step % t.checkpoint_every == 0 else "not checkpointed",
                     step, "exiting for requeue" if flag == STOP else "cancelled, not requeued")
            return {"stopped": stop.name(flag), "cancelled": flag == CANCEL, "step": step, "losses": losses}
    if d.is_main:
        log.info("seconds by phase (rank 0): %s", timer.summary())
    if step >= t.total_steps:
        ckpt.export_full(model, out / "final", d, part=pp_rank if par.pp > 1 else None, parts=par.pp, first_of_part=dp_rank == 0)
    return {"step": step, "losses": losses, "params": n_params}


def make_optimizer(model, opt_ir) -> torch.optim.AdamW:
    """AdamW, weight decay on matrices only."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": opt_ir.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=opt_ir.lr, betas=opt_ir.betas, eps=opt_ir.eps, foreach=False)


def autocast_of(precision: str, device: torch.device):
    """bf16 (and fp8's non-fp8 ops) under autocast on GPU and CPU alike: a replicated (zero = 0)
    model keeps fp32 parameters, so this is what makes it compute in bf16; fully_shard's
    mixed-precision policy already gathers bf16 parameters."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision in ("bf16", "fp8"))


def micro_step(model, t: Train, tokens: torch.Tensor, segments: torch.Tensor, grad_accum: int, device: torch.device,
               timer: PhaseTimer | None = None) -> torch.Tensor:
    """Forward (the loss, computed in the plan's chunks inside the model) and backward of one
    micro-batch; returns its share of the step's loss. The timer, if given, counts both phases."""
    timer = timer or PhaseTimer()
    with timer("forward"), autocast_of(t.precision, device):
        loss = model(tokens, segments, loss_chunk_tokens=t.memory.loss_chunk_tokens) / grad_accum
    with timer("backward"):
        loss.backward()
    return loss.detach()


def run_periodic_evals(evals: PeriodicEvals, step: int, model, mcfg: ModelConfig, autocast, d: Dist, path: Path, log) -> None:
    """The evals due at `step` on the live (sharded) model. Every rank runs the same forwards
    (FSDP's and TP's forwards are collectives); rank 0 writes the results."""
    from ..eval.metrics import evaluate_sets

    due = [(name, sets) for name, every, sets in evals.evals if step % every == 0]
    if not due:
        return
    model.eval()
    try:
        def forward(tokens: torch.Tensor) -> torch.Tensor:
            with autocast:
                return model(tokens.to(d.device))

        for name, sets in due:
            results = evaluate_sets(forward, mcfg.seq_len, evals.tokenizer, evals.eos, sets)
            if d.is_main:
                with path.open("a") as f:
                    f.write(json.dumps({"step": step, "eval": name, "results": results}) + "\n")
                log.info("eval %s at step %d: %s", name, step, json.dumps(results))
    finally:
        model.train()


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
