"""Deduplication across a whole dataset: exact (normalized-text hash), MinHash-LSH near-dedup and
SimHash. Signatures are computed per shard (curate step), then one global merge (dedup step) puts
band buckets of every shard together, so duplicates are found across shards, not only within.

MinHash (Broder 1997) with multiply-shift universal hashing h_i(x) = (a_i·x + b_i mod 2^64) >> 32
over 32-bit hashes of word n-gram shingles (polynomial hashes, vectorized per document); LSH with `bands` bands of
`permutations / bands` rows; candidate pairs are confirmed by the signature's Jaccard estimate
≥ threshold and clustered with union-find; the first document of each cluster (by id) is kept.
Vectorized with numpy: one (permutations × shingles) matrix per document.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

MAX32 = np.uint64((1 << 32) - 1)
TOKEN = re.compile(r"\w+", re.UNICODE)


def normalize(text: str) -> str:
    return " ".join(TOKEN.findall(text.lower()))


def exact_key(text: str) -> str:
    """SHA-1 of normalize(text), fed word by word: a document's memory is its own text, not a
    second list of its words."""
    h = hashlib.sha1()
    for i, m in enumerate(TOKEN.finditer(text.lower())):
        if i:
            h.update(b" ")
        h.update(m.group().encode())
    return h.hexdigest()


_CODE_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*|\d[\w.]*|\S')
_CODE_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*|#[^\n]*", re.S)
_KEYWORDS = frozenset(
    "if else elif for while do return def class function fn func let var const import from package public private "
    "static void int float double char bool true false null None True False try except catch finally throw raise "
    "new this self struct enum interface switch case break continue with as in is not and or lambda yield async await".split())


def structure_key(text: str) -> str:
    """The key of code-structure (AST) dedup: documents that differ only in names, literals, comments
    and layout share it. Python parses with `ast` (names and constants dropped from the dump); other
    languages go through a lexer that keeps keywords and punctuation and abstracts the rest."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    if tree is not None and tree.body:
        for node in ast.walk(tree):
            for field in ("id", "name", "arg", "attr", "value", "module", "asname"):
                v = getattr(node, field, None)
                if isinstance(v, (str, int, float, complex, bytes)) or v is None and field == "value" and isinstance(node, ast.Constant):
                    setattr(node, field, "_")
        shape = "py:" + ast.dump(tree, annotate_fields=False, include_attributes=False)
    else:
        toks = []
        for t in _CODE_TOKEN.findall(_CODE_COMMENT.sub(" ", text)):
            if t[0] in "\"'":
                toks.append("S")
            elif t[0].isdigit():
                toks.append("N")
            elif t[0].isalpha() or t[0] == "_":
                toks.append(t if t in _KEYWORDS else "I")
            else:
                toks.append(t)
        shape = "lex:" + " ".join(toks)
    return hashlib.sha1(shape.encode()).hexdigest()


_P = np.uint64(0x100000001B3)  # an odd 64-bit base (FNV prime): invertible mod 2^64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyz0123456789_":
    _WORD_BYTE[_c] = True
_WORD_BYTE[128:] = True  # bytes of non-ASCII characters belong to words (UTF-8)


def _powers(base: np.uint64, n: int) -> np.ndarray:
    out = np.full(n, base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)  # wraps mod 2^64


#: Memory per document is bounded by blocks, whatever its length (a 35 MB document once peaked at
#: 18 GB): word hashes are computed CHUNK_BYTES of text at a time (about 40 bytes of arrays per byte),
#: MinHash takes SHINGLE_BLOCK shingles at a time (permutations × block × 8 bytes: 8 MiB at 128),
#: SimHash SIMHASH_BLOCK n-gram hashes at a time (block × 64 × 8 bytes: 32 MiB).
CHUNK_BYTES = 1 << 20
SHINGLE_BLOCK = 8192
SIMHASH_BLOCK = 1 << 16


def _chunk_word_hashes(b: np.ndarray) -> tuple[np.ndarray, int]:
    """The hashes of the words of one chunk, and the length of its first word (0 when the chunk
    starts between words)."""
    is_word = _WORD_BYTE[b]
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    if starts.size == 0:
        return np.zeros(0, dtype=np.uint64), 0
    n = b.size
    g = np.cumsum((b.astype(np.uint64) + np.uint64(1)) * _powers(_P_INV, n), dtype=np.uint64)
    before = np.where(starts > 0, g[np.maximum(starts - 1, 0)], np.uint64(0))
    return (g[ends] - before) * _powers(_P, n)[ends], int(ends[0]) + 1 if starts[0] == 0 else 0


