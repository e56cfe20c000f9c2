"""`python -m flowrt step --plan P --step ID [--shard I] [--run-dir D] [--input-root R]` (what
emitted jobs call), `python -m flowrt status --plan P [--run-dir D] [--input-root R]` (what is
done, as JSON: runners decide from it), `python -m flowrt inputs --plan P [--input-root R]` (the
inputs this machine cannot read, as JSON; `flowc run` asks before it starts anything) and
`python -m flowrt op NAME [--option value …] IN OUT` (one curation operation on a JSONL/Parquet file).

The run directory defaults to $FLOWRT_RUN_DIR, else the plan's directory; the input root (where
the plan's relative URIs and paths resolve) to $FLOWRT_INPUT_ROOT."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from collections import Counter
from typing import Any, Iterable, Iterator

from .errors import FlowrtError


def _run_dir(args: argparse.Namespace) -> Path:
    return Path(args.run_dir or os.environ.get("FLOWRT_RUN_DIR") or Path(args.plan).resolve().parent).resolve()


def _input_root(args: argparse.Namespace) -> Path | None:
    root = args.input_root or os.environ.get("FLOWRT_INPUT_ROOT")
    if not root:
        return None
    p = Path(root).resolve()
    if not p.is_dir():
        raise FlowrtError(f"the input root {p} is not a directory", "give --input-root (or FLOWRT_INPUT_ROOT) the directory the .flow file's relative paths start from")
    return p


def _shards(step: Any, args: argparse.Namespace) -> list[int]:
    """The shards to run: --shard, else Slurm's array index, else every one. Their number is the
    plan's (re-running shards 3 and 7 means 3 and 7 of the plan's N, whatever SLURM_ARRAY_TASK_COUNT says)."""
    if args.of is not None and args.of != step.shards:
        raise FlowrtError(f"--of {args.of} disagrees with the plan: {step.id} has {step.shards} shard{'s' if step.shards > 1 else ''}",
                          "drop --of (the plan gives the shard count)")
    shard = args.shard
    if shard is None and os.environ.get("SLURM_ARRAY_TASK_ID") is not None:
        task = os.environ["SLURM_ARRAY_TASK_ID"]
        if not task.strip().isdigit():
            raise FlowrtError(f"SLURM_ARRAY_TASK_ID={task!r} is not a shard number", "unset it, or give --shard I")
        shard = int(task)
    if shard is None:
        return list(range(step.shards))
    if not 0 <= shard < step.shards:
        raise FlowrtError(f"shard {shard} is outside 0..{step.shards - 1} of {step.id}", f"give --shard I with 0 <= I < {step.shards}")
    return [shard]


def cmd_step(args: argparse.Namespace) -> int:
    from .plan import find_step, load_plan
    from .steps import run_step

    plan = load_plan(args.plan)
    step = find_step(plan, args.step)
    run_dir, root = _run_dir(args), _input_root(args)
    for shard in _shards(step, args):
        run_step(plan, step, run_dir=run_dir, input_root=root, shard=shard, log=logging.getLogger("flowrt"))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .plan import load_plan
    from .status import plan_status

    print(json.dumps(plan_status(load_plan(args.plan), _run_dir(args), _input_root(args)), indent=1))
    return 0


def _same_file(src: Path, dst: Path) -> bool:
    """OUT is IN (the same path, a link to it, or a hard link of it): writing it would lose IN."""
    if src.resolve() == dst.resolve():
        return True
    try:
        return dst.exists() and os.path.samefile(src, dst)
    except OSError:
        return False


def cmd_op(args: argparse.Namespace, extra: list[str]) -> int:
    from .curate.dedup import dedup_indices
    from .curate.ops import make_op
    from .curate.options import op_spec, parse_pairs, source_kind
    from .docs import read_docs, write_docs

    raw = parse_pairs(extra)
    kind = source_kind(raw)
    spec = op_spec(args.name, raw)
    src, dst = Path(args.input), Path(args.output)
    if _same_file(src, dst):
        raise FlowrtError(f"the output {dst} is the input {src}: writing it would lose the input",
                          "give another OUT path (the op writes OUT whole, then renames it into place)")
    if dst.is_dir():
        raise FlowrtError(f"the output {dst} is a directory", "give OUT a file name (.jsonl, .jsonl.gz or .parquet)")
    # Documents stream from IN to OUT (memory is one document, plus dedup's signatures): dedup reads
    # IN twice, once for signatures and once to write what it keeps.
    seen = Counter()

    def docs() -> Iterator[dict[str, Any]]:
        seen["docs_in"] = 0
        for d in read_docs(src):
            seen["docs_in"] += 1
            yield d

    if args.name == "dedup":
        drop, counters = dedup_indices(spec, (d["text"] for d in docs()))
        kept: Iterable[dict[str, Any]] = (d for i, d in enumerate(docs()) if i not in drop)
    else:
        op = make_op(spec)
        kept = (r.doc for d in docs() if (r := op.apply(d, kind)).doc is not None)
        counters = op.counters
    n_out = write_docs(dst, kept)
    print(json.dumps({"op": args.name, "docs_in": seen["docs_in"], "docs_out": n_out, **counters}, sort_keys=True))
    return 0


def missing_inputs(plan: Any, root: Path | None) -> list[dict[str, str]]:
    """Every input of the plan that this machine cannot read, found before any step runs: raw source
    and evalset URIs (matched exactly as the steps will match them, flowrt.docs.expand) and
    tokenizer files. Each entry names the declaration, so flowc can point at it in the .flow file."""
    from .docs import expand, resolve_path

    out: list[dict[str, str]] = []
    inputs = [("source", n, s.uri) for n, s in plan.raw_sources.items()]
    inputs += [("evalset", n, e.uri) for n, e in plan.evalsets.items()]
    for what, name, uri in inputs:
        if uri.startswith("lm_eval:"):  # an lm-evaluation-harness task: lm_eval must be importable
            import importlib.util

            if importlib.util.find_spec("lm_eval") is None:
                out.append({"what": what, "name": name, "key": "uri", "message": f"{uri} needs lm-evaluation-harness, which is not installed",
                            "help": "pip install lm-eval into the runtime's environment, or point `uri` at a local JSONL file"})
            continue
        try:
            expand(uri, root)
        except FlowrtError as e:
            out.append({"what": what, "name": name, "key": "uri", "message": e.message, "help": e.hint or ""})
    for name, t in plan.tokenizers.items():
        if t.path is not None:
            try:
                full = resolve_path(t.path, root)
            except FlowrtError as e:
                out.append({"what": "tokenizer", "name": name, "key": "path", "message": e.message, "help": e.hint or ""})
                continue
            if not full.is_file():
                out.append({"what": "tokenizer", "name": name, "key": "path", "message": f"no tokenizer file at {full}",
                            "help": "point `path` at a tokenizer.json, or drop `path` and give `train_on` to train one"})
    return out


def cmd_inputs(args: argparse.Namespace) -> int:
    from .plan import load_plan

    print(json.dumps({"missing": missing_inputs(load_plan(args.plan), _input_root(args))}, indent=1))
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with flowrt's error format: `flowrt: error: …` and a help line, exit 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        report(FlowrtError(f"{self.prog.removeprefix('python -m flowrt').strip() + ': ' if self.prog != 'python -m flowrt' else ''}{message}",
                           f"{' '.join(self.format_usage().split())} (`{self.prog} --help` lists the options)"))
        sys.exit(2)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def main(argv: list[str] | None = None) -> int:
    level = os.environ.get("FLOWRT_LOG", "INFO")
    if level.upper() not in LOG_LEVELS:
        return report(FlowrtError(f"FLOWRT_LOG={level!r} is not a log level", f"set it to one of {', '.join(LOG_LEVELS)}, or unset it"))
    logging.basicConfig(level=level.upper(), format="%(asctime)s flowrt %(levelname)s %(message)s", stream=sys.stderr)
    p = _Parser(prog="python -m flowrt", description="The flowc runtime: run a plan's step, say what is done, or run one curation op.")
    sub = p.add_subparsers(dest="cmd", required=True)

    def plan_args(sp: argparse.ArgumentParser, run_dir: bool = True) -> None:
        sp.add_argument("--plan", required=True)
        if run_dir:
            sp.add_argument("--run-dir", help="the run directory (default: $FLOWRT_RUN_DIR, else the plan's directory)")
        sp.add_argument("--input-root", help="where the plan's relative URIs and paths resolve (default: $FLOWRT_INPUT_ROOT)")

    s = sub.add_parser("step", help="run one step of plan.json (every shard not done, or --shard I)")
    plan_args(s)
    s.add_argument("--step", required=True)
    s.add_argument("--shard", type=int, help="the shard of an array step (default: $SLURM_ARRAY_TASK_ID, else every shard)")
    s.add_argument("--of", type=int, help="the shard count, if given it must be the plan's")
    st = sub.add_parser("status", help="print, as JSON, what is done, stale (and why), partial or missing in the run directory")
    plan_args(st)
    i = sub.add_parser("inputs", help="list (as JSON) the plan's inputs this machine cannot read: source and evalset URIs, tokenizer files")
    plan_args(i, run_dir=False)
    sub.add_parser("op", help="op NAME [--option value …] IN OUT: one curation operation on a JSONL/Parquet file (op --help lists the ops)")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["op"]:
        # op NAME [--option value …] IN OUT: the options are the op's in the plan schema.
        from .op_help import OPS, op_help, ops_help

        usage = f"usage: python -m flowrt op NAME [--option value …] IN OUT (NAME one of {', '.join(OPS)}; `op --help` lists their options)"
        wants_help = any(a in ("-h", "--help") for a in argv[1:])
        if wants_help and (len(argv) < 2 or argv[1].startswith("-")):
            sys.stdout.write(ops_help())
            return 0
        if len(argv) < 2 or argv[1].startswith("-"):
            return report(FlowrtError("op needs an op name, IN and OUT", usage))
        if argv[1] not in OPS:
            return report(FlowrtError(f"unknown op {argv[1]!r}", f"ops are {', '.join(OPS)}"))
        if wants_help:
            sys.stdout.write(op_help(argv[1]))
            return 0
        if len(argv) < 4 or argv[-1].startswith("--") or argv[-2].startswith("--"):
            return report(FlowrtError(f"op {argv[1]} needs IN and OUT after its options", usage))
        args = argparse.Namespace(cmd="op", name=argv[1], input=argv[-2], output=argv[-1])
        extra = argv[2:-2]
    else:
        args, extra = p.parse_known_args(argv)
        if extra:
            p.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.cmd == "step":
            return cmd_step(args)
        if args.cmd == "status":
            return cmd_status(args)
        if args.cmd == "inputs":
            return cmd_inputs(args)
        return cmd_op(args, extra)
    except FlowrtError as e:
        if os.environ.get("FLOWRT_DEBUG") == "1":
            raise
        return report(e)
    except BrokenPipeError:  # the reader of stdout went away (`… | head`): nothing to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:  # a file the command was pointed at cannot be read or written: the environment's
        if os.environ.get("FLOWRT_DEBUG") == "1":
            raise
        what = f"cannot use {e.filename}: {e.strerror or e}" if e.filename else str(e.strerror or e)
        return report(FlowrtError(what, "check the path, its permissions and the free space"))


def report(e: FlowrtError) -> int:
    """`flowrt: error: MESSAGE` and `help: HINT` on stderr; the exit code (2 input or environment, 1 data)."""
    print(f"flowrt: error: {e.message}", file=sys.stderr)
    if e.hint:
        print(f"help: {e.hint}", file=sys.stderr)
    return e.exit_code
