"""Loading plan.json: the one place flowrt reads the plan as JSON. It is validated against
plan.schema.json (generated from the compiler's zod schema), built into the frozen dataclasses of
plan_types.py (generated from that schema), and checked for what a JSON Schema cannot say: every
step it needs exists, ids are unique, the DAG has no cycle, names resolve, train segments lie in
their run. Everything else in flowrt reads the typed `Plan`."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .errors import FlowrtError
from .plan_types import Eval, Plan, Release, Step, Train

SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")
SUPPORTED_VERSION = 2
_REMAKE = "re-create it with flowc (`flowc compile` or `flowc run`); plan.json is the compiler's output"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def load_plan(path: str | Path) -> Plan:
    import stat

    p = Path(path)
    try:
        if not stat.S_ISREG(p.stat().st_mode):  # a directory, or a FIFO that would block the read
            raise FlowrtError(f"{p} is not a plan file", "give --plan the plan.json that flowc wrote (`flowc compile FILE --out DIR`)")
        raw = json.loads(p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise FlowrtError(f"no plan at {p}", "compile one with `flowc compile FILE --out DIR` or `flowc run`") from None
    except OSError as e:
        raise FlowrtError(f"cannot read the plan {p}: {e.strerror}", "check the path and its permissions") from None
    except UnicodeDecodeError as e:
        raise FlowrtError(f"{p} is not UTF-8 (byte 0x{e.object[e.start]:02x} at offset {e.start})", "re-create it with flowc; do not edit plan.json by hand") from None
    except json.JSONDecodeError as e:
        raise FlowrtError(f"{p} is not valid JSON ({e.msg} at line {e.lineno})", "re-create it with flowc; do not edit plan.json by hand") from None
    except (ValueError, RecursionError) as e:
        raise FlowrtError(f"{p} is not readable JSON ({e or 'it nests too deeply'})", "re-create it with flowc; do not edit plan.json by hand") from None
    return plan_from_json(raw, str(p))


def _innermost(e: jsonschema.ValidationError) -> tuple[str, str]:
    """Where and what, for the first schema error. For a value matching none of a union's branches
    (a step of any kind), the error of the branch it was meant for: the one whose discriminator
    (`kind`, `op`, `method`: a `const`) it matches; with none, the discriminators it could have."""
    while e.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in e.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [errs for errs in branches.values() if not any(x.validator == "const" for x in errs)]
        if not meant:
            consts = [x for errs in branches.values() for x in errs if x.validator == "const"]
            if consts:
                c = consts[0]
                allowed = sorted({str(x.validator_value) for x in consts if list(x.absolute_path) == list(c.absolute_path)})
                return "/".join(str(x) for x in c.absolute_path), f"{c.instance!r} is not one of {', '.join(allowed)}"
        e = jsonschema.exceptions.best_match(meant[0] if len(meant) == 1 else e.context)
    return "/".join(str(x) for x in e.absolute_path), e.message


def _short(message: str, limit: int = 300) -> str:
    """A schema message quotes the offending value, which can be a whole step: cut to `limit`."""
    return message if len(message) <= limit else message[:limit] + " …"


def plan_from_json(raw: Any, where: str = "plan.json") -> Plan:
    if not isinstance(raw, dict):
        raise FlowrtError(f"{where} is not a plan: it holds a JSON {type(raw).__name__ if raw is not None else 'null'}, not an object", _REMAKE)
    version = raw.get("version")
    if version != SUPPORTED_VERSION:
        raise FlowrtError(f"{where} has plan version {version!r}; this flowrt reads version {SUPPORTED_VERSION}",
                          "use the flowc and flowrt of the same release")
    errors = sorted(_validator().iter_errors(raw), key=lambda e: [str(x) for x in e.absolute_path])
    if errors:
        at, message = _innermost(errors[0])
        raise FlowrtError(f"{where} does not match the plan schema at {at or '(top level)'}: {_short(message)}"
                          + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""), _REMAKE)
    plan = Plan.from_json(raw)
    check_plan(plan, where)
    return plan


# ---- what the schema cannot express --------------------------------------------------------------

def _read_ids(step: Step) -> list[str]:
    """The step ids named in `reads`, whatever the role's shape (an id, or name -> id)."""
    out: list[str] = []
    for name in step.reads.__slots__:
        v = getattr(step.reads, name)
        if isinstance(v, str):
            out.append(v)
        elif v is not None:
            out.extend(v.values())
    return out


