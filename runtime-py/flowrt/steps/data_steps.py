"""The data steps of the plan: tokenizer, curate (per shard), dedup (global merge), tokenize, mix.
Layouts of their outputs are in runtime-py/STEPS.md."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ..context import StepContext, is_done, mark_done
from ..curate.decontam import Decontaminator
from ..curate.dedup import MinHasher, exact_key, lsh_duplicates, simhash, simhash_duplicates
from ..curate.ops import make_op
from ..data.layout import LAYOUT, packed_name
from ..data.pack import best_fit_decreasing, materialize, pieces
from ..data.shards import encode_flat, read_documents, verify_manifest, write_flat_shard
from ..docs import expand, read_docs, write_jsonl
from ..errors import FlowrtError
from ..plan import train_of
from ..plan_schedule import schedule_of

EOS = "<|endoftext|>"
PAD = "<|pad|>"


def _split_ops(ops: list[dict[str, Any]]) -> tuple[list[dict], dict | None, list[dict]]:
    """Ops before the first dedup run in `curate`, the dedup is global, ops after it run in `tokenize`."""
    for i, op in enumerate(ops):
        if op["op"] == "dedup":
            return ops[:i], op, ops[i + 1:]
    return ops, None, []


# ---- tokenizer -------------------------------------------------------------------------------------

def tokenizer_step(ctx: StepContext) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    name = ctx.step["params"]["tokenizer"]
    spec = ctx.plan["tokenizers"][name]
    out = ctx.out_dir()
    if spec.get("path"):
        src = ctx.resolve(spec["path"])
        if not src.exists():
            raise FlowrtError(f"tokenizer {name}: {src} does not exist", "give `path` an existing tokenizer.json, or use `train_on`")
        tok = Tokenizer.from_file(str(src))
        shutil.copy(src, out / "tokenizer.json")
    else:
        texts = []
        for s in spec.get("train_on") or []:
            raw = ctx.plan["raw_sources"][s]
            for f in expand(raw["uri"], ctx.base_dir):
                texts.extend(d["text"] for d in read_docs(f, raw["format"]))
        if spec["kind"] == "bpe":
            tok = Tokenizer(models.BPE())
            tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
            tok.decoder = decoders.ByteLevel()
            trainer = trainers.BpeTrainer(vocab_size=spec["vocab"], special_tokens=[EOS, PAD],
                                          initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        else:
            tok = Tokenizer(models.Unigram())
            tok.pre_tokenizer = pre_tokenizers.Metaspace()
            tok.decoder = decoders.Metaspace()
            trainer = trainers.UnigramTrainer(vocab_size=spec["vocab"], special_tokens=[EOS, PAD], unk_token=PAD, show_progress=False)
        tok.train_from_iterator(texts, trainer=trainer)
        tok.save(str(out / "tokenizer.json"))
    size = tok.get_vocab_size()
    if size > spec["vocab"]:
        raise FlowrtError(f"tokenizer {name} has {size} tokens, more than the declared vocab {spec['vocab']}",
                          "the model's embedding would be too small; raise `vocab` or use another tokenizer")
    mark_done(out, {"vocab": size})


# ---- curate ----------------------------------------------------------------------------------------

def curate_step(ctx: StepContext) -> None:
    p = ctx.step["params"]
    cur = ctx.plan["curations"][p["curation"]]
    raw = ctx.plan["raw_sources"][p["source"]]
    out = ctx.out_dir()
    shard_name = f"shard-{ctx.shard:05d}"
    if is_done(out, f"_DONE.{shard_name}"):
        ctx.log.info("%s %s already done", ctx.step["id"], shard_name)
    else:
        files = expand(raw["uri"], ctx.base_dir)
        before, dedup, _ = _split_ops(cur["ops"])
        ops = [make_op(o["op"], o["params"]) for o in before if o["op"] != "decontaminate"]
        kept: list[dict] = []
        n_in = 0
        for fi, f in enumerate(files):
            for di, doc in enumerate(read_docs(f, raw["format"])):
                # Round-robin over files, and over documents when there are fewer files than shards.
                owner = fi % ctx.of if len(files) >= ctx.of else (fi + di) % ctx.of
                if owner != ctx.shard:
                    continue
                n_in += 1
                for op in ops:
                    r = op.apply(doc, raw["kind"])
                    if r.doc is None:
                        doc = None
                        break
                    doc = r.doc
                if doc is not None:
                    kept.append(doc)
        write_jsonl(out / f"{shard_name}.jsonl", kept)
        if dedup is not None:
            _write_signatures(out / f"{shard_name}.sig.npz", kept, dedup["params"])
        stats = {"source": p["source"], "shard": ctx.shard, "docs_in": n_in, "docs_out": len(kept),
                 "chars_out": sum(len(d["text"]) for d in kept), "ops": {op.name: dict(op.counters) for op in ops}}
        (out / f"{shard_name}.stats.json").write_text(json.dumps(stats, indent=2) + "\n")
        mark_done(out, stats, f"_DONE.{shard_name}")
        ctx.log.info("%s %s: %d of %d documents kept", ctx.step["id"], shard_name, len(kept), n_in)
    if all(is_done(out, f"_DONE.shard-{i:05d}") for i in range(ctx.of)):
        mark_done(out, {"shards": ctx.of})


def _write_signatures(path: Path, docs: list[dict], params: dict[str, Any]) -> None:
    method = params.get("method", "minhash")
    ids = np.array([str(d["id"]) for d in docs], dtype=object)
    if method == "exact":
        np.savez(path, ids=ids, keys=np.array([exact_key(d["text"]) for d in docs], dtype=object), allow_pickle=True)
    elif method == "minhash":
        mh = MinHasher(permutations=int(params.get("permutations", 128)), ngram=int(params.get("ngram", 5)), seed=int(params.get("seed", 1)))
        np.savez(path, ids=ids, sigs=mh.signatures([d["text"] for d in docs]))
    elif method == "simhash":
        np.savez(path, ids=ids, hashes=np.array([simhash(d["text"], int(params.get("ngram", 3))) for d in docs], dtype=np.uint64))
    else:
        raise FlowrtError(f"dedup: unknown method {method!r}", "use exact, minhash or simhash")


# ---- dedup (global merge) ---------------------------------------------------------------------------

def dedup_step(ctx: StepContext) -> None:
    p = ctx.step["params"]
    cur = ctx.plan["curations"][p["curation"]]
    _, dedup, _ = _split_ops(cur["ops"])
    params = dedup["params"] if dedup else {"method": "exact"}
    method = params.get("method", "minhash")
    ids: list[str] = []
    parts: list[np.ndarray] = []
    keys: list[str] = []
    hashes: list[int] = []
    for src in p["sources"]:
        d = ctx.input_dir(f"curate.{p['curation']}.{src}")
        for sig in sorted(d.glob("shard-*.sig.npz")):
            z = np.load(sig, allow_pickle=True)
            ids.extend(f"{src}/{i}" for i in z["ids"])
            if method == "minhash":
                parts.append(z["sigs"])
            elif method == "exact":
                keys.extend(z["keys"].tolist())
            else:
                hashes.extend(int(h) for h in z["hashes"])
    if method == "minhash":
        sigs = np.concatenate(parts) if parts else np.zeros((0, int(params.get("permutations", 128))), np.uint32)
        drop, clusters, counters = lsh_duplicates(ids, sigs, int(params.get("bands", 16)), float(params.get("threshold", 0.8)))
    elif method == "exact":
        first: dict[str, str] = {}
        drop, groups = set(), {}
        for i, k in zip(ids, keys):
            if k in first:
                drop.add(i)
                groups.setdefault(first[k], [first[k]]).append(i)
            else:
                first[k] = i
        clusters, counters = list(groups.values()), {"dropped": len(drop)}
    else:
        drop, clusters = simhash_duplicates(ids, hashes, int(params.get("hamming", 3)))
        counters = {"dropped": len(drop), "clusters": len(clusters)}
    out = ctx.out_dir()
    (out / "drop.json").write_text(json.dumps(sorted(drop)) + "\n")
    (out / "clusters.json").write_text(json.dumps(clusters[:1000], indent=1) + "\n")
    stats = {"method": method, "documents": len(ids), **counters}
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    mark_done(out, stats)
    ctx.log.info("dedup %s: %d of %d documents are duplicates", p["curation"], len(drop), len(ids))


# ---- tokenize --------------------------------------------------------------------------------------

def tokenize_step(ctx: StepContext) -> None:
    from tokenizers import Tokenizer

    p = ctx.step["params"]
    cur = ctx.plan["curations"][p["curation"]]
    src = p["source"]
    curate_dir = ctx.input_dir(f"curate.{p['curation']}.{src}")
    _, dedup, after = _split_ops(cur["ops"])
    drop: set[str] = set()
    if dedup is not None:
        drop = {i.split("/", 1)[1] for i in json.loads((ctx.input_dir(f"dedup.{p['curation']}") / "drop.json").read_text()) if i.startswith(f"{src}/")}
    decon = None
    ops = []
    for o in after if dedup is not None else cur["ops"]:
        if o["op"] == "decontaminate":
            decon = Decontaminator(ngram=int(o["params"].get("ngram", 13)))
            for ev in o["params"].get("against", []):
                es = ctx.plan["evalsets"][ev]
                for f in expand(es["uri"], ctx.base_dir):
                    decon.add_evalset(ev, read_docs(f) if es["task"] == "perplexity" else _read_items(f))
        elif dedup is not None:
            ops.append(make_op(o["op"], o["params"]))
    tok = Tokenizer.from_file(str(ctx.input_dir(f"tokenizer.{p['tokenizer']}") / "tokenizer.json"))
    eos = tok.token_to_id(EOS)
    vocab = ctx.plan["tokenizers"][p["tokenizer"]]["vocab"]
    kind = ctx.plan["raw_sources"][src]["kind"]
    counters: Counter = Counter()
    texts: list[str] = []
    for shard in sorted(curate_dir.glob("shard-*.jsonl")):
        for doc in read_docs(shard):
            counters["docs_in"] += 1
            if str(doc["id"]) in drop:
                counters["dropped:dedup"] += 1
                continue
            ok = True
            for op in ops:
                r = op.apply(doc, kind)
                if r.doc is None:
                    counters[f"dropped:{r.reason}"] += 1
                    ok = False
                    break
                doc = r.doc
            if ok and decon is not None and not decon.check(doc):
                counters["dropped:decontaminate"] += 1
                ok = False
            if ok:
                texts.append(doc["text"])
    flat, lengths = encode_flat(tok, texts, eos, vocab)
    out = ctx.out_dir()
    entry = write_flat_shard(out, "shard-00000", flat, lengths, vocab)
    manifest = {"tokenizer": p["tokenizer"], "eos": eos, "shards": [{"name": "shard-00000", **entry}]}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if decon is not None:
        (out / "decontamination.json").write_text(json.dumps(decon.removed, indent=1) + "\n")
    declared = ctx.plan["raw_sources"][src]["declared_tokens"]
    stats = {"documents": len(lengths), "tokens": entry["tokens"], "declared_tokens": declared,
             "retention_vs_declared": entry["tokens"] / declared if declared else None, **counters}
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    mark_done(out, stats)
    ctx.log.info("tokenize %s.%s: %d documents, %d tokens", p["curation"], src, len(lengths), entry["tokens"])


def _read_items(path: Path):
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# ---- mix -------------------------------------------------------------------------------------------

def mix_step(ctx: StepContext) -> None:
    """Packs each dataset of the run once per sequence length (BFD) and writes the layout the
    training loop reads sequences through (flowrt.data.layout): per stage, the row each dataset
    starts from. Which dataset each sequence comes from is the sampler's, computed per step, so
    the stage is never copied out. Checks the planned passes over each dataset against
    `max_epochs` with the sequence counts that packing actually produced."""
    train = train_of(ctx.plan, ctx.step["params"]["train"])
    sched = schedule_of(train)
    out = ctx.out_dir()
    (out / "packed").mkdir(exist_ok=True)
    docs_cache: dict[str, tuple[list[np.ndarray], int]] = {}
    layout: dict[str, Any] = {"train": train["name"], "packed": {}, "stages": {}}
    report: dict[str, Any] = {"stages": {}}
    drawn_passes: dict[str, float] = {}
    cursors: dict[str, int] = {}  # by packed name: rows drawn so far, carried across stages
    for st, ir in zip(sched.stages, train["stages"]):
        quotas = {q.source: q.sequences for q in st.quotas}
        if sum(quotas.values()) != st.sequences:
            raise FlowrtError(f"stage {st.name}: quotas sum to {sum(quotas.values())} sequences, the stage has {st.sequences}",
                              "the plan is inconsistent: re-run `flowc plan` and the run")
        stage_report, starts = {}, {}
        for ds in ir["mix"]:
            name = packed_name(ds, st.seq_len)
            if name not in layout["packed"]:
                if ds not in docs_cache:
                    d = ctx.input_dir(f"tokenize.{ds}")
                    manifest = verify_manifest(d)
                    docs_cache[ds] = (read_documents(d, manifest), manifest["eos"])
                docs, eos = docs_cache[ds]
                if not docs:
                    raise FlowrtError(f"dataset {ds} has no documents after curation", f"see {ctx.run_dir / 'steps' / ('tokenize.' + ds) / 'stats.json'}")
                items = pieces(docs, st.seq_len)
                bins = best_fit_decreasing(items, st.seq_len)
                files = {"tokens": f"packed/{name}.tokens.npy", "segments": f"packed/{name}.segments.npy"}
                # Written in place into the files the training loop maps.
                rows_out = (np.lib.format.open_memmap(out / files["tokens"], mode="w+", dtype=np.int32, shape=(len(bins), st.seq_len)),
                            np.lib.format.open_memmap(out / files["segments"], mode="w+", dtype=np.int16, shape=(len(bins), st.seq_len)))
                packed = materialize(items, bins, st.seq_len, pad=eos, out=rows_out)
                for a in rows_out:
                    a.flush()
                # `upsample = k` on the source: a pool of k copies of every document, i.e. k cycles of the packing.
                upsample = int(ctx.plan["raw_sources"][ds.split(".", 1)[1]].get("upsample", 1))
                layout["packed"][name] = {**files, "rows": len(packed.tokens), "pool": len(packed.tokens) * upsample,
                                          "padding": round(packed.padding, 5)}
            entry = layout["packed"][name]
            quota = quotas[ds]
            starts[ds] = cursors.get(name, 0) % entry["rows"]
            cursors[name] = cursors.get(name, 0) + quota
            passes = quota / entry["pool"]
            drawn_passes[ds] = drawn_passes.get(ds, 0.0) + passes
            stage_report[ds] = {"packed_sequences": entry["rows"], "upsample": entry["pool"] // entry["rows"], "quota": quota,
                                "passes": passes, "padding": entry["padding"]}
            cap = ctx.plan["sources"][ds]["max_epochs"]
            if drawn_passes[ds] > cap:
                raise FlowrtError(
                    f"dataset {ds}: the plan draws {drawn_passes[ds]:.2f} passes over what survived curation "
                    f"({entry['pool']} sequences of {st.seq_len}), past its max_epochs {cap}",
                    "curation kept less than the .flow declares: set the source's `tokens` or the curation's "
                    f"`expect_retention` to the measured values (see steps/tokenize.{ds}/stats.json) and re-plan")
        layout["stages"][st.name] = {"seq_len": st.seq_len, "sequences": st.sequences, "start": starts}
        report["stages"][st.name] = stage_report
    (out / LAYOUT).write_text(json.dumps(layout, indent=2) + "\n")
    (out / "stats.json").write_text(json.dumps(report, indent=2) + "\n")
    mark_done(out, report)
    ctx.log.info("mix %s: %d stages, %d packed datasets", train["name"], len(sched.stages), len(layout["packed"]))
