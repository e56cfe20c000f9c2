"""Dedup memory per document is bounded by blocks (flowrt.curate.dedup: CHUNK_BYTES, SHINGLE_BLOCK,
SIMHASH_BLOCK), with results identical to the unblocked computation: a 35 MB document once peaked
at 18 GB in MinHash (one permutations × shingles matrix)."""
from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys

import numpy as np
import pytest
from conftest import RUNTIME
from hypothesis import given, settings
from hypothesis import strategies as st

from flowrt.curate import dedup


def _peak_rss_mb(args: list[str]) -> float:
    code = ("import resource, sys; from flowrt.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600,
                       env={"PYTHONPATH": str(RUNTIME), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    return float(r.stderr.strip().splitlines()[-1])


def test_minhash_of_one_8mb_document_stays_far_below_a_gigabyte(tmp_path):
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(20_000)]
    text = " ".join(rng.choice(words) for _ in range(1_400_000))  # about 8 MB, 1.4 M shingles
    src = tmp_path / "big.jsonl"
    src.write_text(json.dumps({"id": 0, "text": text}) + "\n" + json.dumps({"id": 1, "text": text[:1000]}) + "\n")
    base = _peak_rss_mb(["op", "dedup", "--method", "exact", str(tmp_path / "big.jsonl"), str(tmp_path / "e.jsonl")])
    peak = _peak_rss_mb(["op", "dedup", str(src), str(tmp_path / "out.jsonl")])
    # Unblocked, the 128 × 1.4 M matrix and its temporaries alone took about 4 GB.
    assert peak < base + 300, (peak, base)


@pytest.mark.parametrize("op", ["pii", "language", "filter", "quality"])
def test_the_other_per_document_ops_take_memory_linear_in_one_8mb_document(tmp_path, op):
    """Filters, PII and language id hold one document's words at a time: memory grows with the
    document (measured on a 31 MB document: PII 0.23 GB, language 0.66 GB, filter and quality 0.5 GB
    peak), never with its square. The bound is 40 bytes per byte of text above reading the file."""
    rng = random.Random(2)
    words = ["the", "data", "alice@example.com", "+1 555 123 4567", "10.0.0.1", "of", "model"] + [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(2_000)]
    text = " ".join(rng.choice(words) for _ in range(1_200_000))  # about 8 MB
    src = tmp_path / "big.jsonl"
    src.write_text(json.dumps({"id": 0, "text": text}) + "\n")
    base = _peak_rss_mb(["op", "dedup", "--method", "exact", str(src), str(tmp_path / "e.jsonl")])
    peak = _peak_rss_mb(["op", op, str(src), str(tmp_path / "out.jsonl")])
    assert peak < base + 40 * len(text) / 2 ** 20, (op, peak, base, len(text))


def _word_hashes_unblocked(text: str) -> np.ndarray:
    old = dedup.CHUNK_BYTES
    dedup.CHUNK_BYTES = 1 << 40
    try:
        return dedup.word_hashes(text)
    finally:
        dedup.CHUNK_BYTES = old


def _simhash_reference(text: str, ngram: int) -> int:
    """The SimHash as first written: every n-gram's 64 bits voted into one accumulator."""
    acc = np.zeros(64, dtype=np.int64)
    ws = dedup.TOKEN.findall(text.lower())
    for g in [" ".join(ws[i:i + ngram]) for i in range(max(1, len(ws) - ngram + 1))]:
        h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
        bits = (np.frombuffer(h.to_bytes(8, "little"), dtype=np.uint8)[:, None] >> np.arange(8)) & 1
        acc += np.where(bits.reshape(64) == 1, 1, -1)
    return int("".join("1" if v > 0 else "0" for v in acc[::-1]), 2)


texts = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Z", "S", "M"]) | st.sampled_from(" \n\t_'é"), max_size=400)


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(1, 64))
def test_blocked_word_hashes_equal_the_unblocked_ones(text, chunk):
    old = dedup.CHUNK_BYTES
    dedup.CHUNK_BYTES = chunk
    try:
        blocked = dedup.word_hashes(text)
    finally:
        dedup.CHUNK_BYTES = old
    assert blocked.tolist() == _word_hashes_unblocked(text).tolist()


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(1, 6), st.integers(1, 5))
def test_blocked_minhash_and_simhash_equal_the_unblocked_ones(text, ngram, block):
    mh = dedup.MinHasher(permutations=32, ngram=ngram, seed=3)
    a, b = mh.params()
    sh = dedup.shingles(text, ngram)
    whole = ((np.outer(a, sh) + b[:, None]) >> np.uint64(32)).min(axis=1).astype(np.uint32)
    old = dedup.SHINGLE_BLOCK, dedup.SIMHASH_BLOCK
    dedup.SHINGLE_BLOCK, dedup.SIMHASH_BLOCK = block, block
    try:
        assert mh.signature(text).tolist() == whole.tolist()
        assert dedup.simhash(text, ngram) == _simhash_reference(text, ngram)
    finally:
        dedup.SHINGLE_BLOCK, dedup.SIMHASH_BLOCK = old
    assert dedup.exact_key(text) == hashlib.sha1(dedup.normalize(text).encode()).hexdigest()
