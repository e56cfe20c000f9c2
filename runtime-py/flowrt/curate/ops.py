"""Per-document curation operations: each a small class with typed options, a per-document
result (the document, possibly changed, or None when dropped, with the reason) and counters.
Corpus-level operations (exact and near dedup, decontamination) live in dedup.py and decontam.py.
Each op's options are its typed spec from the plan (flowrt.plan_types, generated from the compiler's
schema, where the defaults are declared); nothing here restates a default.

Rules follow their published sources: Gopher quality rules (Rae et al. 2021, appendix A),
C4 rules (Raffel et al. 2020, section 2.2), PII as in Dolma (Soldaini et al. 2024: emails, phone
numbers, IP addresses replaced by placeholders). Code sources get code rules instead of prose
rules (StarCoder's filters: line length, alphanumeric fraction, auto-generated markers), since
the Gopher rules would drop nearly every source file.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar

from ..errors import FlowrtError
from ..plan_types import FilterOp, LanguageOp, NsfwOp, PerplexityOp, PiiOp, QualityOp, ReviewOp
from .textview import substitute

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


class Op:
    """A per-document operation: `apply` counts what it saw, kept and dropped (and why)."""

    name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.counters: Counter = Counter()

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


def _fasttext_model(what: str, path: Path) -> Any:
    try:
        import fasttext
    except ImportError:
        raise FlowrtError(f"{what}: `model` needs the fasttext package", "pip install fasttext-wheel") from None
    if not path.is_file():
        raise FlowrtError(f"{what}: no fastText model at {path}", "point `model` at a .bin file (relative paths start at the input root)")
    try:
        return fasttext.load_model(str(path))
    except ValueError as e:
        raise FlowrtError(f"{what}: cannot load fastText model {path} ({e})", "give a fastText .bin file") from None


def words(text: str) -> list[str]:
    return text.split()


class Language(Op):
    """Keeps documents in the listed languages. With `model` (a fastText lid.176-compatible .bin),
    scores come from fastText; without one, English only, scored by the share of English function
    words (a document of English prose has 35–50%; the score is that share / 0.3, capped at 1)."""

    name: ClassVar[str] = "language"

    def __init__(self, spec: LanguageOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        self.spec = spec
        self._ft = _fasttext_model("language", resolve(spec.model)) if spec.model else None
        if self._ft is None and set(spec.keep) != {"en"}:
            raise FlowrtError(f"language: keeping {list(spec.keep)} needs a fastText model", "add `model = \"lid.176.bin\"` to the language step")

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
        if lang in self.spec.keep and s >= self.spec.min_score:
            return Result(doc)
        return Result(None, "language")


class Quality(Op):
    """Heuristic quality filters (gopher, c4) or a fastText quality classifier (method = classifier,
    `model` a .bin whose positive label is `__label__hq`, kept when P(hq) >= threshold)."""

    name: ClassVar[str] = "quality"

    def __init__(self, spec: QualityOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        self.spec = spec
        self._ft = None
        if spec.method == "classifier":
            if not spec.model:
                raise FlowrtError("quality: method = classifier needs `model` (a fastText .bin)", "train one with fasttext.train_supervised on labelled text")
            self._ft = _fasttext_model("quality", resolve(spec.model))

    def process(self, doc: Doc, kind: str) -> Result:
        text = doc["text"]
        if kind == "code":
            return self.code_rules(text, doc)
        if self.spec.method == "classifier":
            p = dict(ft_predict(self._ft, text, 2)).get("hq", 0.0)
            return Result(doc) if p >= self.spec.threshold else Result(None, "quality:classifier")
        why = gopher_reason(text) if self.spec.method == "gopher" else c4_reason(text)
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


# Matched in the normalized view of flowrt.curate.textview (full-width forms, zero-width characters
# and accents read as plain ones); \w and \d are Unicode's, so internationalised addresses
# (josé@exämple.com, 用户@例子.中国, a punycode xn-- top-level domain) match too.
EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.(?:[^\W\d_]{2,}|xn--[\w-]+)(?![\w-])")
PHONE = re.compile(r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}(?![\w-])")
IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:?){1,6}(?![\w:])")
PLACEHOLDER = {"email": "|||EMAIL_ADDRESS|||", "phone": "|||PHONE_NUMBER|||", "ip": "|||IP_ADDRESS|||"}


class Pii(Op):
    """Replaces emails, phone numbers and IPv4/IPv6 addresses by Dolma's placeholders; counts each."""

    name: ClassVar[str] = "pii"

    def __init__(self, spec: PiiOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        self.spec = spec

    def process(self, doc: Doc, kind: str) -> Result:
        # IPs before phones: a dotted IPv4 address must not be read as a phone number.
        kinds = [(label, pat, self.spec.replacement or PLACEHOLDER[kind_])
                 for kind_, label, pat in (("email", "email", EMAIL), ("ip", "ipv6", IPV6), ("ip", "ipv4", IPV4), ("phone", "phone", PHONE))
                 if kind_ in self.spec.redact]
        text, counts = substitute([(pat, rep) for _, pat, rep in kinds], doc["text"])
        for (label, _, _), n in zip(kinds, counts):
            if n:
                self.counters[f"redacted:{label}"] += n
        if text != doc["text"]:
            self.counters["docs_changed"] += 1
            doc = {**doc, "text": text}
        return Result(doc)


class Filter(Op):
    """Length and repetition filters (Gopher's repetition rule on duplicate lines); an option the
    step does not give is not applied."""

    name: ClassVar[str] = "filter"

    def __init__(self, spec: FilterOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        self.spec = spec

    def process(self, doc: Doc, kind: str) -> Result:
        f, text = self.spec, doc["text"]
        n = len(words(text))
        if f.min_words is not None and n < f.min_words:
            return Result(None, "filter:min_words")
        if f.max_words is not None and n > f.max_words:
            return Result(None, "filter:max_words")
        if f.min_chars is not None and len(text) < f.min_chars:
            return Result(None, "filter:min_chars")
        if f.max_chars is not None and len(text) > f.max_chars:
            return Result(None, "filter:max_chars")
        if f.max_repetition is not None:
            lines = [l for l in text.splitlines() if l.strip()]
            if lines and 1 - len(set(lines)) / len(lines) > f.max_repetition:
                return Result(None, "filter:repetition")
        if f.max_symbol_ratio is not None:
            sym = sum(not (c.isalnum() or c.isspace()) for c in text) / max(1, len(text))
            if sym > f.max_symbol_ratio:
                return Result(None, "filter:symbols")
        return Result(doc)


class Nsfw(Op):
    """An NSFW classifier: a fastText .bin whose label `__label__nsfw` scores a document; documents
    with P(nsfw) > max_score are dropped. Code is not scored."""

    name: ClassVar[str] = "nsfw"

    def __init__(self, spec: NsfwOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        self.spec = spec
        if not spec.model:
            raise FlowrtError("nsfw: this runtime scores NSFW with a fastText classifier, and the step names no `model`",
                              "add `model = \"models/nsfw.bin\"` (a fastText .bin with the label __label__nsfw) to the `nsfw` step")
        self._ft = _fasttext_model("nsfw", resolve(spec.model))

    def process(self, doc: Doc, kind: str) -> Result:
        if kind == "code":
            return Result(doc)
        p = dict(ft_predict(self._ft, doc["text"], 2)).get("nsfw", 0.0)
        return Result(doc) if p <= self.spec.max_score else Result(None, "nsfw")


def not_supported(what: str, hint: str) -> FlowrtError:
    """The error for an operation the language has and this runtime cannot run (exit 2, before any work)."""
    return FlowrtError(f"{what} is not supported by this runtime", hint)


class Perplexity(Op):
    """A perplexity filter: a small causal LM scores each document's first `seq_len` tokens, and
    documents whose perplexity is above `max` are dropped (code is not scored). `model` is a
    directory as a flowrt train run leaves it: `config.json` (the model), `model.safetensors` (or
    `final/model.safetensors`) and the run's `tokenizer.json` beside them."""

    name: ClassVar[str] = "perplexity"

    def __init__(self, spec: PerplexityOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        import json

        self.spec = spec
        d = resolve(spec.model)
        weights = next((w for w in (d / "model.safetensors", d / "final" / "model.safetensors") if w.is_file()), None)
        if not (d / "config.json").is_file() or weights is None or not (d / "tokenizer.json").is_file():
            raise FlowrtError(f"perplexity: {d} is not a scoring model directory",
                              "give a directory with config.json, model.safetensors (or final/model.safetensors) and tokenizer.json, "
                              "e.g. a small flowrt train run's directory with its tokenizer.json copied beside it")
        import torch
        from safetensors.torch import load_file

        from ..data.shards import load_text_tokenizer
        from ..model.llama import Llama, ModelConfig

        try:
            cfg = ModelConfig(**json.loads((d / "config.json").read_text()))
        except (TypeError, ValueError) as e:
            raise FlowrtError(f"perplexity: {d / 'config.json'} is not a flowrt model config ({e})", "use the config.json a flowrt train step wrote")
        self._model = Llama(cfg)
        self._model.load_state_dict(load_file(str(weights)), strict=False)
        self._model.eval()
        self._tok = load_text_tokenizer(d / "tokenizer.json")
        self._eos = self._tok.token_to_id("<|endoftext|>")
        if self._eos is None:
            raise FlowrtError(f"perplexity: {d / 'tokenizer.json'} has no <|endoftext|> token", "use the tokenizer the scoring model was trained with")
        self._seq_len = cfg.seq_len
        self._torch = torch

    def score(self, text: str) -> float:
        """exp of the mean next-token loss over the document's first seq_len tokens."""
        import math

        import torch.nn.functional as F

        ids = [self._eos] + self._tok.encode(text).ids[: self._seq_len]
        if len(ids) < 2:
            return 1.0
        window = self._torch.tensor(ids)[None]
        with self._torch.no_grad():
            logits = self._model(window[:, :-1])
        return math.exp(float(F.cross_entropy(logits[0].float(), window[0, 1:], reduction="mean")))

    def process(self, doc: Doc, kind: str) -> Result:
        if kind == "code":
            return Result(doc)
        return Result(doc) if self.score(doc["text"]) <= self.spec.max else Result(None, "perplexity")


class Review(Op):
    name: ClassVar[str] = "review"

    def __init__(self, spec: ReviewOp, resolve: Callable[[str], Path] = Path) -> None:
        super().__init__()
        raise not_supported("a manual review (`review` step)",
                            "review a sample of the curated shards with your own tool, then remove the step to continue")


PER_DOC_OPS: dict[str, type[Op]] = {c.name: c for c in (Language, Quality, Perplexity, Pii, Nsfw, Filter, Review)}


def make_op(spec: LanguageOp | QualityOp | PerplexityOp | PiiOp | NsfwOp | FilterOp | ReviewOp, resolve: Callable[[str], Path] = Path) -> Op:
    """The operation for a spec of the plan; `resolve` turns its model paths into files (the input root's)."""
    return PER_DOC_OPS[spec.op](spec, resolve)  # type: ignore[arg-type]
