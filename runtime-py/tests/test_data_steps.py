"""The data steps of the compiler's plan on the real tiny corpus: retention, global dedup,
token shards (memmap + Megatron), manifests, exact quotas in the sampler's order, packing."""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import flowrt, tiny_plan, write_plan

from flowrt.data.pack import best_fit_decreasing, first_fit, materialize, pack, pieces
from flowrt.data.shards import read_documents, read_megatron, verify_manifest
from flowrt.plan import load_plan
from flowrt.plan_schedule import schedule_of
from flowrt.schedule import batch_sources


def test_curate_and_dedup_write_stats_and_a_global_drop_list(data_run):
    st = json.loads((data_run / "steps" / "curate.clean.web" / "shard-00000.stats.json").read_text())
    assert st["docs_in"] > st["docs_out"] > 0
    assert set(st["ops"]) == {"language", "quality", "pii"}
    dd = json.loads((data_run / "steps" / "dedup.clean" / "stats.json").read_text())
    assert dd["method"] == "minhash" and dd["dropped"] > 0, "licence texts repeat across copyright files"
    drop = json.loads((data_run / "steps" / "dedup.clean" / "drop.json").read_text())
    assert all(x.split("/")[0] in {"web", "code", "math"} for x in drop)


def test_token_shards_megatron_format_and_manifest(data_run):
    d = data_run / "steps" / "tokenize.clean.web"
    manifest = verify_manifest(d, 1)
    docs = read_documents(d, manifest)
    mega = read_megatron(d / "shard-00000")
    assert len(docs) == len(mega) == manifest["shards"][0]["documents"]
    assert all(np.array_equal(a, b) for a, b in zip(docs, mega))
    assert all(doc[-1] == manifest["eos"] for doc in docs)
    stats = json.loads((d / "shard-00000.stats.json").read_text())
    assert stats["dropped:decontaminate"] > 0, "licence texts contain the quiz's excerpts"
    assert (d / "shard-00000.decontamination.json").exists()


def test_corrupt_shard_is_detected_with_a_clear_error(data_run, tmp_path):
    import shutil

    src = data_run / "steps" / "tokenize.clean.code"
    copy = tmp_path / "tokenize.clean.code"
    shutil.copytree(src, copy)
    with open(copy / "shard-00000.tokens", "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02\x03")
    from flowrt.errors import FlowrtError

    with pytest.raises(FlowrtError, match="corrupt or partial"):
        verify_manifest(copy, 1)


def test_mix_layout_draws_exact_quotas_in_the_sampler_order(data_run):
    from flowrt.data.layout import StageData, step_draws

    train = load_plan(data_run / "plan.json").trains[0]
    sched = schedule_of(train)
    mix = data_run / "steps" / "mix.pretrain"
    layout = json.loads((mix / "layout.json").read_text())
    carried: dict[str, int] = {}
    for st, ir in zip(sched.stages, train.stages):
        draws = [d for k in range(st.first_step, st.last_step) for d in step_draws(sched, layout, k)]
        # The datasets follow the sampler, and each hits its quota exactly.
        assert [d.dataset for d in draws] == [s for k in range(st.first_step, st.last_step) for s in batch_sources(sched, k)]
        assert {k: sum(d.dataset == k for d in draws) for k in ir.mix} == {k: v.sequences for k, v in ir.mix.items()}
        # Within a dataset the rows run on from where the previous stage of that seq_len stopped, cycling.
        for ds in ir.mix:
            entry = layout["packed"][f"{ds}.L{st.seq_len}"]
            rows = [d.row for d in draws if d.dataset == ds]
            first = carried.get(f"{ds}.L{st.seq_len}", 0)
            assert rows == [(first + i) % entry["rows"] for i in range(len(rows))]
            carried[f"{ds}.L{st.seq_len}"] = first + len(rows)
        # Rank slices of a step are the global batch's rows, whatever dp.
        data = StageData(mix, sched, st)
        k = st.first_step
        whole, _ = data.rows(k, 0, st.sequences_per_step)
        assert whole.shape == (st.sequences_per_step, st.seq_len)
        d0 = step_draws(sched, layout, k)[0]
        assert (whole[0] == np.load(mix / layout["packed"][f"{d0.dataset}.L{st.seq_len}"]["tokens"])[d0.row]).all()
        dp = 2 if st.sequences_per_step % 2 == 0 else 1
        halves = [data.rank_batch(k, r, dp)[0].numpy() for r in range(dp)]
        assert (np.concatenate(halves) == whole).all()
    stats = json.loads((mix / "stats.json").read_text())
    for stage in stats["stages"].values():
        for ds in stage.values():
            assert ds["padding"] < 0.01, "best-fit decreasing leaves under 1% padding"


def test_best_fit_decreasing_beats_first_fit_and_keeps_every_token(data_run):
    d = data_run / "steps" / "tokenize.clean.web"
    docs = read_documents(d, verify_manifest(d, 1))
    items = pieces(docs, 128)
    bfd = best_fit_decreasing(items, 128)
    assert sorted(i for b in bfd for i in b) == list(range(len(items)))
    assert all(sum(len(items[i]) for i in b) <= 128 for b in bfd)
    ff = first_fit(items, 128)
    assert len(bfd) <= len(ff)
    packed = pack(docs, 128, pad=0)
    assert packed.padding < 0.01
    assert int((packed.segments >= 0).sum()) == sum(len(x) for x in docs)


