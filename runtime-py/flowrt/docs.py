"""Documents in and out: JSONL (optionally .gz/.zst) and Parquet, `id` and `text` required, other
fields kept as they are. Source URIs are globs; relative ones resolve against the input root the
runtime is given (the .flow file's directory under `flowc run`, the cluster's data root on a cluster)."""
from __future__ import annotations

import glob
import gzip
import io
import json
import os
import re
import stat
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

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


# A JSON escape of a UTF-16 surrogate: json.loads accepts a lone one, which no UTF-8 file can hold.
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
DATA_EXIT = 1  # the documents themselves are wrong (the input files exist and are readable)
JSONL_HELP = "each line of a JSONL file is one UTF-8 JSON document {\"id\", \"text\", …}"


def _check_readable(path: Path) -> None:
    """An input must be a regular file: a directory, FIFO or device is refused before it is opened
    (reading a FIFO would block, /dev/zero would never end)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise FlowrtError(f"{path} does not exist", "check the path") from None
    except OSError as e:
        raise FlowrtError(f"cannot read {path}: {e.strerror}", "check the path and its permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise FlowrtError(f"{path} is a directory, not a document file", "give a .jsonl, .jsonl.gz, .jsonl.zst or .parquet file")
    if not stat.S_ISREG(st.st_mode):
        raise FlowrtError(f"{path} is not a regular file", "give a .jsonl, .jsonl.gz, .jsonl.zst or .parquet file (not a FIFO or device)")


def _open_binary(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if path.suffix == ".zst":
        try:
            import zstandard
        except ImportError:
            raise FlowrtError(f"{path} is zstd-compressed and the `zstandard` package is not installed", "pip install zstandard") from None
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(path.open("rb")))  # type: ignore[arg-type]
    return path.open("rb")


def _corrupt(path: Path, e: BaseException) -> FlowrtError:
    what = {".gz": "gzip", ".zst": "zstd"}.get(path.suffix, "")
    return FlowrtError(f"{path}: not a readable {what + ' ' if what else ''}file ({e})",
                       f"re-create or re-download the file{'; a plain JSONL file must not be named .' + path.suffix[1:] if what else ''}",
                       exit_code=DATA_EXIT)


def read_json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, JSON value) for every non-blank line of a JSONL file (optionally .gz/.zst),
    decoded line by line: invalid UTF-8, bad JSON or a corrupt archive is a FlowrtError at
    `file:line` (exit 1), never a traceback."""
    import zlib

    _check_readable(path)
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:
        pass
    with _open_binary(path) as f:
        lineno = 0
        while True:
            try:
                raw = f.readline()
            except errors as e:
                raise _corrupt(path, e) from None
            if not raw:
                return
            lineno += 1
            value = _parse_line(raw, path, lineno)
            if value is not _BLANK:
                yield lineno, value


def read_docs(path: Path, fmt: str | None = None) -> Iterator[Doc]:
    """The documents of a file. Lines are decoded one by one, so an invalid UTF-8 byte or a bad
    JSON line is reported at its own `file:line` (exit 1); a compressed file that is not what its
    suffix says is a FlowrtError too, never a traceback."""
    _check_readable(path)
    fmt = fmt or ("parquet" if path.suffix == ".parquet" else "jsonl")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as e:  # pyarrow raises many types for corrupt files
            raise FlowrtError(f"{path} is not a readable Parquet file ({e})", "re-create or re-download the file", exit_code=DATA_EXIT) from None
        for row in table.to_pylist():
            yield _checked(row, path, None)
        return
    for lineno, value in read_json_lines(path):
        yield _checked(value, path, lineno)


_BLANK = object()


def _parse_line(raw: bytes, path: Path, lineno: int) -> Any:
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as e:
        raise FlowrtError(f"{path}:{lineno}: invalid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})",
                          JSONL_HELP, exit_code=DATA_EXIT) from None
    if not line.strip():
        return _BLANK
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as e:
        raise FlowrtError(f"{path}:{lineno}: not a JSON object ({e.msg} at column {e.colno})", JSONL_HELP, exit_code=DATA_EXIT) from None
    except RecursionError:
        raise FlowrtError(f"{path}:{lineno}: the JSON nests too deeply to read", JSONL_HELP, exit_code=DATA_EXIT) from None
    except ValueError as e:  # an integer of more digits than Python converts
        raise FlowrtError(f"{path}:{lineno}: not a readable JSON object ({e})", JSONL_HELP, exit_code=DATA_EXIT) from None
    if _LONE_SURROGATE.search(line):
        try:
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise FlowrtError(f"{path}:{lineno}: the document has a lone UTF-16 surrogate escape (\\ud800–\\udfff), which is not text",
                              "write the character itself, or its surrogate pair", exit_code=DATA_EXIT) from None
    return doc


def _checked(doc: Any, path: Path, lineno: int | None) -> Doc:
    where = f"{path}:{lineno}" if lineno else str(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
        raise FlowrtError(f"{where}: a document needs a string field `text`", "documents are {\"id\": …, \"text\": …}", exit_code=DATA_EXIT)
    if "id" not in doc:
        doc["id"] = f"{path.name}:{lineno}"
    return doc


def write_jsonl(path: Path, docs: Iterable[Doc]) -> int:
    """Writes atomically (temporary file, then rename); returns the number of documents. A `.gz`
    name is written gzip-compressed, so what `read_docs` reads back is what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    try:
        with (gzip.open(tmp, "wt", encoding="utf-8") if path.suffix == ".gz" else tmp.open("w", encoding="utf-8")) as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
                n += 1
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def write_docs(path: Path, docs: Iterable[Doc]) -> int:
    if path.suffix == ".zst":
        raise FlowrtError(f"{path}: flowrt does not write zstd files", "name the output .jsonl, .jsonl.gz or .parquet")
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        docs = list(docs)
        try:
            table = pa.Table.from_pylist(docs)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise FlowrtError(f"{path}: the documents do not fit one Parquet schema ({e})",
                              "Parquet needs one type per field (ids all strings or all integers); write .jsonl instead",
                              exit_code=DATA_EXIT) from None
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            pq.write_table(table, tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return len(docs)
    return write_jsonl(path, docs)
