"""The Ray side of the Ray target: the tasks that run flowrt's steps, the Ray Train launcher for a
training segment, and the driver that submits a plan's steps as object-ref dependencies and prints
progress lines. flowc emits ``ray/dag.py`` beside a plan: its header and ``build`` (one line per step,
with the step's Ray resources and the steps it needs) are the plan's part; it calls :func:`main` here.

Imported only where Ray is installed (``pip install -e 'runtime-py[ray]'``): nothing else in flowrt
imports it. Workers import this module by name, so they run the flowrt the driver runs.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ray
from ray.train import FailureConfig, RunConfig, ScalingConfig, TrainingFailedError
from ray.train.torch import TorchTrainer

from flowrt.errors import FlowrtError
from flowrt.plan import load_plan
from flowrt.status import plan_status

# The progress-line prefix flowc reads: flowc's own fact, handed over by the emitted dag.py.
_event_prefix = "flowc-event "


class StepFailed(Exception):
    """A step's error as flowrt reports it (what happened, and what to do), not a traceback."""

    def __init__(self, step_id: str, message: str, hint: str | None = None):
        super().__init__(message + (f" (help: {hint})" if hint else ""))
        self.step_id, self.message, self.hint = step_id, message, hint

    def __reduce__(self):
        return (StepFailed, (self.step_id, self.message, self.hint))


def _step_log(run_dir: Path, step_id: str) -> logging.Logger:
    """flowrt's log of a step, to logs/STEP.log in the run directory (as on the local target) and to
    the worker's stderr, which Ray forwards to the driver."""
    log = logging.getLogger(f"flowrt.ray.{step_id}")
    path = run_dir / "logs" / f"{step_id}.log"
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s flowrt %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log


def run_flowrt_step(ctx: dict, step_id: str, shard: int | None) -> None:
    """One step (or one shard) through flowrt's own runner, the same as `python -m flowrt step`:
    skipped when its marker holds the key it would run with, marker written last."""
    from flowrt.plan import find_step, plan_from_json
    from flowrt.steps import run_step

    plan = plan_from_json(json.loads(ctx["plan"]))
    run_dir = Path(ctx["run_dir"])
    root = Path(ctx["input_root"]) if ctx["input_root"] else None
    log = _step_log(run_dir, step_id)
    try:
        run_step(plan, find_step(plan, step_id), run_dir=run_dir, input_root=root, shard=shard or 0, log=log)
    except FlowrtError as e:
        log.error("%s%s", e.message, f" (help: {e.hint})" if e.hint else "")
        raise StepFailed(step_id, e.message, e.hint) from None


@ray.remote
def data_step(ctx: dict, step_id: str, shard: int | None, *needs: str) -> str:
    """A data, eval or release step (or one shard of an array step). `needs` are the results of
    the steps it reads: Ray starts the task once they are all done."""
    run_flowrt_step(ctx, step_id, shard)
    return step_id


def train_worker(config: dict) -> None:
    """One rank of a training segment: Ray Train has set RANK, WORLD_SIZE, LOCAL_RANK and the
    process group (gloo on CPU, NCCL on GPU), which flowrt's training loop joins."""
    run_flowrt_step(config["ctx"], config["step"], None)


@ray.remote(num_cpus=0, max_retries=0)
def train_segment(ctx: dict, step_id: str, scaling: ScalingConfig, max_failures: int, *needs: str) -> str:
    """A training segment: a Ray Train TorchTrainer whose workers run flowrt's training loop.
    Ray's storage_path (logs/ray-train, kept by recompiles) holds Ray Train's own run state only;
    the checkpoints are flowrt's."""
    storage = Path(ctx["run_dir"]) / "logs" / "ray-train"
    trainer = TorchTrainer(
        train_worker,
        train_loop_config={"ctx": ctx, "step": step_id},
        scaling_config=scaling,
        run_config=RunConfig(name=step_id, storage_path=str(storage), failure_config=FailureConfig(max_failures=max_failures)),
    )
    try:
        trainer.fit()
    except TrainingFailedError as e:
        raise StepFailed(step_id, _worker_error(e)) from None
    return step_id


def _worker_error(e: TrainingFailedError) -> str:
    """The most telling line of a training failure: flowrt's own message when a worker raised one."""
    failures = getattr(e, "worker_failures", None) or {}
    for failure in failures.values():
        if isinstance(failure, StepFailed):
            return str(failure)
    text = "\n".join([str(e), *(str(f) for f in failures.values())])
    for line in text.splitlines():
        if "StepFailed:" in line:
            return line.split("StepFailed:", 1)[1].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(e).__name__


def event(kind: str, step_id: str | None = None, **fields) -> None:
    """A progress line for flowc run (and a readable log line for anyone else)."""
    print(_event_prefix + json.dumps({"event": kind, "step": step_id, "time": time.time(), **fields}), flush=True)


