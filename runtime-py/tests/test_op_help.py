"""`python -m flowrt op --help` lists every op with its options and defaults, `op NAME --help` one
op; both from the plan schema, so every option the help names is one the command accepts."""
from __future__ import annotations

import json
import re

from conftest import CORPUS, flowrt

from flowrt.curate.options import op_spec
from flowrt.op_help import OPS
from flowrt.plan import schema
from flowrt.plan_types import CURATE_OP_KINDS


def _schema_options(name: str) -> dict[str, dict]:
    """Every option of an op in the schema ($defs of its class, or of each dedup method)."""
    kinds = CURATE_OP_KINDS[name]
    classes = kinds.values() if isinstance(kinds, dict) else [kinds]
    out: dict[str, dict] = {}
    for cls in classes:
        for k, p in schema()["$defs"][cls.__name__]["properties"].items():
            if k not in ("op", "method"):
                out[k] = p
    return out


def test_op_help_lists_every_op_with_its_options_and_defaults():
    r = flowrt("op", "--help")
    assert r.returncode == 0 and r.stderr == ""
    text = r.stdout
    assert text.startswith("usage: python -m flowrt op NAME")
    for name in OPS:
        assert f"── {name} " in text, name
        for key in _schema_options(name):
            assert f"--{key.replace('_', '-')} " in text, (name, key)
    # Defaults are the schema's: MinHash's 128 permutations and 16 bands, the language filter's 0.5.
    assert re.search(r"--permutations int\s+MinHash permutations \(signature length\) \(default 128\)", text)
    assert re.search(r"--bands int .*\(default 16\)", text)
    assert re.search(r"--min-score float .*without a model\) \(default 0\.5\)", text, re.DOTALL)
    # Every dedup method of the schema, whichever the schema has.
    assert f"--method {'|'.join(CURATE_OP_KINDS['dedup'])}  (default minhash)" in text
    assert "--kind web|code|math|academic|books|synthetic" in text
    assert flowrt("op", "-h").stdout == text


def test_op_name_help_shows_that_op_only():
    r = flowrt("op", "pii", "--help")
    assert r.returncode == 0
    assert "--redact email|phone|ip,…  kinds of PII replaced (default email,phone,ip)" in r.stdout
    assert "--permutations" not in r.stdout and "── " not in r.stdout
    d = flowrt("op", "dedup", "--help").stdout
    assert "method simhash" in d and re.search(r"--hamming int .*\(default 3\)", d, re.DOTALL)
    # --help anywhere after the name, as argparse allows.
    assert flowrt("op", "dedup", "--ngram", "3", "--help").stdout == d


def test_every_default_the_help_prints_is_accepted_by_the_op_command():
    """The help's defaults, given back as options, build the same spec as giving nothing."""
    for name in OPS:
        text = flowrt("op", name, "--help").stdout
        for key, p in _schema_options(name).items():
            if "default" not in p:
                continue
            m = re.search(rf"--{key.replace('_', '-')} \S+\s+.*?\(default ([^)]*)\)", text, re.DOTALL)
            assert m, (name, key)
            value = m.group(1)
            method = next((meth for meth, cls in CURATE_OP_KINDS[name].items() if key in schema()["$defs"][cls.__name__]["properties"]), None) \
                if isinstance(CURATE_OP_KINDS[name], dict) else None
            extra = {"method": method} if method else {}
            given = op_spec(name, {**extra, key: value})  # as the command line gives it: text, typed by the schema
            assert given == op_spec(name, dict(extra)), (name, key, value)


def test_op_without_arguments_or_with_an_unknown_name_exits_2_with_a_hint(tmp_path):
    r = flowrt("op", check=False)
    assert r.returncode == 2 and "usage: python -m flowrt op NAME" in r.stderr and "op --help" in r.stderr
    r = flowrt("op", "dedpu", "--help", check=False)
    assert r.returncode == 2 and "unknown op 'dedpu'" in r.stderr and "Traceback" not in r.stderr
    # The op still runs as before.
    out = json.loads(flowrt("op", "pii", str(CORPUS / "web" / "part-000.jsonl"), str(tmp_path / "o.jsonl")).stdout)
    assert out["op"] == "pii"
