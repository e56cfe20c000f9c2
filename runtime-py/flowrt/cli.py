"""`python -m flowrt step --plan DIR/plan.json --step ID [--shard I --of N]` (what emitted jobs call)
`python -m flowrt op NAME [--option value …] IN OUT` (one operation on a JSONL/Parquet file), and
`python -m flowrt inputs --plan DIR/plan.json` (the inputs this machine cannot read, as JSON; `flowc run`
asks before it starts anything)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from .context import StepContext, is_done
from .errors import FlowrtError


def _value(v: str) -> Any:
    if "," in v:
        return [_value(x) for x in v.split(",") if x]
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(v, v)


def cmd_step(args: argparse.Namespace) -> int:
    from .plan import find_step, load_plan
    from .steps import step_function

    plan = load_plan(args.plan)
    step = find_step(plan, args.step)
    shard, of = args.shard, args.of
    if shard is None and os.environ.get("SLURM_ARRAY_TASK_ID") is not None:
        shard = int(os.environ["SLURM_ARRAY_TASK_ID"])
        of = int(os.environ.get("SLURM_ARRAY_TASK_COUNT", step["resources"].get("array", 1)))
    shard = shard or 0
    of = of or step["resources"].get("array", 1)
    if not 0 <= shard < of:
        raise FlowrtError(f"shard {shard} is outside 0..{of - 1}", "give --shard I --of N with 0 <= I < N")
    run_dir = Path(args.run_dir or os.environ.get("FLOWRT_RUN_DIR") or Path(args.plan).resolve().parent)
    ctx = StepContext(plan=plan, step=step, run_dir=run_dir, shard=shard, of=of, log=logging.getLogger("flowrt"))
    if step["kind"] != "curate" and is_done(run_dir / "steps" / step["id"]):
        ctx.log.info("%s is already done (%s exists); skipping", step["id"], run_dir / "steps" / step["id"] / "_DONE")
        return 0
    step_function(step["kind"])(ctx)
    return 0


def cmd_op(args: argparse.Namespace, extra: list[str]) -> int:
    from collections import Counter

    from .curate.dedup import MinHasher, exact_key, lsh_duplicates, simhash, simhash_duplicates
    from .curate.ops import make_op
    from .docs import read_docs, write_docs

    opts: dict[str, Any] = {}
    it = iter(extra)
    for k in it:
        if not k.startswith("--"):
            raise FlowrtError(f"unexpected argument {k!r}", "options are written --name value")
        v = next(it, None)
        if v is None:
            raise FlowrtError(f"option {k} needs a value")
        opts[k[2:].replace("-", "_")] = _value(v)
    if args.name == "pii" and isinstance(opts.get("redact"), str):
        opts["redact"] = [opts["redact"]]
    src, dst = Path(args.input), Path(args.output)
    if not src.exists():
        raise FlowrtError(f"{src} does not exist")
    docs = list(read_docs(src))
    kind = opts.pop("kind", "web")
    counters: Counter = Counter()
    if args.name == "dedup":
        method = opts.get("method", "minhash")
        ids = [str(d["id"]) for d in docs]
        if method == "minhash":
            mh = MinHasher(permutations=int(opts.get("permutations", 128)), ngram=int(opts.get("ngram", 5)), seed=int(opts.get("seed", 1)))
            drop, clusters, c = lsh_duplicates(ids, mh.signatures([d["text"] for d in docs]), int(opts.get("bands", 16)), float(opts.get("threshold", 0.8)))
            counters.update(c)
        elif method == "simhash":
            drop, clusters = simhash_duplicates(ids, [simhash(d["text"]) for d in docs], int(opts.get("hamming", 3)))
        else:
            seen: dict[str, str] = {}
            drop = set()
            for d in docs:
                k = exact_key(d["text"])
                if k in seen:
                    drop.add(str(d["id"]))
                seen.setdefault(k, str(d["id"]))
        kept = [d for d in docs if str(d["id"]) not in drop]
    else:
        op = make_op(args.name, opts)
        kept = [r.doc for d in docs if (r := op.apply(d, kind)).doc is not None]
        counters.update(op.counters)
    write_docs(dst, kept)
    print(json.dumps({"op": args.name, "docs_in": len(docs), "docs_out": len(kept), **counters}, sort_keys=True))
    return 0


def missing_inputs(plan: dict[str, Any]) -> list[dict[str, str]]:
    """Every input of the plan that this machine cannot read, found before any step runs: raw source
    and evalset URIs (matched exactly as the steps will match them, flowrt.docs.expand) and
    tokenizer files. Each entry names the declaration, so flowc can point at it in the .flow file."""
    from .docs import expand, resolve_path

    base = Path(plan["base_dir"])
    out: list[dict[str, str]] = []
    inputs = [("source", n, s["uri"]) for n, s in plan["raw_sources"].items()]
    inputs += [("evalset", n, e["uri"]) for n, e in plan.get("evalsets", {}).items()]
    for what, name, uri in inputs:
        if uri.startswith("lm_eval:"):  # an lm-evaluation-harness task: lm_eval must be importable
            import importlib.util

            if importlib.util.find_spec("lm_eval") is None:
                out.append({"what": what, "name": name, "key": "uri", "message": f"{uri} needs lm-evaluation-harness, which is not installed",
                            "help": "pip install lm-eval into the runtime's environment, or point `uri` at a local JSONL file"})
            continue
        try:
            expand(uri, base)
        except FlowrtError as e:
            out.append({"what": what, "name": name, "key": "uri", "message": e.message, "help": e.hint or ""})
    for name, t in plan.get("tokenizers", {}).items():
        if "path" in t:
            full = resolve_path(t["path"], base)
            if not full.is_file():
                out.append({"what": "tokenizer", "name": name, "key": "path", "message": f"no tokenizer file at {full}",
                            "help": "point `path` at a tokenizer.json, or drop `path` and give `train_on` to train one"})
    return out


def cmd_inputs(args: argparse.Namespace) -> int:
    from .plan import load_plan

    print(json.dumps({"missing": missing_inputs(load_plan(args.plan))}, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("FLOWRT_LOG", "INFO"), format="%(asctime)s flowrt %(levelname)s %(message)s", stream=sys.stderr)
    p = argparse.ArgumentParser(prog="python -m flowrt", description="The flowc runtime: run a plan's step, or one curation op.")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("step", help="run one step of plan.json")
    s.add_argument("--plan", required=True)
    s.add_argument("--step", required=True)
    s.add_argument("--shard", type=int)
    s.add_argument("--of", type=int)
    s.add_argument("--run-dir")
    i = sub.add_parser("inputs", help="list (as JSON) the plan's inputs this machine cannot read: source and evalset URIs, tokenizer files")
    i.add_argument("--plan", required=True)
    sub.add_parser("op", help="op NAME [--option value …] IN OUT: one curation operation on a JSONL/Parquet file")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["op"]:
        # op NAME [--option value …] IN OUT: options are those of the .flow step, so they are free-form.
        if len(argv) < 4 or argv[1].startswith("-"):
            print("usage: python -m flowrt op NAME [--option value …] IN OUT", file=sys.stderr)
            return 2
        ops = ["language", "quality", "pii", "filter", "dedup"]
        if argv[1] not in ops:
            print(f"flowrt: error: unknown op {argv[1]!r}\nhelp: ops are {', '.join(ops)}", file=sys.stderr)
            return 2
        args = argparse.Namespace(cmd="op", name=argv[1], input=argv[-2], output=argv[-1])
        extra = argv[2:-2]
    else:
        args, extra = p.parse_known_args(argv)
    try:
        if args.cmd == "step":
            if extra:
                p.error(f"unrecognized arguments: {' '.join(extra)}")
            return cmd_step(args)
        if args.cmd == "inputs":
            if extra:
                p.error(f"unrecognized arguments: {' '.join(extra)}")
            return cmd_inputs(args)
        return cmd_op(args, extra)
    except FlowrtError as e:
        if os.environ.get("FLOWRT_DEBUG") == "1":
            raise
        print(f"flowrt: error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"help: {e.hint}", file=sys.stderr)
        return e.exit_code