def check_plan(plan: Plan, where: str = "plan.json") -> None:
    def bad(step: Step | None, message: str) -> FlowrtError:
        return FlowrtError(f"{where}: {'step ' + step.id + ': ' if step else ''}{message}", _REMAKE)

    by_id: dict[str, Step] = {}
    for s in plan.steps:
        if s.id in by_id:
            raise bad(s, "the id is used by two steps")
        by_id[s.id] = s
    trains = {t.name: t for t in plan.trains}
    evals = {e.name: e for e in plan.evals}
    _check_curations(plan, where)
    _check_datasets(plan, where)
    for t in plan.trains:
        _check_stages(plan, t, where)
    owner: dict[str, Step] = {}
    for s in plan.steps:
        for n in s.needs:
            if n not in by_id:
                raise bad(s, f"it needs {n}, which the plan does not have")
        reads = _read_ids(s)
        if set(reads) != set(s.needs):
            raise bad(s, f"its needs ({', '.join(s.needs) or 'none'}) are not the steps it reads ({', '.join(reads) or 'none'})")
        other = owner.setdefault(s.out_dir, s)
        shared_run = s.kind == "train" and other.kind == "train" and other.params.train == s.params.train  # segments share one directory
        if other is not s and not shared_run:
            raise bad(s, f"it writes to {s.out_dir}, as {other.id} does")
        _check_names(plan, s, trains, evals, lambda m, s=s: bad(s, m))
    _check_acyclic(plan.steps, by_id, lambda s, m: bad(s, m))


def _check_curations(plan: Plan, where: str) -> None:
    """Every op's options usable (flowrt.curate.bounds, the same checks as `flowrt op`), and the
    names a curation gives resolve."""
    from .curate.bounds import check_op

    for name, c in plan.curations.items():
        if c.tokenizer not in plan.tokenizers:
            raise FlowrtError(f"{where}: curation {name}: it names tokenizer {c.tokenizer!r}, which the plan does not have", _REMAKE)
        for src in c.from_:
            if src not in plan.raw_sources:
                raise FlowrtError(f"{where}: curation {name}: it names raw source {src!r}, which the plan does not have", _REMAKE)
        ops = list(c.ops)
        for s in plan.steps:
            if s.kind in ("curate", "tokenize") and s.params.curation == name:
                ops += list(s.params.ops) + ([s.params.signatures] if s.kind == "curate" and s.params.signatures else [])
            elif s.kind == "dedup" and s.params.curation == name:
                ops.append(s.params.dedup)
        for op in ops:
            try:
                check_op(op, f"{where}: curation {name}: {op.op}")
            except FlowrtError as e:
                raise FlowrtError(e.message, f"{e.hint}; fix the .flow file and {_REMAKE[0].lower()}{_REMAKE[1:]}") from None


def _check_datasets(plan: Plan, where: str) -> None:
    for name, ds in plan.sources.items():
        if ds.curation not in plan.curations:
            raise FlowrtError(f"{where}: dataset {name}: it names curation {ds.curation!r}, which the plan does not have", _REMAKE)
        if ds.source not in plan.raw_sources:
            raise FlowrtError(f"{where}: dataset {name}: it names raw source {ds.source!r}, which the plan does not have", _REMAKE)


def _check_stages(plan: Plan, t: Train, where: str) -> None:
    """A run's stages cover its steps [0, total_steps) in order, each with at least one step, and
    draw from datasets the plan has."""
    def bad(message: str) -> FlowrtError:
        return FlowrtError(f"{where}: train run {t.name}: {message}", _REMAKE)

    if t.total_steps < 1:
        raise bad(f"it has {t.total_steps} steps")
    at = 0
    for st in t.stages:
        if st.first_step != at or st.last_step <= st.first_step:
            raise bad(f"stage {st.name} covers [{st.first_step}, {st.last_step}); it should start at step {at} and have at least one step")
        for ds in st.mix:
            if ds not in plan.sources:
                raise bad(f"stage {st.name} draws from {ds!r}, which the plan does not have")
        at = st.last_step
    if at != t.total_steps:
        raise bad(f"its stages end at step {at}, the run at step {t.total_steps}")


