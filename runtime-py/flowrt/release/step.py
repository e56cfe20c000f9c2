"""The `release` step: a Hugging Face compatible export (config.json for LlamaConfig,
model.safetensors with HF parameter names, tokenizer.json), a model card with the data mix,
stages and eval results, a SHA-256 manifest, one directory per phase, a CURRENT pointer to the
newest phase and a ROLLBACK pointer to the release it replaces. `rollback_if` gates are checked
against the required evals' results: if one trips, nothing is published."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from ..context import StepContext, mark_done
from ..data.shards import sha256
from ..errors import FlowrtError
from ..eval.step import OPS


def hf_config(model: dict[str, Any], eos: int, pad: int) -> dict[str, Any]:
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": model["d_model"], "intermediate_size": model["ffn"], "num_hidden_layers": model["layers"],
        "num_attention_heads": model["heads"], "num_key_value_heads": model["kv_heads"], "vocab_size": model["vocab"],
        "max_position_embeddings": model["seq_len"], "rope_theta": float(model["rope_theta"]), "rms_norm_eps": 1e-5,
        "tie_word_embeddings": bool(model["tie_embeddings"]), "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
        "bos_token_id": eos, "eos_token_id": eos, "pad_token_id": pad, "torch_dtype": "float32", "initializer_range": 0.02,
    }


def to_hf_names(sd: dict[str, Any]) -> dict[str, Any]:
    """flowrt names are HF's without the `model.` prefix on the decoder."""
    return {(k if k.startswith("lm_head.") else f"model.{k}"): v for k, v in sd.items()}


def model_card(plan: dict[str, Any], rel: dict[str, Any], train: dict[str, Any], evals: dict[str, Any]) -> str:
    lines = [f"# {rel['name']}", "", f"A {train['params']:,}-parameter Llama-style model trained by flowc (train run `{train['name']}`).", "",
             "## Data mix and stages", "", "| stage | steps | tokens | seq_len | mix |", "| --- | --- | --- | --- | --- |"]
    for s in train["stages"]:
        mix = ", ".join(f"{k} {float(eval_fraction(v['weight'])) * 100:.4g}% ({v['tokens']:,} tokens)" for k, v in s["mix"].items())
        lines.append(f"| {s['name']} | {s['first_step']:,}–{s['last_step']:,} | {s['tokens']:,} | {s['seq_len']} | {mix} |")
    lines += ["", "## Datasets", "", "| dataset | drawn tokens | epochs |", "| --- | --- | --- |"]
    for k, v in plan["sources"].items():
        lines.append(f"| {k} | {v['drawn_tokens']:,} | {v['epochs']:.2f} |")
    lines += ["", "## Evaluation", ""]
    for name, r in evals.items():
        lines.append(f"- `{name}`: " + "; ".join(f"{es}: " + ", ".join(f"{m} {v:.4g}" for m, v in res.items() if isinstance(v, float)) for es, res in r["results"].items()))
        for g in r["gates"]:
            lines.append(f"  - gate `{g['evalset']}.{g['metric']} {g['op']} {g['value']}`: {g['actual']:.4g} ({'pass' if g['passed'] else 'FAIL'})")
    lines += ["", f"Released {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; plan `{plan['source_file']}` (sha256 {plan['source_hash'][:16]}…).", ""]
    return "\n".join(lines)


def eval_fraction(s: str) -> float:
    if "/" in s:
        a, b = s.split("/")
        return int(a) / int(b)
    return float(s)


def run(ctx: StepContext) -> None:
    from safetensors.torch import load_file, save_file

    rel = next(r for r in ctx.plan["releases"] if r["name"] == ctx.step["params"]["release"])
    train = next(t for t in ctx.plan["trains"] if t["name"] == rel["from"])
    train_dir = ctx.run_dir / "steps" / f"train.{train['name']}"
    weights = train_dir / "final" / "model.safetensors"
    if not weights.exists():
        raise FlowrtError(f"no trained model at {weights}", "run the train step first")
    evals = {}
    for name in rel["require"]:
        res = json.loads((ctx.input_dir(f"eval.{name}") / "results.json").read_text())
        if not res["passed"]:
            raise FlowrtError(f"eval {name} did not pass its gates", "the release is not published")
        evals[name] = res
    for g in rel["rollback_if"]:
        for r in evals.values():
            got = r["results"].get(g["evalset"], {}).get(g["metric"])
            if got is not None and OPS[g["op"]](got, g["value"]):
                raise FlowrtError(f"rollback_if {g['evalset']}.{g['metric']} {g['op']} {g['value']} holds (got {got}): not releasing",
                                  "the previous release stays CURRENT")
    cur_names = sorted({ds.split(".")[0] for s in train["stages"] for ds in s["mix"]})
    tok_name = ctx.plan["curations"][cur_names[0]]["tokenizer"]
    tok_json = ctx.input_dir(f"tokenizer.{tok_name}") / "tokenizer.json" if (ctx.run_dir / "steps" / f"tokenizer.{tok_name}" / "_DONE").exists() else None
    out = ctx.out_dir()
    staging = out / ".staging"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    sd = load_file(str(weights))
    save_file(to_hf_names(sd), str(staging / "model.safetensors"), metadata={"format": "pt"})
    eos = pad = 0
    if tok_json is not None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tok_json))
        eos = tok.token_to_id("<|endoftext|>") or 0
        pad = tok.token_to_id("<|pad|>") or eos
        shutil.copy(tok_json, staging / "tokenizer.json")
        (staging / "tokenizer_config.json").write_text(json.dumps({
            "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>",
            "pad_token": "<|pad|>", "model_max_length": train["model"]["seq_len"]}, indent=2) + "\n")
    (staging / "config.json").write_text(json.dumps(hf_config(train["model"], eos, pad), indent=2) + "\n")
    (staging / "README.md").write_text(model_card(ctx.plan, rel, train, evals))
    manifest = {p.name: sha256(p) for p in sorted(staging.iterdir()) if p.is_file()}
    (staging / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in manifest.items()))
    # Phases: each phase gets the same files; CURRENT points at the last phase, ROLLBACK at what it replaced.
    release_root = ctx.run_dir / "release" / rel["name"]
    release_root.mkdir(parents=True, exist_ok=True)
    previous = (release_root / "CURRENT").read_text().strip() if (release_root / "CURRENT").exists() else None
    version = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for phase in rel["phases"]:
        dst = release_root / version / phase
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(staging, dst)
    current = f"{version}/{rel['phases'][-1]}"
    (release_root / "CURRENT.tmp").write_text(current + "\n")
    (release_root / "CURRENT.tmp").replace(release_root / "CURRENT")
    if previous:
        (release_root / "ROLLBACK").write_text(previous + "\n")
    shutil.rmtree(staging)
    (out / "release.json").write_text(json.dumps({"current": str(release_root / current), "previous": previous, "files": manifest}, indent=2) + "\n")
    mark_done(out, {"current": current})
    ctx.log.info("release %s: %s", rel["name"], release_root / current)
