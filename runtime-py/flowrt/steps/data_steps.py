"""The data steps of the plan: tokenizer, curate (per shard), dedup (global merge), tokenize (per
shard), mix. Each returns the stats its completion marker records; the layouts of their outputs
are in runtime-py/STEPS.md."""
from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..context import StepContext
from ..curate.decontam import Decontaminator
from ..curate.dedup import MinHasher, exact_key, lsh_duplicates, simhash, simhash_duplicates, structure_key
from ..curate.ops import Result, make_op, not_supported
from ..data.layout import LAYOUT, packed_name
from ..data.pack import best_fit_decreasing, materialize, pieces
from ..data.shards import encode_flat, load_text_tokenizer, read_documents, verify_manifest, write_flat_shard, write_manifest
from ..docs import Doc, read_docs, read_json_lines, write_jsonl
from ..errors import FlowrtError
from ..ids import id_key
from ..markers import shard_name
from ..plan import find_step, train_of
from ..plan_schedule import schedule_of
from ..plan_types import AstDedupOp, DecontaminateOp, DedupOp, DocOp, ExactDedupOp, MinhashDedupOp, Plan, SemanticDedupOp, SimhashDedupOp

EOS = "<|endoftext|>"
PAD = "<|pad|>"


# ---- document operations as the steps apply them ---------------------------------------------------

class Decontaminate:
    """The decontaminate op as a per-document stage: the evalsets' n-grams are indexed once."""

    name = "decontaminate"

    def __init__(self, spec: DecontaminateOp, ctx: StepContext):
        self.spec = spec
        self.decon = Decontaminator(ngram=spec.ngram)
        self.counters: Counter = Counter()
        for ev in spec.against:
            es = ctx.plan.evalsets[ev]
            for f in ctx.expand(es.uri):
                self.decon.add_evalset(ev, read_docs(f) if es.task == "perplexity" else _read_items(f))

    def apply(self, doc: Doc, kind: str) -> Result:
        self.counters["docs_in"] += 1
        if self.decon.check(doc):
            self.counters["docs_out"] += 1
            return Result(doc)
        self.counters["docs_dropped"] += 1
        return Result(None, "decontaminate")


def doc_ops(specs: Iterable[DocOp], ctx: StepContext) -> list[Any]:
    return [Decontaminate(s, ctx) if s.op == "decontaminate" else make_op(s, ctx.resolve) for s in specs]


def run_ops(ops: list[Any], doc: Doc, kind: str) -> Result:
    for op in ops:
        r = op.apply(doc, kind)
        if r.doc is None:
            return r
        doc = r.doc
    return Result(doc)


def _read_items(path: Path):
    for lineno, item in read_json_lines(path):
        if not isinstance(item, dict):
            raise FlowrtError(f"{path}:{lineno}: an evalset item is a JSON object", "each line is one item {\"query\", \"choices\", \"gold\"}", exit_code=1)
        yield item


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n")
    tmp.replace(path)


# ---- tokenizer -------------------------------------------------------------------------------------

