"""Dedup on real text: the planted near-duplicates and the natural ones (licence texts pasted in
many Debian copyright files) are found. Ground truth is the exact Jaccard similarity of 5-gram
shingle sets over every pair; recall and precision are stated and asserted."""
from __future__ import annotations

import itertools
import random

from conftest import CORPUS, read_jsonl

from flowrt.curate.dedup import MinHasher, exact_key, lsh_duplicates, shingles, simhash, simhash_duplicates

WEB = read_jsonl(CORPUS / "web" / "part-000.jsonl") + read_jsonl(CORPUS / "web" / "part-001.jsonl")


def planted(docs, n=25, rate=0.01, seed=7):
    """Copies of real documents with about 1% of their words replaced."""
    rng = random.Random(seed)
    out = []
    for d in rng.sample(docs, n):
        ws = d["text"].split()
        for i in rng.sample(range(len(ws)), max(1, int(rate * len(ws)))):
            ws[i] = rng.choice(["alpha", "beta", "gamma", "delta"])
        out.append({"id": f"planted-{d['id']}", "text": " ".join(ws), "of": d["id"]})
    return out


def jaccard(a, b):
    a, b = set(a.tolist()), set(b.tolist())
    return len(a & b) / max(1, len(a | b))


def test_minhash_lsh_recall_and_precision_against_exact_jaccard():
    docs = [d for d in WEB if len(d["text"].split()) >= 50]
    docs = docs + planted(docs)
    ids = [d["id"] for d in docs]
    sh = [shingles(d["text"], 5) for d in docs]
    truth, near = set(), set()
    for i, j in itertools.combinations(range(len(docs)), 2):
        s = jaccard(sh[i], sh[j])
        if s >= 0.8:
            truth.add((i, j))
        if s >= 0.7:
            near.add((i, j))
    assert len(truth) >= 25, "the planted copies alone give 25 pairs; licence texts add natural ones"
    sigs = MinHasher(permutations=128, ngram=5, seed=1).signatures([d["text"] for d in docs])
    drop, clusters, counters = lsh_duplicates(ids, sigs, bands=16, threshold=0.8)
    index = {x: k for k, x in enumerate(ids)}
    predicted = {tuple(sorted((index[a], index[b]))) for c in clusters for a, b in itertools.combinations(c, 2)}
    recall = len(truth & predicted) / len(truth)
    precision = len(predicted & near) / max(1, len(predicted))
    print(f"MinHash-LSH: {len(truth)} true pairs, recall {recall:.3f}, precision {precision:.3f} (pairs with Jaccard ≥ 0.7)")
    assert recall >= 0.9
    assert precision >= 0.9
    assert all(f"planted-{d_of}" in drop or d_of in drop for d_of in [d["of"] for d in docs if d["id"].startswith("planted-")])
    assert counters["dropped"] == len(drop)


def test_natural_duplicates_in_licence_texts_are_found():
    gpl = [d for d in WEB if "GNU GENERAL PUBLIC LICENSE" in d["text"] and "Version 3" in d["text"][:300]]
    sigs = MinHasher(permutations=64, ngram=5, seed=1).signatures([d["text"] for d in WEB])
    drop, clusters, _ = lsh_duplicates([d["id"] for d in WEB], sigs, bands=8, threshold=0.8)
    assert clusters, "the corpus has natural near-duplicates"
    sizes = sorted(len(c) for c in clusters)
    assert sum(sizes) - len(sizes) == len(drop)
    if len(gpl) > 1:
        assert any(sum(g["id"] in c for g in gpl) >= 2 for c in clusters)


def test_exact_and_simhash():
    a = {"id": "a", "text": WEB[0]["text"]}
    b = {"id": "b", "text": "  " + WEB[0]["text"].upper() + "  "}
    assert exact_key(a["text"]) == exact_key(b["text"]), "exact dedup normalizes case and whitespace"
    docs = WEB[:60] + planted(WEB[:60], n=10, rate=0.005)
    drop, clusters = simhash_duplicates([d["id"] for d in docs], [simhash(d["text"], 3) for d in docs], hamming=4)
    assert sum(1 for d in docs if d["id"].startswith("planted-") and (d["id"] in drop or d["of"] in drop)) >= 8
