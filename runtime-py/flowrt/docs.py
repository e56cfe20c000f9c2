"""Documents in and out: JSONL (optionally .gz/.zst) and Parquet, `id` and `text` required, other
fields kept as they are. Source URIs are globs; relative ones resolve against the input root the
runtime is given (the .flow file's directory under `flowc run`, the cluster's data root on a cluster)."""
from __future__ import annotations

import glob
import gzip
import io
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import FlowrtError

Doc = dict[str, Any]


NO_ROOT_HELP = ("pass --input-root DIR (the directory the .flow file's relative paths start from; `flowc run` passes "
                "the .flow file's directory) or set FLOWRT_INPUT_ROOT")


def resolve_path(path: str, root: Path | None) -> Path:
    """A path of the .flow file: absolute as written, else relative to the input root."""
    p = Path(path)
    if p.is_absolute():
        return p
    if root is None:
        raise FlowrtError(f"{path} is a relative path, and no input root is given to resolve it against", NO_ROOT_HELP)
    return root / p


def expand(uri: str, base: Path | None) -> list[Path]:
    if "://" in uri and not uri.startswith("file://"):
        raise FlowrtError(f"{uri} is on an object store; this runtime reads local paths",
                          "stage the data on a shared filesystem (or mount the bucket) and point `uri` at it")
    pattern = uri.removeprefix("file://")
    full = str(resolve_path(pattern, base))
    files = sorted(Path(f) for f in glob.glob(full, recursive=True))
    if not files:
        near = _near_miss(Path(full))
        if near and not Path(pattern).is_absolute():
            near = os.path.relpath(near, base)
        raise FlowrtError(f"no files match {uri!r} (looked for {full})",
                          f'did you mean `uri = "{near}"`?' if near else "check the `uri`; relative paths are resolved against the input root (the .flow file's directory under `flowc run`)")
    return files


def _near_miss(pattern: Path) -> str | None:
    """For a pattern whose directory part does not exist, the same path with the first missing
    component replaced by the closest existing name (`data/tiny/wbe/*.jsonl` -> `…/web/*.jsonl`)."""
    import difflib

    parts = pattern.parts
    here = Path(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if any(c in part for c in "*?["):
            return None
        nxt = here / part
        if not nxt.exists():
            try:
                names = [p.name for p in here.iterdir()]
            except OSError:
                return None
            close = difflib.get_close_matches(part, names, n=1, cutoff=0.5)
            return str(Path(here / close[0], *parts[i + 1:])) if close else None
        here = nxt
    return None


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8")
    if path.suffix == ".zst":
        try:
            import zstandard
        except ImportError:
            raise FlowrtError(f"{path} is zstd-compressed and the `zstandard` package is not installed", "pip install zstandard") from None
        return io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(path.open("rb")), encoding="utf-8")
    return path.open(encoding="utf-8")


def read_docs(path: Path, fmt: str | None = None) -> Iterator[Doc]:
    fmt = fmt or ("parquet" if path.suffix == ".parquet" else "jsonl")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as e:  # pyarrow raises many types for corrupt files
            raise FlowrtError(f"{path} is not a readable Parquet file ({e})", "re-create or re-download the file") from None
        for row in table.to_pylist():
            yield _checked(row, path, None)
        return
    with _open_text(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                raise FlowrtError(f"{path}:{lineno}: not a JSON object ({e.msg})", "each line of a JSONL file is one document {\"id\", \"text\", …}") from None
            yield _checked(doc, path, lineno)


def _checked(doc: Any, path: Path, lineno: int | None) -> Doc:
    where = f"{path}:{lineno}" if lineno else str(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
        raise FlowrtError(f"{where}: a document needs a string field `text`", "documents are {\"id\": …, \"text\": …}")
    if "id" not in doc:
        doc["id"] = f"{path.name}:{lineno}"
    return doc


def write_jsonl(path: Path, docs: Iterable[Doc]) -> int:
    """Writes atomically (temporary file, then rename); returns the number of documents."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n


def write_docs(path: Path, docs: list[Doc]) -> int:
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(pa.Table.from_pylist(docs), tmp)
        tmp.replace(path)
        return len(docs)
    return write_jsonl(path, docs)
