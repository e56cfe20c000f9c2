"""The `eval` step: perplexity and bits per byte on perplexity evalsets; log-likelihood multiple
choice (acc and acc_norm, as lm-evaluation-harness computes them: acc_norm divides each choice's
log-likelihood by its length in bytes) from local JSONL; gates; results.json. A failed gate exits 1,
so the release that requires this eval never runs. When `lm_eval` is installed and an evalset
names an lm-eval task (`uri = "lm_eval:hellaswag"`), that task is run through lm_eval instead."""
from __future__ import annotations

import json
import math
import operator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..context import StepContext, mark_done
from ..docs import expand, read_docs
from ..errors import FlowrtError, GateFailed
from ..model.llama import Llama, ModelConfig

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


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


@torch.no_grad()
def perplexity(model: Llama, tok, texts: list[str], eos: int) -> dict[str, float]:
    """Token-level perplexity over non-overlapping windows of seq_len, and bits per byte
    (total negative log-likelihood in bits / UTF-8 bytes), which compares across tokenizers."""
    seq = model.cfg.seq_len
    nll, n_tokens, n_bytes = 0.0, 0, 0
    for text in texts:
        ids = [eos] + tok.encode(text).ids + [eos]
        n_bytes += len(text.encode("utf-8"))
        for i in range(0, len(ids) - 1, seq):
            window = torch.tensor(ids[i:i + seq + 1])[None]
            if window.shape[1] < 2:
                continue
            logits = model(window[:, :-1])
            loss = F.cross_entropy(logits[0].float(), window[0, 1:], reduction="sum")
            nll += float(loss)
            n_tokens += window.shape[1] - 1
    return {"perplexity": math.exp(nll / max(1, n_tokens)), "bits_per_byte": nll / math.log(2) / max(1, n_bytes),
            "loss": nll / max(1, n_tokens), "tokens": n_tokens}


@torch.no_grad()
def loglikelihood(model: Llama, tok, context: str, continuation: str) -> float:
    ctx_ids = tok.encode(context).ids
    cont_ids = tok.encode(context + continuation).ids[len(ctx_ids):] or tok.encode(continuation).ids
    ids = (ctx_ids + cont_ids)[-(model.cfg.seq_len + 1):]
    x = torch.tensor(ids)[None]
    logp = F.log_softmax(model(x[:, :-1])[0].float(), dim=-1)
    n = len(cont_ids)
    targets = x[0, -n:]
    return float(logp[-n:].gather(1, targets[:, None]).sum())


def multiple_choice(model: Llama, tok, items: list[dict[str, Any]]) -> dict[str, float]:
    acc = acc_norm = 0
    for it in items:
        query = it.get("query") or it.get("context") or it.get("question")
        choices, gold = it.get("choices"), it.get("gold", it.get("label"))
        if query is None or not choices or gold is None:
            raise FlowrtError(f"multiple-choice item {it.get('id')} needs `query`, `choices` and `gold`", "lm-evaluation-harness style JSONL")
        ll = [loglikelihood(model, tok, query, c) for c in choices]
        norm = [l / max(1, len(c.encode("utf-8"))) for l, c in zip(ll, choices)]
        acc += int(max(range(len(ll)), key=ll.__getitem__) == gold)
        acc_norm += int(max(range(len(norm)), key=norm.__getitem__) == gold)
    n = max(1, len(items))
    return {"acc": acc / n, "acc_norm": acc_norm / n, "items": len(items)}


def _tokenizer_dir(ctx: StepContext, train: str) -> Path:
    cur_names = {ds.split(".")[0] for t in ctx.plan["trains"] if t["name"] == train for s in t["stages"] for ds in s["mix"]}
    tok_name = ctx.plan["curations"][sorted(cur_names)[0]]["tokenizer"]
    return ctx.input_dir(f"tokenizer.{tok_name}")


