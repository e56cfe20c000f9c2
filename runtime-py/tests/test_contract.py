"""The plan as flowrt's contract: one loader builds frozen dataclasses generated from the compiler's
JSON Schema and refuses what the schema cannot say; completion markers are keyed on content, so a
changed input file, option or shard count is redone (and never mixed with stale output);
`python -m flowrt status` says per step what is done, stale (and why), partial or missing."""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, DATA_STEPS, EXAMPLES, flowrt, tiny_plan, write_plan

from flowrt import plan_types
from flowrt.errors import FlowrtError
from flowrt.frozen import FrozenDict
from flowrt.plan import load_plan, plan_from_json, schema


def status(run: Path, root: Path = EXAMPLES) -> dict[str, dict]:
    out = json.loads(flowrt("status", "--plan", str(run / "plan.json"), "--input-root", str(root)).stdout)
    return {s["id"]: s for s in out["steps"]}


def refingerprint(plan: dict, step_id: str, salt: str) -> None:
    """What recompiling after a change of that step's definition does to its fingerprint."""
    s = next(x for x in plan["steps"] if x["id"] == step_id)
    s["fingerprint_parts"]["step"] = hashlib.sha256(f"{s['fingerprint_parts']['step']}{salt}".encode()).hexdigest()
    s["fingerprint"] = hashlib.sha256(json.dumps(s["fingerprint_parts"], sort_keys=True).encode()).hexdigest()


# ---- the typed plan ------------------------------------------------------------------------------

def test_the_plan_loads_into_frozen_dataclasses_that_match_the_schema_field_by_field():
    plan = plan_from_json(tiny_plan())
    assert isinstance(plan.steps[0], plan_types.TokenizerStep) and isinstance(plan.trains[0].layout, plan_types.FsdpLayout)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.trains[0].seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="read-only"):
        plan.raw_sources["web"] = plan.raw_sources["code"]  # type: ignore[index]
    assert plan.trains[0].stages[0].mix["clean.web"].weight.denominator > 0  # an exact Fraction
    defs = schema()["$defs"]
    for name, cls in vars(plan_types).items():
        if dataclasses.is_dataclass(cls) and name in defs:
            fields = {f.name.removesuffix("_") if f.name.removesuffix("_") in defs[name]["properties"] else f.name for f in dataclasses.fields(cls)}
            assert fields == set(defs[name]["properties"]), name


def test_op_defaults_come_from_the_schema():
    defs = schema()["$defs"]
    for name in ("LanguageOp", "QualityOp", "PiiOp", "MinhashDedupOp", "SimhashDedupOp", "DecontaminateOp"):
        cls = getattr(plan_types, name)
        made = cls()
        for key, prop in defs[name]["properties"].items():
            if "default" in prop:
                got = getattr(made, key)
                assert (list(got) if isinstance(got, tuple) else got) == prop["default"], f"{name}.{key}"


@pytest.mark.parametrize("edit, message", [
    (lambda p: p["steps"][9]["needs"].append("mix.nope"), "step train.pretrain: it needs mix.nope, which the plan does not have"),
    (lambda p: p["steps"].append(copy.deepcopy(p["steps"][0])), "step tokenizer.tok: the id is used by two steps"),
    (lambda p: (p["steps"][0]["needs"].append("release.toy_v1"), p["steps"][0]["reads"].update(x="release.toy_v1")), None),
    (lambda p: p["steps"][9]["params"].update(first_step=100, last_step=50), "step train.pretrain: its segment ends (step 50) before it starts (step 100)"),
    (lambda p: p["steps"][9]["params"].update(last_step=500), "step train.pretrain: its segment [0, 500) lies outside train run 'pretrain' (steps 0..64)"),
    (lambda p: p["steps"][5]["params"].update(curation="dirty"), "step tokenize.clean.web: it names curation 'dirty', which the plan does not have"),
    (lambda p: p["steps"][4]["needs"].pop(), "step dedup.clean: its needs"),
    (lambda p: p["steps"][5].update(shards=2), "step tokenize.clean.web: it has 2 shards and reads curate.clean.web, which has 1"),
])
def test_the_loader_refuses_what_the_schema_cannot_express(edit, message):
    plan = tiny_plan()
    edit(plan)
    with pytest.raises(FlowrtError) as e:
        plan_from_json(plan)
    if message is None:  # the tokenizer step reads no role `x`: the schema itself refuses it
        assert "does not match the plan schema" in e.value.message
    else:
        assert message in e.value.message and "re-create it with flowc" in e.value.hint