def _check_names(plan: Plan, s: Step, trains: dict[str, Train], evals: dict[str, Eval], bad) -> None:
    def need(table: Any, name: str, what: str) -> None:
        if name not in table:
            raise bad(f"it names {what} {name!r}, which the plan does not have")

    p = s.params
    if s.kind == "tokenizer":
        need(plan.tokenizers, p.tokenizer, "tokenizer")
        for src in plan.tokenizers[p.tokenizer].train_on or ():
            need(plan.raw_sources, src, "raw source")
    elif s.kind in ("curate", "tokenize"):
        if s.kind == "tokenize" and by_id_shards(plan, s.reads.documents) != s.shards:
            raise bad(f"it has {s.shards} shards and reads {s.reads.documents}, which has {by_id_shards(plan, s.reads.documents)}: tokenize shard i reads curate shard i")
        need(plan.curations, p.curation, "curation")
        need(plan.raw_sources, p.source, "raw source")
        for op in p.ops:
            for e in getattr(op, "against", ()):
                need(plan.evalsets, e, "evalset")
    elif s.kind == "dedup":
        need(plan.curations, p.curation, "curation")
        for src in s.reads.curated:
            need(plan.raw_sources, src, "raw source")
    elif s.kind == "mix":
        need(trains, p.train, "train run")
    elif s.kind == "train":
        need(trains, p.train, "train run")
        t = trains[p.train]
        if p.last_step < p.first_step:
            raise bad(f"its segment ends (step {p.last_step}) before it starts (step {p.first_step})")
        if p.last_step == p.first_step:
            raise bad(f"its segment [{p.first_step}, {p.last_step}) is empty: the step would be done without training")
        if p.last_step > t.total_steps:
            raise bad(f"its segment [{p.first_step}, {p.last_step}) lies outside train run {t.name!r} (steps 0..{t.total_steps})")
        for e in p.evals:
            need(evals, e.eval, "eval")
    elif s.kind == "eval":
        need(evals, p.eval, "eval")
        for task in evals[p.eval].tasks:
            need(plan.evalsets, task, "evalset")
    elif s.kind == "release":
        if not any(r.name == p.release for r in plan.releases):
            raise bad(f"it names release {p.release!r}, which the plan does not have")


def by_id_shards(plan: Plan, step_id: str) -> int:
    return next(x.shards for x in plan.steps if x.id == step_id)


def _check_acyclic(steps: tuple[Step, ...], by_id: dict[str, Step], bad) -> None:
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(s: Step, path: list[str]) -> None:
        if state.get(s.id) == 2:
            return
        if state.get(s.id) == 1:
            cycle = path[path.index(s.id):] + [s.id]
            raise bad(s, f"its needs form a cycle: {' -> '.join(cycle)}")
        state[s.id] = 1
        for n in s.needs:
            visit(by_id[n], path + [s.id])
        state[s.id] = 2

    for s in steps:
        visit(s, [])


# ---- lookups by name: a name the plan lacks is a FlowrtError, never a KeyError or StopIteration -----

def find_step(plan: Plan, step_id: str) -> Step:
    for s in plan.steps:
        if s.id == step_id:
            return s
    raise FlowrtError(f"the plan has no step {step_id!r}", f"steps are: {', '.join(s.id for s in plan.steps)}")


def train_of(plan: Plan, name: str) -> Train:
    for t in plan.trains:
        if t.name == name:
            return t
    raise FlowrtError(f"the plan has no train run {name!r}", f"train runs are: {', '.join(t.name for t in plan.trains) or 'none'}")


def eval_of(plan: Plan, name: str) -> Eval:
    for e in plan.evals:
        if e.name == name:
            return e
    raise FlowrtError(f"the plan has no eval {name!r}", f"evals are: {', '.join(e.name for e in plan.evals) or 'none'}")


def release_of(plan: Plan, name: str) -> Release:
    for r in plan.releases:
        if r.name == name:
            return r
    raise FlowrtError(f"the plan has no release {name!r}", f"releases are: {', '.join(r.name for r in plan.releases) or 'none'}")


def topo_order(plan: Plan) -> list[Step]:
    """The steps with every step after the steps it needs (the loader has ruled out cycles)."""
    by_id = {s.id: s for s in plan.steps}
    done: set[str] = set()
    out: list[Step] = []

    def visit(s: Step) -> None:
        if s.id in done:
            return
        for n in s.needs:
            visit(by_id[n])
        done.add(s.id)
        out.append(s)

    for s in plan.steps:
        visit(s)
    return out