def evaluate(ctx: StepContext, ev: dict[str, Any]) -> dict[str, Any]:
    from tokenizers import Tokenizer

    train_dir = ctx.run_dir / "steps" / f"train.{ev['after']}"
    model = load_model(train_dir)
    tok = Tokenizer.from_file(str(_tokenizer_dir(ctx, ev["after"]) / "tokenizer.json"))
    eos = tok.token_to_id("<|endoftext|>") or 0
    results: dict[str, Any] = {}
    for name in ev["tasks"]:
        es = ctx.plan["evalsets"][name]
        if es["uri"].startswith("lm_eval:"):
            results[name] = _lm_eval(ctx, ev, es["uri"].removeprefix("lm_eval:"), train_dir)
            continue
        files = expand(es["uri"], ctx.base_dir)
        items = [d for f in files for d in read_docs(f)] if es["task"] == "perplexity" else [json.loads(l) for f in files for l in f.open() if l.strip()]
        if es["task"] == "perplexity":
            results[name] = perplexity(model, tok, [d["text"] for d in items], eos)
        elif es["task"] == "multiple_choice":
            results[name] = multiple_choice(model, tok, items)
        else:
            raise FlowrtError(f"evalset {name}: task = generation needs lm_eval (`uri = \"lm_eval:TASK\"`)", "pip install lm-eval, or use perplexity/multiple_choice")
    return results


def _lm_eval(ctx: StepContext, ev: dict[str, Any], task: str, train_dir: Path) -> dict[str, Any]:
    """An lm-evaluation-harness task, run by lm_eval on a Hugging Face export of the model."""
    try:
        import lm_eval
    except ImportError:
        raise FlowrtError(f"evalset uses lm_eval task {task!r}, but lm_eval is not installed", "pip install lm-eval") from None
    import shutil

    from safetensors.torch import load_file, save_file

    from ..release.step import hf_config, to_hf_names

    hf_dir = ctx.out_dir() / "hf"
    hf_dir.mkdir(exist_ok=True)
    train = next(t for t in ctx.plan["trains"] if t["name"] == ev["after"])
    save_file(to_hf_names(load_file(str(train_dir / "final" / "model.safetensors"))), str(hf_dir / "model.safetensors"), metadata={"format": "pt"})
    tok_json = _tokenizer_dir(ctx, ev["after"]) / "tokenizer.json"
    shutil.copy(tok_json, hf_dir / "tokenizer.json")
    (hf_dir / "config.json").write_text(json.dumps(hf_config(train["model"], 0, 1), indent=2) + "\n")
    out = lm_eval.simple_evaluate(model="hf", model_args=f"pretrained={hf_dir},tokenizer={hf_dir}", tasks=[task], batch_size=8)
    return {k.split(",")[0]: v for k, v in out["results"][task].items() if isinstance(v, (int, float))}


def check_gates(gates: list[dict[str, Any]], results: dict[str, Any]) -> list[dict[str, Any]]:
    verdicts = []
    for g in gates:
        got = results.get(g["evalset"], {}).get(g["metric"])
        ok = got is not None and OPS[g["op"]](got, g["value"])
        verdicts.append({**g, "actual": got, "passed": bool(ok)})
    return verdicts


def run(ctx: StepContext) -> None:
    name = ctx.step["params"]["eval"]
    ev = next(e for e in ctx.plan["evals"] if e["name"] == name)
    results = evaluate(ctx, ev)
    verdicts = check_gates(ev["gates"], results)
    out = ctx.out_dir()
    report = {"eval": name, "after": ev["after"], "results": results, "gates": verdicts, "passed": all(v["passed"] for v in verdicts)}
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    for v in verdicts:
        ctx.log.info("gate %s.%s %s %s: %s (%s)", v["evalset"], v["metric"], v["op"], v["value"], v["actual"], "pass" if v["passed"] else "FAIL")
    if not report["passed"]:
        failed = [f"{v['evalset']}.{v['metric']} {v['op']} {v['value']} (got {v['actual']})" for v in verdicts if not v["passed"]]
        raise GateFailed(f"eval {name}: gate failed: {'; '.join(failed)}", f"see {out / 'results.json'}; the release that requires {name} will not run")
    mark_done(out, {"passed": True})
