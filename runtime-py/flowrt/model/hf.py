"""The Hugging Face side of a flowrt model: LlamaConfig's config.json, parameter names (flowrt's
are HF's without the decoder's `model.` prefix), and a directory `AutoModelForCausalLM` loads.
The release publishes one; the eval step writes one for lm-evaluation-harness."""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
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


def hf_name(name: str) -> str:
    """flowrt's parameter name -> Hugging Face's (the decoder's parameters are under `model.`)."""
    return name if name.startswith("lm_head.") else f"model.{name}"


def to_hf_names(sd: dict[str, Any]) -> dict[str, Any]:
    return {hf_name(k): v for k, v in sd.items()}


def from_hf_names(sd: dict[str, Any]) -> dict[str, Any]:
    """flowrt names of a state dict in either naming (our final/model.safetensors, or an HF export)."""
    return {k.removeprefix("model."): v for k, v in sd.items()}


def rename_safetensors(src: Path, dst: Path, rename: Callable[[str], str], metadata: dict[str, str]) -> None:
    """A copy of a safetensors file with its tensors renamed: the header (8-byte length, JSON) is
    rewritten and the tensor bytes copied as they are — exact for every dtype, and without
    importing torch (which is most of a release step's time on a small CPU)."""
    import struct

    with src.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        out = {"__metadata__": metadata, **{rename(k): v for k, v in header.items()}}
        text = json.dumps(out, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors writes it
        tmp = dst.with_name(f".{dst.name}.tmp")
        with tmp.open("wb") as g:
            g.write(struct.pack("<Q", len(text)) + text)
            shutil.copyfileobj(f, g)
    tmp.replace(dst)


def write_hf_dir(dst: Path, weights: Path, model: Model, tokenizer_json: Path | None) -> dict[str, int]:
    """config.json, model.safetensors (HF names) and the tokenizer files in `dst`; returns eos/pad ids."""
    dst.mkdir(parents=True, exist_ok=True)
    rename_safetensors(weights, dst / "model.safetensors", hf_name, metadata={"format": "pt"})
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
