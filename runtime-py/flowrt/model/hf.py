"""The Hugging Face side of a flowrt model: LlamaConfig's config.json, parameter names (flowrt's
are HF's without the decoder's `model.` prefix), and a directory `AutoModelForCausalLM` loads.
The release publishes one; the eval step writes one for lm-evaluation-harness."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..plan_types import Model

EOS = "<|endoftext|>"
PAD = "<|pad|>"


def hf_config(model: Model, eos: int, pad: int) -> dict[str, Any]:
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": model.d_model, "intermediate_size": model.ffn, "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads, "num_key_value_heads": model.kv_heads, "vocab_size": model.vocab,
        "max_position_embeddings": model.seq_len, "rope_theta": float(model.rope_theta), "rms_norm_eps": 1e-5,
        "tie_word_embeddings": bool(model.tie_embeddings), "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
        "bos_token_id": eos, "eos_token_id": eos, "pad_token_id": pad, "torch_dtype": "float32", "initializer_range": 0.02,
    }


def to_hf_names(sd: dict[str, Any]) -> dict[str, Any]:
    return {(k if k.startswith("lm_head.") else f"model.{k}"): v for k, v in sd.items()}


def from_hf_names(sd: dict[str, Any]) -> dict[str, Any]:
    """flowrt names of a state dict in either naming (our final/model.safetensors, or an HF export)."""
    return {k.removeprefix("model."): v for k, v in sd.items()}


def write_hf_dir(dst: Path, weights: Path, model: Model, tokenizer_json: Path | None) -> dict[str, int]:
    """config.json, model.safetensors (HF names) and the tokenizer files in `dst`; returns eos/pad ids."""
    from safetensors.torch import load_file, save_file

    dst.mkdir(parents=True, exist_ok=True)
    save_file(to_hf_names(load_file(str(weights))), str(dst / "model.safetensors"), metadata={"format": "pt"})
    eos = pad = 0
    if tokenizer_json is not None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tokenizer_json))
        eos = tok.token_to_id(EOS) or 0
        pad = tok.token_to_id(PAD) or eos
        shutil.copy(tokenizer_json, dst / "tokenizer.json")
        (dst / "tokenizer_config.json").write_text(json.dumps({
            "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": EOS, "bos_token": EOS,
            "pad_token": PAD, "model_max_length": model.seq_len}, indent=2) + "\n")
    (dst / "config.json").write_text(json.dumps(hf_config(model, eos, pad), indent=2) + "\n")
    return {"eos": eos, "pad": pad}
