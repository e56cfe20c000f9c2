"""Training, evaluation and release on CPU with gloo: a 2-rank FSDP2 run under torchrun, exact
stop/resume, TP = 2 agreeing with the single-process loss, the transformers round trip, gates,
and FP8 refusing to run without a Hopper GPU."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import flowrt, write_plan

from flowrt.errors import FlowrtError


def losses(run: Path) -> list[float]:
    return [json.loads(l)["loss"] for l in (run / "steps" / "train.pretrain" / "metrics.jsonl").read_text().splitlines()]


def linked_run(src: Path, dst: Path, redo: tuple[str, ...] = ("train.",)) -> None:
    """A run directory holding `src`'s step outputs (symlinked) except those whose ids start with
    one of `redo`, so that those steps run again."""
    (dst / "steps").mkdir(parents=True)
    for d in (src / "steps").iterdir():
        if not d.name.startswith(redo):
            (dst / "steps" / d.name).symlink_to(d)


def first_segment(trained_run: Path, run: Path, last_step: int) -> tuple[dict, dict]:
    """Trains steps [0, last_step) of the micro plan on 2 ranks in `run`; returns the plan and its train step."""
    plan = json.loads((trained_run / "plan.json").read_text())
    linked_run(trained_run, run)
    step = next(s for s in plan["steps"] if s["id"] == "train.pretrain")
    step["params"]["last_step"] = last_step
    write_plan(run, plan)
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain", torchrun=2)
    return plan, step


def test_two_rank_fsdp_run_trains_and_checkpoints(trained_run):
    ls = losses(trained_run)
    assert len(ls) == 12
    assert ls[-1] < ls[0] - 0.5, f"the loss goes down on real text: {ls[0]:.3f} -> {ls[-1]:.3f}"
    ckpts = sorted(p.name for p in (trained_run / "steps" / "train.pretrain" / "ckpt").glob("step_*"))
    assert ckpts == ["step_12", "step_4", "step_8"]
    rec = json.loads((trained_run / "steps" / "train.pretrain" / "metrics.jsonl").read_text().splitlines()[0])
    assert {"step", "loss", "lr", "tokens_per_s", "mfu", "memory_bytes", "stage"} <= set(rec)
    assert (trained_run / "steps" / "train.pretrain" / "final" / "model.safetensors").exists()


def test_stop_and_resume_gives_the_same_losses(trained_run, tmp_path):
    """Run steps 0–5, stop (a segment boundary, as a walltime split does), resume to 12: losses
    equal the uninterrupted run's bit for bit."""
    run = tmp_path / "resume"
    plan, step = first_segment(trained_run, run, 5)
    step["params"]["first_step"], step["params"]["last_step"] = 5, 12
    (run / "steps" / "train.pretrain" / "_DONE").unlink(missing_ok=True)
    write_plan(run, plan)
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain", torchrun=2)
    assert "resumed from" in r.stderr
    assert losses(run) == losses(trained_run)


def test_resume_on_a_different_number_of_ranks_continues_the_same_run(trained_run, tmp_path):
    """Steps 0–5 on 2 ranks (dp = 2), then 5–12 on one process (dp = 1), as when a requeued job gets
    fewer nodes: the DCP checkpoint is resharded, every step still trains on the same global batch,
    so the losses follow the uninterrupted 2-rank run (fp32; only the reduction order differs)."""
    run = tmp_path / "reshard"
    plan, step = first_segment(trained_run, run, 5)
    t = plan["trains"][0]
    t["parallel"]["dp"] = 1
    for s in t["stages"]:
        s["grad_accum"] = s["sequences_per_step"] // s["micro_batch"]
    step["params"]["first_step"], step["params"]["last_step"] = 5, 12
    (run / "steps" / "train.pretrain" / "_DONE").unlink(missing_ok=True)
    write_plan(run, plan)
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain")
    assert "resumed from" in r.stderr
    assert losses(run) == pytest.approx(losses(trained_run), abs=1e-4)


def test_zero0_replicated_trains_like_zero3_sharded(trained_run, tmp_path):
    """zero = 0 (`replicate`, DDP-style) and zero = 3 (FSDP2 fully sharded) are the same
    optimization: on 2 ranks their fp32 losses agree, across a checkpoint and resume."""
    plan = json.loads((trained_run / "plan.json").read_text())
    # What the compiler lowers zero = 0 to (src/estimate/backends.ts): replicated data parallelism.
    plan["trains"][0]["parallel"]["zero"] = 0
    plan["trains"][0]["layout"].update({"data_parallel": "replicate", "reshard_after_forward": False})
    run = tmp_path / "zero0"
    linked_run(trained_run, run)
    step = next(s for s in plan["steps"] if s["id"] == "train.pretrain")
    step["params"]["last_step"] = 4
    write_plan(run, plan)
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain", torchrun=2)
    assert losses(run) == pytest.approx(losses(trained_run)[:4], abs=1e-5)
    # Its checkpoint resumes too.
    step["params"]["first_step"], step["params"]["last_step"] = 4, 6
    (run / "steps" / "train.pretrain" / "_DONE").unlink(missing_ok=True)
    write_plan(run, plan)
    assert "resumed from" in flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain", torchrun=2).stderr
    assert losses(run) == pytest.approx(losses(trained_run)[:6], abs=1e-5)


