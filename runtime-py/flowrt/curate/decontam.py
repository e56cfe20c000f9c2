"""N-gram decontamination against the plan's evalsets (as GPT-3 and Dolma do): a training document
that shares any word n-gram (the plan's DecontaminateOp.ngram, 13 unless set) with an evalset item is dropped, and the report says
which evalset, which item and which n-gram."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

WORD = re.compile(r"\w+", re.UNICODE)


def ngrams(text: str, n: int) -> Iterable[tuple[str, ...]]:
    ws = WORD.findall(text.lower())
    return (tuple(ws[i:i + n]) for i in range(len(ws) - n + 1))


def eval_texts(item: dict[str, Any]) -> str:
    """The text of an evalset item: perplexity `text`, or multiple-choice query + choices."""
    parts = [item.get("text"), item.get("query") or item.get("context") or item.get("question")]
    choices = item.get("choices")
    parts += [str(c) for c in choices] if isinstance(choices, list) else [choices]
    return "\n".join(p for p in parts if isinstance(p, str) and p)  # fields of other types carry no text


@dataclass
class Decontaminator:
    ngram: int
    index: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def add_evalset(self, name: str, items: Iterable[dict[str, Any]]) -> int:
        n = 0
        for it in items:
            for g in ngrams(eval_texts(it), self.ngram):
                self.index.setdefault(g, (name, str(it.get("id", "?"))))
                n += 1
        return n

    def check(self, doc: dict[str, Any]) -> bool:
        """True when the document is clean; otherwise records why and returns False."""
        for g in ngrams(doc["text"], self.ngram):
            hit = self.index.get(g)
            if hit:
                self.removed.append({"id": doc.get("id"), "evalset": hit[0], "item": hit[1], "ngram": " ".join(g)})
                return False
        return True