def test_rerun_skips_done_steps_and_errors_are_clear(data_run, tmp_path):
    r = flowrt("step", "--plan", str(data_run / "plan.json"), "--step", "mix.pretrain")
    assert "already done" in r.stderr
    bad = flowrt("step", "--plan", str(data_run / "plan.json"), "--step", "mix.nope", check=False)
    assert bad.returncode == 2 and "no step 'mix.nope'" in bad.stderr and "Traceback" not in bad.stderr
    plan = tiny_plan()
    plan["raw_sources"]["web"]["uri"] = "data/missing/*.jsonl"
    p = write_plan(tmp_path / "run", plan)
    miss = flowrt("step", "--plan", str(p), "--step", "curate.clean.web", check=False)
    assert miss.returncode == 2 and "no files match" in miss.stderr and "help:" in miss.stderr
    (tmp_path / "bad.json").write_text('{"version": 2}')
    inv = flowrt("step", "--plan", str(tmp_path / "bad.json"), "--step", "x.y", check=False)
    assert inv.returncode == 2 and "does not match the plan schema" in inv.stderr


def test_op_command_on_a_real_file(tmp_path):
    from conftest import CORPUS

    out = tmp_path / "out.jsonl"
    r = flowrt("op", "dedup", "--method", "minhash", "--ngram", "5", "--threshold", "0.8", str(CORPUS / "web" / "part-000.jsonl"), str(out))
    res = json.loads(r.stdout)
    assert res["docs_in"] > res["docs_out"] > 0
    r = flowrt("op", "pii", "--redact", "email,phone,ip", str(out), str(tmp_path / "pii.jsonl"))
    assert json.loads(r.stdout)["redacted:email"] > 0


def test_upsample_is_k_cycles_of_the_packing_and_counts_in_the_epoch_check(data_run, tmp_path):
    import shutil

    plan = json.loads((data_run / "plan.json").read_text())
    run = tmp_path / "run"
    shutil.copytree(data_run / "steps", run / "steps", ignore=shutil.ignore_patterns("mix.*"))
    base = json.loads((data_run / "steps" / "mix.pretrain" / "stats.json").read_text())
    stage, ds = next((s, d) for s, v in base["stages"].items() for d in v)
    # A pool too small for the plan's draws fails with the measured figures; upsample = 3 makes room.
    total = sum(v[ds]["passes"] for v in base["stages"].values() if ds in v)
    plan["sources"][ds]["max_epochs"] = f"{total / 2:.6f}"  # an exact decimal string, as the compiler writes it
    p = write_plan(run, plan)
    bad = flowrt("step", "--plan", str(p), "--step", "mix.pretrain", check=False)
    assert bad.returncode != 0 and f"dataset {ds}" in bad.stderr and "max_epochs" in bad.stderr and "Traceback" not in bad.stderr
    plan["raw_sources"][ds.split(".", 1)[1]]["upsample"] = 3
    flowrt("step", "--plan", str(write_plan(run, plan)), "--step", "mix.pretrain")
    stats = json.loads((run / "steps" / "mix.pretrain" / "stats.json").read_text())
    got = stats["stages"][stage][ds]
    assert got["upsample"] == 3 and got["packed_sequences"] == base["stages"][stage][ds]["packed_sequences"]
    assert got["passes"] == pytest.approx(base["stages"][stage][ds]["passes"] / 3)


def test_inputs_lists_what_this_machine_cannot_read(tmp_path):
    plan = tiny_plan()
    assert json.loads(flowrt("inputs", "--plan", str(write_plan(tmp_path / "ok", plan))).stdout) == {"missing": []}
    plan["raw_sources"]["web"]["uri"] = "data/tiny/wbe/*.jsonl"
    plan["evalsets"]["quiz"]["uri"] = "s3://bucket/quiz.jsonl"
    plan["tokenizers"]["tok"]["path"] = "no-such-tokenizer.json"
    plan["evalsets"]["heldout"]["uri"] = "lm_eval:hellaswag"  # not a file: a task, if lm_eval is installed
    got = json.loads(flowrt("inputs", "--plan", str(write_plan(tmp_path / "bad", plan))).stdout)["missing"]
    import importlib.util

    lm_eval_missing = [("evalset", "heldout", "uri")] if importlib.util.find_spec("lm_eval") is None else []
    assert [(m["what"], m["name"], m["key"]) for m in got] == [("source", "web", "uri"), *lm_eval_missing, ("evalset", "quiz", "uri"), ("tokenizer", "tok", "path")]
    by_name = {m["name"]: m["message"] for m in got}
    assert "no files match 'data/tiny/wbe/*.jsonl'" in by_name["web"] and "object store" in by_name["quiz"]


def test_a_truncated_packed_file_is_a_clear_error(data_run, tmp_path):
    import shutil

    from flowrt.data.layout import StageData
    from flowrt.errors import FlowrtError

    mix = tmp_path / "mix.pretrain"
    shutil.copytree(data_run / "steps" / "mix.pretrain", mix)
    layout = json.loads((mix / "layout.json").read_text())
    sched = schedule_of(load_plan(data_run / "plan.json").trains[0])
    st = sched.stages[0]
    victim = mix / layout["packed"][f"{st.quotas[0].source}.L{st.seq_len}"]["tokens"]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    with pytest.raises(FlowrtError, match="cannot read") as e:
        StageData(mix, sched, st)
    assert str(victim) in e.value.message and "corrupt or partial" in e.value.hint
