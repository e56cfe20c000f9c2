"""Continued pretraining and evals during training (test/fixtures/continued.flow): run `cont` starts
from pretrain's final weights (init_from) with a fresh optimizer, and its eval `cont_watch` runs
every step while it trains; the plan's steps shared with micro.flow are the same steps (same
fingerprints), so the session's trained micro run is reused as it is."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import flowrt, tiny_plan, write_plan


@pytest.fixture(scope="module")
def continued_run(trained_run: Path, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("continued")
    (run / "steps").mkdir()
    for d in (trained_run / "steps").iterdir():
        if d.name.startswith(("train.pretrain", "mix.pretrain", "tokenize.", "curate.", "dedup.", "tokenizer.")):
            (run / "steps" / d.name).symlink_to(d)
    write_plan(run, tiny_plan("continued"))
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "mix.cont")
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.cont", torchrun=2)
    (run / "train.cont.log").write_text(r.stderr)
    return run


def records(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()]


def test_steps_shared_with_another_plan_are_done_there_too(continued_run):
    st = {s["id"]: s for s in json.loads(flowrt("status", "--plan", str(continued_run / "plan.json")).stdout)["steps"]}
    assert st["train.pretrain"]["state"] == "done" and st["mix.pretrain"]["state"] == "done"
    assert st["train.cont"]["state"] == "done" and st["eval.cont_watch"]["state"] == "missing"


def test_init_from_starts_from_the_named_runs_final_weights(trained_run, continued_run):
    pre = records(trained_run / "steps" / "train.pretrain" / "metrics.jsonl")
    cont = records(continued_run / "steps" / "train.cont" / "metrics.jsonl")
    assert len(cont) == 2
    random_init = math.log(4096)  # the loss of an untrained model over the vocabulary
    assert pre[0]["loss"] == pytest.approx(random_init, abs=0.1)
    # Its first batch is pretrain's first batch (same seed, mix and packing), seen once 12 steps ago.
    assert cont[0]["loss"] == pytest.approx(pre[-1]["loss"], abs=0.3), (pre[-1]["loss"], cont[0]["loss"])
    assert cont[0]["loss"] < random_init - 0.8
    assert "initialized from " + str(continued_run / "steps" / "train.pretrain" / "final" / "model.safetensors") in (continued_run / "train.cont.log").read_text()


def test_evals_run_every_n_steps_during_training_and_reach_the_final_eval(continued_run):
    rows = records(continued_run / "steps" / "train.cont" / "evals.jsonl")
    assert [(r["step"], r["eval"]) for r in rows] == [(1, "cont_watch"), (2, "cont_watch")]
    assert all(r["results"]["heldout"]["perplexity"] > 1 for r in rows)
    flowrt("step", "--plan", str(continued_run / "plan.json"), "--step", "eval.cont_watch")
    res = json.loads((continued_run / "steps" / "eval.cont_watch" / "results.json").read_text())
    assert [r["step"] for r in res["during_training"]] == [1, 2]
    # The eval at the last step saw the final weights: the eval step measures the same.
    assert res["results"]["heldout"]["perplexity"] == pytest.approx(rows[-1]["results"]["heldout"]["perplexity"], rel=1e-4)
