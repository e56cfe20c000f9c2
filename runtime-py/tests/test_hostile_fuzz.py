"""Hypothesis over the curation ops: their options (any name, any string, in and out of range),
their documents (every Unicode category, long and empty texts, ids of mixed JSON types) and the
`op` command end to end. An op either runs or raises a FlowrtError; it never raises anything else,
never drops a document whose id merely prints like another's, and PII redaction finds addresses
in full-width, zero-width-split and internationalised forms while leaving other text as written."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowrt.cli import main
from flowrt.curate.dedup import dedup_indices
from flowrt.curate.ops import Pii, make_op
from flowrt.curate.options import op_spec
from flowrt.errors import FlowrtError
from flowrt.plan import schema
from flowrt.plan_types import CURATE_OP_KINDS, PiiOp

OPS = ("language", "quality", "pii", "filter", "dedup")
DEFS = schema()["$defs"]
OPTION_NAMES = sorted({k for cls in ("LanguageOp", "QualityOp", "PiiOp", "FilterOp", "MinhashDedupOp", "SimhashDedupOp", "SemanticDedupOp")
                       for k in DEFS[cls]["properties"] if k != "op"})

option_values = (st.integers(-5, 300).map(str) | st.floats(allow_nan=True, allow_infinity=True).map(str)
                 | st.sampled_from(["minhash", "simhash", "exact", "ast", "semantic", "gopher", "c4", "classifier", "email", "phone", "ip",
                                    "email,ip", "en", "en,de", "", ",", "true", "1e3", "0x10", "  7 ", "½", "١٢"])
                 | st.text(max_size=6))
any_text = st.text(st.characters(codec="utf-8"), max_size=300)  # every category a UTF-8 file can hold
ids = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                   lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2), max_leaves=3)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(OPS), st.dictionaries(st.sampled_from(OPTION_NAMES) | st.text(max_size=5), option_values, max_size=4),
       st.lists(any_text, max_size=6))
def test_any_options_give_a_spec_that_runs_or_a_flowrt_error(name, options, texts):
    try:
        spec = op_spec(name, options)
    except FlowrtError as e:
        assert e.message and e.hint
        return
    assert isinstance(spec, tuple(CURATE_OP_KINDS[name].values()) if isinstance(CURATE_OP_KINDS[name], dict) else CURATE_OP_KINDS[name])
    if name == "dedup":
        try:
            drop, _ = dedup_indices(spec, texts)
        except FlowrtError as e:  # a method this runtime cannot run (semantic)
            assert "not supported" in e.message
            return
        assert drop <= set(range(len(texts))) and (not texts or 0 not in drop), "the first document is always kept"
        return
    try:
        op = make_op(spec)
    except FlowrtError:  # e.g. a language other than English without a fastText model
        return
    for i, t in enumerate(texts):
        r = op.apply({"id": i, "text": t}, "web")
        assert r.doc is None or isinstance(r.doc["text"], str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ids, any_text), min_size=1, max_size=8), st.sampled_from(["exact", "minhash", "simhash", "ast"]))
def test_dedup_through_the_cli_keeps_every_distinct_text_whatever_the_ids(tmp_path_factory, docs, method):
    d = tmp_path_factory.mktemp("fuzz")
    src, out = d / "in.jsonl", d / "out.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in docs), encoding="utf-8")
    assert main(["op", "dedup", "--method", method, str(src), str(out)]) == 0
    kept = [json.loads(l) for l in out.read_text(encoding="utf-8").split("\n") if l]  # not splitlines: U+0085 is text
    assert kept and kept[0] == {"id": docs[0][0], "text": docs[0][1]}
    if method == "exact":
        from flowrt.curate.dedup import exact_key

        assert len(kept) == len({exact_key(t) for _, t in docs}), "one per distinct normalized text, ids do not matter"


FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@st.composite
def disguised(draw, address: str) -> str:
    """`address` with some characters full-width and zero-width characters inserted."""
    out = []
    for i, c in enumerate(address):
        out.append(FULL_WIDTH.get(c, c) if draw(st.booleans()) else c)
        if 0 < i < len(address) - 1 and draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])))
    return "".join(out)


label = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=2, max_size=8)
plain_words = st.text(st.characters(categories=["L", "Zs"], exclude_characters="\u3164\u115f\u1160\uffa0"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.data(), label, label, st.sampled_from(["com", "org", "de", "io"]), plain_words, plain_words)
def test_disguised_emails_are_redacted_and_the_text_around_them_is_untouched(data, user, host, tld, before, after):
    address = data.draw(disguised(f"{user}@{host}.{tld}"))
    text = f"{before} {address} {after}"
    out = Pii(PiiOp(redact=("email",))).apply({"id": 0, "text": text}).doc["text"]
    assert out == f"{before} |||EMAIL_ADDRESS||| {after}", (text, out)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(200, 999), st.integers(200, 999), st.integers(1000, 9999), plain_words)
def test_full_width_phone_numbers_are_redacted(data, a, b, c, before):
    number = data.draw(disguised(f"{a}-{b}-{c}"))
    out = Pii(PiiOp(redact=("phone",))).apply({"id": 0, "text": f"{before} call {number} now"}).doc["text"]
    assert out == f"{before} call |||PHONE_NUMBER||| now", out


@pytest.mark.parametrize("text, want", [
    ("write josé@exämple.com today", "write |||EMAIL_ADDRESS||| today"),
    ("用户@例子.中国", "|||EMAIL_ADDRESS|||"),
    ("to ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ!", "to |||EMAIL_ADDRESS|||!"),
    ("bob\u200b@exam\u200dple.com.", "|||EMAIL_ADDRESS|||."),
    ("jose\u0301@example.com é", "|||EMAIL_ADDRESS||| é"),
    ("a@b.xn--p1ai end", "|||EMAIL_ADDRESS||| end"),
    ("call ４１５－５５５－０１３２ now", "call |||PHONE_NUMBER||| now"),
    ("host １９２．１６８．１．１ up", "host |||IP_ADDRESS||| up"),
    ("Ｆｕｌｌ-width ｔｅｘｔ, ﬁne ligatures and café stay as written", "Ｆｕｌｌ-width ｔｅｘｔ, ﬁne ligatures and café stay as written"),
])
def test_non_ascii_pii_forms(text, want):
    assert Pii(PiiOp()).apply({"id": 0, "text": text}).doc["text"] == want


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_pii_is_idempotent_and_leaves_text_without_digits_or_at_signs_alone(text):
    op = Pii(PiiOp())
    once = op.apply({"id": 0, "text": text}).doc["text"]
    assert op.apply({"id": 0, "text": once}).doc["text"] == once
    import unicodedata

    if not any(c.isdigit() or c in "@:" or unicodedata.normalize("NFKC", c) in ("@", ":") or unicodedata.normalize("NFKC", c).isdigit() for c in text):
        assert once == text


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_redaction_changes_only_the_matched_spans(text):
    """Between placeholders, the output is the original text, piece by piece, in order."""
    out = Pii(PiiOp(replacement="\x00")).apply({"id": 0, "text": text}).doc["text"]
    assume("\x00" not in text)
    pos = 0
    for piece in out.split("\x00"):
        at = text.find(piece, pos)
        assert at >= 0, (text, out)
        pos = at + len(piece)


@settings(max_examples=500, deadline=None)
@given(ids, ids)
def test_typed_id_keys_are_equal_only_for_the_same_json_value(a, b):
    from flowrt.ids import id_key

    same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert (id_key(a) == id_key(b)) == same, (a, b)


def test_a_shared_id_in_one_source_is_refused_by_the_dedup_step():
    from flowrt.ids import id_key
    from flowrt.steps.data_steps import _refuse_shared_ids

    _refuse_shared_ids([f"web/{id_key(1)}", f"web/{id_key('1')}", f"code/{id_key(1)}"])
    with pytest.raises(FlowrtError, match="two documents of source web have the id 7") as e:
        _refuse_shared_ids([f"web/{id_key(7)}", f"code/{id_key(7)}", f"web/{id_key(7)}"])
    assert e.value.exit_code == 1


def test_special_tokens_written_in_a_document_are_text_not_boundaries(tmp_path):
    """A document holding the string `<|endoftext|>` must not end itself early (or `<|pad|>` pad
    itself): flowrt appends the one EOS of each document."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from flowrt.data.shards import encode_flat, load_text_tokenizer
    from flowrt.steps.data_steps import EOS, PAD

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(["the cat sat on the mat"] * 20, trainer=trainers.BpeTrainer(
        vocab_size=300, special_tokens=[EOS, PAD], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    tok.save(str(tmp_path / "tokenizer.json"))
    eos, pad = tok.token_to_id(EOS), tok.token_to_id(PAD)
    text = f"the cat {EOS} sat {PAD} on the mat"
    assert eos in Tokenizer.from_file(str(tmp_path / "tokenizer.json")).encode(text).ids, "a plain load matches them"
    loaded = load_text_tokenizer(tmp_path / "tokenizer.json")
    flat, lengths = encode_flat(loaded, [text, "the mat"], eos, 300)
    assert lengths.tolist()[0] > 10 and flat.tolist().count(eos) == 2 and pad not in flat.tolist()
    assert loaded.decode(flat[: lengths[0] - 1].tolist()) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["op", "step", "status", "inputs", "pii", "dedup", "filter", "language", "quality", "--plan", "--step",
                                 "--shard", "--of", "--method", "--ngram", "--bands", "--keep", "--redact", "--kind", "--min-words",
                                 "--", "-h", "-", "0", "-1", "5", "x", "email", "minhash", "IN", "OUT", "PLAN", "DIR", "MISSING"])
                | st.text(max_size=6), max_size=9))
