"""Data-path benchmark on one real corpus (examples/data/tiny), each figure beside a named baseline
measured in the same run:
  - docs/s of each curation op;
  - MinHash-LSH near-dedup: time, recall and precision (against exact Jaccard of 5-gram shingle
    sets) beside datasketch's MinHashLSH with the same parameters (target: ≥ 2× its speed at
    equal or better recall);
  - packing padding % of best-fit decreasing beside first-fit and random packing (target < 1%);
  - tokens/s of flowrt's tokenize path beside a plain `tokenizers` encode_batch (target: within 10%).
Usage: python runtime-py/bench/data_bench.py [--repeat N]   (prints a table; asserts nothing)"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "runtime-py"))

from flowrt.curate.dedup import MinHasher, lsh_duplicates, shingles  # noqa: E402
from flowrt.curate.ops import Filter, Language, Pii, Quality  # noqa: E402
from flowrt.data.pack import best_fit_decreasing, first_fit, materialize, pieces  # noqa: E402
from flowrt.plan_types import FilterOp, LanguageOp, PiiOp, QualityOp  # noqa: E402

CORPUS = ROOT / "examples" / "data" / "tiny"


def load(part: str) -> list[dict]:
    return [json.loads(l) for f in sorted((CORPUS / part).glob("*.jsonl")) for l in f.open() if l.strip()]


def timed(f, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def planted(docs, n, seed=7):
    rng = random.Random(seed)
    out = []
    for d in rng.sample(docs, n):
        ws = d["text"].split()
        for i in rng.sample(range(len(ws)), max(1, len(ws) // 100)):
            ws[i] = "xyzzy"
        out.append({"id": "p-" + d["id"], "text": " ".join(ws)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    web = load("web")
    docs = [d for d in web if len(d["text"].split()) >= 50]
    docs = docs + planted(docs, 40)
    print(f"corpus: examples/data/tiny/web, {len(docs)} documents ({sum(len(d['text']) for d in docs):,} characters, 40 planted near-duplicates)\n")

    print("op                      docs/s")
    for op in (Language(LanguageOp(keep=("en",))), Quality(QualityOp(method="gopher")), Quality(QualityOp(method="c4")), Pii(PiiOp()),
               Filter(FilterOp(min_words=50, max_repetition=0.3))):
        t = timed(lambda: [op.apply(d, "web") for d in docs], args.repeat)
        print(f"{op.name + (':' + op.spec.method if isinstance(op, Quality) else ''):22} {len(docs) / t:10,.0f}")

    # Ground truth for dedup: exact Jaccard of 5-gram shingle sets, all pairs.
    sh = [set(shingles(d["text"], 5).tolist()) for d in docs]
    truth = {(i, j) for i, j in itertools.combinations(range(len(docs)), 2) if len(sh[i] & sh[j]) / max(1, len(sh[i] | sh[j])) >= 0.8}
    ids = [d["id"] for d in docs]

    def ours():
        sigs = MinHasher(permutations=128, ngram=5, seed=1).signatures([d["text"] for d in docs])
        return lsh_duplicates(ids, sigs, bands=16, threshold=0.8)[1]

    def theirs():
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=0.8, num_perm=128, params=(16, 8))
        mhs = []
        for d in docs:
            ws = d["text"].lower().split()
            m = MinHash(num_perm=128, seed=1)
            m.update_batch([" ".join(ws[i:i + 5]).encode() for i in range(max(1, len(ws) - 4))])
            mhs.append(m)
            lsh.insert(d["id"], m)
        clusters = []
        for d, m in zip(docs, mhs):
            near = [x for x in lsh.query(m) if x != d["id"] and m.jaccard(mhs[ids.index(x)]) >= 0.8]
            if near:
                clusters.append([d["id"], *near])
        return clusters

    def score(clusters):
        idx = {x: k for k, x in enumerate(ids)}
        pred = {tuple(sorted((idx[a], idx[b]))) for c in clusters for a, b in itertools.combinations(c, 2)}
        return len(truth & pred) / max(1, len(truth)), len(truth & pred) / max(1, len(pred))

    t_ours, t_theirs = timed(ours, args.repeat), timed(theirs, args.repeat)
    r1, p1 = score(ours())
    r2, p2 = score(theirs())
    print(f"\nMinHash-LSH (128 perms, 16 bands, 5-grams, threshold 0.8), {len(truth)} true pairs")
    print(f"  flowrt      {t_ours:7.3f} s   recall {r1:.3f}   precision {p1:.3f}")
    print(f"  datasketch  {t_theirs:7.3f} s   recall {r2:.3f}   precision {p2:.3f}   (baseline)")
    print(f"  speed-up    {t_theirs / t_ours:7.2f}x   (target ≥ 2x at equal or better recall)")

    # Packing, on the real token lengths of the tokenized corpus.
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator([d["text"] for d in web], trainers.BpeTrainer(vocab_size=4096, special_tokens=["<|endoftext|>"], show_progress=False))
    texts = [d["text"] for d in web + load("code") + load("math")]
    encoded = [np.array(e.ids + [0]) for e in tok.encode_batch(texts)]
    print(f"\npacking {len(encoded)} documents ({sum(map(len, encoded)):,} tokens) into sequences")
    for seq in (128, 2048):
        items = pieces(encoded, seq)
        bfd = materialize(items, best_fit_decreasing(items, seq), seq, 0).padding
        ff = materialize(items, first_fit(items, seq), seq, 0).padding
        shuffled = items[:]
        random.Random(0).shuffle(shuffled)
        rnd = materialize(shuffled, _sequential(shuffled, seq), seq, 0).padding
        print(f"  seq_len {seq:5}: best-fit decreasing {bfd * 100:6.3f}%   first-fit {ff * 100:6.3f}%   random (next-fit) {rnd * 100:6.3f}%")

    # Tokenization throughput: the tokenize step's path (encode + EOS into one flat array + shard
    # write with SHA-256) vs plain encode_batch; each timed alternately, best of the repeats.
    from flowrt.data.shards import encode_flat, write_flat_shard

    def plain():
        tok.encode_batch(texts)

    def flowrt_path():
        flat, lengths = encode_flat(tok, texts, 0, 4096)
        with tempfile.TemporaryDirectory() as d:
            write_flat_shard(Path(d), "s", flat, lengths, 4096)

    n_tok = sum(map(len, encoded))
    t_plain = t_ours = float("inf")
    for _ in range(max(3, args.repeat)):
        t_plain, t_ours = min(t_plain, timed(plain)), min(t_ours, timed(flowrt_path))
    print(f"\ntokenization: flowrt {n_tok / t_ours:,.0f} tokens/s   plain encode_batch {n_tok / t_plain:,.0f} tokens/s (baseline)   ratio {t_plain / t_ours:.2f}")


def _sequential(items, seq):
    """Next-fit in the given (random) order: the baseline of naive concatenate-and-cut packers."""
    bins, room = [], []
    for i, it in enumerate(items):
        if room and room[-1] >= len(it):
            bins[-1].append(i)
            room[-1] -= len(it)
        else:
            bins.append([i])
            room.append(seq - len(it))
    return bins


if __name__ == "__main__":
    main()
