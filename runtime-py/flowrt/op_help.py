"""`python -m flowrt op --help` and `op NAME --help`: every curation op the command runs, with its
options, types and defaults, read from the plan schema (flowrt/plan.schema.json, generated from the
compiler's IR) — the same schema `op` checks its options against, so the help cannot drift from
what the command accepts."""
from __future__ import annotations

import re
import textwrap
from typing import Any

#: The ops `python -m flowrt op` runs on one file (decontaminate needs a plan's evalsets: a step only).
OPS = ("language", "quality", "pii", "filter", "dedup")

USAGE = "usage: python -m flowrt op NAME [--option value …] IN OUT"



def _common(defs: dict[str, Any]) -> list[str]:
    """The option every op takes: the source kind (the schema's enum of a source's `kind`)."""
    kinds = "|".join(defs["RawSource"]["properties"]["kind"]["enum"])
    return _rows([(f"--kind {kinds}", "the kind of source the file is: code is not language-filtered and gets code quality rules (default web)")])


def _defs() -> dict[str, Any]:
    from .plan import schema

    return schema()["$defs"]


def _variants(name: str) -> list[tuple[str | None, str]]:
    """(dedup method or None, $defs name) of an op: one class, or one per method of a union."""
    from .plan_types import CURATE_OP_KINDS

    kinds = CURATE_OP_KINDS[name]
    if isinstance(kinds, dict):
        return [(method, cls.__name__) for method, cls in kinds.items()]
    return [(None, kinds.__name__)]


def _type(p: dict[str, Any]) -> str:
    if "enum" in p:
        return "|".join(str(v) for v in p["enum"])
    if p.get("type") == "array":
        item = p.get("items", {})
        return ("|".join(item["enum"]) if "enum" in item else _type(item)) + ",…"
    return {"integer": "int", "number": "float", "string": "text", "boolean": "true|false"}.get(p.get("type", ""), "value")


def _default(p: dict[str, Any]) -> str | None:
    if "default" not in p:
        return None
    d = p["default"]
    if isinstance(d, list):
        return ",".join(str(x) for x in d) if d else "(none)"
    return str(d).lower() if isinstance(d, bool) else str(d)


def _option_lines(props: dict[str, Any], skip: tuple[str, ...]) -> list[str]:
    rows = []
    for key, p in props.items():
        if key in skip:
            continue
        default = _default(p)
        what = p.get("description", "")
        tail = f" (default {default})" if default is not None else ""
        rows.append((f"--{key.replace('_', '-')} {_type(p)}", (what + tail).strip()))
    return _rows(rows)


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    width = min(34, max((len(a) for a, _ in rows if len(a) <= 34), default=0))
    out = []
    for a, b in rows:
        # "(default X)" stays on one line (textwrap does not break at a no-break space).
        b = re.sub(r"\(default ([^)]*)\)", lambda m: m.group(0).replace(" ", "\u00a0"), b)
        wrapped = [w.replace("\u00a0", " ") for w in textwrap.wrap(b, 100 - width - 6)] or [""]
        if len(a) > width:  # a long option on its own line, its text below
            out.append(f"    {a}")
            out.extend(f"    {'':{width}}  {w}" for w in wrapped)
        else:
            out.append(f"    {a:{width}}  {wrapped[0]}")
            out.extend(f"    {'':{width}}  {w}" for w in wrapped[1:])
    return out


def op_help(name: str) -> str:
    """One op: what it does, and each option with its type and default."""
    defs = _defs()
    variants = _variants(name)
    union = defs.get(name.capitalize() + "Op", {}) if len(variants) > 1 else defs[variants[0][1]]
    lines = [f"python -m flowrt op {name} [--option value …] IN OUT"]
    if union.get("description"):
        lines += ["", *textwrap.wrap(union["description"], 100)]
    if len(variants) > 1:
        default_method = union.get("x-default-method", variants[0][0])
        lines += ["", f"  --method {'|'.join(m for m, _ in variants)}  (default {default_method}); the options of each method:"]
        for method, cls in variants:
            d = defs[cls]
            lines += ["", f"  method {method}" + (f": {d['description']}" if d.get("description") else "")]
            opts = _option_lines(d.get("properties", {}), ("op", "method"))
            lines += opts or ["    (no options)"]
    else:
        opts = _option_lines(union.get("properties", {}), ("op",))
        lines += ["", "  options:", *(opts or ["    (no options)"])]
    lines += ["", "  every op:", *_common(defs)]
    lines += ["", "IN and OUT are JSONL or Parquet files of documents ({\"id\", \"text\"}); a list option takes",
              "comma-separated values (--redact email,phone). Prints the op's counters as JSON."]
    return "\n".join(lines) + "\n"


def ops_help() -> str:
    """Every op, each with its options and defaults."""
    head = [USAGE, "", "One curation operation on a JSONL/Parquet file, with the options a .flow file's `curate` step",
            f"gives it (the plan schema's). Ops: {', '.join(OPS)}. `python -m flowrt op NAME --help` shows one."]
    body = []
    for name in OPS:
        text = op_help(name).split("\n")
        # Drop the per-op footer (the common options and file notes are said once, at the end).
        cut = text.index("  every op:")
        body += ["", f"── {name} " + "─" * max(0, 60 - len(name)), *text[1:cut - 1]]
    tail = ["", "every op:", *_common(_defs()), "",
            "IN and OUT are JSONL or Parquet files of documents ({\"id\", \"text\"}); a list option takes",
            "comma-separated values (--redact email,phone). Prints the op's counters as JSON."]
    return "\n".join(head + body + tail) + "\n"