def tokenizer_step(ctx: StepContext) -> dict[str, Any]:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    name = ctx.step.params.tokenizer
    spec = ctx.plan.tokenizers[name]
    out = ctx.out_dir()
    if spec.path:
        src = ctx.resolve(spec.path)
        if not src.exists():
            raise FlowrtError(f"tokenizer {name}: {src} does not exist", "give `path` an existing tokenizer.json, or use `train_on`")
        tok = Tokenizer.from_file(str(src))
        shutil.copy(src, out / "tokenizer.json")
    else:
        texts = []
        for s in spec.train_on or ():
            raw = ctx.plan.raw_sources[s]
            for f in ctx.expand(raw.uri):
                texts.extend(d["text"] for d in read_docs(f, raw.format))
        if spec.kind == "bpe":
            tok = Tokenizer(models.BPE())
            tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
            tok.decoder = decoders.ByteLevel()
            trainer = trainers.BpeTrainer(vocab_size=spec.vocab, special_tokens=[EOS, PAD],
                                          initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        else:
            tok = Tokenizer(models.Unigram())
            tok.pre_tokenizer = pre_tokenizers.Metaspace()
            tok.decoder = decoders.Metaspace()
            trainer = trainers.UnigramTrainer(vocab_size=spec.vocab, special_tokens=[EOS, PAD], unk_token=PAD, show_progress=False)
        tok.train_from_iterator(texts, trainer=trainer)
        tok.save(str(out / "tokenizer.json"))
    size = tok.get_vocab_size()
    if size > spec.vocab:
        raise FlowrtError(f"tokenizer {name} has {size} tokens, more than the declared vocab {spec.vocab}",
                          "the model's embedding would be too small; raise `vocab` or use another tokenizer")
    return {"vocab": size}


# ---- curate ----------------------------------------------------------------------------------------

def curate_step(ctx: StepContext) -> dict[str, Any]:
    """Shard `ctx.shard` of `ctx.of` of a raw source through the ops before the first dedup."""
    p = ctx.step.params
    raw = ctx.plan.raw_sources[p.source]
    out = ctx.out_dir()
    name = shard_name(ctx.shard)
    if isinstance(p.signatures, SemanticDedupOp):
        raise not_supported("semantic dedup (`dedup { method = semantic }`)",
                            "use `method = minhash` or `simhash` for near-duplicates, or embed and cluster the documents elsewhere")
    files = ctx.expand(raw.uri)
    ops = doc_ops(p.ops, ctx)
    kept: list[dict] = []
    n_in = 0
    for fi, f in enumerate(files):
        for di, doc in enumerate(read_docs(f, raw.format)):
            # Round-robin over files, and over documents when there are fewer files than shards.
            owner = fi % ctx.of if len(files) >= ctx.of else (fi + di) % ctx.of
            if owner != ctx.shard:
                continue
            n_in += 1
            r = run_ops(ops, doc, raw.kind)
            if r.doc is not None:
                kept.append(r.doc)
    write_jsonl(out / f"{name}.jsonl", kept)
    if p.signatures is not None:
        _write_signatures(out / f"{name}.sig.npz", kept, p.signatures)
    stats = {"source": p.source, "shard": ctx.shard, "of": ctx.of, "docs_in": n_in, "docs_out": len(kept),
             "chars_out": sum(len(d["text"]) for d in kept), "ops": {op.name: dict(op.counters) for op in ops}}
    _write_json(out / f"{name}.stats.json", stats)
    ctx.log.info("%s %s: %d of %d documents kept", ctx.step.id, name, len(kept), n_in)
    return stats


def _pack_strings(strings: list[str]) -> dict[str, np.ndarray]:
    """Strings as one UTF-8 byte array and their end offsets: a .npz that loads without pickle (a
    run directory is shared; unpickling what lies in it would run whatever someone put there), and
    exact for any string (NumPy's fixed-width str arrays drop trailing NULs; lone surrogates from
    JSON escapes survive through surrogatepass)."""
    encoded = [x.encode("utf-8", "surrogatepass") for x in strings]
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64) if encoded else np.zeros(0, np.int64)
    return {"utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8), "ends": ends}


def _unpack_strings(z: Any, name: str) -> list[str]:
    data, ends = z[f"{name}_utf8"].tobytes(), z[f"{name}_ends"]
    starts = [0, *ends[:-1].tolist()]
    return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends.tolist())]


def _save_npz(tmp: Path, strings: dict[str, list[str]], arrays: dict[str, np.ndarray]) -> None:
    packed = {f"{name}_{part}": a for name, xs in strings.items() for part, a in _pack_strings(xs).items()}
    np.savez(tmp, **packed, **arrays)


def _write_signatures(path: Path, docs: list[dict], spec: DedupOp) -> None:
    ids = [id_key(d["id"]) for d in docs]
    tmp = path.with_name(f".{path.name}.tmp.npz")
    if isinstance(spec, (ExactDedupOp, AstDedupOp)):
        key = exact_key if isinstance(spec, ExactDedupOp) else structure_key
        _save_npz(tmp, {"ids": ids, "keys": [key(d["text"]) for d in docs]}, {})
    elif isinstance(spec, MinhashDedupOp):
        mh = MinHasher(permutations=spec.permutations, ngram=spec.ngram, seed=spec.seed)
        _save_npz(tmp, {"ids": ids}, {"sigs": mh.signatures([d["text"] for d in docs])})
    else:
        _save_npz(tmp, {"ids": ids}, {"hashes": np.array([simhash(d["text"], spec.ngram) for d in docs], dtype=np.uint64)})
    tmp.replace(path)


# ---- dedup (global merge) ---------------------------------------------------------------------------

def _refuse_shared_ids(ids: list[str]) -> None:
    """The tokenize steps drop documents by `SOURCE/ID`: two documents of one source with one id
    would both go when one is a duplicate, so a shared id is refused (the data's error, exit 1)."""
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            src, _, doc_id = i.partition("/")
            raise FlowrtError(f"two documents of source {src} have the id {doc_id}: dedup tells documents apart by id",
                              "give every document of a source its own `id` (a document without one is FILE_NAME:LINE, which two files of one name share)",
                              exit_code=1)
        seen.add(i)


