"""Evaluation metrics on a model callable `model(tokens) -> logits`: perplexity and bits per byte on
perplexity evalsets; log-likelihood multiple choice (acc and acc_norm, as lm-evaluation-harness
computes them: acc_norm divides each choice's log-likelihood by its length in bytes). The eval step
runs them on the final weights; the training loop runs them every N steps on the live model (every
rank calls the same forwards, since a sharded model's forward is collective)."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from ..docs import read_docs, read_json_lines
from ..errors import FlowrtError
from ..plan_types import Evalset

Forward = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class LoadedEvalset:
    name: str
    task: str
    items: list[dict[str, Any]]


_MC_HELP = 'each line is one item {"query": "…", "choices": ["…", …], "gold": INDEX} (lm-evaluation-harness style)'


def _item(value: Any, path: Any, lineno: int, task: str) -> dict[str, Any]:
    """A multiple-choice item, checked where it is read: a query, choices that are text and a
    gold index among them (else the accuracy would count against an answer that is not there)."""
    def bad(what: str) -> FlowrtError:
        return FlowrtError(f"{path}:{lineno}: {what}", _MC_HELP, exit_code=1)

    if not isinstance(value, dict):
        raise bad("an evalset item is a JSON object")
    if task != "multiple_choice":
        return value
    query = value.get("query") or value.get("context") or value.get("question")
    choices, gold = value.get("choices"), value.get("gold", value.get("label"))
    if not isinstance(query, str) or not query:
        raise bad("the item needs a text `query`")
    if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
        raise bad("the item needs `choices`, a list of texts")
    if not isinstance(gold, int) or isinstance(gold, bool) or not 0 <= gold < len(choices):
        raise bad(f"`gold` must index its {len(choices)} choices (0..{len(choices) - 1}), not {gold!r}")
    return value


def load_evalset(name: str, es: Evalset, expand: Callable[[str], list]) -> LoadedEvalset:
    files = expand(es.uri)
    if es.task == "perplexity":
        items = [d for f in files for d in read_docs(f)]
    else:
        items = [_item(v, f, n, es.task) for f in files for n, v in read_json_lines(f)]
    return LoadedEvalset(name, es.task, items)


#: Windows per forward in `perplexity`.
PERPLEXITY_BATCH = 16


@torch.no_grad()
def perplexity(model: Forward, seq_len: int, tok, texts: list[str], eos: int) -> dict[str, float]:
    """Token-level perplexity over non-overlapping windows of seq_len, and bits per byte
    (total negative log-likelihood in bits / UTF-8 bytes), which compares across tokenizers."""
    nll, n_tokens, n_bytes = 0.0, 0, 0
    windows: list[list[int]] = []
    for text in texts:
        ids = [eos] + tok.encode(text).ids + [eos]
        n_bytes += len(text.encode("utf-8"))
        windows += [w for i in range(0, len(ids) - 1, seq_len) if len(w := ids[i:i + seq_len + 1]) >= 2]
    # Windows of the same length go through the model together (a forward per window is mostly
    # per-call overhead for a small model on a CPU); each window's loss is the same either way.
    by_length: dict[int, list[list[int]]] = {}
    for w in windows:
        by_length.setdefault(len(w), []).append(w)
    for group in by_length.values():
        for b in range(0, len(group), PERPLEXITY_BATCH):
            x = torch.tensor(group[b:b + PERPLEXITY_BATCH])
            logits = model(x[:, :-1])
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1).to(logits.device), reduction="sum")
            nll += float(loss)
            n_tokens += x.shape[0] * (x.shape[1] - 1)
    return {"perplexity": math.exp(nll / max(1, n_tokens)), "bits_per_byte": nll / math.log(2) / max(1, n_bytes),
            "loss": nll / max(1, n_tokens), "tokens": n_tokens}


@torch.no_grad()
def loglikelihood(model: Forward, seq_len: int, tok, context: str, continuation: str) -> float:
    ctx_ids = tok.encode(context).ids
    cont_ids = tok.encode(context + continuation).ids[len(ctx_ids):] or tok.encode(continuation).ids
    ids = (ctx_ids + cont_ids)[-(seq_len + 1):]
    x = torch.tensor(ids)[None]
    logp = F.log_softmax(model(x[:, :-1])[0].float(), dim=-1)
    n = len(cont_ids)
    targets = x[0, -n:].to(logp.device)
    return float(logp[-n:].gather(1, targets[:, None]).sum())


def multiple_choice(model: Forward, seq_len: int, tok, items: list[dict[str, Any]]) -> dict[str, float]:
    acc = acc_norm = 0
    for it in items:
        query = it.get("query") or it.get("context") or it.get("question")
        choices, gold = it.get("choices"), it.get("gold", it.get("label"))
        if query is None or not choices or gold is None:
            raise FlowrtError(f"multiple-choice item {it.get('id')} needs `query`, `choices` and `gold`", "lm-evaluation-harness style JSONL")
        ll = [loglikelihood(model, seq_len, tok, query, c) for c in choices]
        norm = [l / max(1, len(c.encode("utf-8"))) for l, c in zip(ll, choices)]
        acc += int(max(range(len(ll)), key=ll.__getitem__) == gold)
        acc_norm += int(max(range(len(norm)), key=norm.__getitem__) == gold)
    n = max(1, len(items))
    return {"acc": acc / n, "acc_norm": acc_norm / n, "items": len(items)}


def evaluate_sets(model: Forward, seq_len: int, tok, eos: int, sets: list[LoadedEvalset]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for es in sets:
        if es.task == "perplexity":
            results[es.name] = perplexity(model, seq_len, tok, [d["text"] for d in es.items], eos)
        elif es.task == "multiple_choice":
            results[es.name] = multiple_choice(model, seq_len, tok, es.items)
        else:
            raise FlowrtError(f"evalset {es.name}: task = generation needs lm_eval (`uri = \"lm_eval:TASK\"`)", "pip install lm-eval, or use perplexity/multiple_choice")
    return results
