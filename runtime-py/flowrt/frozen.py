"""A dict that cannot change after it is built: the records of a loaded plan (raw_sources,
stage mixes, …) are FrozenDicts, so no step can edit the plan another step reads. Pickles (Ray
ships plans to workers) and compares like a dict."""
from __future__ import annotations

from typing import Any, NoReturn, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    __slots__ = ()

    def _readonly(self, *_a: Any, **_k: Any) -> NoReturn:
        raise TypeError("a loaded plan is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"
