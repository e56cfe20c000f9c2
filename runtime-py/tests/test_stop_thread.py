"""The stop flag when the training loop runs off the main thread (Ray Train runs it in a worker
thread, where Python cannot install signal handlers): no handler, the stop file still read."""
from __future__ import annotations

import signal
import threading

import torch
from conftest import tiny_plan

from flowrt.plan import plan_from_json
from flowrt.train.stop import NONE, STOP, StopFlag


def test_a_stop_flag_made_in_a_worker_thread_installs_no_handler_and_reads_the_stop_file(tmp_path, monkeypatch):
    protocol = plan_from_json(tiny_plan()).protocol
    stop_file = tmp_path / "stop"
    monkeypatch.setenv(protocol.stop_file_env, str(stop_file))
    before = signal.getsignal(signal.Signals[f"SIG{protocol.stop_signal}"])
    made: list[StopFlag] = []
    t = threading.Thread(target=lambda: made.append(StopFlag(protocol, torch.device("cpu"), 1)))
    t.start()
    t.join()
    assert len(made) == 1, "StopFlag raised in the worker thread"
    assert signal.getsignal(signal.Signals[f"SIG{protocol.stop_signal}"]) is before
    assert made[0].agreed() == NONE
    stop_file.touch()
    assert made[0].agreed() == STOP
