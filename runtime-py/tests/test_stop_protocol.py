"""The stop/requeue protocol under torchrun with 2 CPU ranks (gloo), as the Slurm batch script runs
it: the stop file (what the script's SIGUSR2 trap creates) or SIGUSR2 to one worker only stops both
ranks after the same step, with a checkpoint, the stop marker and exit 0; resuming trains exactly
the planned steps with the losses of an uninterrupted run. SIGTERM (scancel) stops without a marker
and a non-zero exit, so the script never requeues it. A later segment without a checkpoint fails."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import EXAMPLES, RUNTIME, flowrt, write_plan
from test_train import linked_run, losses

STEP = "train.pretrain"


def out_dir(run: Path) -> Path:
    return run / "steps" / STEP


def start(run: Path, env: dict | None = None) -> subprocess.Popen:
    e = {**os.environ, "PYTHONPATH": str(RUNTIME), "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "FLOWRT_INPUT_ROOT": str(EXAMPLES), **(env or {})}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "flowrt",
           "step", "--plan", str(run / "plan.json"), "--step", STEP]
    return subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_steps(run: Path, n: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    metrics = out_dir(run) / "metrics.jsonl"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if metrics.exists() and len(metrics.read_text().splitlines()) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"training ended before step {n}: {proc.stderr.read()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no step {n} within {timeout} s")


def workers(proc: subprocess.Popen) -> list[int]:
    """The two rank processes torchrun started (its children)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        kids = [int(x) for x in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        if len(kids) >= 2:
            return kids
        time.sleep(0.05)
    raise AssertionError("torchrun did not start 2 workers")


def fresh_run(trained_run: Path, run: Path) -> dict:
    plan = json.loads((trained_run / "plan.json").read_text())
    linked_run(trained_run, run, redo=("train.", "eval.", "release."))
    write_plan(run, plan)
    return plan


def stopped_then_resumed(trained_run: Path, run: Path, proc: subprocess.Popen) -> None:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    marker = json.loads((out_dir(run) / "STOPPED.json").read_text())
    k = marker["step"]
    assert 2 <= k < 12 and marker["signal"] == "USR2"
    # Both ranks stopped after step k: a checkpoint at k (every rank wrote its shard; a rank that
    # went on alone would have hung in the next collective) and k metrics records.
    assert (out_dir(run) / "ckpt" / f"step_{k}" / "step.json").exists()
    assert sorted(p.name for p in (out_dir(run) / "ckpt" / f"step_{k}").glob("rng_*.pt")) == ["rng_0.pt", "rng_1.pt"]
    assert len(losses(run)) == k
    assert not (out_dir(run) / "_DONE").exists(), "a stopped segment is not done"
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", STEP, torchrun=2)
    assert f"at step {k}" in r.stderr and "resumed from" in r.stderr
    assert not (out_dir(run) / "STOPPED.json").exists()
    steps = [json.loads(l)["step"] for l in (out_dir(run) / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(12)), "every planned step exactly once"
    straight = losses(trained_run)
    assert max(abs(a - b) for a, b in zip(losses(run), straight)) <= 1e-6


def test_the_stop_file_stops_both_ranks_at_one_step_and_resume_matches(trained_run, tmp_path):
    run = tmp_path / "stopfile"
    fresh_run(trained_run, run)
    stop_file = tmp_path / "stop-123-0"
    proc = start(run, {"FLOWRT_STOP_FILE": str(stop_file)})
    wait_for_steps(run, 2, proc)
    stop_file.touch()  # what the batch script's SIGUSR2 trap does
    stopped_then_resumed(trained_run, run, proc)


def test_sigusr2_to_one_worker_stops_both_ranks_at_one_step(trained_run, tmp_path):
    run = tmp_path / "usr2"
    fresh_run(trained_run, run)
    proc = start(run)
    pids = workers(proc)
    wait_for_steps(run, 2, proc)
    os.kill(pids[1], signal.SIGUSR2)  # rank order aside: one worker only
    stopped_then_resumed(trained_run, run, proc)


def test_sigterm_is_a_cancel_no_stop_marker_and_a_failing_exit(trained_run, tmp_path):
    run = tmp_path / "term"
    fresh_run(trained_run, run)
    proc = start(run)
    pids = workers(proc)
    wait_for_steps(run, 2, proc)
    os.kill(pids[0], signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0, "a cancelled run must not look successful"
    assert not (out_dir(run) / "STOPPED.json").exists(), "a cancel never asks for a requeue"
    assert "cancelled, not requeued" in err


def test_a_later_segment_without_a_checkpoint_refuses_to_train_from_scratch(trained_run, tmp_path):
    run = tmp_path / "seg"
    plan = fresh_run(trained_run, run)
    step = next(s for s in plan["steps"] if s["id"] == STEP)
    step["params"]["first_step"] = 6
    write_plan(run, plan)
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", STEP, check=False)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "starts at step 6" in r.stderr and "holds no checkpoint" in r.stderr and "Traceback" not in r.stderr
    assert not (out_dir(run) / "metrics.jsonl").exists()