def test_a_cycle_is_refused_naming_its_steps(tmp_path):
    plan = tiny_plan()
    mix = next(s for s in plan["steps"] if s["id"] == "mix.pretrain")
    mix["reads"]["datasets"]["extra"] = "release.toy_v1"
    mix["needs"].append("release.toy_v1")
    with pytest.raises(FlowrtError, match=r"its needs form a cycle: (\S+ -> )+\S+") as e:
        plan_from_json(plan)
    cycle = e.value.message.split("cycle: ")[1].split(" -> ")
    assert cycle[0] == cycle[-1] and {"mix.pretrain", "train.pretrain", "release.toy_v1"} <= set(cycle)
    r = flowrt("step", "--plan", str(write_plan(tmp_path / "c", plan)), "--step", "mix.pretrain", check=False)
    assert r.returncode == 2 and "cycle" in r.stderr and "Traceback" not in r.stderr


def test_lookups_of_unknown_names_are_flowrt_errors():
    from flowrt.model.llama import ModelConfig
    from flowrt.plan import eval_of, release_of, train_of

    plan = plan_from_json(tiny_plan())
    for f in (eval_of, release_of, train_of):
        with pytest.raises(FlowrtError, match="the plan has no"):
            f(plan, "nope")
    bad = dataclasses.replace(plan.trains[0].model, arch="gpt2")  # type: ignore[arg-type]
    with pytest.raises(FlowrtError, match="arch = gpt2"):
        ModelConfig.from_plan(bad)


def test_the_op_command_takes_its_options_and_defaults_from_the_schema(tmp_path):
    src = CORPUS / "web" / "part-000.jsonl"
    a = json.loads(flowrt("op", "dedup", str(src), str(tmp_path / "a.jsonl")).stdout)
    b = json.loads(flowrt("op", "dedup", "--method", "minhash", "--ngram", "5", "--permutations", "128", "--bands", "16",
                          "--threshold", "0.8", "--seed", "1", str(src), str(tmp_path / "b.jsonl")).stdout)
    assert a == b, "no options: MinHash with the schema's defaults"
    bad = flowrt("op", "dedup", "--method", "simhash", "--bands", "4", str(src), str(tmp_path / "c.jsonl"), check=False)
    assert bad.returncode == 2 and "unknown option(s) bands" in bad.stderr and "options are: hamming, ngram" in bad.stderr
    bad = flowrt("op", "language", "--min-score", "high", str(src), str(tmp_path / "d.jsonl"), check=False)
    assert bad.returncode == 2 and "language: --min-score: 'high' is not a number" in bad.stderr
    one = json.loads(flowrt("op", "pii", "--redact", "email", str(src), str(tmp_path / "e.jsonl")).stdout)
    assert one["redacted:email"] > 0 and "redacted:phone" not in one


def test_frozen_dicts_pickle_for_ray_workers():
    import pickle

    plan = plan_from_json(tiny_plan())
    again = pickle.loads(pickle.dumps(plan))
    assert again == plan and isinstance(again.raw_sources, FrozenDict)


# ---- input root ----------------------------------------------------------------------------------

def test_relative_inputs_need_an_input_root(tmp_path):
    p = write_plan(tmp_path / "run", tiny_plan("micro"))
    r = flowrt("step", "--plan", str(p), "--step", "curate.clean.web", env={"FLOWRT_INPUT_ROOT": ""}, check=False)
    assert r.returncode == 2 and "no input root is given" in r.stderr and "--input-root" in r.stderr and "Traceback" not in r.stderr
    # Another root with the same relative layout works the same.
    root = tmp_path / "elsewhere"
    shutil.copytree(CORPUS, root / "data" / "tiny")
    flowrt("step", "--plan", str(p), "--step", "curate.clean.web", "--input-root", str(root))
    assert (tmp_path / "run" / "steps" / "curate.clean.web" / "shard-00000.jsonl").exists()