def dedup_step(ctx: StepContext) -> dict[str, Any]:
    spec = ctx.step.params.dedup
    ids: list[str] = []
    parts: list[np.ndarray] = []
    keys: list[str] = []
    hashes: list[int] = []
    for src, cur_id in ctx.step.reads.curated.items():
        d = ctx.dir_of(cur_id)
        for i in range(find_step(ctx.plan, cur_id).shards):  # the plan's shards, never a glob of what lies there
            sig = d / f"{shard_name(i)}.sig.npz"
            if not sig.exists():
                raise FlowrtError(f"{sig} is missing: {cur_id} wrote no signatures for shard {i}", f"re-run {cur_id}")
            try:
                with np.load(sig, allow_pickle=False) as z:
                    ids.extend(f"{src}/{x}" for x in _unpack_strings(z, "ids"))
                    if isinstance(spec, MinhashDedupOp):
                        parts.append(z["sigs"])
                    elif isinstance(spec, (ExactDedupOp, AstDedupOp)):
                        keys.extend(_unpack_strings(z, "keys"))
                    else:
                        hashes.extend(int(h) for h in z["hashes"])
            except (OSError, ValueError, KeyError, UnicodeDecodeError) as e:
                raise FlowrtError(f"{sig} cannot be read ({type(e).__name__}: {e}): it is not the signatures {cur_id} writes",
                                  f"delete it and re-run {cur_id}", exit_code=1) from None
    _refuse_shared_ids(ids)
    if isinstance(spec, MinhashDedupOp):
        sigs = np.concatenate(parts) if parts else np.zeros((0, spec.permutations), np.uint32)
        drop, clusters, counters = lsh_duplicates(ids, sigs, spec.bands, spec.threshold)
    elif isinstance(spec, (ExactDedupOp, AstDedupOp)):
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
        assert isinstance(spec, SimhashDedupOp)
        drop, clusters = simhash_duplicates(ids, hashes, spec.hamming)
        counters = {"dropped": len(drop), "clusters": len(clusters)}
    out = ctx.out_dir()
    _write_json(out / "drop.json", sorted(drop))
    _write_json(out / "clusters.json", clusters[:1000])
    stats = {"method": spec.method, "documents": len(ids), **counters}
    _write_json(out / "stats.json", stats)
    ctx.log.info("dedup %s: %d of %d documents are duplicates", ctx.step.params.curation, len(drop), len(ids))
    return stats


# ---- tokenize --------------------------------------------------------------------------------------

def tokenize_step(ctx: StepContext) -> dict[str, Any]:
    """Shard `ctx.shard`: the curate step's shard of the same number, minus the dedup drops, through
    the ops after dedup, tokenized into token shard files and a manifest of its own."""
    p, reads = ctx.step.params, ctx.step.reads
    name = shard_name(ctx.shard)
    docs_file = ctx.dir_of(reads.documents) / f"{name}.jsonl"
    if not docs_file.exists():
        raise FlowrtError(f"{docs_file} is missing", f"{reads.documents} must have as many shards as {ctx.step.id}; re-create plan.json with flowc")
    drop: set[str] = set()
    if reads.dedup is not None:
        prefix = f"{p.source}/"
        drop = {i[len(prefix):] for i in json.loads((ctx.dir_of(reads.dedup) / "drop.json").read_text()) if i.startswith(prefix)}
    ops = doc_ops(p.ops, ctx)
    tok = load_text_tokenizer(ctx.dir_of(reads.tokenizer) / "tokenizer.json")
    eos = tok.token_to_id(EOS)
    vocab = ctx.plan.tokenizers[ctx.plan.curations[p.curation].tokenizer].vocab
    kind = ctx.plan.raw_sources[p.source].kind
    counters: Counter = Counter()
    texts: list[str] = []
    for doc in read_docs(docs_file):
        counters["docs_in"] += 1
        if id_key(doc["id"]) in drop:
            counters["dropped:dedup"] += 1
            continue
        r = run_ops(ops, doc, kind)
        if r.doc is None:
            counters[f"dropped:{r.reason}"] += 1
        else:
            texts.append(r.doc["text"])
    flat, lengths = encode_flat(tok, texts, eos, vocab)
    out = ctx.out_dir()
    entry = write_flat_shard(out, name, flat, lengths, vocab)
    removed = [x for op in ops if isinstance(op, Decontaminate) for x in op.decon.removed]
    if any(isinstance(op, Decontaminate) for op in ops):
        _write_json(out / f"{name}.decontamination.json", removed)
    stats = {"shard": ctx.shard, "of": ctx.of, "documents": len(lengths), "tokens": entry["tokens"], **counters,
             "ops": {op.name: dict(op.counters) for op in ops}}
    _write_json(out / f"{name}.stats.json", stats)
    # The manifest last: mix and Megatron trust the shard only once it is there.
    write_manifest(out, ctx.shard, name, eos, reads.tokenizer, entry)
    ctx.log.info("tokenize %s %s: %d documents, %d tokens", p.dataset, name, len(lengths), entry["tokens"])
    return stats