def word_hashes(text: str) -> np.ndarray:
    """64-bit polynomial hashes of the words of `text` (runs of letters, digits, `_` and non-ASCII
    bytes, case-folded), all computed at once: with prefix sums G[i] = Σ_{j≤i} c_j·P^-j (mod 2^64),
    the hash of bytes s..e is (G[e] − G[s−1])·P^e = Σ c_j·P^(e−j). The text is hashed CHUNK_BYTES at
    a time (bounded memory); a word cut by a chunk boundary is joined by H(AB) = H(A)·P^|B| + H(B),
    so the result is the unchunked one. No Python loop over words."""
    b = np.frombuffer(text.lower().encode("utf-8"), dtype=np.uint8)
    parts: list[np.ndarray] = []
    for start in range(0, b.size, CHUNK_BYTES):
        hs, first_len = _chunk_word_hashes(b[start:start + CHUNK_BYTES])
        if first_len and parts and parts[-1].size and _WORD_BYTE[b[start - 1]]:
            joined = (int(parts[-1][-1]) * pow(int(_P), first_len, 1 << 64) + int(hs[0])) % (1 << 64)
            parts[-1] = parts[-1][:-1]
            hs = hs.copy()
            hs[0] = joined
        parts.append(hs)
    out = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    return out if out.size else np.zeros(1, dtype=np.uint64)


def shingles(text: str, ngram: int) -> np.ndarray:
    """Distinct 32-bit hashes of the word n-grams: a polynomial of the n words' hashes, computed
    for every position at once."""
    wh = word_hashes(text)
    n = max(1, len(wh) - ngram + 1)
    acc = np.zeros(n, dtype=np.uint64)
    for k in range(min(ngram, len(wh))):
        acc = acc * _P + wh[k:k + n]
    return np.unique((acc ^ (acc >> np.uint64(29))) & MAX32)