class Dag:
    """The plan's steps as Ray tasks: each step's object refs (one per shard it runs), built in the
    plan's order so every step's needs are known before it. A done step has no refs."""

    def __init__(self, ctx: dict, status: dict[str, dict]):
        self.ctx = ray.put(ctx)
        self.status = status
        self.refs: dict[str, list[ray.ObjectRef]] = {}
        self.needs: dict[str, list[str]] = {}
        # The most of each resource one node offers: a task asking for more would wait forever.
        self.largest: dict[str, float] = {}
        for node in ray.nodes():
            if node.get("Alive"):
                for key, amount in node.get("Resources", {}).items():
                    self.largest[key] = max(self.largest.get(key, 0.0), amount)

    def _check_fits(self, step_id: str, need: dict[str, float]) -> None:
        for key, amount in need.items():
            have = self.largest.get(key, 0.0)
            if amount > have:
                raise StepFailed(step_id, f"asks Ray for {amount:,.0f} {key} per task, but no node of this cluster offers more than {have:,.0f}",
                                 "run on a cluster with larger nodes, or change the step's resources in the .flow file")

    def _todo(self, step_id: str, needs: list[str]) -> list[int | None] | None:
        st = self.status[step_id]
        self.needs[step_id] = needs
        if st["state"] == "done":
            self.refs[step_id] = []
            event("done", step_id, note="already done")
            return None
        return list(st["shards"]["todo"]) if "shards" in st else [None]

    def _deps(self, needs: list[str]) -> list[ray.ObjectRef]:
        return [ref for n in needs for ref in self.refs[n]]

    def data(self, step_id: str, needs: list[str], **options) -> None:
        """A task per shard still to do, with the step's Ray options (num_cpus, memory, max_retries…)."""
        shards = self._todo(step_id, needs)
        if shards is None:
            return
        self._check_fits(step_id, {"CPU": options.get("num_cpus", 1), "GPU": options.get("num_gpus", 0), "memory": options.get("memory", 0)})
        task = data_step.options(name=step_id, **options)
        deps = self._deps(needs)
        self.refs[step_id] = [task.remote(self.ctx, step_id, shard, *deps) for shard in shards]
        event("queued", step_id, shards=len(shards))

    def train(self, step_id: str, needs: list[str], scaling: ScalingConfig, max_failures: int) -> None:
        if self._todo(step_id, needs) is None:
            return
        self._check_fits(step_id, dict(scaling.resources_per_worker or {}))
        task = train_segment.options(name=step_id)
        self.refs[step_id] = [task.remote(self.ctx, step_id, scaling, max_failures, *self._deps(needs))]
        event("queued", step_id)

    def wait(self) -> int:
        """Waits for every task, reporting each step as it starts (its needs done) and ends. The
        steps after a failed one do not run; independent ones go on. 1 when any step failed."""
        owner = {ref: step for step, refs in self.refs.items() for ref in refs}
        left = {step: len(refs) for step, refs in self.refs.items() if refs}
        finished = {step for step, refs in self.refs.items() if not refs}
        failed: dict[str, str] = {}
        running: set[str] = set()
        while owner:
            for step in left:
                if step not in running and all(n in finished for n in self.needs[step]):
                    running.add(step)
                    event("running", step)
            ready, _ = ray.wait(list(owner), num_returns=1, timeout=5.0)
            for ref in ready:
                step = owner.pop(ref)
                try:
                    ray.get(ref)
                except ray.exceptions.RayTaskError as e:
                    cause = e.cause
                    if isinstance(cause, StepFailed) and cause.step_id != step:
                        if step not in failed:
                            failed[step] = f"not run: {cause.step_id} failed"
                            event("skipped", step, note=failed[step])
                    elif step not in failed:
                        failed[step] = str(cause) if isinstance(cause, StepFailed) else f"{type(cause).__name__}: {cause}"
                        event("failed", step, error=failed[step])
                    continue
                except ray.exceptions.RayError as e:  # a worker or node lost after its retries
                    if step not in failed:
                        failed[step] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                        event("failed", step, error=failed[step])
                    continue
                left[step] -= 1
                event("shard_done" if self.status[step].get("shards") else "progress", step, left=left[step])
                if left[step] == 0:
                    finished.add(step)
                    event("done", step)
        event("finished", None, failed=failed)
        return 1 if failed else 0


def main(build: Callable[[Dag], None], *, plan_file: Path, event_prefix: str, argv: list[str] | None = None) -> int:
    """The driver: reads ``plan_file`` and which of its steps are done, connects to Ray, lets
    ``build`` add the plan's steps, and waits for them. 0 when every step succeeded, 1 when one
    failed, flowrt's exit code when the plan or its inputs cannot be read."""
    global _event_prefix
    _event_prefix = event_prefix
    p = argparse.ArgumentParser(description="Run the plan's steps on a Ray cluster.")
    p.add_argument("--address", default=os.environ.get("RAY_ADDRESS"), help="the Ray cluster (default: $RAY_ADDRESS, else a new local one)")
    p.add_argument("--run-dir", default=str(plan_file.parent), help="where the steps write (default: the directory of plan.json)")
    p.add_argument("--input-root", default=os.environ.get("FLOWRT_INPUT_ROOT"), help="where the plan's relative paths resolve")
    p.add_argument("--job", action="store_true", help="running as a Ray Job: the job's runtime_env carries flowrt")
    args = p.parse_args(argv)

    run_dir = Path(args.run_dir).resolve()
    root = Path(args.input_root).resolve() if args.input_root else None
    try:
        plan = load_plan(plan_file)
        status = {s["id"]: s for s in plan_status(plan, run_dir, root)["steps"]}
    except FlowrtError as e:
        print(f"flowrt: error: {e.message}" + (f"\nhelp: {e.hint}" if e.hint else ""), file=sys.stderr)
        return e.exit_code
    # Workers import the flowrt this driver imported; a Ray Job's runtime_env brings its own.
    env = {"RAY_TRAIN_ENABLE_PRINT_PATCH": "0", "FLOWRT_RUN_DIR": str(run_dir)}
    if not args.job:
        flowrt_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(x for x in (flowrt_root, os.environ.get("PYTHONPATH")) if x)
    ray.init(address=args.address, runtime_env=None if args.job else {"env_vars": env})
    ctx = {"plan": plan_file.read_text(), "run_dir": str(run_dir), "input_root": str(root) if root else None}
    dag = Dag(ctx, status)
    try:
        build(dag)
    except StepFailed as e:  # nothing is left waiting on a step that cannot be scheduled
        event("failed", e.step_id, error=str(e))
        event("finished", None, failed={e.step_id: str(e)})
        return 1
    return dag.wait()
