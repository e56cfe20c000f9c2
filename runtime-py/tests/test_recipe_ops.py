"""The operations the published recipes added to the language: code-structure (AST) dedup, the NSFW
classifier (a fastText model trained on the fly from the real corpus), sliding-window attention, and
the operations this runtime refuses with "not supported by this runtime" before doing any work
(manual review, semantic dedup, `packing = concat`); the perplexity filter with a small LM trained on the fly."""
from __future__ import annotations

import json

import pytest
import torch
from conftest import CORPUS, flowrt, read_jsonl, tiny_plan, write_plan

from flowrt.curate.dedup import structure_key
from flowrt.curate.ops import Nsfw, Perplexity, Review
from flowrt.errors import FlowrtError
from flowrt.model.attention import window_mask
from flowrt.model.llama import Llama, ModelConfig
from flowrt.plan_types import NsfwOp, PerplexityOp, ReviewOp

PY_A = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x * 2\n    return s\n"
PY_B = "def add_up(values):\n    acc = 10  # start\n    for v in values:\n        acc += v * 3\n    return acc\n"
PY_C = "def total(xs):\n    s = 0\n    while xs:\n        s += xs.pop()\n    return s\n"
C_A = "int sum(int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }"
C_B = "/* add */ int total(int *xs, int len) {\n  int t = 1;\n  for (int k = 0; k < len; k++) t += xs[k];\n  return t;\n}"
C_C = "int sum(int *a, int n) { int s = 0; while (n--) s += a[n]; return s; }"


def test_structure_key_ignores_names_literals_comments_and_layout():
    assert structure_key(PY_A) == structure_key(PY_B)
    assert structure_key(PY_A) != structure_key(PY_C)
    assert structure_key(C_A) == structure_key(C_B)
    assert structure_key(C_A) != structure_key(C_C)
    assert structure_key(PY_A) != structure_key(C_A)


def test_ast_dedup_through_the_curate_and_dedup_steps(tmp_path):
    plan = tiny_plan("micro")
    ast = {"op": "dedup", "method": "ast"}
    for s in plan["steps"]:
        if s["kind"] == "curate" and "signatures" in s["params"]:
            s["params"]["signatures"] = ast
        if s["kind"] == "dedup":
            s["params"]["dedup"] = ast
    plan["curations"]["clean"]["ops"] = [ast if o["op"] == "dedup" else o for o in plan["curations"]["clean"]["ops"]]
    p = write_plan(tmp_path / "run", plan)
    for s in ["curate.clean.web", "curate.clean.code", "curate.clean.math", "dedup.clean"]:
        flowrt("step", "--plan", str(p), "--step", s)
    stats = json.loads((tmp_path / "run" / "steps" / "dedup.clean" / "stats.json").read_text())
    assert stats["method"] == "ast" and stats["documents"] > 0
    # Exactly the documents whose structure key repeats an earlier one are dropped.
    drop = json.loads((tmp_path / "run" / "steps" / "dedup.clean" / "drop.json").read_text())
    assert stats["dropped"] == len(drop)


def _train(rows, tmp_path):
    fasttext = pytest.importorskip("fasttext", reason="the fasttext extra is not installed")
    data = tmp_path / "nsfw.txt"
    data.write_text("".join(f"__label__{label} {' '.join(text.split())[:3000]}\n" for label, text in rows))
    model = fasttext.train_supervised(str(data), epoch=50, lr=1.0, verbose=0, thread=1, seed=1)
    out = tmp_path / "nsfw.bin"
    model.save_model(str(out))
    return out


def test_nsfw_classifier_drops_what_it_scores_above_max_score(tmp_path):
    web = read_jsonl(CORPUS / "web" / "part-000.jsonl") + read_jsonl(CORPUS / "web" / "part-001.jsonl")
    # The mechanism on real text: changelog-like entries stand in for the flagged class.
    prose = [d for d in web if d["source"].startswith("common-licenses/")]
    flagged = [d for d in web if not d["source"].startswith("common-licenses/")]
    assert prose and flagged
    model = _train([("ok", d["text"]) for d in prose[::2]] + [("nsfw", d["text"]) for d in flagged[::2]], tmp_path)
    op = Nsfw(NsfwOp(model=str(model), max_score=0.5))
    kept_prose = sum(op.apply(d, "web").doc is not None for d in prose[1::2])
    kept_flagged = sum(op.apply(d, "web").doc is not None for d in flagged[1::2])
    assert kept_prose >= 0.8 * len(prose[1::2])
    assert kept_flagged <= 0.2 * len(flagged[1::2])
    assert op.counters["dropped:nsfw"] == len(prose[1::2]) + len(flagged[1::2]) - kept_prose - kept_flagged
    # Code is not scored.
    assert all(op.apply(d, "code").doc is not None for d in flagged[:3])


def test_nsfw_without_a_model_says_what_to_add():
    with pytest.raises(FlowrtError) as e:
        Nsfw(NsfwOp(max_score=0.05))
    assert "names no `model`" in e.value.message and "model =" in (e.value.hint or "")


def test_review_is_refused_clearly():
    with pytest.raises(FlowrtError) as e:
        Review(ReviewOp(sample=0.001, min_accuracy=0.997))
    assert "not supported by this runtime" in e.value.message and e.value.hint