@dataclass(frozen=True, kw_only=True)
class MinHasher:
    """Options as the plan's MinhashDedupOp gives them (its defaults are the schema's)."""

    permutations: int
    ngram: int
    seed: int

    def params(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.RandomState(self.seed)
        a = rng.randint(1, (1 << 63) - 1, size=self.permutations, dtype=np.uint64) | np.uint64(1)  # odd multipliers
        b = rng.randint(0, (1 << 63) - 1, size=self.permutations, dtype=np.uint64)
        return a, b

    def signature(self, text: str, ab: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """h_i(x) = (a_i·x + b_i mod 2^64) >> 32: multiply-shift hashing (Dietzfelbinger et al.),
        a universal family like mod-prime hashing without the costly 64-bit modulo."""
        a, b = ab or self.params()
        sh = shingles(text, self.ngram)
        sig = np.full(self.permutations, np.iinfo(np.uint64).max, dtype=np.uint64)
        for i in range(0, sh.size, SHINGLE_BLOCK):  # one (permutations × block) matrix at a time
            hv = (np.outer(a, sh[i:i + SHINGLE_BLOCK]) + b[:, None]) >> np.uint64(32)
            np.minimum(sig, hv.min(axis=1), out=sig)
        return sig.astype(np.uint32)

    def signatures(self, texts: Iterable[str]) -> np.ndarray:
        ab = self.params()
        return np.stack([self.signature(t, ab) for t in texts]) if texts else np.zeros((0, self.permutations), np.uint32)


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def lsh_duplicates(ids: list[str], sigs: np.ndarray, bands: int, threshold: float) -> tuple[set[str], list[list[str]], dict[str, int]]:
    """Documents to drop, the clusters found, and counters. `ids` order decides which is kept."""
    n, perms = sigs.shape if sigs.size else (0, 0)
    if n == 0:
        return set(), [], {"candidates": 0, "confirmed": 0}
    rows = perms // bands
    uf = UnionFind(n)
    candidates = confirmed = 0
    seen_pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        chunk = np.ascontiguousarray(sigs[:, band * rows:(band + 1) * rows])
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i in range(n):
            buckets[chunk[i].tobytes()].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            first = members[0]
            for other in members[1:]:
                pair = (first, other)
                if pair in seen_pairs:
                    continue
                seen_pairs.add(pair)
                candidates += 1
                if float(np.mean(sigs[first] == sigs[other])) >= threshold:
                    confirmed += 1
                    uf.union(first, other)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    clusters = [[ids[i] for i in sorted(g)] for g in groups.values() if len(g) > 1]
    drop = {d for c in clusters for d in c[1:]}
    return drop, clusters, {"candidates": candidates, "confirmed": confirmed, "clusters": len(clusters), "dropped": len(drop)}


def _ngrams(text: str, ngram: int) -> Iterator[str]:
    """The word n-grams of `text` as " "-joined strings, one at a time (a text shorter than n words
    is one n-gram; an empty one is the empty n-gram)."""
    window: deque[str] = deque(maxlen=ngram)
    seen = 0
    for m in TOKEN.finditer(text.lower()):
        window.append(m.group())
        seen += 1
        if seen >= ngram:
            yield " ".join(window)
    if seen < ngram:
        yield " ".join(window)


def simhash(text: str, ngram: int) -> int:
    """Charikar's SimHash (64 bits) over word n-gram shingles, weighted by count: bit i is set when
    more than half of the n-grams' 64-bit hashes have it. Hashes are counted SIMHASH_BLOCK at a time."""
    ones = np.zeros(64, dtype=np.int64)
    total = 0
    shifts = np.arange(64, dtype=np.uint64)
    block: list[int] = []

    def count() -> None:
        h = np.array(block, dtype=np.uint64)
        ones[:] += ((h[:, None] >> shifts) & np.uint64(1)).sum(axis=0).astype(np.int64)
        block.clear()

    for g in _ngrams(text, ngram):
        block.append(int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little"))
        total += 1
        if len(block) == SIMHASH_BLOCK:
            count()
    if block:
        count()
    return sum(1 << i for i in range(64) if 2 * ones[i] > total)


def simhash_duplicates(ids: list[str], hashes: list[int], hamming: int) -> tuple[set[str], list[list[str]]]:
    """Near-duplicates within `hamming` bits: by the pigeonhole principle two such hashes agree on
    at least one of hamming+1 blocks, so blocks are the buckets."""
    blocks = hamming + 1
    width = 64 // blocks
    uf = UnionFind(len(ids))
    for b in range(blocks):
        buckets: dict[int, list[int]] = defaultdict(list)
        for i, h in enumerate(hashes):
            buckets[(h >> (b * width)) & ((1 << width) - 1)].append(i)
        for members in buckets.values():
            for i in range(len(members)):
                for j in range(i + 1, len(members)):
                    if bin(hashes[members[i]] ^ hashes[members[j]]).count("1") <= hamming:
                        uf.union(members[i], members[j])
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ids)):
        groups[uf.find(i)].append(i)
    clusters = [[ids[i] for i in sorted(g)] for g in groups.values() if len(g) > 1]
    return {d for c in clusters for d in c[1:]}, clusters


def dedup_indices(spec: object, texts: Iterable[str]) -> tuple[set[int], dict[str, int]]:
    """The positions of the duplicates among `texts` (the first of each group is kept) for a dedup
    op of the plan, and its counters. Positions, not ids: two documents are never confused because
    their ids print alike (`1` and `"1"`) or are the same. `texts` is read once, keeping only each
    document's signature, key or hash: memory is the corpus's signatures, not its text."""
    from ..plan_types import AstDedupOp, ExactDedupOp, MinhashDedupOp, SemanticDedupOp, SimhashDedupOp

    if isinstance(spec, SemanticDedupOp):
        from .ops import not_supported

        raise not_supported("semantic dedup (`--method semantic`)", "use --method minhash or simhash for near-duplicates")
    if isinstance(spec, MinhashDedupOp):
        mh = MinHasher(permutations=spec.permutations, ngram=spec.ngram, seed=spec.seed)
        ab = mh.params()
        rows = [mh.signature(t, ab) for t in texts]
        sigs = np.stack(rows) if rows else np.zeros((0, spec.permutations), np.uint32)
        drop, _, counters = lsh_duplicates(list(range(len(rows))), sigs, spec.bands, spec.threshold)
        return drop, counters
    if isinstance(spec, (ExactDedupOp, AstDedupOp)):
        key = exact_key if isinstance(spec, ExactDedupOp) else structure_key
        first: dict[str, int] = {}
        drop: set[int] = set()
        for i, t in enumerate(texts):
            if first.setdefault(key(t), i) != i:
                drop.add(i)
        return drop, {"dropped": len(drop)}
    assert isinstance(spec, SimhashDedupOp)
    hashes = [simhash(t, spec.ngram) for t in texts]
    drop, clusters = simhash_duplicates(list(range(len(hashes))), hashes, spec.hamming)
    return drop, {"dropped": len(drop), "clusters": len(clusters)}
