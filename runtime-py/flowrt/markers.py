"""Completion markers keyed on content, the same for local runs, Slurm and Ray.

A step (or one shard of an array step) is done when its marker records the key it would be run
with now. The key hashes the step's `fingerprint` (the compiler's hash of everything in the plan
that decides its output, shard layout included), the raw files it reads (path relative to the
input root, size, mtime_ns: Nextflow's default cache mode) and the keys of the steps it needs.
So a changed option, input file or shard count changes the key of that step and, through the
needs, of everything downstream; the marker also keeps what went into its key, so the runtime can
say why a step is stale.

Markers: `<out_dir>/_DONE` for a step alone in its directory, `<out_dir>/_DONE.<step id>` for the
segments of a train run (they share a directory), `<out_dir>/_DONE.shard-NNNNN` per shard of an
array step (an array step is done when all its shards are)."""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .docs import expand
from .errors import FlowrtError
from .plan_types import Step

MARKER = "_DONE"


def shard_name(i: int) -> str:
    return f"shard-{i:05d}"


def marker_path(run_dir: Path, step: Step, shard: int | None = None) -> Path:
    out = run_dir / step.out_dir
    if step.shards > 1:
        return out / f"{MARKER}.{shard_name(0 if shard is None else shard)}"
    return out / (MARKER if step.out_dir == f"steps/{step.id}" else f"{MARKER}.{step.id}")


def marker_paths(run_dir: Path, step: Step) -> list[Path]:
    """Every marker the step is done with: one, or one per shard."""
    return [marker_path(run_dir, step, i) for i in range(step.shards)] if step.shards > 1 else [marker_path(run_dir, step)]


@dataclass(frozen=True)
class InputFile:
    path: str  # relative to the input root when under it, else absolute
    size: int
    mtime_ns: int

    def as_list(self) -> list[Any]:
        return [self.path, self.size, self.mtime_ns]


def input_files(step: Step, root: Path | None) -> list[InputFile]:
    """The raw files the step reads now (its `inputs`, globs expanded as the step expands them)."""
    out: dict[str, InputFile] = {}
    for uri in step.inputs:
        for f in expand(uri, root):
            st = f.stat()
            rel = os.path.relpath(f, root) if root is not None and f.is_relative_to(root) else str(f)
            out[rel] = InputFile(rel, st.st_size, st.st_mtime_ns)
    return [out[k] for k in sorted(out)]


def step_key(step: Step, inputs: list[InputFile], needs: dict[str, str]) -> str:
    body = {"fingerprint": step.fingerprint, "inputs": [i.as_list() for i in inputs], "needs": dict(sorted(needs.items()))}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def read_marker(path: Path) -> dict[str, Any] | None:
    """A marker's record; None when there is none. A marker that is not our JSON counts as stale."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError:
        return None
    except ValueError:
        return {}
    try:
        m = json.loads(text)
    except (ValueError, RecursionError):  # bad JSON, or not UTF-8: not ours
        return {}
    return m if _well_formed(m) else {}


def _well_formed(m: Any) -> bool:
    """The fields stale_reason reads have the types write_marker gives them (else: not ours)."""
    if not isinstance(m, dict):
        return False
    inputs = m.get("inputs", [])
    return (isinstance(m.get("key", ""), str) and isinstance(m.get("fingerprint", ""), str)
            and isinstance(m.get("fingerprint_parts", {}), dict) and isinstance(m.get("needs", {}), dict)
            and isinstance(inputs, list)
            and all(isinstance(i, list) and len(i) == 3 and isinstance(i[0], str) and all(isinstance(x, int) for x in i[1:]) for i in inputs))


def write_marker(path: Path, *, step: Step, key: str, inputs: list[InputFile], needs: dict[str, str],
                 shard: int | None = None, stats: dict[str, Any] | None = None) -> None:
    """Written last and atomically: a crash never leaves a marker for unfinished work."""
    record = {"key": key, "step": step.id, "fingerprint": step.fingerprint, "fingerprint_parts": dict(step.fingerprint_parts),
              "inputs": [i.as_list() for i in inputs], "needs": dict(sorted(needs.items())),
              **({"shard": shard, "of": step.shards} if shard is not None else {}), "finished_at": time.time(), "stats": stats or {}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(path)


def done_key(run_dir: Path, step: Step) -> str | None:
    """The key the step is complete with (every shard's marker agrees), or None."""
    keys = set()
    for p in marker_paths(run_dir, step):
        m = read_marker(p)
        if not m or not isinstance(m.get("key"), str):
            return None
        keys.add(m["key"])
    return keys.pop() if len(keys) == 1 else None


def stale_reason(marker: dict[str, Any], step: Step, inputs: list[InputFile], needs: dict[str, str]) -> str:
    """Why a marker's key is not the key the step would run with now, in words."""
    if "key" not in marker:
        return "its marker was not written by this flowrt (no key)"
    if marker.get("fingerprint") != step.fingerprint:
        old, new = marker.get("fingerprint_parts") or {}, dict(step.fingerprint_parts)
        parts = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        named = ", ".join("its own definition" if k == "step" else k for k in parts) or "its definition"
        return f"the plan changed what decides its output: {named}"
    before = {p: (size, mtime) for p, size, mtime in marker.get("inputs") or []}
    now = {i.path: (i.size, i.mtime_ns) for i in inputs}
    for p in sorted(set(before) | set(now)):
        if p not in now:
            return f"input {p} is gone"
        if p not in before:
            return f"input {p} is new"
        if before[p] != now[p]:
            (s0, _), (s1, _) = before[p], now[p]
            return f"input {p} changed ({s0:,} -> {s1:,} bytes)" if s0 != s1 else f"input {p} changed (modified since)"
    old_needs = marker.get("needs") or {}
    for n in sorted(needs):
        if old_needs.get(n) != needs[n]:
            return f"{n}, which it needs, is not the output it was made from"
    return "its key differs"


def needs_keys(run_dir: Path, step: Step, by_id: dict[str, Step]) -> dict[str, str]:
    """The keys of the steps this one needs, from their markers; each must be complete."""
    out = {}
    for n in step.needs:
        k = done_key(run_dir, by_id[n])
        if k is None:
            where = marker_paths(run_dir, by_id[n])[0]
            raise FlowrtError(f"step {step.id} needs the output of {n}, which is not complete (no {where.name} in {where.parent})",
                              f"run {n} first (flowc runs steps in dependency order; `python -m flowrt status` shows what is done)")
        out[n] = k
    return out
