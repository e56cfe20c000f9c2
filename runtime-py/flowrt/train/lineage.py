"""Which checkpoints a train run may resume from. A run's lineage key hashes what determines its
weights: the compiler's `trains[].lineage` (model, data schedule, optimizer, LR, seed, precision,
init_from), the content of the data it trains on (the mix step's `data_digest`: the SHA-256s of
the token shards it packed) and what it starts from (the init run's lineage, or the init weights
file's size and mtime). The first segment to start records it in `<out_dir>/lineage.json`; a
segment whose lineage differs refuses to run where checkpoints exist rather than mix two runs.
The job split, parallel layout and checkpoint interval are not part of it: those runs resume;
and data redone to the same bytes (a touched source file) keeps the checkpoints valid."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import FlowrtError
from ..markers import InputFile, input_files, marker_path, read_marker
from ..plan_types import Plan, TrainStep

LINEAGE = "lineage.json"


def recorded(out: Path) -> str | None:
    try:
        key = json.loads((out / LINEAGE).read_text()).get("key")
    except (OSError, ValueError, AttributeError):
        return None
    return key if isinstance(key, str) else None


def lineage_key(plan: Plan, step: TrainStep, run_dir: Path, root: Path | None) -> str | None:
    """None while what it depends on is not there yet (the mix or the init run unfinished)."""
    from ..plan import find_step, train_of

    mix = read_marker(marker_path(run_dir, find_step(plan, step.reads.mix)))
    digest = ((mix or {}).get("stats") or {}).get("data_digest")
    if not digest:
        return None
    init = None
    if step.reads.init is not None:
        init = recorded(run_dir / find_step(plan, step.reads.init).out_dir)
        if init is None:
            return None
    init_files: list[InputFile] = []
    if step.params.init_path is not None:
        init_files = [f for f in input_files(step, root) if Path(f.path).name == "model.safetensors"]
    body = {"lineage": train_of(plan, step.params.train).lineage, "data": digest, "init": init, "init_files": [f.as_list() for f in init_files]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def has_checkpoints(out: Path) -> bool:
    return any((out / "ckpt").glob("step_*")) or (out / "final").exists()


def conflict(out: Path, key: str) -> tuple[str, str] | None:
    """Why this run may not continue in `out` (message, help), or None."""
    if not has_checkpoints(out):
        return None
    was = recorded(out)
    if was == key:
        return None
    why = ("were made by another run (its definition — model, data schedule, optimizer, LR, seed, precision, init — "
           "or the data it trained on differ from this plan's)" if was else "carry no lineage record (an older flowrt)")
    return (f"the checkpoints in {out} {why}: resuming would mix two runs",
            f"move or delete {out} to train this run from scratch, or go back to the plan and data they were made with")


def check_and_record(out: Path, key: str, is_main: bool) -> None:
    why = conflict(out, key)
    if why:
        raise FlowrtError(*why)
    if is_main:
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".{LINEAGE}.tmp"
        tmp.write_text(json.dumps({"key": key}) + "\n")
        tmp.replace(out / LINEAGE)
