"""Memory: flowc's estimate against the runtime's own training step, per category.

For each configuration of a grid (seq_len, micro batch, recompute none/selective/full, fp32/bf16,
1 or 2 ranks, zero 0/2/3 on the fsdp backend), this writes a .flow file, takes the memory estimate
from `flowc plan --json`, and runs flowrt's step on that plan (the model, parallelization,
checkpointing and optimizer the training loop builds; one warm-up step so Adam's states exist, then
one measured step) under torch's MemTracker (FSDPMemTracker for fully_shard) on CPU, or with
torch.cuda.max_memory_allocated on a GPU. Printed per category: estimate, measured bytes, ratio.

The estimate compared with the CPU peak leaves out what a CPU run cannot show (CUDA context, NCCL
buffers, allocator fragmentation; README "Memory estimate against the runtime").

Usage: python runtime-py/bench/memory_bench.py [--grid small|full] [--only N] [--json]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "runtime-py"))

# The model of the measurement the estimator was first checked against (layers 4, d_model 512,
# heads 8, ffn 1376, vocab 4096).
SHAPE = {"layers": 4, "d_model": 512, "heads": 8, "kv_heads": 8, "ffn": 1376, "vocab": 4096}


@dataclass(frozen=True)
class Config:
    seq: int
    micro_batch: int
    recompute: str
    precision: str
    ranks: int
    zero: int
    kv_heads: int = SHAPE["kv_heads"]

    def label(self) -> str:
        return (f"seq {self.seq:5} mb {self.micro_batch} {self.recompute:9} {self.precision:4} "
                f"ranks {self.ranks} zero {self.zero}" + (f" kv {self.kv_heads}" if self.kv_heads != SHAPE["kv_heads"] else ""))


def grid(kind: str) -> list[Config]:
    if kind == "small":
        # Replicated fp32; sharded bf16 with the MLP recomputed; zero = 2 (every block gathered, and
        # an all-gather buffer); one sharded rank (the reduce-scatter buffer with no collective).
        return [Config(256, 2, "none", "fp32", 1, 0), Config(256, 2, "selective", "bf16", 2, 3),
                Config(256, 2, "none", "fp32", 2, 2), Config(256, 2, "none", "bf16", 1, 3)]
    out = []
    for (seq, mb), rc, prec in itertools.product(((512, 4), (2048, 1)), ("none", "selective", "full"), ("fp32", "bf16")):
        out += [Config(seq, mb, rc, prec, 1, 0), Config(seq, mb, rc, prec, 2, 3)]
    for prec, zero in itertools.product(("fp32", "bf16"), (0, 2)):
        out.append(Config(512, 4, "none", prec, 2, zero))
    out.append(Config(512, 4, "none", "bf16", 1, 3))
    out.append(Config(8192, 1, "none", "bf16", 1, 3))
    return out


FLOW = """// memory_bench.py: one configuration
cluster local {{
  scheduler = slurm
  partition = "debug"
  nodes = 1
  gpus_per_node = 0
  ranks_per_node = {ranks}
  cpus_per_node = 2
  gpu = "cpu"
  max_walltime = 30m
}}
source web {{ uri = "data/web/*.jsonl", format = jsonl, tokens = 20M, kind = web }}
tokenizer tok {{ kind = bpe, vocab = {vocab}, train_on = [web] }}
curate clean {{
  from = [web]
  steps {{ quality {{ method = gopher }} }}
  tokenize = tok
  expect_retention = 80%
}}
model m {{
  arch = llama
  layers = {layers}
  d_model = {d_model}
  heads = {heads}
  kv_heads = {kv_heads}
  ffn = {ffn}
  vocab = tok.vocab
  seq_len = {seq}
}}
train t {{
  model = m
  cluster = local
  nodes = 1
  tokens = {tokens}
  batch = {batch} tokens
  micro_batch = {micro_batch}
  precision = {precision}
  backend = fsdp
  parallel {{ tp = 1, pp = 1, dp = {ranks}, zero = {zero}, recompute = {recompute} }}
  optimizer adamw {{ lr = 1e-3, betas = [0.9, 0.95], weight_decay = 0.1, clip = 1.0 }}
  schedule wsd {{ warmup = 1 steps, decay = 25% }}
  checkpoint_every = 4 steps
  stage main {{ until = {tokens}, mix {{ clean.web = 100% }} }}
}}
"""


def plan_of(c: Config, work: Path) -> Path:
    """flowc's plan of the configuration (its memory estimate is the train run's `memory`)."""
    batch = c.seq * c.micro_batch * c.ranks
    text = FLOW.format(**{**SHAPE, **asdict(c), "tokens": batch * 8, "batch": batch})
    flow = work / "bench.flow"
    flow.write_text(text)
    r = subprocess.run(["node", str(REPO / "bin" / "flowc.js"), "plan", "--json", str(flow)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"flowc plan failed for {c.label()}:\n{r.stderr or r.stdout}")
    path = work / "plan.json"
    path.write_text(r.stdout)
    return path


def estimate_of(plan: Path) -> dict[str, int]:
    m = json.loads(plan.read_text())["trains"][0]["memory"]
    return {"weights": m["weights"], "gradients": m["gradients"], "optimizer": m["optimizer"],
            "activations": m["activations"],  # what autograd keeps; the loss chunk (`logits`) is in the peak
            # The peak a CPU run can show: everything but the GPU-only overheads and fragmentation.
            "peak": m["per_gpu_bytes"] - m["overheads"]}


def measure(plan: Path, ranks: int) -> dict[str, int]:
    """Runs the worker under torchrun (gloo ranks on CPU) and returns rank 0's measurement."""
    out = plan.with_suffix(".measured.json")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}",
           str(Path(__file__).resolve()), "--worker", str(plan), "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1" if ranks > 1 else os.environ.get("OMP_NUM_THREADS", "2"),
           "PYTHONPATH": str(REPO / "runtime-py")}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"the measured step failed:\n{r.stderr[-4000:]}")
    return json.loads(out.read_text())


