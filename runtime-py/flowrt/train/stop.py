"""The stop/requeue protocol on the training side (the plan's `protocol` block names its pieces).

Two ways to be asked to stop: the stop signal delivered to this process (SIGUSR2: a local run, or a
scheduler that signals every task), or the stop file the Slurm batch script creates when the signal
reaches it (`--signal=B:USR2@lead`; torchrun forwards no SIGUSR2 to its workers). SIGTERM is a
cancel (`scancel`): checkpoint only if that is quick, exit 143, never requeue.

Each rank sees these at its own moment, so once per step the ranks all-reduce their flag (MAX) and
act on the agreed value: every rank stops after the same step, or the next collective of the ones
that went on would hang."""
from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import torch
import torch.distributed as dist

NONE, STOP, CANCEL = 0, 1, 2

#: Exit status after a cancel (128 + SIGTERM), as a shell reports a process SIGTERM ended.
CANCEL_EXIT_CODE = 128 + signal.SIGTERM
#: On SIGTERM a checkpoint is written only if the plan estimates it at most this long: Slurm's
#: KillWait (30 s by default) is all the time there is before SIGKILL.
CANCEL_CHECKPOINT_MAX_S = 10.0


class StopFlag:
    """Installs the protocol's signal handlers; `agreed()` is the flag all ranks act on."""

    def __init__(self, protocol, device: torch.device, world: int):
        self.stop_signal = protocol.stop_signal
        self.cancel_signal = protocol.preempt_signal
        self.stop_file = os.environ.get(protocol.stop_file_env) or None
        self.device, self.world = device, world
        self.local = NONE
        # Only the main thread may install handlers: Ray Train runs the loop in a worker thread, and
        # Ray stops (and restarts) its workers itself; the stop file works there all the same.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.Signals[f"SIG{self.stop_signal}"], self._on_stop)
            signal.signal(signal.Signals[f"SIG{self.cancel_signal}"], self._on_cancel)

    def _on_stop(self, _signum, _frame) -> None:
        self.local = max(self.local, STOP)

    def _on_cancel(self, _signum, _frame) -> None:
        self.local = CANCEL

    def seen_here(self) -> int:
        if self.local < STOP and self.stop_file is not None and os.path.exists(self.stop_file):
            self.local = STOP
        return self.local

    def agreed(self) -> int:
        """The largest flag of any rank (a collective: every rank calls it once per step)."""
        v = self.seen_here()
        if self.world == 1:
            return v
        t = torch.tensor([v], dtype=torch.int32, device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return int(t.item())

    def name(self, flag: int) -> str:
        return self.stop_signal if flag == STOP else self.cancel_signal


def write_stop_marker(out: Path, protocol, step: int, signal_name: str) -> Path:
    """Rank 0, after the stop checkpoint: the batch script requeues the job when it finds this."""
    p = out / protocol.stop_marker
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(json.dumps({"step": step, "signal": signal_name, "job": os.environ.get("SLURM_JOB_ID"),
                               "restart": os.environ.get("SLURM_RESTART_COUNT")}) + "\n")
    tmp.replace(p)
    return p


def under_torchrun() -> bool:
    """torchrun turns a worker's non-zero exit into its own exit 1: workers exit 0 after a stop."""
    return "TORCHELASTIC_RUN_ID" in os.environ
