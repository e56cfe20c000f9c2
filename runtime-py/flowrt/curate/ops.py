"""Per-document curation operations: each a small class with typed options, a per-document
result (the document, possibly changed, or None when dropped, with the reason) and counters.
Corpus-level operations (exact and near dedup, decontamination) live in dedup.py and decontam.py.

Rules follow their published sources: Gopher quality rules (Rae et al. 2021, appendix A),
C4 rules (Raffel et al. 2020, section 2.2), PII as in Dolma (Soldaini et al. 2024: emails, phone
numbers, IP addresses replaced by placeholders). Code sources get code rules instead of prose
rules (StarCoder's filters: line length, alphanumeric fraction, auto-generated markers), since
the Gopher rules would drop nearly every source file.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ..errors import FlowrtError

Doc = dict[str, Any]

# The function words Gopher's stop-word rule uses, plus common English function words for the
# language score.
GOPHER_STOPWORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}
EN_FUNCTION_WORDS = GOPHER_STOPWORDS | {
    "a", "an", "in", "is", "it", "for", "on", "as", "this", "are", "was", "by", "or", "not", "from", "at", "which",
    "you", "we", "can", "will", "if", "all", "any", "may", "under", "such", "these", "other", "its", "has",
}
WORD = re.compile(r"[A-Za-z0-9_']+|[^\sA-Za-z0-9_']")


@dataclass
class Result:
    doc: Doc | None
    reason: str | None = None


@dataclass(kw_only=True)
class Op:
    name: ClassVar[str] = ""
    counters: Counter = field(default_factory=Counter, repr=False)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "Op":
        known = {f.name for f in fields(cls) if f.name != "counters"}
        unknown = set(params) - known
        if unknown:
            raise FlowrtError(f"{cls.name}: unknown option(s) {', '.join(sorted(unknown))}", f"options are: {', '.join(sorted(known))}")
        return cls(**params)

    def apply(self, doc: Doc, kind: str = "web") -> Result:
        self.counters["docs_in"] += 1
        r = self.process(doc, kind)
        if r.doc is None:
            self.counters["docs_dropped"] += 1
            self.counters[f"dropped:{r.reason}"] += 1
        else:
            self.counters["docs_out"] += 1
        return r

    def process(self, doc: Doc, kind: str) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError


def ft_predict(model: Any, text: str, k: int) -> list[tuple[str, float]]:
    """fastText's prediction as (label, probability) pairs. Calls the C++ binding directly:
    fasttext's Python wrapper breaks under NumPy 2 (`np.array(..., copy=False)`)."""
    pairs = model.f.predict(text.replace("\n", " ")[:10_000] + "\n", k, 0.0, "replace")
    return [(label.removeprefix("__label__"), float(prob)) for prob, label in pairs]


def words(text: str) -> list[str]:
    return text.split()


@dataclass(kw_only=True)
class Language(Op):
    """Keeps documents in the listed languages. With `model` (a fastText lid.176-compatible .bin),
    scores come from fastText; without one, English only, scored by the share of English function
    words (a document of English prose has 35–50%; the score is that share / 0.3, capped at 1)."""

    name: ClassVar[str] = "language"
    keep: list[str] = field(default_factory=lambda: ["en"])
    min_score: float = 0.5
    model: str | None = None
    _ft: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.model:
            try:
                import fasttext
            except ImportError:
                raise FlowrtError("language: `model` needs the fasttext package", "pip install fasttext-wheel") from None
            try:
                self._ft = fasttext.load_model(self.model)
            except ValueError as e:
                raise FlowrtError(f"language: cannot load fastText model {self.model} ({e})", "give a lid.176-compatible .bin file") from None
        elif set(self.keep) != {"en"}:
            raise FlowrtError(f"language: keeping {self.keep} needs a fastText model", "add `model = \"lid.176.bin\"` to the language step")

    def score(self, text: str) -> tuple[str, float]:
        if self._ft is not None:
            return ft_predict(self._ft, text, 1)[0]
        ws = [w.lower() for w in re.findall(r"[A-Za-z']+", text)]
        if not ws:
            return "und", 0.0
        share = sum(w in EN_FUNCTION_WORDS for w in ws) / len(ws)
        return "en", min(1.0, share / 0.3)

    def process(self, doc: Doc, kind: str) -> Result:
        if kind == "code":
            self.counters["skipped_code"] += 1
            return Result(doc)
        lang, s = self.score(doc["text"])
        if lang in self.keep and s >= self.min_score:
            return Result(doc)
        return Result(None, "language")


@dataclass(kw_only=True)
class Quality(Op):
    """Heuristic quality filters (gopher, c4) or a fastText quality classifier (method = classifier,
    `model` a .bin whose positive label is `__label__hq`, kept when P(hq) ≥ threshold)."""

    name: ClassVar[str] = "quality"
    method: str = "gopher"
    model: str | None = None
    threshold: float = 0.5
    min_score: float | None = None
    _ft: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.method not in ("gopher", "c4", "classifier"):
            raise FlowrtError(f"quality: unknown method {self.method!r}", "use gopher, c4 or classifier")
        if self.method == "classifier":
            if not self.model:
                raise FlowrtError("quality: method = classifier needs `model` (a fastText .bin)", "train one with fasttext.train_supervised on labelled text")
            import fasttext

            self._ft = fasttext.load_model(self.model)

    def process(self, doc: Doc, kind: str) -> Result:
        text = doc["text"]
        if kind == "code":
            return self.code_rules(text, doc)
        if self.method == "classifier":
            p = dict(ft_predict(self._ft, text, 2)).get("hq", 0.0)
            return Result(doc) if p >= (self.min_score or self.threshold) else Result(None, "quality:classifier")
        why = gopher_reason(text) if self.method == "gopher" else c4_reason(text)
        return Result(doc) if why is None else Result(None, f"quality:{why}")

    @staticmethod
    def code_rules(text: str, doc: Doc) -> Result:
        lines = text.splitlines() or [""]
        if max(len(l) for l in lines) > 1000:
            return Result(None, "quality:code_long_line")
        if sum(c.isalnum() for c in text) / max(1, len(text)) < 0.25:
            return Result(None, "quality:code_alnum")
        if re.search(r"auto-?generated|do not edit", text[:500], re.I):
            return Result(None, "quality:code_autogenerated")
        return Result(doc)


