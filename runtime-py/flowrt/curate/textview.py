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
import sys
import unicodedata
from array import array
from functools import lru_cache

def _char_class(test) -> re.Pattern[str]:
    """A regex class of the non-ASCII code points for which `test(c)` holds, as ranges."""
    ranges: list[list[int]] = []
    for c in range(0x80, sys.maxunicode + 1):
        if test(chr(c)):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]")


@lru_cache(maxsize=1)
def _format_or_dash() -> re.Pattern[str]:
    """Every format character (Cf) and non-ASCII dash (Pd): built once, on the first text that needs it."""
    return _char_class(lambda c: unicodedata.category(c) in ("Cf", "Pd"))


@lru_cache(maxsize=1)
def _unstable_runs() -> re.Pattern[str]:
    """Runs of the characters whose view is not themselves (NFKC changes them, a format character,
    a dash) or that attach to the one before (combining marks), with that one: only these pass
    through Python one by one, so a text costs what it has of them."""
    unstable = _char_class(lambda c: unicodedata.normalize("NFKC", c) != c or unicodedata.category(c) in ("Cf", "Pd")
                           or unicodedata.combining(c) != 0).pattern
    return re.compile(f".?{unstable}+", re.DOTALL)


def plain(text: str) -> bool:
    """True when `text` is its own view (already NFKC, no format characters, no non-ASCII dashes):
    most text in any script, matched as it is at C speed."""
    return text.isascii() or (unicodedata.is_normalized("NFKC", text) and not _format_or_dash().search(text))


@lru_cache(maxsize=1 << 16)
def _unit_view(unit: str) -> str:
    """The view of one character with its combining marks (cached: a text repeats its characters)."""
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

    def same(a: int, b: int) -> None:
        out.append(text[a:b])
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))

    combining, unit_view = unicodedata.combining, _unit_view
    for m in _unstable_runs().finditer(text):
        a, b = m.span()
        same(pos, a)
        i = a
        while i < b:
            j = i + 1
            while j < b and combining(text[j]):
                j += 1
            v = unit_view(text[i:j])
            out.append(v)
            if len(v) == 1:
                starts.append(i)
                ends.append(j)
            else:
                starts.extend([i] * len(v))
                ends.extend([j] * len(v))
            i = j
        pos = b
    same(pos, len(text))
    return "".join(out), starts, ends


def substitute(patterns: list[tuple[re.Pattern[str], str]], text: str) -> tuple[str, list[int]]:
    """Each `pattern.subn(replacement, …)` in turn, as on the text itself, but matched in its view,
    and the number of matches of each. The view is built once: a match is replaced in the view too
    (the placeholder is its own view), so the next pattern sees what it would see in the text."""
    if plain(text):
        counts = []
        for pat, rep in patterns:
            text, n = pat.subn(rep, text)
            counts.append(n)
        return text, counts
    v, starts, ends = view(text)
    spans: list[tuple[int, int, str]] = []
    counts = []
    for pat, rep in patterns:
        pieces, ns, ne, pos, n = [], array("q"), array("q"), 0, 0
        for m in pat.finditer(v):
            s, e = m.span()
            if e == s:
                continue
            a, b = starts[s], ends[e - 1]
            pieces += [v[pos:s], rep]
            ns.extend(starts[pos:s])
            ne.extend(ends[pos:s])
            ns.extend([a] * len(rep))
            ne.extend([b] * len(rep))
            spans.append((a, b, rep))
            n, pos = n + 1, e
        if n:
            pieces.append(v[pos:])
            ns.extend(starts[pos:])
            ne.extend(ends[pos:])
            v, starts, ends = "".join(pieces), ns, ne
        counts.append(n)
    if not spans:
        return text, counts
    parts, pos = [], 0
    for a, b, rep in sorted(spans, key=lambda x: x[0]):
        if a < pos:  # within a span already replaced (one original character matched twice)
            continue
        parts += [text[pos:a], rep]
        pos = b
    parts.append(text[pos:])
    return "".join(parts), counts