def _scoring_model(tmp_path):
    """A small scoring LM: a BPE tokenizer trained on the corpus and a Llama briefly fitted to it."""
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from flowrt.data.shards import load_text_tokenizer

    web = read_jsonl(CORPUS / "web" / "part-000.jsonl")
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator([d["text"] for d in web], trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                                           initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    d = tmp_path / "scorer"
    d.mkdir()
    tok.save(str(d / "tokenizer.json"))
    cfg = dict(layers=1, d_model=32, heads=2, kv_heads=2, ffn=64, vocab=tok.get_vocab_size(), seq_len=64)
    torch.manual_seed(0)
    model = Llama(ModelConfig(**cfg))
    enc = load_text_tokenizer(d / "tokenizer.json")
    rows = [enc.encode(t["text"]).ids[:65] for t in web if len(enc.encode(t["text"]).ids) >= 65][:32]
    data = torch.tensor(rows)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(model(data[:, :-1]).reshape(-1, cfg["vocab"]), data[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    (d / "config.json").write_text(json.dumps(cfg))
    save_file(model.state_dict(), str(d / "model.safetensors"))
    return d, web


def test_perplexity_filter_scores_with_a_small_lm_and_drops_the_least_likely(tmp_path):
    d, web = _scoring_model(tmp_path)
    op = Perplexity(PerplexityOp(model=str(d), max=1e9))
    prose = web[0]["text"]
    noise = " ".join(f"zq{i * 7919 % 997}x" for i in range(200))  # text unlike anything the LM saw
    assert op.score(prose) < op.score(noise)
    cut = (op.score(prose) + op.score(noise)) / 2
    strict = Perplexity(PerplexityOp(model=str(d), max=cut))
    assert strict.apply({"id": "a", "text": prose}, "web").doc is not None
    assert strict.apply({"id": "b", "text": noise}, "web").doc is None
    assert strict.apply({"id": "c", "text": noise}, "code").doc is not None  # code is not scored
    assert strict.counters["dropped:perplexity"] == 1


def test_perplexity_without_a_model_directory_says_what_it_needs(tmp_path):
    with pytest.raises(FlowrtError) as e:
        Perplexity(PerplexityOp(model=str(tmp_path / "nothing"), max=20))
    assert "not a scoring model directory" in e.value.message and "config.json" in (e.value.hint or "")


def test_semantic_dedup_is_refused_before_any_work(tmp_path):
    plan = tiny_plan("micro")
    sem = {"op": "dedup", "method": "semantic", "threshold": 0.9}
    for s in plan["steps"]:
        if s["kind"] == "curate" and "signatures" in s["params"]:
            s["params"]["signatures"] = sem
    p = write_plan(tmp_path / "run", plan)
    r = flowrt("step", "--plan", str(p), "--step", "curate.clean.web", check=False)
    assert r.returncode == 2 and "semantic dedup" in r.stderr and "not supported by this runtime" in r.stderr
    assert "help:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "run" / "steps" / "curate.clean.web" / "shard-00000.jsonl").exists()


def test_window_mask_limits_attention_to_the_last_window_positions():
    m = window_mask(5, 2, torch.device("cpu"))
    assert m.tolist() == [[i - 2 < j <= i for j in range(5)] for i in range(5)]


def test_sliding_window_stays_within_each_document():
    torch.manual_seed(0)
    cfg = ModelConfig(layers=1, d_model=32, heads=4, kv_heads=2, ffn=64, vocab=50, seq_len=12, sliding_window=3)
    model = Llama(cfg).eval()
    tokens = torch.randint(0, 50, (1, 12))
    seg = torch.tensor([[0] * 6 + [1] * 6])
    changed = tokens.clone()
    changed[0, 5] = (tokens[0, 5] + 1) % 50
    with torch.no_grad():
        a, b = model(tokens, seg), model(changed, seg)
    # Token 5 is the last of document 0: the next document never sees it, window or not.
    assert torch.allclose(a[0, 6:], b[0, 6:])
    # Within document 0 the changed position itself changes.
    assert not torch.allclose(a[0, 5], b[0, 5])


def test_sliding_window_layers_see_only_the_window_and_full_layers_see_everything():
    torch.manual_seed(0)
    base = dict(layers=2, d_model=32, heads=4, kv_heads=2, ffn=64, vocab=50, seq_len=16)
    tokens = torch.randint(0, 50, (1, 16))
    changed = tokens.clone()
    changed[0, 0] = (tokens[0, 0] + 1) % 50
    # Every layer windowed (2 layers of window 3): position 15 sees at most 2·(3-1) = 4 back, not 0.
    local = Llama(ModelConfig(**base, sliding_window=3, full_attention_layers=0)).eval()
    with torch.no_grad():
        assert torch.allclose(local(tokens)[0, 15], local(changed)[0, 15])
        assert not torch.allclose(local(tokens)[0, 2], local(changed)[0, 2])
    # The last layer full: position 15 depends on token 0 again.
    mixed = Llama(ModelConfig(**base, sliding_window=3, full_attention_layers=1)).eval()
    mixed.load_state_dict(local.state_dict())
    with torch.no_grad():
        assert not torch.allclose(mixed(tokens)[0, 15], mixed(changed)[0, 15])
