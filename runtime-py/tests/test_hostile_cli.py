"""`python -m flowrt op` against hostile input: the input is never overwritten, options are typed
by the op's schema and refused when no run can use them, and every bad file is a
`flowrt: error: …` with a help line and exit 2 (usage, environment) or 1 (the data), never a
traceback. Each case runs the real CLI in a subprocess, as a user would."""
from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from conftest import flowrt, read_jsonl

DOCS = [{"id": 1, "text": "the cat sat on the mat and that was that"},
        {"id": "1", "text": "The cat sat on the mat, and that was that!"},
        {"id": 2, "text": "write to bob@example.com or call 415-555-0132"}]


def jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def refused(r, code: int, *parts: str) -> None:
    assert r.returncode == code, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and r.stderr.startswith("flowrt: error: ") and "\nhelp: " in r.stderr, r.stderr
    for p in parts:
        assert p in r.stderr, r.stderr


def test_out_equal_to_in_is_refused_in_every_spelling(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", DOCS)
    before = src.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(src)
    os.link(src, tmp_path / "hard.jsonl")
    for out in (src, tmp_path / "." / "in.jsonl", tmp_path / "link.jsonl", tmp_path / "hard.jsonl"):
        refused(flowrt("op", "pii", str(src), str(out), check=False), 2, "would lose the input")
    assert src.read_bytes() == before
    refused(flowrt("op", "pii", str(src), str(tmp_path), check=False), 2, "is a directory")


def test_exact_dedup_tells_typed_ids_apart_and_keeps_the_first(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", DOCS + [{"id": 1, "text": "a different text, same id as the first"}])
    out = tmp_path / "out.jsonl"
    stats = json.loads(flowrt("op", "dedup", "--method", "exact", str(src), str(out)).stdout)
    kept = read_jsonl(out)
    # Documents 0 and 1 have the same normalized text: the second (id "1", a string) goes; the
    # fourth shares id 1 with the first but not its text, and stays.
    assert [d["id"] for d in kept] == [1, 2, 1] and stats["dropped"] == 1


@pytest.mark.parametrize("args, message", [
    (["dedup", "--method", "bogus"], "unknown method 'bogus'"),
    (["dedup", "--ngram", "0"], "ngram: 0 is outside 1..1000"),
    (["dedup", "--permutations", "100", "--bands", "16"], "100 permutations do not split into 16 bands"),
    (["dedup", "--bands", "0"], "bands: 0 is outside"),
    (["dedup", "--permutations", "0"], "permutations: 0 is outside"),
    (["dedup", "--seed", str(2 ** 40)], "seed"),
    (["dedup", "--threshold", "1.5"], "threshold: 1.5 is outside 0..1"),
    (["dedup", "--method", "simhash", "--hamming", "64"], "hamming: 64 is outside 0..63"),
    (["dedup", "--ngram", "five"], "--ngram: 'five' is not an integer"),
    (["dedup", "--ngram", "2.5"], "--ngram: '2.5' is not an integer"),
    (["dedup", "--threshold", "nan"], "not a finite number"),
    (["dedup", "--ngram", "-3"], "--ngram: -3 is less than the minimum of 0"),
    (["filter", "--min-words", "abc"], "--min-words: 'abc' is not an integer"),
    (["filter", "--min-words", "10", "--max-words", "5"], "min_words: 10 is more than max_words 5"),
    (["filter", "--max-repetition", "2"], "max_repetition: 2 is outside 0..1"),
    (["language", "--min-score", "high"], "--min-score: 'high' is not a number"),
    (["language", "--keep", ""], "--keep: [] should be non-empty"),
    (["language", "--keep", "en,,de"], "has an empty item"),
    (["pii", "--redact", "email,ssn"], "--redact: 'ssn' is not one of email, phone, ip"),
    (["pii", "--kind", "novel"], "--kind: 'novel' is not a source kind"),
    (["pii", "--redact", "email", "--redact", "ip"], "given twice"),
    (["pii", "stray"], "unexpected argument 'stray'"),
    (["quality", "--method", "gpt"], "'gpt' is not one of gopher, c4, classifier"),
])
def test_options_no_run_can_use_are_refused(tmp_path, args, message):
    src = jsonl(tmp_path / "in.jsonl", DOCS)
    r = flowrt("op", *args, str(src), str(tmp_path / "out.jsonl"), check=False)
    refused(r, 2, message)
    assert not (tmp_path / "out.jsonl").exists()


def test_keep_is_a_list_never_a_string_split_into_characters(tmp_path):
    from flowrt.curate.options import op_spec

    assert op_spec("language", {"keep": "en"}).keep == ("en",)
    assert op_spec("language", {"keep": "en,de"}).keep == ("en", "de")
    assert op_spec("pii", {"redact": "email"}).redact == ("email",)
    english = {"id": 9, "text": "This is the text of a licence, and it is written in English for all of the users."}
    src = jsonl(tmp_path / "in.jsonl", [english])
    stats = json.loads(flowrt("op", "language", "--keep", "en", str(src), str(tmp_path / "out.jsonl")).stdout)
    assert stats["docs_out"] == 1


def _gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as f:
        f.write(data)
    return path


@pytest.mark.parametrize("make, code, message", [
    (lambda d: (d / "bad.jsonl").write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n') and d / "bad.jsonl",
     1, "bad.jsonl:2: invalid UTF-8 (byte 0xe9 at column 23)"),
    (lambda d: (d / "bad.jsonl").write_bytes(b'{"id": 1, "text": "ok"}\n\n{"id": 2,\n') and d / "bad.jsonl", 1, "bad.jsonl:3: not a JSON object"),
    (lambda d: (d / "bad.jsonl").write_bytes(b"[" * 100_000 + b"\n") and d / "bad.jsonl", 1, "bad.jsonl:1: the JSON nests too deeply"),
    (lambda d: (d / "bad.jsonl").write_bytes(b'{"id": 1, "text": "a \\ud800 b"}\n') and d / "bad.jsonl", 1, "bad.jsonl:1: the document has a lone UTF-16 surrogate"),
    (lambda d: (d / "bad.jsonl").write_bytes(b'{"id": 1, "txt": "x"}\n') and d / "bad.jsonl", 1, "bad.jsonl:1: a document needs a string field `text`"),
    (lambda d: (d / "bad.jsonl").write_bytes(b'{"id": ' + b"9" * 5000 + b', "text": "x"}\n') and d / "bad.jsonl", 1, "bad.jsonl:1: not a readable JSON object"),
    (lambda d: (d / "fake.jsonl.gz").write_bytes(b'{"id": 1, "text": "not compressed"}\n') and d / "fake.jsonl.gz", 1, "not a readable gzip file"),
    (lambda d: (d / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"id": 1, "text": "x"}\n' * 1000)[:60]) and d / "cut.jsonl.gz", 1, "not a readable gzip file"),
    (lambda d: _gz(d / "latin.jsonl.gz", b'{"id": 1, "text": "caf\xe9"}\n'), 1, "latin.jsonl.gz:1: invalid UTF-8"),
    (lambda d: (d / "bad.parquet").write_bytes(b"PAR1 not really") and d / "bad.parquet", 1, "not a readable Parquet file"),
    (lambda d: d, 2, "is a directory, not a document file"),
    (lambda d: d / "missing.jsonl", 2, "missing.jsonl does not exist"),
    (lambda d: Path("/dev/zero"), 2, "/dev/zero is not a regular file"),
    (lambda d: (os.mkfifo(d / "fifo.jsonl"), d / "fifo.jsonl")[1], 2, "fifo.jsonl is not a regular file"),
])
def test_bad_input_files_are_errors_at_their_line(tmp_path, make, code, message):
    src = make(tmp_path)
    r = flowrt("op", "pii", str(src), str(tmp_path / "out.jsonl"), check=False, timeout=60)
    refused(r, code, message)
    assert not (tmp_path / "out.jsonl").exists()


def test_a_bom_is_not_part_of_the_first_document_and_gz_output_reads_back(tmp_path):
    src = tmp_path / "bom.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + json.dumps(DOCS[2]).encode() + b"\n")
    out = tmp_path / "out.jsonl.gz"
    flowrt("op", "pii", str(src), str(out))
    back = tmp_path / "back.jsonl"
    flowrt("op", "filter", str(out), str(back))
    assert read_jsonl(back)[0]["text"] == "write to |||EMAIL_ADDRESS||| or call |||PHONE_NUMBER|||"


def test_mixed_id_types_cannot_be_parquet_and_say_so(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", DOCS)
    refused(flowrt("op", "pii", str(src), str(tmp_path / "out.parquet"), check=False), 1, "do not fit one Parquet schema")
    assert not list(tmp_path.glob("*.parquet")) and not list(tmp_path.glob(".*.tmp"))


def test_usage_errors_have_a_help_line():
    refused(flowrt("op", check=False), 2, "op needs an op name")
    refused(flowrt("op", "sort", "a", "b", check=False), 2, "unknown op 'sort'")
    refused(flowrt("op", "pii", "a.jsonl", "--redact", check=False), 2, "needs IN and OUT after its options")


@pytest.mark.parametrize("args, env, message", [
    (["step", "--plan", "P", "--step", "tokenizer.tok", "--shard", "abc"], {}, "step: argument --shard: invalid int value: 'abc'"),
    (["step", "--plan", "P", "--step", "tokenizer.tok"], {"SLURM_ARRAY_TASK_ID": "abc"}, "SLURM_ARRAY_TASK_ID='abc' is not a shard number"),
    (["step", "--plan", "P", "--step", "tokenizer.tok", "--shard", "-1"], {}, "shard -1 is outside 0..0"),
    (["step", "--plan", "P", "--step", "tokenizer.tok", "--of", "0"], {}, "--of 0 disagrees with the plan"),
    (["step", "--plan", "P", "--step", "tokenizer.tok", "--input-root", "/dev/null"], {}, "is not a directory"),
    (["step", "--plan", "P", "--step", "nope"], {}, "the plan has no step 'nope'"),
    (["status", "--plan", "P"], {"FLOWRT_LOG": "loud"}, "FLOWRT_LOG='loud' is not a log level"),
    (["status"], {}, "status: the following arguments are required: --plan"),
    (["launch"], {}, "invalid choice: 'launch'"),
])
def test_step_and_status_usage_errors_are_flowrt_errors(tmp_path, args, env, message):
    from conftest import tiny_plan, write_plan

    plan = write_plan(tmp_path, tiny_plan())
    r = flowrt(*[str(plan) if a == "P" else a for a in args], env=env, check=False)
    refused(r, 2, message)


def test_a_bad_evalset_file_is_an_error_at_its_line(tmp_path):
    from flowrt.errors import FlowrtError
    from flowrt.eval.metrics import load_evalset
    from flowrt.plan_types import Evalset

    f = tmp_path / "quiz.jsonl"
    f.write_bytes(b'{"query": "q", "choices": ["a", "b"], "gold": 0}\n["not", "an", "item"]\n')
    with pytest.raises(FlowrtError, match=r"quiz.jsonl:2: an evalset item is a JSON object"):
        load_evalset("quiz", Evalset(uri=str(f), task="multiple_choice"), lambda uri: [Path(uri)])
    for bad, message in [(b'{"query": "q", "choices": ["a", "b"], "gold": 2}', "`gold` must index its 2 choices (0..1), not 2"),
                         (b'{"query": "q", "choices": "ab", "gold": 0}', "needs `choices`, a list of texts"),
                         (b'{"choices": ["a"], "gold": 0}', "needs a text `query`"),
                         (b'{"query": "q", "choices": ["a"], "gold": true}', "not True")]:
        f.write_bytes(bad + b"\n")
        with pytest.raises(FlowrtError, match=re.escape(message)):
            load_evalset("quiz", Evalset(uri=str(f), task="multiple_choice"), lambda uri: [Path(uri)])
    f.write_bytes(b'{"query": "caf\xe9"}\n')
    with pytest.raises(FlowrtError, match=r"quiz.jsonl:1: invalid UTF-8"):
        load_evalset("quiz", Evalset(uri=str(f), task="multiple_choice"), lambda uri: [Path(uri)])


def test_the_steps_on_hostile_raw_data(tmp_path):
    """The micro plan's data steps on a copy of the corpus: a document with id "1" that duplicates the
    one with id 1 is dropped, and only it (never both, as when ids compared through str()); a
    byte that is not UTF-8 stops the curate step at its line."""
    import shutil

    from conftest import CORPUS, tiny_plan, write_plan

    root = tmp_path / "root"
    shutil.copytree(CORPUS, root / "data" / "tiny")
    web = root / "data" / "tiny" / "web" / "part-000.jsonl"
    docs = [json.loads(l) for p in sorted(web.parent.glob("*.jsonl")) for l in p.read_text(encoding="utf-8").splitlines()]
    # An English text that passes the curation and duplicates nothing: a licence with its words reversed.
    text = " ".join(reversed(next(d["text"] for d in docs if d.get("source") == "common-licenses/GPL-3").split()))
    with web.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(d) + "\n" for d in ({"id": 1, "text": text}, {"id": "1", "text": text}))
    plan = write_plan(tmp_path / "run", tiny_plan("micro"))
    env = {"FLOWRT_INPUT_ROOT": str(root)}
    for s in ("tokenizer.tok", "curate.clean.web", "curate.clean.code", "curate.clean.math", "dedup.clean", "tokenize.clean.web"):
        flowrt("step", "--plan", str(plan), "--step", s, env=env)
    steps = tmp_path / "run" / "steps"
    drop = json.loads((steps / "dedup.clean" / "drop.json").read_text())
    assert 'web/"1"' in drop and "web/1" not in drop
    stats = json.loads((steps / "tokenize.clean.web" / "shard-00000.stats.json").read_text())
    assert stats["dropped:dedup"] == sum(i.startswith("web/") for i in drop), "exactly the documents in drop.json"
    with web.open("ab") as f:
        f.write(b'{"id": "latin-1", "text": "caf\xe9"}\n')
    n = len(web.read_bytes().split(b"\n")) - 1
    r = flowrt("step", "--plan", str(plan), "--step", "curate.clean.web", env={**env, "FLOWRT_LOG": "WARNING"}, check=False)
    refused(r, 1, f"part-000.jsonl:{n}: invalid UTF-8")
