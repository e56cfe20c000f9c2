#!/usr/bin/env python3
"""Builds examples/data/tiny/ — the small REAL corpus of the tiny example — from text that ships
with Debian and PyPI packages on the build machine (never random words):

  web/   Debian package copyright files and changelogs (/usr/share/doc/*/copyright, changelog*.gz),
         and the licence texts of /usr/share/common-licenses. Licence texts are real natural
         near-duplicates (many packages paste the same GPL/BSD/MIT text), which dedup must find.
  code/  Python standard-library modules (one document per module).
  math/  Docstrings of sympy and mpmath functions (mathematical prose with formulas).
  eval/  heldout.jsonl: paragraphs of copyright/changelog text from packages NOT used for web/
         (perplexity); quiz.jsonl: multiple choice "which licence is this excerpt from?" built
         from /usr/share/common-licenses (lm-evaluation-harness style: query, choices, gold).

Deterministic: files are taken in sorted order with fixed limits. Writes PROVENANCE.md beside
the data with the exact sources and counts. Usage: python3 scripts/build-tiny-corpus.py [OUT_DIR]
"""
from __future__ import annotations

import ast
import gzip
import hashlib
import json
import os
import random
import sys
from pathlib import Path

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "examples" / "data" / "tiny")
DOC = Path("/usr/share/doc")
LICENSES = Path("/usr/share/common-licenses")
STDLIB = Path(os.path.dirname(os.__file__))

# Size targets in characters (about 4 characters per token with a 4096-entry BPE).
WEB_CHARS = 3_000_000
CODE_CHARS = 1_100_000
MATH_CHARS = 700_000
MAX_DOC_CHARS = 12_000


def read_text(p: Path) -> str | None:
    try:
        raw = gzip.open(p).read() if p.suffix == ".gz" else p.read_bytes()
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        return None


def chunks(text: str, limit: int = MAX_DOC_CHARS) -> list[str]:
    """Splits long texts at paragraph boundaries into documents of at most `limit` characters."""
    out, cur = [], []
    size = 0
    for para in text.split("\n\n"):
        if size + len(para) > limit and cur:
            out.append("\n\n".join(cur))
            cur, size = [], 0
        cur.append(para)
        size += len(para) + 2
    if cur:
        out.append("\n\n".join(cur))
    return [c.strip() for c in out if len(c.strip()) > 200]