def test_tensor_and_pipeline_parallel_match_single_process(data_run, tmp_path):
    """tp = 2 (DTensor) and pp = 2 (1F1B) see the same data as one process and give the same
    losses (fp32, within 1e-4)."""
    results = {}
    for name, tp, pp, dp, nproc in (("single", 1, 1, 1, 1), ("tp2", 2, 1, 1, 2), ("pp2", 1, 2, 1, 2)):
        plan = json.loads((data_run / "plan.json").read_text())
        t = plan["trains"][0]
        t["parallel"].update({"tp": tp, "pp": pp, "dp": dp})
        for s in t["stages"]:
            s["grad_accum"] = s["sequences_per_step"] // (s["micro_batch"] * dp)
        step = next(s for s in plan["steps"] if s["id"] == "train.pretrain")
        step["params"]["last_step"] = 3
        run = tmp_path / name
        linked_run(data_run, run)
        write_plan(run, plan)
        flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain", torchrun=nproc)
        results[name] = losses(run)
    assert results["single"] == pytest.approx(results["tp2"], abs=1e-4)
    assert results["single"] == pytest.approx(results["pp2"], abs=1e-4)


def test_eval_gates_and_release_round_trip_through_transformers(trained_run, tmp_path):
    flowrt("step", "--plan", str(trained_run / "plan.json"), "--step", "eval.base")
    res = json.loads((trained_run / "steps" / "eval.base" / "results.json").read_text())
    assert res["passed"] and res["results"]["heldout"]["perplexity"] > 1
    assert 0 <= res["results"]["quiz"]["acc"] <= 1 and res["results"]["quiz"]["items"] == 48
    flowrt("step", "--plan", str(trained_run / "plan.json"), "--step", "release.toy_v1")
    root = trained_run / "release" / "toy_v1"
    current = root / (root / "CURRENT").read_text().strip()
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md", "SHA256SUMS"} <= {p.name for p in current.iterdir()}
    assert "clean.math" in (current / "README.md").read_text()

    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    from flowrt.eval.step import load_model

    hf = AutoModelForCausalLM.from_pretrained(str(current)).eval()
    ours = load_model(trained_run / "steps" / "train.pretrain")
    tok = PreTrainedTokenizerFast(tokenizer_file=str(current / "tokenizer.json"))
    ids = torch.tensor([tok("The licence grants you the right to copy and modify the software.")["input_ids"]])
    with torch.no_grad():
        assert torch.allclose(hf(ids).logits, ours(ids), atol=1e-4)

    # A gate that fails exits 1 and names the gate.
    plan = json.loads((trained_run / "plan.json").read_text())
    plan["evals"][0]["gates"][0]["value"] = 1.0
    run = tmp_path / "gate"
    linked_run(trained_run, run, redo=("eval.base",))
    write_plan(run, plan)
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "eval.base", check=False)
    assert r.returncode == 1 and "gate failed: heldout.perplexity <= 1.0" in r.stderr


def test_fp8_refuses_to_run_without_a_hopper_gpu():
    from flowrt.train.parallel import check_precision

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the CPU refusal is what CI checks")
    with pytest.raises(FlowrtError, match="fp8 needs an NVIDIA GPU"):
        check_precision("fp8", torch.device("cpu"))


def megatron_plan(plan: dict) -> dict:
    """The plan as the compiler lowers backend = megatron (zero = 1, tp = 2): Megatron's layout, and
    the train step reading the tokenizer and the token shards Megatron loads."""
    t = plan["trains"][0]
    t["backend"], t["precision"] = "megatron", "fp8"
    t["parallel"].update({"zero": 1, "tp": 2, "recompute": "full"})
    t["layout"] = {"backend": "megatron", "distributed_optimizer": True, "sequence_parallel": True}
    step = next(s for s in plan["steps"] if s["id"] == "train.pretrain")
    step["reads"].update({"tokenizer": "tokenizer.tok", "datasets": {ds: f"tokenize.{ds}" for ds in plan["sources"]}})
    step["needs"] = sorted({step["reads"]["mix"], "tokenizer.tok", *step["reads"]["datasets"].values()})
    return plan


