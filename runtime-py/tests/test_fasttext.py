"""The fastText paths of the language and quality ops, with models trained on the fly from the
real corpus (no download): English prose vs. source code (`zxx`, no linguistic content) for
language ID, licence prose (high quality) vs. changelog entries for the quality classifier."""
from __future__ import annotations

import pytest
from conftest import CORPUS, read_jsonl

fasttext = pytest.importorskip("fasttext", reason="the fasttext extra is not installed")

from flowrt.curate.ops import Language, Quality  # noqa: E402
from flowrt.plan_types import LanguageOp, QualityOp  # noqa: E402

WEB = read_jsonl(CORPUS / "web" / "part-000.jsonl") + read_jsonl(CORPUS / "web" / "part-001.jsonl")
CODE = read_jsonl(CORPUS / "code" / "part-000.jsonl")


def _train(path, rows, tmp_path):
    data = tmp_path / f"{path}.txt"
    data.write_text("".join(f"__label__{label} {' '.join(text.split())[:3000]}\n" for label, text in rows))
    model = fasttext.train_supervised(str(data), epoch=50, lr=1.0, verbose=0, thread=1, seed=1)
    out = tmp_path / f"{path}.bin"
    model.save_model(str(out))
    return out


def test_language_id_with_a_fasttext_model(tmp_path):
    prose = [d for d in WEB if d["source"].startswith("common-licenses/")]
    rows = [("en", d["text"]) for d in prose[::2]] + [("zxx", d["text"]) for d in CODE[::2]]
    model = _train("lid", rows, tmp_path)
    op = Language(LanguageOp(keep=("en",), min_score=0.5, model=str(model)))
    held_prose, held_code = prose[1::2], CODE[1::2]
    kept_prose = sum(op.apply(d, "web").doc is not None for d in held_prose)
    kept_code = sum(op.apply(d, "web").doc is not None for d in held_code)
    assert kept_prose >= 0.9 * len(held_prose)
    assert kept_code <= 0.1 * len(held_code)
    assert op.counters["dropped:language"] == len(held_prose) + len(held_code) - kept_prose - kept_code


def test_quality_classifier_with_a_fasttext_model(tmp_path):
    hq = [d for d in WEB if d["source"].startswith("common-licenses/")]
    lq = [d for d in WEB if "changelog" in d["source"]]
    rows = [("hq", d["text"]) for d in hq[::2]] + [("lq", d["text"]) for d in lq[::2]]
    op = Quality(QualityOp(method="classifier", model=str(_train("quality", rows, tmp_path)), threshold=0.5))
    kept_hq = sum(op.apply(d, "web").doc is not None for d in hq[1::2])
    kept_lq = sum(op.apply(d, "web").doc is not None for d in lq[1::2])
    assert kept_hq / len(hq[1::2]) > kept_lq / max(1, len(lq[1::2]))
    assert op.counters["docs_in"] == len(hq[1::2]) + len(lq[1::2])