# ---- content-keyed markers and status ---------------------------------------------------------------

def test_a_changed_input_file_redoes_what_it_affects_and_status_says_why(data_run, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(CORPUS, root / "data" / "tiny")
    run = tmp_path / "run"
    write_plan(run, tiny_plan("micro"))
    assert {s["state"] for s in status(run, root).values()} == {"missing"}
    for s in DATA_STEPS:
        flowrt("step", "--plan", str(run / "plan.json"), "--step", s, "--input-root", str(root))
    st = status(run, root)
    assert all(st[s]["state"] == "done" for s in DATA_STEPS) and st["train.pretrain"]["state"] == "missing"
    # The keys do not depend on where the run or the input root is: the session's run agrees.
    assert {s: st[s]["key"] for s in DATA_STEPS} == {s: status(data_run)[s]["key"] for s in DATA_STEPS}

    math = root / "data" / "tiny" / "math" / "part-000.jsonl"
    lines = math.read_text().splitlines(keepends=True)
    math.write_text("".join(lines[:-5]))
    st = status(run, root)
    assert st["curate.clean.math"]["state"] == "stale"
    assert st["curate.clean.math"]["reason"].startswith("input data/tiny/math/part-000.jsonl changed (")
    assert st["dedup.clean"]["reason"] == "curate.clean.math, which it needs, is not the output it was made from"
    assert [s for s in DATA_STEPS if st[s]["state"] == "done"] == ["tokenizer.tok", "curate.clean.web", "curate.clean.code"]
    before = json.loads((run / "steps" / "curate.clean.math" / "shard-00000.stats.json").read_text())
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "curate.clean.math", "--input-root", str(root))
    assert "redoing it: input data/tiny/math/part-000.jsonl changed" in r.stderr
    after = json.loads((run / "steps" / "curate.clean.math" / "shard-00000.stats.json").read_text())
    assert after["docs_in"] == before["docs_in"] - 5
    # A step whose needs are stale does not run on them by accident: dedup is stale, so tokenize says so.
    assert status(run, root)["curate.clean.math"]["state"] == "done"
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "dedup.clean", "--input-root", str(root))
    assert "redoing it: curate.clean.math, which it needs" in r.stderr


def test_a_changed_option_is_named_and_the_old_output_cleared(data_run, tmp_path):
    run = tmp_path / "run"
    (run / "steps").mkdir(parents=True)
    shutil.copytree(data_run / "steps" / "tokenizer.tok", run / "steps" / "tokenizer.tok")
    shutil.copytree(data_run / "steps" / "curate.clean.web", run / "steps" / "curate.clean.web")
    (run / "steps" / "curate.clean.web" / "leftover.tmp").write_text("from an attempt that crashed")
    plan = tiny_plan("micro")
    refingerprint(plan, "curate.clean.web", "min_score 0.6")
    write_plan(run, plan)
    st = status(run)
    assert st["tokenizer.tok"]["state"] == "done"
    assert st["curate.clean.web"] == {**st["curate.clean.web"], "state": "stale", "reason": "the plan changed what decides its output: its own definition"}
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "curate.clean.web")
    assert not (run / "steps" / "curate.clean.web" / "leftover.tmp").exists()
    assert status(run)["curate.clean.web"]["state"] == "done"