def worker(plan_path: Path, out: Path) -> None:
    """One rank: the training loop's model and optimizer for the plan, one warm-up step, one measured."""
    import torch

    from flowrt.model.llama import Llama, ModelConfig
    from flowrt.plan import load_plan
    from flowrt.train.loop import make_optimizer, micro_step
    from flowrt.train.parallel import apply_fsdp, build_mesh, init_distributed, set_checkpointing

    plan = load_plan(plan_path)
    t = plan.trains[0]
    st = t.stages[0]
    d = init_distributed()
    torch.manual_seed(t.seed)
    model = Llama(ModelConfig.from_plan(t.model)).to(d.device)
    mesh = build_mesh(d, t.parallel.tp, t.parallel.pp, t.parallel.dp, t.parallel.cp)
    set_checkpointing(model, t.parallel.recompute)
    apply_fsdp(model, mesh, t.layout)
    opt = make_optimizer(model, t.optimizer)
    g = torch.Generator().manual_seed(d.rank)
    tokens = torch.randint(0, t.model.vocab, (st.micro_batch, st.seq_len), generator=g).to(d.device)
    # Packed documents: four per row, so attention takes the document-aware path.
    segments = (torch.arange(st.seq_len) * 4 // st.seq_len).expand(st.micro_batch, -1).contiguous().to(d.device)

    def step():
        micro_step(model, t, tokens, segments, 1, d.device)
        opt.step()
        opt.zero_grad(set_to_none=True)

    reduce_scatter_seen = _watch_reduce_scatter_input() if t.layout.data_parallel == "fully_shard" else [0]
    step()
    activations, working, states = saved_for_backward(model, opt, t, tokens, segments, d.device)
    result: dict = {"activations": activations}
    if d.device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        step()
        result["peak"] = int(torch.cuda.max_memory_allocated())
    else:
        from torch.distributed._tools.fsdp2_mem_tracker import FSDPMemTracker
        from torch.distributed._tools.mem_tracker import MemTracker

        sharded = t.layout.data_parallel == "fully_shard"
        tracker = FSDPMemTracker(model, opt) if sharded else MemTracker()
        if not sharded:
            tracker.track_external(model, opt)
        with tracker:
            step()
        snap = next(iter(tracker.get_tracker_snapshot("peak").values()))
        result["at_peak"] = {getattr(k, "value", str(k)): v for k, v in snap.items()}
        result["peak"] = snap["Total"]
        result["peak_at"] = peak_module(tracker, snap["Total"])
        if sharded:
            # Buffers in flight at the modules' boundaries, not necessarily at the peak: the
            # reduce-scatter buffer and the gathered parameters at their largest over the snapshots.
            snaps = [{getattr(k, "value", str(k)): v for k, v in dev.items()}
                     for stats in tracker.memory_tracking.values() for per_state in stats.snapshots.values()
                     for per_dev in per_state for dev in per_dev.values()]
            # With one rank there is no collective for the tracker to label the buffer by, so its
            # size is also taken where FSDP2 copies the gradients into it.
            labelled = max((x.get("Reduce Scatter", 0) for x in snaps), default=0)
            result["reduce_scatter"] = max(labelled, reduce_scatter_seen[0])
            result["gathered"] = max((x.get("Unsharded Param", 0) + x.get("All Gather", 0) for x in snaps), default=0)
    sharded = t.layout.data_parallel == "fully_shard"
    result.update(states)
    if sharded:
        # zero = 3: the root's and a block or two gathered at a time; zero = 2: all, to backward.
        result["weights"] += result["gathered"]
    else:
        # Replicated bf16 keeps autocast's copies of the weights for backward.
        result["weights"] += working
    if sharded:
        result["gradients"] += result["reduce_scatter"]
    if d.is_main:
        out.write_text(json.dumps(result))
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


def _watch_reduce_scatter_input() -> list[int]:
    """The largest reduce-scatter input FSDP2 fills, in bytes, seen from its copy-in (looked up
    by name inside `foreach_reduce`, so wrapping the module's function sees every call)."""
    from torch.distributed.fsdp._fully_shard import _fsdp_collectives as collectives

    seen = [0]
    copy_in = collectives.foreach_reduce_scatter_copy_in

    def watched(grads, reduce_scatter_input, world_size):
        seen[0] = max(seen[0], reduce_scatter_input.untyped_storage().nbytes())
        return copy_in(grads, reduce_scatter_input, world_size)

    collectives.foreach_reduce_scatter_copy_in = watched
    return seen


def peak_module(tracker, total: int) -> str:
    """The innermost module and phase (forward/backward) whose own peak is the step's peak: where
    the step's memory is highest ("optimizer" when no module was running)."""
    best = ("optimizer", -1)
    for stats in tracker.memory_tracking.values():
        for state, per_dev in stats.snapshots.items():
            if "Peak" not in getattr(state, "value", str(state)):
                continue
            for snap in per_dev:
                if any(v.get("Total") == total for v in snap.values()) and stats.mod_fqn.count(".") > best[1]:
                    best = (f"{stats.mod_fqn} {state.value.lower()}", stats.mod_fqn.count("."))
    return best[0]


def _local(x):
    from torch.distributed.tensor import DTensor

    return x.to_local() if isinstance(x, DTensor) else x


def _bytes(tensors) -> int:
    seen = {}
    for x in tensors:
        x = _local(x)
        seen[x.untyped_storage().data_ptr()] = x.untyped_storage().nbytes()
    return sum(seen.values())


def model_states(model, opt, sharded: bool) -> dict[str, int]:
    """Bytes of this rank's parameters (fp32 shards), their gradients (and DDP's buckets, which
    live in C++ where MemTracker does not see them), and Adam's states."""
    import torch

    params = list(model.parameters())
    grads = _bytes(p.grad for p in params if p.grad is not None)
    if not sharded:
        from torch.distributed._composable.replicate import replicate

        ddp = replicate.state(model)._ddp
        sizes = str(ddp._get_ddp_logging_data().get("bucket_sizes", ""))
        grads += sum(int(x) for x in sizes.replace(" ", "").split(",") if x)
    states = [v for st in opt.state.values() for v in st.values() if isinstance(v, torch.Tensor) and v.dim() > 0]
    return {"weights": _bytes(params), "gradients": grads, "optimizer": _bytes(states)}


_VIEWS = {"TBackward0", "ToCopyBackward0", "ViewBackward0", "TransposeBackward0", "PermuteBackward0", "AliasBackward0",
          "UnsafeViewBackward0", "ReshapeAliasBackward0"}


def _is_weight(x) -> bool:
    """A parameter, or a view or cast copy of one (FSDP's gathered parameters, autocast's bf16
    copies): its autograd history reaches a parameter's AccumulateGrad through views and casts only."""
    fn = x.grad_fn
    if fn is None:
        return x.requires_grad
    for _ in range(4):
        if fn is None:
            return False
        if type(fn).__name__ == "AccumulateGrad":
            return True
        if type(fn).__name__ not in _VIEWS:
            return False
        fn = next((f for f, _ in fn.next_functions if f is not None), None)
    return False


def saved_for_backward(model, opt, t, tokens, segments, device) -> tuple[int, int, dict[str, int]]:
    """Bytes autograd keeps for backward at the end of one forward: distinct storages saved by the
    graph that are not weights, and those that are copies of weights (FSDP's gathered parameters,
    autocast's cast copies) rather than the parameters themselves; and the model states after
    its backward."""
    import torch

    from flowrt.train.loop import autocast_of

    seen: dict[int, int] = {}
    copies: dict[int, int] = {}
    own = {_local(p).untyped_storage().data_ptr() for p in model.parameters()}

    def pack(x):
        ptr = x.untyped_storage().data_ptr()
        if not _is_weight(x):
            seen[ptr] = x.untyped_storage().nbytes()
        elif ptr not in own:
            copies[ptr] = x.untyped_storage().nbytes()
        return x

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x), autocast_of(t.precision, device):
        loss = model(tokens, segments, loss_chunk_tokens=t.memory.loss_chunk_tokens)
    loss.backward()
    # Model states, counted from the tensors themselves while the gradients are there.
    states = model_states(model, opt, sharded=t.layout.data_parallel == "fully_shard")
    opt.zero_grad(set_to_none=True)
    return sum(seen.values()), sum(copies.values()), states