def tokenized(ctx: StepContext, step_id: str) -> tuple[Path, dict]:
    """A tokenize step's directory and its verified manifest (every shard the plan gives it)."""
    d = ctx.dir_of(step_id)
    return d, verify_manifest(d, find_step(ctx.plan, step_id).shards)


# ---- mix -------------------------------------------------------------------------------------------

def _upsample(plan: Plan, dataset: str) -> int:
    return plan.raw_sources[plan.sources[dataset].source].upsample or 1


def mix_step(ctx: StepContext) -> dict[str, Any]:
    """Packs each dataset of the run once per sequence length (BFD) and writes the layout the
    training loop reads sequences through (flowrt.data.layout): per stage, the row each dataset
    starts from. Which dataset each sequence comes from is the sampler's, computed per step, so
    the stage is never copied out. Checks the planned passes over each dataset against
    `max_epochs` (exactly: passes are fractions) with the sequence counts packing produced."""
    train = train_of(ctx.plan, ctx.step.params.train)
    sched = schedule_of(train)
    out = ctx.out_dir()
    (out / "packed").mkdir(exist_ok=True)
    docs_cache: dict[str, tuple[list[np.ndarray], int]] = {}
    shard_hashes: dict[str, list[list[str]]] = {}
    layout: dict[str, Any] = {"train": train.name, "packed": {}, "stages": {}}
    report: dict[str, Any] = {"stages": {}}
    drawn_passes: dict[str, Fraction] = {}
    cursors: dict[str, int] = {}  # by packed name: rows drawn so far, carried across stages
    for st, ir in zip(sched.stages, train.stages):
        if ir.packing == "concat":
            raise not_supported(f"stage {st.name}: `packing = concat`",
                                "flowrt packs documents best-fit decreasing (`packing = best_fit`, the default): remove the attribute")
        quotas = {q.source: q.sequences for q in st.quotas}
        if sum(quotas.values()) != st.sequences:
            raise FlowrtError(f"stage {st.name}: quotas sum to {sum(quotas.values())} sequences, the stage has {st.sequences}",
                              "the plan is inconsistent: re-run `flowc plan` and the run")
        stage_report, starts = {}, {}
        for ds in ir.mix:
            name = packed_name(ds, st.seq_len)
            tok_step = ctx.step.reads.datasets[ds]
            if name not in layout["packed"]:
                if ds not in docs_cache:
                    d, manifest = tokenized(ctx, tok_step)
                    docs_cache[ds] = (read_documents(d, manifest), manifest["eos"])
                    shard_hashes[ds] = sorted([f, meta["sha256"]] for sh in manifest["shards"] for f, meta in sh["files"].items())
                docs, eos = docs_cache[ds]
                if not docs:
                    raise FlowrtError(f"dataset {ds} has no documents after curation", f"see the shard stats in {ctx.dir_of(tok_step)}")
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
                layout["packed"][name] = {**files, "rows": len(packed.tokens), "pool": len(packed.tokens) * _upsample(ctx.plan, ds),
                                          "padding": round(packed.padding, 5)}
            entry = layout["packed"][name]
            quota = quotas[ds]
            starts[ds] = cursors.get(name, 0) % entry["rows"]
            cursors[name] = cursors.get(name, 0) + quota
            passes = Fraction(quota, entry["pool"])
            drawn_passes[ds] = drawn_passes.get(ds, Fraction(0)) + passes
            stage_report[ds] = {"packed_sequences": entry["rows"], "upsample": entry["pool"] // entry["rows"], "quota": quota,
                                "passes": float(passes), "padding": entry["padding"]}
            cap = ctx.plan.sources[ds].max_epochs
            if drawn_passes[ds] > cap:
                raise FlowrtError(
                    f"dataset {ds}: the plan draws {float(drawn_passes[ds]):.2f} passes over what survived curation "
                    f"({entry['pool']} sequences of {st.seq_len}), past its max_epochs {cap}",
                    "curation kept less than the .flow declares: set the source's `tokens` or the curation's "
                    f"`expect_retention` to the measured values (see the shard stats in {ctx.dir_of(tok_step)}) and re-plan")
        layout["stages"][st.name] = {"seq_len": st.seq_len, "sequences": st.sequences, "start": starts}
        report["stages"][st.name] = stage_report
    _write_json(out / LAYOUT, layout)
    _write_json(out / "stats.json", report)
    ctx.log.info("mix %s: %d stages, %d packed datasets", train.name, len(sched.stages), len(layout["packed"]))
    # What the run trains on, by content: the packing is a function of the token shards (whose
    # SHA-256s the tokenize step recorded) and of this step's definition. A train run's lineage
    # uses it, so data redone to the same bytes never orphans the run's checkpoints.
    digest = hashlib.sha256(json.dumps({"mix": ctx.step.fingerprint, "datasets": shard_hashes}, sort_keys=True).encode()).hexdigest()
    return {**report, "data_digest": digest}
