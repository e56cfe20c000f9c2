"""Process group, device mesh and the parallelization of the model: FSDP2 (`fully_shard`) over dp
with the plan's ZeRO stage, tensor parallelism with DTensor over tp, mixed precision, activation
checkpointing. CPU ranks use gloo; GPUs use NCCL."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..errors import FlowrtError


@dataclass(frozen=True, kw_only=True)
class Dist:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def init_distributed() -> Dist:
    """torchrun (or srun with the emitted wrapper) sets RANK/WORLD_SIZE; a plain process is rank 0 of 1."""
    if "RANK" not in os.environ:
        os.environ.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())})
    rank, world, local = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        device, backend = torch.device("cuda", local), "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return Dist(rank=rank, world=world, local_rank=local, device=device)


def check_precision(precision: str, device: torch.device) -> None:
    """FP8 needs Hopper-class tensor cores and torchao; anything else fails here, never silently in bf16."""
    if precision != "fp8":
        return
    if device.type != "cuda":
        raise FlowrtError("precision = fp8 needs an NVIDIA GPU with FP8 tensor cores (Hopper: H100/H200, Blackwell: B200); this rank has no GPU",
                          "use precision = bf16 on this machine, or run on a Hopper-class cluster")
    major, minor = torch.cuda.get_device_capability(device)
    if (major, minor) < (8, 9):
        raise FlowrtError(f"precision = fp8 needs compute capability 8.9 or newer; {torch.cuda.get_device_name(device)} is {major}.{minor}",
                          "use precision = bf16, or a Hopper/Blackwell GPU")
    try:
        import torchao.float8  # noqa: F401
    except ImportError:
        raise FlowrtError("precision = fp8 needs torchao (float8 training)", "pip install torchao") from None


def build_mesh(dist_: Dist, tp: int, pp: int, dp: int, cp: int):
    from torch.distributed.device_mesh import init_device_mesh

    if cp != 1:
        raise FlowrtError(f"the fsdp backend of this flowrt has no context parallelism (got cp = {cp})",
                          "use cp = 1 with backend = fsdp, or backend = megatron for context parallelism")
    if pp > 1 and tp > 1:
        raise FlowrtError("the fsdp backend combines pipeline parallelism with dp only (got pp > 1 and tp > 1)",
                          "use tp = 1 with pp > 1, or backend = megatron for 3-D parallelism")
    if pp * tp * dp != dist_.world:
        raise FlowrtError(f"pp × dp × tp = {pp * dp * tp}, but {dist_.world} processes were started",
                          "start as many ranks as the plan's parallel layout (flowc does this; by hand: torchrun --nproc_per_node)")
    return init_device_mesh(dist_.device.type, (pp, dp, tp), mesh_dim_names=("pp", "dp", "tp"))


def apply_tensor_parallel(model, mesh) -> None:
    """Megatron-style TP with DTensor: q/k/v and gate/up column-parallel, o/down row-parallel."""
    from torch.distributed.tensor.parallel import ColwiseParallel, RowwiseParallel, parallelize_module

    tp_mesh = mesh["tp"]
    cfg = model.cfg
    if cfg.heads % tp_mesh.size() or cfg.kv_heads % tp_mesh.size():
        raise FlowrtError(f"heads {cfg.heads} / kv_heads {cfg.kv_heads} are not divisible by tp {tp_mesh.size()}")
    for block in model.layers:
        parallelize_module(block, tp_mesh, {
            "self_attn.q_proj": ColwiseParallel(), "self_attn.k_proj": ColwiseParallel(), "self_attn.v_proj": ColwiseParallel(),
            "self_attn.o_proj": RowwiseParallel(), "mlp.gate_proj": ColwiseParallel(), "mlp.up_proj": ColwiseParallel(),
            "mlp.down_proj": RowwiseParallel(),
        })


def apply_fsdp(model, mesh, zero: int, precision: str, device: torch.device) -> None:
    """ZeRO-3 = fully_shard with reshard_after_forward=True; ZeRO-2 = reshard_after_forward=False
    (parameters stay gathered between forward and backward); ZeRO-0 = `replicate` (DDP as a
    composable API: whole parameters and optimizer states on every rank, gradients all-reduced), for
    tp = pp = 1. ZeRO-1 has no FSDP2 equivalent and is refused rather than silently mapped; `flowc
    check` refuses the same layouts (E0182)."""
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    if zero == 1:
        raise FlowrtError("zero = 1 is not available with backend = fsdp (FSDP2 shards gradients too)",
                          "use zero = 0 (replicated), 2 (gradients and optimizer sharded) or 3 (parameters too), or backend = megatron for zero = 1")
    if zero == 0:
        from torch.distributed._composable.replicate import replicate

        if mesh["tp"].size() > 1 or mesh["pp"].size() > 1:
            raise FlowrtError("zero = 0 (replicated data parallelism) runs with tp = pp = 1 on the fsdp backend",
                              "use zero = 2 or 3 with tp or pp, or backend = megatron")
        replicate(model, device_mesh=mesh["dp"])
        return
    dp_mesh = mesh["dp"]
    blocks = model.layers.values() if isinstance(model.layers, torch.nn.ModuleDict) else model.layers
    mp = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if precision in ("bf16", "fp8") else MixedPrecisionPolicy()
    reshard = zero == 3
    for block in blocks:
        fully_shard(block, mesh=dp_mesh, mp_policy=mp, reshard_after_forward=reshard)
    fully_shard(model, mesh=dp_mesh, mp_policy=mp, reshard_after_forward=reshard)


def set_checkpointing(model, recompute: str) -> None:
    """full: recompute every block in backward; selective: recompute the MLP only (its activations
    are the largest, attention is cheap to keep with SDPA)."""
    from torch.utils.checkpoint import checkpoint

    if recompute == "full":
        model.checkpointing = "full"
    elif recompute == "selective":
        for block in model.layers:
            mlp_forward = block.mlp.forward
            block.mlp.forward = lambda x, f=mlp_forward: checkpoint(f, x, use_reentrant=False) if torch.is_grad_enabled() else f(x)
