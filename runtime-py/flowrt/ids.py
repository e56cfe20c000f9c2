"""Document ids as dedup compares them: typed, so `1` and `"1"` are two documents, never one
through `str()`. The key is the id itself for a string that is not JSON, else the id's JSON
(`17` -> `17`, `"17"` -> `"17"` with its quotes, `doc-17` -> `doc-17`): readable in drop.json, and
two ids share a key only when they are the same JSON value."""
from __future__ import annotations

import json
from typing import Any


def _is_json(s: str) -> bool:
    try:
        json.loads(s)
    except (ValueError, RecursionError):
        return False
    return True


def id_key(doc_id: Any) -> str:
    if isinstance(doc_id, str) and not _is_json(doc_id):
        return doc_id
    return json.dumps(doc_id, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
