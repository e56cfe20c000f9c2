"""Matching PII in a normalized view of a text while replacing it in the text as written.

Addresses are written in forms a pattern over ASCII misses: full-width letters, digits and
punctuation (`ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ`, `４１５－５５５－０１３２`), zero-width and other format characters
inside an address (`bob\u200b@example.com`), decomposed accents, dashes of other kinds. The view
is the text NFKC-normalized unit by unit (a character with its combining marks), with format
characters (Unicode category Cf) removed and dashes (Pd) read as `-`; each of its characters
remembers the span of the text it came from. A match in the view is replaced over its span in
the original, and every character outside a match is left exactly as it was."""
from __future__ import annotations

import re
import unicodedata
from array import array

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _unit_view(unit: str) -> str:
    if unicodedata.category(unit[0]) == "Cf":
        return ""
    norm = unicodedata.normalize("NFKC", unit)
    return "".join("-" if unicodedata.category(c) == "Pd" else c for c in norm)


def view(text: str) -> tuple[str, array, array]:
    """The matching view of `text`, and for each of its characters the [start, end) of the text's
    characters it came from."""
    out: list[str] = []
    starts, ends = array("q"), array("q")
    pos = 0

    def plain(a: int, b: int) -> None:
        out.append(text[a:b])
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))

    for m in _NON_ASCII.finditer(text):
        a, b = m.span()
        # A combining mark belongs to the character before it, which may be ASCII (`e` + U+0301).
        if a > pos and unicodedata.combining(text[a]):
            a -= 1
        plain(pos, a)
        i = a
        while i < b:
            j = i + 1
            while j < len(text) and unicodedata.combining(text[j]):
                j += 1
            v = _unit_view(text[i:j])
            out.append(v)
            starts.extend([i] * len(v))
            ends.extend([j] * len(v))
            i = j
        pos = max(b, i)
    plain(pos, len(text))
    return "".join(out), starts, ends


def substitute(pattern: re.Pattern[str], replacement: str, text: str) -> tuple[str, int]:
    """`pattern.subn(replacement, text)`, matched in the view. ASCII text is its own view."""
    if text.isascii():
        return pattern.subn(replacement, text)
    v, starts, ends = view(text)
    spans = [(starts[m.start()], ends[m.end() - 1]) for m in pattern.finditer(v) if m.end() > m.start()]
    if not spans:
        return text, 0
    parts, pos = [], 0
    for a, b in spans:
        if a < pos:  # two matches from one original character: one replacement
            continue
        parts += [text[pos:a], replacement]
        pos = b
    parts.append(text[pos:])
    return "".join(parts), len(spans)
