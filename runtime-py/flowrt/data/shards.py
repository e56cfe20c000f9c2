"""Token shards: a flat token array with a document index (OLMo-style numpy memmap) and the same
tokens as a Megatron-LM indexed dataset (`.bin` + `.idx`, the MMIDIDX format read by
megatron/core/datasets/indexed_dataset.py), with a SHA-256 manifest so a corrupt or partial
shard is detected before training reads it."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from pathlib import Path

import numpy as np

from ..errors import FlowrtError

MEGATRON_MAGIC = b"MMIDIDX\x00\x00"
MEGATRON_VERSION = 1
# Megatron's DType codes (indexed_dataset.DType).
MEGATRON_DTYPES = {np.dtype(np.uint8): 1, np.dtype(np.int8): 2, np.dtype(np.int16): 3, np.dtype(np.int32): 4,
                   np.dtype(np.int64): 5, np.dtype(np.float64): 6, np.dtype(np.float32): 7, np.dtype(np.uint16): 8}
MEGATRON_CODES = {v: k for k, v in MEGATRON_DTYPES.items()}


def token_dtype(vocab: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab <= 65536 else np.dtype(np.int32)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_text_tokenizer(path: Path):
    """The run's tokenizer for encoding documents: special tokens written in a document
    (`<|endoftext|>`, `<|pad|>`) are encoded as the text they are, never as the special ids, so a
    document cannot end itself early or insert padding; flowrt appends the EOS itself."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.encode_special_tokens = True
    return tok


def encode_flat(tok, texts: list[str], eos: int, vocab: int) -> tuple[np.ndarray, np.ndarray]:
    """Tokenizes `texts` (each followed by `eos`) straight into one flat array of the shard's dtype
    and the per-document lengths. `encode_batch_fast` skips the offsets we never use, and one
    fromiter over all ids avoids an array per document: together as fast as a plain encode_batch."""
    import itertools

    ids = [e.ids for e in tok.encode_batch_fast(texts)] if texts else []
    for doc in ids:
        doc.append(eos)
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=token_dtype(vocab), count=int(lengths.sum()))
    return flat, lengths


def write_flat_shard(directory: Path, name: str, flat: np.ndarray, lengths: np.ndarray, vocab: int) -> dict:
    """Writes NAME.tokens (flat), NAME.index.npy (document offsets, length n+1), NAME.bin/.idx
    (Megatron). Returns the manifest entries."""
    dtype = token_dtype(vocab)
    directory.mkdir(parents=True, exist_ok=True)
    flat = flat.astype(dtype, copy=False)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    # The flat token file is Megatron's .bin byte for byte: written once, hard-linked as .tokens.
    files = {
        f"{name}.bin": lambda p: flat.tofile(p),
        f"{name}.index.npy": lambda p: np.save(p, offsets),
        f"{name}.idx": lambda p: write_megatron_index(p, lengths, dtype),
    }
    out = {}
    for fname, write in files.items():
        final = directory / fname
        tmp = directory / f".{fname}.tmp"
        with tmp.open("wb") as f:
            write(f)
        tmp.replace(final)
        out[fname] = {"sha256": sha256(final), "bytes": final.stat().st_size}
    tokens = directory / f"{name}.tokens"
    tokens.unlink(missing_ok=True)
    try:
        os.link(directory / f"{name}.bin", tokens)
    except OSError:  # filesystems without hard links
        shutil.copyfile(directory / f"{name}.bin", tokens)
    out[f"{name}.tokens"] = dict(out[f"{name}.bin"])
    return {"files": out, "documents": int(len(lengths)), "tokens": int(flat.size), "dtype": dtype.name}


