"""The `eval` step: the metrics of flowrt.eval.metrics on the run's final weights, its gates, and
results.json (with the run's evals during training, when it has them). A failed gate exits 1, so
the release that requires this eval never runs. When `lm_eval` is installed and an evalset names
an lm-eval task (`uri = "lm_eval:hellaswag"`), that task is run through lm_eval instead."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..context import StepContext
from ..errors import FlowrtError, GateFailed
from ..model.llama import Llama, ModelConfig
from ..plan import eval_of, train_of
from ..plan_types import Eval
from .gates import check_gates, text
from .metrics import evaluate_sets, load_evalset

EOS = "<|endoftext|>"


def load_model(train_dir: Path) -> Llama:
    from safetensors.torch import load_file

    weights = train_dir / "final" / "model.safetensors"
    if not weights.exists():
        raise FlowrtError(f"no trained model at {weights}", "the train step did not finish; run it first")
    cfg = ModelConfig(**json.loads((train_dir / "config.json").read_text()))
    model = Llama(cfg)
    sd = load_file(str(weights))
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not (cfg.tie_embeddings and m == "lm_head.weight")]
    if missing or unexpected:
        raise FlowrtError(f"{weights} does not match the model (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval()


def evaluate(ctx: StepContext, ev: Eval) -> dict[str, Any]:
    from ..data.shards import load_text_tokenizer

    train_dir = ctx.dir_of(ctx.step.reads.model)
    model = load_model(train_dir)
    tok = load_text_tokenizer(ctx.dir_of(ctx.step.reads.tokenizer) / "tokenizer.json")
    eos = tok.token_to_id(EOS) or 0
    results: dict[str, Any] = {}
    local = []
    for name in ev.tasks:
        es = ctx.plan.evalsets[name]
        if es.uri.startswith("lm_eval:"):
            results[name] = _lm_eval(ctx, ev, es.uri.removeprefix("lm_eval:"), train_dir)
        else:
            local.append(load_evalset(name, es, ctx.expand))
    results.update(evaluate_sets(model, model.cfg.seq_len, tok, eos, local))
    return {name: results[name] for name in ev.tasks}


def _lm_eval(ctx: StepContext, ev: Eval, task: str, train_dir: Path) -> dict[str, Any]:
    """An lm-evaluation-harness task, run by lm_eval on a Hugging Face export of the model."""
    try:
        import lm_eval
    except ImportError:
        raise FlowrtError(f"evalset uses lm_eval task {task!r}, but lm_eval is not installed", "pip install lm-eval") from None
    from ..model.hf import write_hf_dir

    hf_dir = ctx.out_dir() / "hf"
    write_hf_dir(hf_dir, train_dir / "final" / "model.safetensors", train_of(ctx.plan, ev.after).model,
                 ctx.dir_of(ctx.step.reads.tokenizer) / "tokenizer.json")
    out = lm_eval.simple_evaluate(model="hf", model_args=f"pretrained={hf_dir},tokenizer={hf_dir}", tasks=[task], batch_size=8)
    return {k.split(",")[0]: v for k, v in out["results"][task].items() if isinstance(v, (int, float))}


def during_training(train_dir: Path, name: str) -> list[dict[str, Any]]:
    """The eval's results at every N steps of the run (the train step's evals.jsonl)."""
    path = train_dir / "evals.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
    return [{"step": r["step"], "results": r["results"]} for r in rows if r.get("eval") == name]


def run(ctx: StepContext) -> dict[str, Any]:
    ev = eval_of(ctx.plan, ctx.step.params.eval)
    results = evaluate(ctx, ev)
    verdicts = check_gates(ev.gates, results)
    out = ctx.out_dir()
    report = {"eval": ev.name, "after": ev.after, "results": results, "gates": verdicts, "passed": all(v["passed"] for v in verdicts)}
    curve = during_training(ctx.dir_of(ctx.step.reads.model), ev.name)
    if curve:
        report["during_training"] = curve
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    for g, v in zip(ev.gates, verdicts):
        ctx.log.info("gate %s: %s (%s)", text(g), v["actual"], "pass" if v["passed"] else "FAIL")
    if not report["passed"]:
        failed = [f"{text(g)} (got {v['actual']})" for g, v in zip(ev.gates, verdicts) if not v["passed"]]
        raise GateFailed(f"eval {ev.name}: gate failed: {'; '.join(failed)}", f"see {out / 'results.json'}; the release that requires {ev.name} will not run")
    return {"passed": True}
