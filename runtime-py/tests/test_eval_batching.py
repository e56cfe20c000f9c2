"""Perplexity batches windows of the same length through the model: the same nll, token count and
bits per byte as one forward per window (the reference below), on the heldout evalset with the
run's real tokenizer and a real (randomly initialized) model."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from conftest import CORPUS, read_jsonl

from flowrt.eval.metrics import PERPLEXITY_BATCH, perplexity
from flowrt.model.llama import Llama, ModelConfig


def per_window(model, seq_len, tok, texts, eos):
    nll, n_tokens = 0.0, 0
    for text in texts:
        ids = [eos] + tok.encode(text).ids + [eos]
        for i in range(0, len(ids) - 1, seq_len):
            w = torch.tensor(ids[i:i + seq_len + 1])[None]
            if w.shape[1] < 2:
                continue
            nll += float(F.cross_entropy(model(w[:, :-1])[0].float(), w[0, 1:], reduction="sum"))
            n_tokens += w.shape[1] - 1
    return nll, n_tokens


def test_batched_perplexity_equals_one_forward_per_window(data_run):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(data_run / "steps" / "tokenizer.tok" / "tokenizer.json"))
    eos = tok.token_to_id("<|endoftext|>") or 0
    texts = [d["text"] for d in read_jsonl(CORPUS / "eval" / "heldout.jsonl")]
    torch.manual_seed(0)
    cfg = ModelConfig(layers=2, d_model=64, heads=4, kv_heads=2, ffn=256, vocab=tok.get_vocab_size(), seq_len=128)
    model = Llama(cfg).eval()
    got = perplexity(model, cfg.seq_len, tok, texts, eos)
    nll, n = per_window(model, cfg.seq_len, tok, texts, eos)
    assert got["tokens"] == n and n > PERPLEXITY_BATCH * cfg.seq_len, "several full batches of windows"
    assert math.isclose(got["loss"], nll / n, rel_tol=1e-5)
    assert math.isclose(got["perplexity"], math.exp(nll / n), rel_tol=1e-4)