def test_any_command_line_is_a_result_or_a_flowrt_error(tmp_path_factory, capsys, argv):
    from conftest import tiny_plan, write_plan

    d = tmp_path_factory.mktemp("argv")
    src = d / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "the cat sat on the mat"}) + "\n")
    plan = write_plan(d / "run", tiny_plan())
    names = {"IN": str(src), "OUT": str(d / "out.jsonl"), "PLAN": str(plan), "DIR": str(d), "MISSING": str(d / "missing")}
    argv = [names.get(a, a) for a in argv]
    assume(not ("step" in argv and "--step" in argv))  # running a real step is other tests' business
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's --help
        code = e.code
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err
    if code:
        assert "error" in err, (argv, err)
    assert src.read_text().startswith('{"id": 1'), "the input is never written"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["text", "query", "context", "question", "choices", "id", "gold"]), ids, max_size=5), any_text)
def test_decontamination_reads_any_item_shape(item, text):
    from flowrt.curate.decontam import Decontaminator

    d = Decontaminator(ngram=2)
    d.add_evalset("quiz", [item])
    assert d.check({"id": 0, "text": text}) in (True, False)


@given(st.lists(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40), max_size=30))
def test_signature_strings_round_trip_exactly_without_pickle(strings):
    # Ids and keys in a dedup signature file: any string (trailing NULs, lone surrogates) comes back as
    # it went in, and the file loads with allow_pickle=False.
    import io

    import numpy as np

    from flowrt.steps.data_steps import _pack_strings, _unpack_strings

    buf = io.BytesIO()
    np.savez(buf, **{f"ids_{k}": v for k, v in _pack_strings(strings).items()})
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        assert _unpack_strings(z, "ids") == strings
