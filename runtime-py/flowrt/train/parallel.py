"""Process group, device mesh and the parallelization of the model: FSDP2 (`fully_shard` or
`replicate`) over dp as the plan's layout says, tensor parallelism with DTensor over tp, mixed
precision, activation checkpointing. CPU ranks use gloo; GPUs use NCCL."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..errors import FlowrtError
from ..plan_types import FsdpLayout


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

    # The mesh this loop builds is (pp, dp, tp): the layouts it cannot run are refused by `flowc
    # check` (E0182), so these only stop a hand-written plan.json.
    if cp != 1 or (pp > 1 and tp > 1):
        raise FlowrtError(f"this training loop runs dp with tp or pp, without cp (got tp {tp}, pp {pp}, cp {cp})",
                          "re-create plan.json with flowc: `flowc check` says which layouts the fsdp backend runs (E0182)")
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


def apply_fsdp(model, mesh, layout: FsdpLayout) -> None:
    """The plan's layout (the compiler's src/estimate/backends.ts decides it from the ZeRO stage):
    FSDP2 `fully_shard` per block and on the root, freeing gathered parameters after forward or
    keeping them to backward (`reshard_after_forward`), with the plan's mixed-precision dtypes; or
    `replicate` (DDP as a composable API: whole parameters and optimizer states on every rank,
    gradients all-reduced)."""
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    if layout.data_parallel == "replicate":
        from torch.distributed._composable.replicate import replicate

        replicate(model, device_mesh=mesh["dp"])
        return
    dp_mesh = mesh["dp"]
    blocks = model.layers.values() if isinstance(model.layers, torch.nn.ModuleDict) else model.layers
    mp = MixedPrecisionPolicy(param_dtype=getattr(torch, layout.param_dtype), reduce_dtype=getattr(torch, layout.reduce_dtype))
    for block in blocks:
        fully_shard(block, mesh=dp_mesh, mp_policy=mp, reshard_after_forward=layout.reshard_after_forward)
    fully_shard(model, mesh=dp_mesh, mp_policy=mp, reshard_after_forward=layout.reshard_after_forward)


def set_checkpointing(model, recompute: str) -> None:
    """full: recompute every block in backward; selective: recompute the MLP only (its gate, up
    and product are the largest activations; attention keeps q, k, v and its output, linear in s
    with varlen attention). flowc's memory estimate counts the same definition
    (activationBytesPerTokenPerLayer in src/estimate/memory.ts), and memory_bench checks it."""
    from torch.utils.checkpoint import checkpoint

    if recompute == "full":
        model.checkpointing = "full"
    elif recompute == "selective":
        for block in model.layers:
            mlp_forward = block.mlp.forward
            block.mlp.forward = lambda x, f=mlp_forward: checkpoint(f, x, use_reentrant=False) if torch.is_grad_enabled() else f(x)