def write_jsonl(path: Path, docs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


def doc_id(prefix: str, source: str, i: int) -> str:
    return f"{prefix}-{hashlib.sha1(f'{source}#{i}'.encode()).hexdigest()[:12]}"


def build_web(packages: list[str]) -> tuple[list[dict], list[str]]:
    docs, used = [], []
    total = 0
    for lic in sorted(LICENSES.iterdir()):
        if lic.is_file() and (t := read_text(lic)):
            for i, c in enumerate(chunks(t)):
                docs.append({"id": doc_id("lic", lic.name, i), "text": c, "source": f"common-licenses/{lic.name}"})
                total += len(c)
    for pkg in packages:
        for name in ("copyright", "changelog.Debian.gz", "changelog.gz", "README", "README.Debian"):
            p = DOC / pkg / name
            if not p.exists() or total >= WEB_CHARS:
                continue
            t = read_text(p)
            if not t:
                continue
            for i, c in enumerate(chunks(t)):
                docs.append({"id": doc_id("web", f"{pkg}/{name}", i), "text": c, "source": f"doc/{pkg}/{name}"})
                total += len(c)
            used.append(pkg)
        if total >= WEB_CHARS:
            break
    return docs, used


def build_code() -> list[dict]:
    docs, total = [], 0
    for p in sorted(STDLIB.glob("*.py")):
        t = read_text(p)
        if not t or len(t) < 500:
            continue
        docs.append({"id": doc_id("py", p.name, 0), "text": t[:MAX_DOC_CHARS], "source": f"cpython-stdlib/{p.name}", "lang": "python"})
        total += min(len(t), MAX_DOC_CHARS)
        if total >= CODE_CHARS:
            break
    return docs


def docstrings(root: Path) -> list[tuple[str, str]]:
    out = []
    for p in sorted(root.rglob("*.py")):
        if "tests" in p.parts:
            continue
        try:
            tree = ast.parse(p.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                d = ast.get_docstring(node)
                if d and len(d) > 400 and any(s in d for s in ("\\frac", "^2", "integral", "sum_", "=", "x**")):
                    out.append((f"{p.relative_to(root.parent)}:{node.name}", d))
    return out


def build_math() -> list[dict]:
    import mpmath  # noqa: F401  (shipped with sympy)
    import sympy

    docs, total = [], 0
    found = docstrings(Path(sympy.__file__).parent / "functions") + docstrings(Path(sympy.__file__).parent.parent / "mpmath" / "functions")
    for i, (where, d) in enumerate(found):
        docs.append({"id": doc_id("math", where, i), "text": d[:MAX_DOC_CHARS], "source": where})
        total += min(len(d), MAX_DOC_CHARS)
        if total >= MATH_CHARS:
            break
    return docs


def build_eval(heldout_pkgs: list[str]) -> tuple[list[dict], list[dict]]:
    heldout = []
    for pkg in heldout_pkgs:
        p = DOC / pkg / "changelog.Debian.gz"
        if p.exists() and (t := read_text(p)):
            for i, c in enumerate(chunks(t, 3000)[:2]):
                heldout.append({"id": doc_id("heldout", pkg, i), "text": c, "source": f"doc/{pkg}/changelog.Debian.gz"})
        if len(heldout) >= 60:
            break
    rng = random.Random(1234)
    names = ["Apache-2.0", "GPL-3", "MPL-2.0", "LGPL-2.1", "Artistic", "GFDL-1.3", "CC0-1.0", "BSD"]
    quiz = []
    for name in names:
        t = read_text(LICENSES / name) or ""
        words = t.split()
        for k in range(6):
            start = rng.randrange(0, max(1, len(words) - 60))
            excerpt = " ".join(words[start:start + 40])
            wrong = rng.sample([n for n in names if n != name], 3)
            choices = wrong + [name]
            rng.shuffle(choices)
            quiz.append({"id": f"quiz-{name}-{k}", "query": f"Excerpt: {excerpt}\nQuestion: Which licence is this excerpt from?\nAnswer:",
                         "choices": [f" {c}" for c in choices], "gold": choices.index(name)})
    return heldout, quiz


def main() -> None:
    packages = sorted(p.name for p in DOC.iterdir() if p.is_dir())
    # Every 7th package is held out for evaluation, the rest may feed web/.
    held = [p for i, p in enumerate(packages) if i % 7 == 3]
    train_pkgs = [p for i, p in enumerate(packages) if i % 7 != 3]
    web, used = build_web(train_pkgs)
    code = build_code()
    math = build_math()
    heldout, quiz = build_eval(held)
    write_jsonl(OUT / "web" / "part-000.jsonl", web[: len(web) // 2])
    write_jsonl(OUT / "web" / "part-001.jsonl", web[len(web) // 2:])
    write_jsonl(OUT / "code" / "part-000.jsonl", code)
    write_jsonl(OUT / "math" / "part-000.jsonl", math)
    write_jsonl(OUT / "eval" / "heldout.jsonl", heldout)
    write_jsonl(OUT / "eval" / "quiz.jsonl", quiz)
    chars = lambda ds: sum(len(d["text"]) for d in ds)  # noqa: E731
    (OUT / "PROVENANCE.md").write_text(f"""# Provenance of examples/data/tiny

Built by `scripts/build-tiny-corpus.py` from files installed on a Debian 12 machine with Python
{sys.version.split()[0]}, sympy and mpmath. Every text is real and keeps the licence of the package
it comes from (see each document's `source` field; Debian copyright files name the licences).

| part | documents | characters | from |
| --- | ---: | ---: | --- |
| web | {len(web)} | {chars(web):,} | /usr/share/common-licenses/* and /usr/share/doc/PKG/{{copyright,changelog*}} of {len(used)} packages |
| code | {len(code)} | {chars(code):,} | CPython {sys.version.split()[0]} standard library modules |
| math | {len(math)} | {chars(math):,} | docstrings of sympy.functions and mpmath.functions |
| eval/heldout | {len(heldout)} | {chars(heldout):,} | changelogs of packages held out of web/ (every 7th package) |
| eval/quiz | {len(quiz)} | - | "which licence is this excerpt from?", 4 choices, from /usr/share/common-licenses |

Natural near-duplicates: the licence texts appear both in common-licenses and pasted in many
copyright files, which is what the dedup tests measure.
""")
    print(f"web {len(web)} docs {chars(web):,} chars; code {len(code)} docs {chars(code):,}; math {len(math)} docs {chars(math):,}; "
          f"heldout {len(heldout)}; quiz {len(quiz)}")


if __name__ == "__main__":
    main()
