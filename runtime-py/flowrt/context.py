"""What a step sees: the plan, its own step, where to read and write, and which shard it is."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, kw_only=True)
class StepContext:
    plan: dict[str, Any]
    step: dict[str, Any]
    run_dir: Path
    shard: int = 0
    of: int = 1
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("flowrt"))

    @property
    def base_dir(self) -> Path:
        return Path(self.plan["base_dir"])

    def out_dir(self, step_id: str | None = None) -> Path:
        """`RUN/steps/<id>/`: a step writes only under its own directory."""
        d = self.run_dir / "steps" / (step_id or self.step["id"])
        d.mkdir(parents=True, exist_ok=True)
        return d

    def input_dir(self, step_id: str) -> Path:
        """The directory of a step this one needs; it must be complete (its `_DONE` exists)."""
        from .errors import FlowrtError

        d = self.run_dir / "steps" / step_id
        if not (d / "_DONE").exists():
            raise FlowrtError(f"step {self.step['id']} needs the output of {step_id}, which is not complete ({d / '_DONE'} is missing)",
                              f"run {step_id} first (flowc runs steps in dependency order)")
        return d

    def resolve(self, uri: str) -> Path:
        from .docs import resolve_path

        return resolve_path(uri, self.base_dir)


def mark_done(directory: Path, stats: dict[str, Any] | None = None, name: str = "_DONE") -> None:
    """Completion marker, written last and atomically, so a re-run skips the work and a crash never looks done."""
    tmp = directory / f".{name}.tmp"
    tmp.write_text(json.dumps({"finished_at": time.time(), **(stats or {})}, indent=2) + "\n")
    tmp.replace(directory / name)


def is_done(directory: Path, name: str = "_DONE") -> bool:
    return (directory / name).exists()