def gopher_reason(text: str) -> str | None:
    ws = words(text)
    n = len(ws)
    if n < 50 or n > 100_000:
        return "word_count"
    mean = sum(len(w) for w in ws) / n
    if mean < 3 or mean > 10:
        return "mean_word_length"
    if (text.count("#") + text.count("...") + text.count("…")) / n > 0.1:
        return "symbol_ratio"
    lines = [l for l in text.splitlines() if l.strip()]
    if lines and sum(l.lstrip().startswith(("•", "*", "-")) for l in lines) / len(lines) > 0.9:
        return "bullet_lines"
    if lines and sum(l.rstrip().endswith(("...", "…")) for l in lines) / len(lines) > 0.3:
        return "ellipsis_lines"
    if sum(any(c.isalpha() for c in w) for w in ws) / n < 0.8:
        return "alphabetic_words"
    if len({w.lower() for w in ws} & GOPHER_STOPWORDS) < 2:
        return "stop_words"
    return None


def c4_reason(text: str) -> str | None:
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    kept = [l for l in lines if l.endswith((".", "!", "?", '"', "'")) and len(words(l)) >= 3 and "javascript" not in l.lower()]
    if len(kept) < 3:
        return "sentences"
    body = " ".join(kept).lower()
    if "lorem ipsum" in body:
        return "lorem_ipsum"
    if "{" in body:
        return "curly_brace"
    return None


EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
PHONE = re.compile(r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}(?![\w-])")
IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:?){1,6}(?![\w:])")
PLACEHOLDER = {"email": "|||EMAIL_ADDRESS|||", "phone": "|||PHONE_NUMBER|||", "ip": "|||IP_ADDRESS|||"}


@dataclass(kw_only=True)
class Pii(Op):
    """Replaces emails, phone numbers and IPv4/IPv6 addresses by Dolma's placeholders; counts each."""

    name: ClassVar[str] = "pii"
    redact: list[str] = field(default_factory=lambda: ["email", "phone", "ip"])
    replacement: str | None = None

    def __post_init__(self) -> None:
        bad = set(self.redact) - set(PLACEHOLDER)
        if bad:
            raise FlowrtError(f"pii: cannot redact {sorted(bad)}", "redact takes email, phone, ip")

    def process(self, doc: Doc, kind: str) -> Result:
        text = doc["text"]
        # IPs before phones: a dotted IPv4 address must not be read as a phone number.
        for kind_, label, pat in (("email", "email", EMAIL), ("ip", "ipv6", IPV6), ("ip", "ipv4", IPV4), ("phone", "phone", PHONE)):
            if kind_ not in self.redact:
                continue
            text, n = pat.subn(self.replacement or PLACEHOLDER[kind_], text)
            if n:
                self.counters[f"redacted:{label}"] += n
        if text != doc["text"]:
            self.counters["docs_changed"] += 1
            doc = {**doc, "text": text}
        return Result(doc)


@dataclass(kw_only=True)
class Filter(Op):
    """Length and repetition filters (Gopher's repetition rule on duplicate lines)."""

    name: ClassVar[str] = "filter"
    min_words: int | None = None
    max_words: int | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    max_repetition: float | None = None
    max_symbol_ratio: float | None = None

    def process(self, doc: Doc, kind: str) -> Result:
        text = doc["text"]
        n = len(words(text))
        if self.min_words is not None and n < self.min_words:
            return Result(None, "filter:min_words")
        if self.max_words is not None and n > self.max_words:
            return Result(None, "filter:max_words")
        if self.min_chars is not None and len(text) < self.min_chars:
            return Result(None, "filter:min_chars")
        if self.max_chars is not None and len(text) > self.max_chars:
            return Result(None, "filter:max_chars")
        if self.max_repetition is not None:
            lines = [l for l in text.splitlines() if l.strip()]
            if lines and 1 - len(set(lines)) / len(lines) > self.max_repetition:
                return Result(None, "filter:repetition")
        if self.max_symbol_ratio is not None:
            sym = sum(not (c.isalnum() or c.isspace()) for c in text) / max(1, len(text))
            if sym > self.max_symbol_ratio:
                return Result(None, "filter:symbols")
        return Result(doc)


PER_DOC_OPS: dict[str, type[Op]] = {c.name: c for c in (Language, Quality, Pii, Filter)}


def make_op(name: str, params: dict[str, Any]) -> Op:
    try:
        return PER_DOC_OPS[name].from_params(params)
    except KeyError:
        raise FlowrtError(f"unknown per-document operation {name!r}", f"operations: {', '.join(PER_DOC_OPS)}, dedup, decontaminate") from None