def run(c: Config) -> dict:
    with tempfile.TemporaryDirectory(prefix="flowc-membench-") as tmp:
        plan = plan_of(c, Path(tmp))
        est = estimate_of(plan)
        got = measure(plan, c.ranks)
    ratios = {k: est[k] / got[k] for k in est if got.get(k)}
    return {"config": asdict(c), "estimate": est, "measured": got, "ratio": ratios}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", default="full", choices=["small", "full"])
    ap.add_argument("--only", type=int, default=None, help="run the N-th configuration of the grid only")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker, a.out)
        return
    configs = list(enumerate(grid(a.grid)))
    if a.only is not None:
        configs = [configs[a.only]]
    print(f"model {SHAPE}; estimate/measured per category (MiB); CPU peaks leave out CUDA context, NCCL and fragmentation")
    for i, c in configs:
        r = run(c)
        if a.json:
            print(json.dumps({"index": i, **r}), flush=True)
            continue
        cells = "  ".join(f"{k} {r['estimate'][k] / 2**20:7.1f}/{r['measured'][k] / 2**20:7.1f} {r['ratio'].get(k, float('nan')):5.3f}"
                          for k in ("weights", "gradients", "optimizer", "activations", "peak"))
        print(f"{c.label()}  {cells}", flush=True)


if __name__ == "__main__":
    main()
