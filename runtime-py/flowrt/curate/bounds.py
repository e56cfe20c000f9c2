"""What the plan schema cannot say about a curation op's options, checked in one place for both
`python -m flowrt op` and the plan loader: ranges of shares, MinHash bands that divide the
permutations, shingles of at least one word, and the named limits below (beyond them an op would
run out of memory or time, or do nothing useful). Each failure is a FlowrtError naming the option."""
from __future__ import annotations

from typing import Any

from ..errors import FlowrtError
from ..plan_types import DecontaminateOp, FilterOp, LanguageOp, MinhashDedupOp, NsfwOp, QualityOp, ReviewOp, SemanticDedupOp, SimhashDedupOp

#: MinHash signature length: 128–256 is usual (datasketch's default is 128); memory is
#: documents × permutations × 4 bytes, so 10^6 documents at this limit take 16 GiB.
MAX_PERMUTATIONS = 4096
#: numpy's RandomState (the MinHash family's generator) takes 32-bit seeds.
MAX_SEED = (1 << 32) - 1
#: A SimHash has 64 bits: documents can differ in at most 63 and still be near.
MAX_HAMMING = 63
#: Longer shingles than any sentence match nothing but exact copies (use method = exact).
MAX_NGRAM = 1000


def _fail(where: str, option: str, message: str, hint: str) -> FlowrtError:
    return FlowrtError(f"{where}: {option}: {message}", hint)


def _num(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _range(where: str, option: str, value: Any, lo: float, hi: float, hint: str) -> None:
    if value is not None and not lo <= value <= hi:
        raise _fail(where, option, f"{_num(value)} is outside {_num(lo)}..{_num(hi)}", hint)


def check_op(spec: Any, where: str) -> None:
    """Raises a FlowrtError for the first option of `spec` that no run can use; `where` names the op
    (`dedup`, or `plan.json: curation clean: dedup`)."""
    if isinstance(spec, MinhashDedupOp):
        _range(where, "ngram", spec.ngram, 1, MAX_NGRAM, "shingles are word n-grams: give --ngram 1 or more (5 is usual)")
        _range(where, "permutations", spec.permutations, 1, MAX_PERMUTATIONS, f"give 1..{MAX_PERMUTATIONS} permutations (128 is usual)")
        _range(where, "bands", spec.bands, 1, spec.permutations, "LSH needs at least one band, of at least one row")
        if spec.permutations % spec.bands:
            divisors = [b for b in range(1, spec.permutations + 1) if spec.permutations % b == 0]
            raise _fail(where, "bands", f"{spec.permutations} permutations do not split into {spec.bands} bands of equal rows",
                        f"bands must divide permutations: for {spec.permutations}, one of {', '.join(map(str, divisors[:12]))}{', …' if len(divisors) > 12 else ''}")
        _range(where, "threshold", spec.threshold, 0, 1, "the threshold is an estimated Jaccard similarity, 0..1 (0.8 is usual)")
        _range(where, "seed", spec.seed, 0, MAX_SEED, f"give a seed of 0..{MAX_SEED}")
    elif isinstance(spec, SimhashDedupOp):
        _range(where, "ngram", spec.ngram, 1, MAX_NGRAM, "shingles are word n-grams: give --ngram 1 or more (3 is usual)")
        _range(where, "hamming", spec.hamming, 0, MAX_HAMMING, f"a SimHash has 64 bits: give 0..{MAX_HAMMING} (3 is usual)")
    elif isinstance(spec, LanguageOp):
        _range(where, "min_score", spec.min_score, 0, 1, "the language score is 0..1 (0.5 is usual)")
        for lang in spec.keep:
            if not lang.strip() or lang != lang.strip():
                raise _fail(where, "keep", f"{lang!r} is not a language code", "give ISO 639-1 codes, e.g. --keep en,de")
    elif isinstance(spec, QualityOp):
        _range(where, "threshold", spec.threshold, 0, 1, "the threshold is a probability, 0..1 (0.5 is usual)")
    elif isinstance(spec, SemanticDedupOp):
        _range(where, "threshold", spec.threshold, 0, 1, "the threshold is a cosine similarity, 0..1 (0.9 is usual)")
    elif isinstance(spec, NsfwOp):
        _range(where, "max_score", spec.max_score, 0, 1, "the score is a probability, 0..1 (0.05 is usual)")
    elif isinstance(spec, ReviewOp):
        _range(where, "sample", spec.sample, 0, 1, "a share of the documents, 0..1")
        _range(where, "min_accuracy", spec.min_accuracy, 0, 1, "a share of the reviewed documents, 0..1")
    elif isinstance(spec, DecontaminateOp):
        _range(where, "ngram", spec.ngram, 1, MAX_NGRAM, "give an n-gram of 1 or more words (13 is usual)")
    elif isinstance(spec, FilterOp):
        _range(where, "max_repetition", spec.max_repetition, 0, 1, "a share of lines, 0..1")
        _range(where, "max_symbol_ratio", spec.max_symbol_ratio, 0, 1, "a share of characters, 0..1")
        for lo, hi in (("min_words", "max_words"), ("min_chars", "max_chars")):
            a, b = getattr(spec, lo), getattr(spec, hi)
            if a is not None and b is not None and a > b:
                raise _fail(where, lo, f"{a} is more than {hi} {b}: every document would be dropped", f"give {lo} <= {hi}")
