"""Each curation op on real text (the tiny corpus), with its counters checked."""
from __future__ import annotations

from conftest import CORPUS, read_jsonl

from flowrt.curate.decontam import Decontaminator
from flowrt.curate.ops import Filter, Language, Pii, Quality, gopher_reason, c4_reason
from flowrt.plan_types import FilterOp, LanguageOp, PiiOp, QualityOp

WEB = read_jsonl(CORPUS / "web" / "part-000.jsonl") + read_jsonl(CORPUS / "web" / "part-001.jsonl")
CODE = read_jsonl(CORPUS / "code" / "part-000.jsonl")
MATH = read_jsonl(CORPUS / "math" / "part-000.jsonl")


def test_language_keeps_english_prose_and_counts():
    op = Language(LanguageOp(keep=("en",), min_score=0.5))
    licences = [d for d in WEB if d["source"].startswith("common-licenses/") and "GPL" in d["source"]]
    kept = [op.apply(d, "web").doc for d in licences]
    assert all(k is not None for k in kept), "English licence texts are English"
    # Changelogs full of version numbers and names score lower; some are dropped, and counted.
    for d in WEB:
        op.apply(d, "web")
    assert op.counters["docs_in"] == len(licences) + len(WEB)
    assert op.counters["docs_out"] + op.counters["docs_dropped"] == op.counters["docs_in"]
    assert op.counters["dropped:language"] == op.counters["docs_dropped"] > 0
    # Code is not language-filtered (it is counted as skipped).
    for d in CODE[:5]:
        assert op.apply(d, "code").doc is d
    assert op.counters["skipped_code"] == 5


def test_gopher_and_c4_rules_on_real_documents():
    gpl = next(d for d in WEB if d["source"] == "common-licenses/GPL-3")
    assert gopher_reason(gpl["text"]) is None
    assert c4_reason(gpl["text"]) is None
    assert gopher_reason("word " * 10) == "word_count"
    assert gopher_reason("\n".join(["- item one two three four five six seven eight nine ten"] * 20)) == "bullet_lines"
    op = Quality(QualityOp(method="gopher"))
    results = [op.apply(d, "math").doc is not None for d in MATH]
    assert op.counters["docs_in"] == len(MATH)
    assert 0 < sum(results) < len(MATH), "sympy docstrings heavy in symbols fail the alphabetic-words rule, prose ones pass"
    assert op.counters["dropped:quality:alphabetic_words"] > 0
    # Code gets StarCoder's code rules, not Gopher's.
    code_op = Quality(QualityOp(method="gopher"))
    kept = sum(code_op.apply(d, "code").doc is not None for d in CODE)
    assert kept >= 0.9 * len(CODE)


def test_pii_redacts_real_emails_and_counts_each_kind():
    op = Pii(PiiOp(redact=("email", "phone", "ip")))
    with_email = [d for d in WEB if "@" in d["text"] and ".org" in d["text"]][:20]
    assert with_email, "Debian copyright files and changelogs name maintainers by email"
    out = [op.apply(d, "web").doc for d in with_email]
    assert all("|||EMAIL_ADDRESS|||" in d["text"] for d in out)
    assert op.counters["redacted:email"] >= len(with_email)
    op = Pii(PiiOp(redact=("email", "phone", "ip")))
    text = {"id": "x", "text": "Call +1 415-555-0132 or visit 192.168.10.4 and 2001:0db8:85a3:0000:0000:8a2e:0370:7334 today."}
    d = op.apply(text, "web").doc
    assert "|||PHONE_NUMBER|||" in d["text"] and d["text"].count("|||IP_ADDRESS|||") == 2
    assert op.counters["redacted:ipv4"] == 1 and op.counters["redacted:ipv6"] == 1 and op.counters["redacted:phone"] == 1


def test_filter_length_and_repetition():
    op = Filter(FilterOp(min_words=50, max_repetition=0.3))
    rep = {"id": "r", "text": "\n".join(["the same line again and again"] * 40)}
    assert op.apply(rep, "web").reason == "filter:repetition"
    assert op.apply({"id": "s", "text": "too short"}, "web").reason == "filter:min_words"
    assert op.apply(WEB[0], "web").doc is not None
    assert op.counters["docs_dropped"] == 2


def test_decontamination_reports_what_and_why():
    quiz = read_jsonl(CORPUS / "eval" / "quiz.jsonl")
    dec = Decontaminator(ngram=13)
    assert dec.add_evalset("quiz", quiz) > 0
    apache = next(d for d in WEB if d["source"] == "common-licenses/Apache-2.0")
    assert not dec.check(apache), "the quiz's excerpts come from the licence texts"
    assert dec.removed[-1]["evalset"] == "quiz" and len(dec.removed[-1]["ngram"].split()) == 13
    python_module = CODE[0]
    assert dec.check(python_module)
