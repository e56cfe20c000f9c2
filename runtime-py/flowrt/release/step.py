"""The `release` step: a Hugging Face compatible export (config.json for LlamaConfig,
model.safetensors with HF parameter names, tokenizer.json), a model card with the data mix,
stages and eval results, a SHA-256 manifest, one directory per phase under the plan's
`publish_dir`, a CURRENT pointer to the newest phase and a ROLLBACK pointer to the release it
replaces. `rollback_if` gates are checked against the required evals' results: if one trips,
nothing is published."""
from __future__ import annotations

import json
import shutil
import time
from typing import Any

from ..context import StepContext
from ..data.shards import sha256
from ..errors import FlowrtError
from ..eval.gates import actual, holds, text
from ..model.hf import write_hf_dir
from ..plan import release_of, train_of
from ..plan_types import Plan, Release, Train


def model_card(plan: Plan, rel: Release, train: Train, evals: dict[str, Any]) -> str:
    lines = [f"# {rel.name}", "", f"A {train.params:,}-parameter Llama-style model trained by flowc (train run `{train.name}`).", "",
             "## Data mix and stages", "", "| stage | steps | tokens | seq_len | mix |", "| --- | --- | --- | --- | --- |"]
    for s in train.stages:
        mix = ", ".join(f"{k} {float(q.weight) * 100:.4g}% ({q.tokens:,} tokens)" for k, q in s.mix.items())
        lines.append(f"| {s.name} | {s.first_step:,}–{s.last_step:,} | {s.tokens:,} | {s.seq_len} | {mix} |")
    lines += ["", "## Datasets", "", "| dataset | drawn tokens | epochs |", "| --- | --- | --- |"]
    for k, v in plan.sources.items():
        lines.append(f"| {k} | {v.drawn_tokens:,} | {v.epochs:.2f} |")
    lines += ["", "## Evaluation", ""]
    for name, r in evals.items():
        lines.append(f"- `{name}`: " + "; ".join(f"{es}: " + ", ".join(f"{m} {v:.4g}" for m, v in res.items() if isinstance(v, float)) for es, res in r["results"].items()))
        for g in r["gates"]:
            lines.append(f"  - gate `{g['evalset']}.{g['metric']} {g['op']} {g['value']}`: {g['actual']:.4g} ({'pass' if g['passed'] else 'FAIL'})")
    lines += ["", f"Released {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; plan `{plan.source_file}` (sha256 {plan.source_hash[:16]}…).", ""]
    return "\n".join(lines)


def run(ctx: StepContext) -> dict[str, Any]:
    rel = release_of(ctx.plan, ctx.step.params.release)
    train = train_of(ctx.plan, rel.from_)
    weights = ctx.dir_of(ctx.step.reads.model) / "final" / "model.safetensors"
    if not weights.exists():
        raise FlowrtError(f"no trained model at {weights}", "run the train step first")
    evals = {}
    for name, step_id in ctx.step.reads.evals.items():
        res = json.loads((ctx.dir_of(step_id) / "results.json").read_text())
        if not res["passed"]:
            raise FlowrtError(f"eval {name} did not pass its gates", "the release is not published")
        evals[name] = res
    for g in rel.rollback_if:
        for r in evals.values():
            if holds(g, r["results"]):
                raise FlowrtError(f"rollback_if {text(g)} holds (got {actual(g, r['results'])}): not releasing", "the previous release stays CURRENT")
    out = ctx.out_dir()
    staging = out / ".staging"
    if staging.exists():
        shutil.rmtree(staging)
    write_hf_dir(staging, weights, train.model, ctx.dir_of(ctx.step.reads.tokenizer) / "tokenizer.json")
    (staging / "README.md").write_text(model_card(ctx.plan, rel, train, evals))
    manifest = {p.name: sha256(p) for p in sorted(staging.iterdir()) if p.is_file()}
    (staging / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in manifest.items()))
    # Phases: each phase gets the same files; CURRENT points at the last phase, ROLLBACK at what it replaced.
    release_root = ctx.run_dir / ctx.step.params.publish_dir
    release_root.mkdir(parents=True, exist_ok=True)
    previous = (release_root / "CURRENT").read_text().strip() if (release_root / "CURRENT").exists() else None
    version = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for phase in rel.phases:
        dst = release_root / version / phase
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(staging, dst)
    current = f"{version}/{rel.phases[-1]}"
    (release_root / "CURRENT.tmp").write_text(current + "\n")
    (release_root / "CURRENT.tmp").replace(release_root / "CURRENT")
    if previous and previous != current:
        (release_root / "ROLLBACK").write_text(previous + "\n")
    shutil.rmtree(staging)
    (out / "release.json").write_text(json.dumps({"current": str(release_root / current), "previous": previous, "files": manifest}, indent=2) + "\n")
    ctx.log.info("release %s: %s", rel.name, release_root / current)
    return {"current": current}
