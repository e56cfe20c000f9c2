"""`python -m flowrt status`: what is done in a run directory, in one answer that the local runner,
`flowc submit`/`status` on Slurm and the Ray driver all decide from.

Keys are a pure function of the plan and the raw files, computed in dependency order: a step's
expected key hashes its fingerprint, its inputs now, and the *expected* keys of its needs. So a
change anywhere upstream makes everything after it stale at once, before anything is rerun.
Per step: `done` (its markers hold the expected key), `partial` (an array step with some shards
done), `stale` (a marker with another key: `reason` says which part changed; the step clears its
old output and redoes it when run), `missing` (never finished). A train step whose directory
holds checkpoints of another lineage also says `refused`: running it stops with that message."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import FlowrtError
from .markers import MARKER, InputFile, input_files, marker_paths, read_marker, shard_name, stale_reason, step_key
from .plan import topo_order
from .plan_types import Plan, Step

STATUS_VERSION = 1


def plan_status(plan: Plan, run_dir: Path, root: Path | None) -> dict[str, Any]:
    keys: dict[str, str | None] = {}
    steps: list[dict[str, Any]] = []
    for step in topo_order(plan):
        entry: dict[str, Any] = {"id": step.id, "kind": step.kind}
        inputs: list[InputFile] | None
        try:
            inputs = input_files(step, root)
        except FlowrtError as e:
            inputs, entry["error"] = None, e.message
        blocked = [n for n in step.needs if keys.get(n) is None]
        key = step_key(step, inputs, {n: keys[n] for n in step.needs}) if inputs is not None and not blocked else None  # type: ignore[misc]
        keys[step.id] = key
        entry.update(_state(run_dir, step, key, inputs, {n: keys[n] for n in step.needs if keys[n]}, blocked))
        if step.kind == "train" and entry["state"] != "done":
            entry.update(_train_progress(plan, run_dir, step, keys, root))
        if key is not None:
            entry["key"] = key
        steps.append(entry)
    order = {s.id: i for i, s in enumerate(plan.steps)}
    steps.sort(key=lambda e: order[e["id"]])
    return {"version": STATUS_VERSION, "run_dir": str(run_dir), "input_root": str(root) if root else None,
            "steps": steps, "todo": [e["id"] for e in steps if e["state"] != "done"]}


def _state(run_dir: Path, step: Step, key: str | None, inputs: list[InputFile] | None, needs: dict[str, str], blocked: list[str]) -> dict[str, Any]:
    markers = [read_marker(p) for p in marker_paths(run_dir, step)]
    done = [i for i, m in enumerate(markers) if m and key is not None and m.get("key") == key]
    if all(m is None for m in markers):
        # Markers of another shard layout (one `_DONE` where there are shards now, or the reverse).
        other = read_marker(run_dir / step.out_dir / (f"{MARKER}.{shard_name(0)}" if step.shards == 1 else MARKER))
        if other is not None:
            markers = [other]
    out: dict[str, Any] = {}
    if step.shards > 1:
        out["shards"] = {"of": step.shards, "done": done, "todo": [i for i in range(step.shards) if i not in done]}
    if key is not None and len(done) == step.shards:
        return {**out, "state": "done"}
    stale = [m for i, m in enumerate(markers) if m is not None and i not in done]
    if done:
        out["state"] = "partial"
    elif stale:
        out["state"] = "stale"
    else:
        out["state"] = "missing"
    if stale:
        if key is None:
            out["reason"] = (f"{blocked[0]}, which it needs, cannot be keyed (see its entry)" if blocked
                             else "its inputs cannot be read now")
        else:
            out["reason"] = stale_reason(stale[0], step, inputs or [], needs)
    return out


def _train_progress(plan: Plan, run_dir: Path, step: Step, keys: dict[str, str | None], root: Path | None) -> dict[str, Any]:
    """Where a train step would resume, or why it would refuse to. The lineage depends on the data
    the mix step packed, so it is known only while the mix step is done; until then (the data is
    being redone) nothing is refused: redone data with the same bytes keeps the checkpoints."""
    from .markers import done_key
    from .plan import find_step
    from .train.lineage import conflict, lineage_key

    out = run_dir / step.out_dir
    current = all(keys.get(n) is not None and done_key(run_dir, find_step(plan, n)) == keys[n] for n in (step.reads.mix, step.reads.init) if n)
    try:
        lk = lineage_key(plan, step, run_dir, root) if current else None
    except FlowrtError:
        lk = None
    why = conflict(out, lk) if lk is not None else None
    if why:
        return {"refused": f"{why[0]}; {why[1]}"}
    steps = sorted(int(p.name.split("_")[1]) for p in (out / "ckpt").glob("step_*") if (p / "step.json").exists())
    return {"resume_step": steps[-1]} if steps else {}
