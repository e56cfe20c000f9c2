"""`python -m flowrt op NAME --option value …`: the options typed by the op's schema in
plan.schema.json (the one source of option names, types, enums and defaults), never guessed from
how a value looks. `--keep en` is the list ["en"], `--ngram 5` an integer, `--threshold 0.8` a
number; a value of the wrong type, an unknown option or a bad enum is a FlowrtError naming it."""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from ..errors import FlowrtError
from .bounds import check_op

_INTEGER = re.compile(r"[+-]?\d+")
#: `--kind` is not an op option: it is the raw source's kind (code sources get code rules).
KIND_OPTION = "kind"


def _typed(name: str, option: str, prop: dict[str, Any], text: str) -> Any:
    """One command-line value as the JSON type the schema gives the option."""
    def bad(what: str) -> FlowrtError:
        return FlowrtError(f"{name}: --{option.replace('_', '-')}: {text!r} is not {what}", _hint(option, prop))

    kind = prop.get("type")
    if kind == "array":
        items = [x.strip() for x in text.split(",")]
        if items == [""]:
            items = []
        if "" in items:
            raise bad("a comma-separated list (it has an empty item)")
        return [_typed(name, option, prop.get("items", {}), x) for x in items]
    if kind == "integer":
        if not _INTEGER.fullmatch(text.strip()):
            raise bad("an integer")
        return int(text)
    if kind == "number":
        try:
            v = float(text)
        except ValueError:
            raise bad("a number") from None
        if not math.isfinite(v):
            raise bad("a finite number")
        return v
    if kind == "boolean":
        if text not in ("true", "false"):
            raise bad("true or false")
        return text == "true"
    if "enum" in prop and text not in prop["enum"]:
        raise bad(f"one of {', '.join(prop['enum'])}")
    return text


def _hint(option: str, prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    items = prop.get("items", {})
    shape = {"array": f"a comma-separated list{' of ' + ', '.join(items['enum']) if 'enum' in items else ''}",
             "integer": "an integer", "number": "a number", "boolean": "true or false"}.get(kind or "", "text")
    if "enum" in prop:
        shape = f"one of {', '.join(prop['enum'])}"
    desc = f" ({prop['description']})" if "description" in prop else ""
    return f"--{option.replace('_', '-')} takes {shape}{desc}"


def parse_pairs(argv: list[str]) -> dict[str, str]:
    """`--name value` pairs, each name once."""
    opts: dict[str, str] = {}
    it = iter(argv)
    for k in it:
        if not k.startswith("--") or len(k) == 2:
            raise FlowrtError(f"unexpected argument {k!r}", "options are written --name value, before IN and OUT")
        v = next(it, None)
        if v is None:
            raise FlowrtError(f"option {k} needs a value", "options are written --name value, before IN and OUT")
        key = k[2:].replace("-", "_")
        if key in opts:
            raise FlowrtError(f"option {k} is given twice", "give each option once (a list is --name a,b)")
        opts[key] = v
    return opts


def op_spec(name: str, raw: dict[str, str]) -> Any:
    """The typed spec of op `name` from its command-line options (strings); what is not given takes
    the schema's default (the generated dataclass's). The result is validated against the schema,
    then against what the schema cannot say (flowrt.curate.bounds)."""
    import jsonschema

    from ..plan import schema
    from ..plan_types import CURATE_OP_KINDS, DEDUP_OP_DEFAULT_METHOD

    defs = schema()["$defs"]
    raw = dict(raw)
    kinds = CURATE_OP_KINDS[name]
    fixed = {"op"}
    if isinstance(kinds, dict):  # dedup: a union on `method`
        fixed.add("method")
        method = raw.pop("method", DEDUP_OP_DEFAULT_METHOD)
        if method not in kinds:
            raise FlowrtError(f"{name}: unknown method {method!r}", f"methods are {', '.join(kinds)}")
        cls = kinds[method]
    else:
        cls = kinds
    props = {k: v for k, v in defs[cls.__name__]["properties"].items() if k not in fixed}
    unknown = set(raw) - set(props)
    if unknown:
        raise FlowrtError(f"{name}: unknown option(s) {', '.join(sorted(unknown))}",
                          f"options are: {', '.join(sorted(props)) or 'none'}")
    given = {k: _typed(name, k, props[k], v) for k, v in raw.items()}
    as_json = {k: v for k, v in dataclasses.asdict(cls()).items() if v is not None}
    as_json = {k: list(v) if isinstance(v, tuple) else v for k, v in as_json.items()}
    as_json.update(given)
    errors = list(jsonschema.Draft202012Validator({"$ref": f"#/$defs/{cls.__name__}", "$defs": defs}).iter_errors(as_json))
    if errors:
        e = errors[0]
        option = str(e.absolute_path[0]) if e.absolute_path else None
        raise FlowrtError(f"{name}: {'--' + option.replace('_', '-') if option else 'options'}: {e.message}",
                          _hint(option, props[option]) if option in props else f"see `{cls.__name__}` in flowrt/plan.schema.json")
    spec = cls.from_json(as_json)
    check_op(spec, name)
    return spec


def source_kind(raw: dict[str, str]) -> str:
    """`--kind` (web, code, …: the RawSource kinds of the schema), taken out of the op's options."""
    from ..plan import schema

    kinds = schema()["$defs"]["RawSource"]["properties"]["kind"]["enum"]
    kind = raw.pop(KIND_OPTION, "web")
    if kind not in kinds:
        raise FlowrtError(f"--kind: {kind!r} is not a source kind", f"kinds are {', '.join(kinds)} (code sources get code rules)")
    return kind