def write_megatron_index(f, lengths: np.ndarray, dtype: np.dtype) -> None:
    n = len(lengths)
    f.write(MEGATRON_MAGIC)
    f.write(struct.pack("<Q", MEGATRON_VERSION))
    f.write(struct.pack("<B", MEGATRON_DTYPES[dtype]))
    f.write(struct.pack("<Q", n))       # sequence count
    f.write(struct.pack("<Q", n + 1))   # document count (document_indices has n + 1 entries)
    f.write(lengths.astype(np.int32).tobytes(order="C"))
    pointers = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int64) * dtype.itemsize if n else np.zeros(0, np.int64)
    f.write(pointers.tobytes(order="C"))
    f.write(np.arange(n + 1, dtype=np.int64).tobytes(order="C"))


def read_megatron(prefix: Path) -> list[np.ndarray]:
    """Reads a Megatron indexed dataset back (our own reader of the documented layout)."""
    idx = Path(f"{prefix}.idx").read_bytes()
    if idx[:9] != MEGATRON_MAGIC:
        raise FlowrtError(f"{prefix}.idx is not a Megatron index (bad magic)", "re-run the tokenize step")
    version, = struct.unpack("<Q", idx[9:17])
    code, = struct.unpack("<B", idx[17:18])
    seqs, docs = struct.unpack("<QQ", idx[18:34])
    off = 34
    lengths = np.frombuffer(idx, np.int32, seqs, off); off += 4 * seqs
    pointers = np.frombuffer(idx, np.int64, seqs, off); off += 8 * seqs
    np.frombuffer(idx, np.int64, docs, off)
    dtype = MEGATRON_CODES[code]
    data = np.fromfile(f"{prefix}.bin", dtype=dtype)
    assert version == MEGATRON_VERSION
    return [data[p // dtype.itemsize: p // dtype.itemsize + l] for p, l in zip(pointers, lengths)]


def manifest_path(directory: Path, shard: int) -> Path:
    return directory / f"shard-{shard:05d}.manifest.json"


def write_manifest(directory: Path, shard: int, name: str, eos: int, tokenizer: str, entry: dict) -> None:
    path = manifest_path(directory, shard)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"name": name, "eos": eos, "tokenizer": tokenizer, **entry}, indent=2) + "\n")
    tmp.replace(path)


def verify_manifest(directory: Path, shards: int) -> dict:
    """The manifests of shards 0..shards-1 (as many as the plan's tokenize step has) as one
    `{eos, tokenizer, shards: [...]}`; every file checked against its SHA-256. A missing manifest or
    file, or a mismatch, is an error."""
    entries = []
    for i in range(shards):
        mpath = manifest_path(directory, i)
        if not mpath.exists():
            raise FlowrtError(f"{directory} has no {mpath.name}: the tokenize step did not finish shard {i}", "re-run the tokenize step")
        entries.append(json.loads(mpath.read_text()))
    for shard in entries:
        for fname, meta in shard["files"].items():
            p = directory / fname
            if not p.exists():
                raise FlowrtError(f"shard file {p} is missing", "re-run the tokenize step (delete its _DONE markers first)")
            if p.stat().st_size != meta["bytes"] or sha256(p) != meta["sha256"]:
                raise FlowrtError(f"shard file {p} is corrupt or partial (SHA-256 differs from the manifest)",
                                  f"delete the _DONE markers in {directory} and re-run the tokenize step")
    eos = {e["eos"] for e in entries}
    if len(eos) > 1:
        raise FlowrtError(f"the shards in {directory} disagree on the end-of-text token ({sorted(eos)})", "re-run the tokenize step")
    return {"eos": entries[0]["eos"] if entries else 0, "tokenizer": entries[0]["tokenizer"] if entries else None, "shards": entries}


def read_documents(directory: Path, manifest: dict) -> list[np.ndarray]:
    docs: list[np.ndarray] = []
    for shard in manifest["shards"]:
        name = shard["name"]
        offsets = np.load(directory / f"{name}.index.npy")
        flat = np.memmap(directory / f"{name}.tokens", dtype=np.dtype(shard["dtype"]), mode="r")
        docs.extend(np.asarray(flat[offsets[i]:offsets[i + 1]]) for i in range(len(offsets) - 1))
    return docs