def test_megatron_launch_uses_only_flags_megatron_has(data_run):
    from flowrt.plan import find_step, plan_from_json
    from flowrt.train.megatron import known_flags, stage_commands

    plan = plan_from_json(megatron_plan(json.loads((data_run / "plan.json").read_text())))
    t, step = plan.trains[0], find_step(plan, "train.pretrain")
    cmds = stage_commands(plan, t, step, data_run, lambda sid: data_run / find_step(plan, sid).out_dir)
    assert len(cmds) == len(t.stages)
    flags = known_flags()
    emitted = {a for c in cmds for a in c if a.startswith("--")}
    assert emitted <= flags, f"not Megatron flags: {sorted(emitted - flags)}"
    assert {"--fp8-format", "--use-distributed-optimizer", "--sequence-parallel", "--lr-wsd-decay-iters"} <= emitted
    # Each dataset's weight goes to its token shards; together they are the stage's mix.
    data = cmds[-1][cmds[-1].index("--data-path") + 1:]
    weights = [float(w) for w in data[::2]]
    assert sum(weights) == pytest.approx(1.0) and all(p.endswith("shard-00000") for p in data[1::2])


def test_megatron_without_gpus_stops_with_a_clear_message(trained_run, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    plan = megatron_plan(json.loads((trained_run / "plan.json").read_text()))
    run = tmp_path / "mg"
    linked_run(trained_run, run)
    p = write_plan(run, plan)
    r = flowrt("step", "--plan", str(p), "--step", "train.pretrain", check=False)
    assert r.returncode == 2 and "backend = megatron needs GPUs" in r.stderr and "Traceback" not in r.stderr


def test_sigusr2_checkpoints_and_exits_for_requeue_then_resumes_exactly(trained_run, tmp_path):
    """The pre-timeout signal (SIGUSR2) makes the loop checkpoint after the current step and exit
    75; the requeued job resumes there and the losses equal an uninterrupted run's."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import RUNTIME

    plan = json.loads((trained_run / "plan.json").read_text())
    t = plan["trains"][0]
    t["parallel"]["dp"] = 1
    for s in t["stages"]:
        s["grad_accum"] = s["sequences_per_step"] // s["micro_batch"]
    runs = {}
    for name in ("straight", "signalled"):
        run = tmp_path / name
        linked_run(trained_run, run, redo=("train.", "eval.", "release."))
        write_plan(run, plan)
        runs[name] = run
    flowrt("step", "--plan", str(runs["straight"] / "plan.json"), "--step", "train.pretrain")
    env = {**os.environ, "PYTHONPATH": str(RUNTIME), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "flowrt", "step", "--plan", str(runs["signalled"] / "plan.json"), "--step", "train.pretrain"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    metrics = runs["signalled"] / "steps" / "train.pretrain" / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not metrics.exists() or len(metrics.read_text().splitlines()) < 2):
        time.sleep(0.05)
    proc.send_signal(signal.SIGUSR2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 75, err[-2000:]
    stopped_at = len(metrics.read_text().splitlines())
    assert stopped_at < 12
    assert (runs["signalled"] / "steps" / "train.pretrain" / "ckpt" / f"step_{stopped_at}" / "step.json").exists()
    r = flowrt("step", "--plan", str(runs["signalled"] / "plan.json"), "--step", "train.pretrain")
    assert "resumed from" in r.stderr
    assert losses(runs["signalled"]) == losses(runs["straight"])


def test_megatron_honours_segment_bounds_and_the_stop_signal(data_run, tmp_path):
    """A later segment launches only the stages it overlaps, exits at its own end, asks Megatron to
    save on the plan's stop signal and to refuse a missing checkpoint; without one it fails first."""
    from flowrt.plan import find_step, plan_from_json
    from flowrt.train.megatron import check_resumable, known_flags, stage_commands

    raw = megatron_plan(json.loads((data_run / "plan.json").read_text()))
    t = raw["trains"][0]
    second = t["stages"][1]
    step = next(s for s in raw["steps"] if s["id"] == "train.pretrain")
    mid = second["first_step"] + 1
    step["params"]["first_step"], step["params"]["last_step"] = mid, t["total_steps"]
    plan = plan_from_json(raw)
    st = find_step(plan, "train.pretrain")
    cmds = stage_commands(plan, plan.trains[0], st, data_run, lambda sid: data_run / find_step(plan, sid).out_dir)
    assert len(cmds) == 1, "only the stage this segment overlaps"
    c = cmds[0]
    assert c[c.index("--exit-interval") + 1] == str(t["total_steps"])
    assert c[c.index("--exit-signal") + 1] == "SIGUSR2" and "--exit-on-missing-checkpoint" in c
    assert {a for a in c if a.startswith("--")} <= known_flags()
    with pytest.raises(FlowrtError, match=f"starts at step {mid}, but .* holds no Megatron checkpoint"):
        check_resumable(tmp_path / "megatron-ckpt", st)
    (tmp_path / "megatron-ckpt").mkdir()
    (tmp_path / "megatron-ckpt" / "latest_checkpointed_iteration.txt").write_text(f"{mid}\n")
    assert check_resumable(tmp_path / "megatron-ckpt", st) == mid
