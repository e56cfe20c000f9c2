"""Checkpoints with torch.distributed.checkpoint (sharded, every rank writes its part), written
atomically: into `ckpt/.tmp-step_K`, then renamed to `ckpt/step_K` by rank 0 after a barrier, so a
crash mid-write never leaves a checkpoint that looks complete. The RNG state of every rank is
saved beside it (training itself draws no random numbers, but user code and dropout-like layers may)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

from ..errors import FlowrtError


def latest(ckpt_dir: Path) -> Path | None:
    if not ckpt_dir.exists():
        return None
    done = sorted((p for p in ckpt_dir.glob("step_*") if (p / "step.json").exists()), key=lambda p: int(p.name.split("_")[1]))
    return done[-1] if done else None


def save(ckpt_dir: Path, step: int, model, opt, d) -> Path:
    final = ckpt_dir / f"step_{step}"
    tmp = ckpt_dir / f".tmp-step_{step}"
    if d.is_main:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            shutil.rmtree(tmp)
    dist.barrier()
    msd, osd = get_state_dict(model, opt)
    dcp.save({"model": msd, "optim": osd}, checkpoint_id=str(tmp))
    torch.save({"cpu": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None},
               tmp / f"rng_{d.rank}.pt")
    dist.barrier()
    if d.is_main:
        (tmp / "step.json").write_text(json.dumps({"step": step}) + "\n")
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        (ckpt_dir / "latest").write_text(final.name + "\n")
    dist.barrier()
    return final


def load(path: Path, model, opt) -> int:
    try:
        step = json.loads((path / "step.json").read_text())["step"]
    except (OSError, ValueError, KeyError):
        raise FlowrtError(f"checkpoint {path} is incomplete (no step.json)", f"delete {path} to resume from the one before") from None
    msd, osd = get_state_dict(model, opt)
    state = {"model": msd, "optim": osd}
    dcp.load(state, checkpoint_id=str(path))
    set_state_dict(model, opt, model_state_dict=state["model"], optim_state_dict=state["optim"])
    rng = path / f"rng_{dist.get_rank()}.pt"
    if rng.exists():
        r = torch.load(rng, weights_only=False)
        torch.set_rng_state(r["cpu"])
        if r["cuda"] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(r["cuda"])
    return step


def export_full(model, out: Path, d, part: int | None = None, parts: int = 1, first_of_part: bool = True) -> None:
    """The whole (unsharded) model as one safetensors file, for eval and release. With pipeline
    stages each stage's first dp rank writes its part, and rank 0 merges the parts."""
    from safetensors.torch import load_file, save_file
    from torch.distributed.tensor import DTensor

    # full_tensor() gathers each sharded (FSDP) or split (TP) parameter on every rank of its mesh;
    # every rank takes part, and each stage's writer has its whole stage.
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: (v.full_tensor() if isinstance(v, DTensor) else v).detach().cpu().contiguous().float() for k, v in model.state_dict().items()}
    if model.cfg.tie_embeddings:
        tensors.pop("lm_head.weight", None)
    if part is None:
        if d.is_main:
            save_file(tensors, str(out / ".model.safetensors.tmp"))
            (out / ".model.safetensors.tmp").rename(out / "model.safetensors")
    else:
        if first_of_part:
            save_file(tensors, str(out / f".part-{part}.safetensors"))
        dist.barrier()
        if d.is_main:
            merged = {}
            for i in range(parts):
                merged.update(load_file(str(out / f".part-{i}.safetensors")))
            save_file(merged, str(out / ".model.safetensors.tmp"))
            (out / ".model.safetensors.tmp").rename(out / "model.safetensors")
            for i in range(parts):
                (out / f".part-{i}.safetensors").unlink()
    dist.barrier()
