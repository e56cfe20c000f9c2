"""What a step sees: the typed plan, its own step, where to read and write, which shard it is."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FlowrtError
from .frozen import FrozenDict
from .plan_types import Plan, Step


@dataclass(frozen=True, kw_only=True)
class StepContext:
    plan: Plan
    step: Step
    run_dir: Path
    #: where relative URIs and paths of the plan resolve; None when none was given
    input_root: Path | None = None
    shard: int = 0
    #: the keys of the steps it needs (their markers'), checked before the step runs
    needs_keys: FrozenDict[str, str] = field(default_factory=lambda: FrozenDict())
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("flowrt"))

    @property
    def of(self) -> int:
        """Shards of the step, from the plan (never the scheduler's count)."""
        return self.step.shards

    def out_dir(self) -> Path:
        """`RUN/<out_dir>/`: a step writes only under its own directory."""
        d = self.run_dir / self.step.out_dir
        d.mkdir(parents=True, exist_ok=True)
        return d

    def dir_of(self, step_id: str) -> Path:
        """The output directory of a step this one reads (it is complete: the runner checked its marker)."""
        if step_id not in self.step.needs:
            raise FlowrtError(f"step {self.step.id} reads {step_id}, which it does not need", "re-create plan.json with flowc")
        from .plan import find_step

        return self.run_dir / find_step(self.plan, step_id).out_dir

    def resolve(self, path: str) -> Path:
        from .docs import resolve_path

        return resolve_path(path, self.input_root)

    def expand(self, uri: str) -> list[Path]:
        from .docs import expand

        return expand(uri, self.input_root)