def test_shards_are_the_plans_and_a_new_shard_count_is_redone_shard_by_shard(data_run, tmp_path):
    """curate and tokenize of `web` in 3 shards: shard i of the plan's 3, whatever Slurm's count
    says; status shows partial progress; the tokenize step's 3 shards are what mix packs."""
    plan = tiny_plan("micro")
    for sid in ("curate.clean.web", "tokenize.clean.web"):
        s = next(x for x in plan["steps"] if x["id"] == sid)
        s["shards"] = 3
        refingerprint(plan, sid, "3 shards")
    run = tmp_path / "run"
    (run / "steps").mkdir(parents=True)
    for s in DATA_STEPS:
        shutil.copytree(data_run / "steps" / s, run / "steps" / s)
    write_plan(run, plan)
    st = status(run)
    assert st["curate.clean.web"]["state"] == "stale" and st["curate.clean.web"]["shards"] == {"of": 3, "done": [], "todo": [0, 1, 2]}
    # Shards 2 and then 0, as a re-run of failed array tasks would: SLURM_ARRAY_TASK_COUNT is ignored.
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "curate.clean.web", env={"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "7"})
    assert status(run)["curate.clean.web"]["shards"]["done"] == [2]
    bad = flowrt("step", "--plan", str(run / "plan.json"), "--step", "curate.clean.web", "--shard", "1", "--of", "7", check=False)
    assert bad.returncode == 2 and "--of 7 disagrees with the plan" in bad.stderr
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "curate.clean.web", "--shard", "0")
    st = status(run)
    assert st["curate.clean.web"]["state"] == "partial" and st["curate.clean.web"]["shards"]["todo"] == [1]
    assert not (run / "steps" / "curate.clean.web" / "_DONE").exists(), "the one-shard marker of the old layout is cleared"
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "curate.clean.web")  # every shard not done: shard 1
    web = [json.loads((run / "steps" / "curate.clean.web" / f"shard-{i:05d}.stats.json").read_text()) for i in range(3)]
    whole = json.loads((data_run / "steps" / "curate.clean.web" / "shard-00000.stats.json").read_text())
    assert sum(w["docs_in"] for w in web) == whole["docs_in"] and sum(w["docs_out"] for w in web) == whole["docs_out"]
    flowrt("step", "--plan", str(run / "plan.json"), "--step", "dedup.clean")
    # The dedup ran over other shards, so every tokenize step after it is stale, not only web's.
    st = status(run)
    assert [s for s in DATA_STEPS if st[s]["state"] != "done"] == ["tokenize.clean.web", "tokenize.clean.code", "tokenize.clean.math", "mix.pretrain"]
    for s in ("tokenize.clean.web", "tokenize.clean.code", "tokenize.clean.math", "mix.pretrain"):
        flowrt("step", "--plan", str(run / "plan.json"), "--step", s)
    from flowrt.data.shards import verify_manifest

    tok = run / "steps" / "tokenize.clean.web"
    manifest = verify_manifest(tok, 3)
    assert [s["name"] for s in manifest["shards"]] == ["shard-00000", "shard-00001", "shard-00002"]
    one = verify_manifest(data_run / "steps" / "tokenize.clean.web", 1)
    assert sum(s["documents"] for s in manifest["shards"]) == one["shards"][0]["documents"]
    assert sum(s["tokens"] for s in manifest["shards"]) == one["shards"][0]["tokens"]
    st = status(run)
    assert all(st[s]["state"] == "done" for s in DATA_STEPS)


def test_status_for_a_train_run_with_checkpoints_of_another_lineage(trained_run, tmp_path):
    run = tmp_path / "run"
    (run / "steps").mkdir(parents=True)
    for d in (trained_run / "steps").iterdir():
        (run / "steps" / d.name).symlink_to(d)
    plan = json.loads((trained_run / "plan.json").read_text())
    write_plan(run, plan)
    assert status(run)["train.pretrain"]["state"] == "done"
    # The run's definition changes (as a new learning rate would change it): its checkpoints are not this run's.
    t = plan["trains"][0]
    t["lineage"] = hashlib.sha256(b"lr 2e-3").hexdigest()
    refingerprint(plan, "train.pretrain", "lr 2e-3")
    write_plan(run, plan)
    st = status(run)["train.pretrain"]
    assert st["state"] == "stale" and "checkpoints" in st["refused"] and "another run" in st["refused"]
    r = flowrt("step", "--plan", str(run / "plan.json"), "--step", "train.pretrain", check=False)
    assert r.returncode == 2 and "resuming would mix two runs" in r.stderr and "help: move or delete" in r.stderr
    assert "Traceback" not in r.stderr
