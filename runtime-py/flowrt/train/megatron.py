"""`backend = megatron`: the plan translated into Megatron-LM `pretrain_gpt.py` launches, one per
stage (each resumes from the previous stage's checkpoint with `--load`), with the model, parallel
layout (the plan's MegatronLayout: distributed optimizer, sequence parallelism), precision (incl.
`--fp8-format`), the tokenized datasets in
Megatron's indexed format (written by the tokenize step) and the LR schedule. Megatron blends the
stage's datasets by weight with its own sampler, not flowc's exact one: the quotas of a stage hold
to within Megatron's blending error, which the plan's report states. Every flag emitted is in
megatron_flags.txt (listed from Megatron-LM's own argument parser; see its header).

A segment of a run launches only the stages it overlaps, each ending at the segment's end, and
resumes from Megatron's checkpoint (a later segment without one fails). The stop/requeue protocol
(train/stop.py) is relayed: the stop file or signal reaches the workers as Megatron's exit signal."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from ..errors import FlowrtError
from ..plan_types import MegatronLayout, Plan, Stage, Train, TrainStep
from .stop import CANCEL_EXIT_CODE, write_stop_marker

FLAGS_FILE = Path(__file__).with_name("megatron_flags.txt")


def known_flags() -> set[str]:
    return {l.strip() for l in FLAGS_FILE.read_text().splitlines() if l.startswith("--")}


def _data_paths(ctx_dir_of, plan: Plan, step: TrainStep, stage: Stage) -> list[str]:
    """Megatron's `--data-path W1 PREFIX1 W2 PREFIX2 …`: each dataset's weight split over its
    token shards in proportion to their tokens, so the blend keeps the stage's mix."""
    from ..data.shards import verify_manifest
    from ..plan import find_step

    out: list[str] = []
    for ds, q in stage.mix.items():
        tok_id = step.reads.datasets[ds]
        d = ctx_dir_of(tok_id)
        shards = verify_manifest(d, find_step(plan, tok_id).shards)["shards"]
        total = sum(s["tokens"] for s in shards) or 1
        for s in shards:
            out += [str(float(Fraction(q.weight) * Fraction(s["tokens"], total))), str(d / s["name"])]
    return out


def stage_commands(plan: Plan, train: Train, step: TrainStep, run_dir: Path, dir_of, pretrain_gpt: str = "pretrain_gpt.py") -> list[list[str]]:
    """One `pretrain_gpt.py` command per stage; `dir_of(step_id)` is where a step's output is."""
    m, p, o, lr, layout = train.model, train.parallel, train.optimizer, train.lr_schedule, train.layout
    assert isinstance(layout, MegatronLayout)
    ckpt = run_dir / step.out_dir / "megatron-ckpt"
    common = [
        "--num-layers", str(m.layers), "--hidden-size", str(m.d_model), "--ffn-hidden-size", str(m.ffn),
        "--num-attention-heads", str(m.heads), "--group-query-attention", "--num-query-groups", str(m.kv_heads),
        "--max-position-embeddings", str(max(s.seq_len for s in train.stages)),
        "--position-embedding-type", "rope", "--normalization", "RMSNorm", "--swiglu", "--disable-bias-linear",
        "--attention-dropout", "0", "--hidden-dropout", "0", "--init-method-std", "0.02",
        "--tensor-model-parallel-size", str(p.tp), "--pipeline-model-parallel-size", str(p.pp),
        "--context-parallel-size", str(p.cp),
        "--lr", str(o.lr), "--min-lr", str(o.lr * getattr(lr, "min_ratio", 0.0)), "--weight-decay", str(o.weight_decay),
        "--adam-beta1", str(o.betas[0]), "--adam-beta2", str(o.betas[1]), "--adam-eps", str(o.eps), "--clip-grad", str(o.clip),
        "--lr-warmup-iters", str(lr.warmup_steps), "--train-iters", str(train.total_steps),
        "--seed", str(train.seed), "--save", str(ckpt), "--load", str(ckpt), "--save-interval", str(train.checkpoint_every),
        "--log-interval", "10", "--eval-iters", "0", "--split", "100,0,0",
        # The plan's stop signal: Megatron's handler agrees on it across ranks, saves and exits.
        "--exit-signal-handler", "--exit-signal", f"SIG{plan.protocol.stop_signal}",
        "--tokenizer-type", "HuggingFaceTokenizer",
    ]
    if lr.kind == "wsd":
        common += ["--lr-decay-style", "WSD", "--lr-wsd-decay-style", "linear", "--lr-wsd-decay-iters", str(lr.decay_steps)]
    else:
        common += ["--lr-decay-style", "cosine" if lr.kind == "cosine" else "constant"]
    if not m.tie_embeddings:
        common.append("--untie-embeddings-and-output-weights")
    if layout.distributed_optimizer:
        common.append("--use-distributed-optimizer")
    if layout.sequence_parallel:
        common.append("--sequence-parallel")
    if p.recompute == "selective":
        common += ["--recompute-granularity", "selective"]
    elif p.recompute == "full":
        common += ["--recompute-granularity", "full", "--recompute-method", "uniform", "--recompute-num-layers", "1"]
    if train.precision in ("bf16", "fp8"):
        common.append("--bf16")
    if train.precision == "fp8":
        common += ["--fp8-format", "hybrid", "--fp8-recipe", "delayed"]
    if step.reads.tokenizer is None or step.reads.datasets is None:
        raise FlowrtError(f"step {step.id} does not name its tokenizer and datasets, which Megatron reads", "re-create plan.json with flowc")
    if step.params.first_step > 0:
        common.append("--exit-on-missing-checkpoint")  # a later segment never starts from a fresh model
    cmds = []
    # Only the stages this segment [first_step, last_step) overlaps, each ending at the segment's end.
    for s in segment_stages(train, step):
        cmd = ["python", pretrain_gpt, *common,
               "--seq-length", str(s.seq_len), "--micro-batch-size", str(s.micro_batch),
               "--global-batch-size", str(train.batch_tokens // s.seq_len), "--rotary-base", str(int(s.rope_theta)),
               "--exit-interval", str(min(s.last_step, step.params.last_step)),
               "--tokenizer-model", str(dir_of(step.reads.tokenizer)),
               "--data-path", *_data_paths(dir_of, plan, step, s)]
        if s.yarn_factor:
            cmd += ["--rotary-scaling-factor", str(s.yarn_factor)]
        cmds.append(cmd)
    return cmds


def segment_stages(train: Train, step: TrainStep) -> list[Stage]:
    first, last = step.params.first_step, step.params.last_step
    return [s for s in train.stages if s.first_step < last and s.last_step > first]


def checkpointed_iteration(ckpt: Path) -> int | None:
    """The last iteration Megatron saved (its latest_checkpointed_iteration.txt), if any."""
    f = ckpt / "latest_checkpointed_iteration.txt"
    try:
        return int(f.read_text().strip())
    except (OSError, ValueError):
        return None


def check_resumable(ckpt: Path, step: TrainStep) -> int | None:
    it = checkpointed_iteration(ckpt)
    if step.params.first_step > 0 and it is None:
        raise FlowrtError(f"{step.id} starts at step {step.params.first_step}, but {ckpt} holds no Megatron checkpoint to resume from",
                          "run the segment before it first; a later segment never trains from a fresh model")
    return it


def launcher(step: TrainStep) -> list[str]:
    """torchrun for this node's ranks: the c10d rendezvous of the batch script (MASTER_ADDR/PORT over
    SLURM_NNODES nodes), or a standalone one on a single machine."""
    per_node = str(step.resources.ranks_per_node)
    base = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={per_node}"]
    if os.environ.get("MASTER_ADDR") and os.environ.get("SLURM_NNODES"):
        return [*base, f"--nnodes={os.environ['SLURM_NNODES']}", "--rdzv-backend=c10d",
                f"--rdzv-endpoint={os.environ['MASTER_ADDR']}:{os.environ.get('MASTER_PORT', '29500')}",
                f"--rdzv-id={os.environ.get('SLURM_JOB_ID', 'flowrt')}"]
    return [*base, "--standalone"]


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _run_watched(cmd: list[str], cwd: str, protocol, log) -> tuple[int, str | None]:
    """Runs torchrun + Megatron; relays the stop (signal or the batch script's stop file) to the
    workers as the plan's stop signal (torchrun forwards none) and SIGTERM to torchrun (a cancel).
    Returns the exit status and the signal that stopped it, if one did."""
    import time

    stop_file = os.environ.get(protocol.stop_file_env) or None
    asked: dict[str, str | None] = {"why": None}
    stop_sig = signal.Signals[f"SIG{protocol.stop_signal}"]
    proc = subprocess.Popen(cmd, cwd=cwd)

    def on_stop(_s, _f):
        asked["why"] = asked["why"] or protocol.stop_signal

    def on_cancel(_s, _f):
        asked["why"] = protocol.preempt_signal
        proc.send_signal(signal.SIGTERM)

    signal.signal(stop_sig, on_stop)
    signal.signal(signal.Signals[f"SIG{protocol.preempt_signal}"], on_cancel)
    relayed = False
    while proc.poll() is None:
        if asked["why"] is None and stop_file is not None and os.path.exists(stop_file):
            asked["why"] = protocol.stop_signal
        if asked["why"] == protocol.stop_signal and not relayed:
            for w in _children(proc.pid):
                os.kill(w, stop_sig)
            relayed = True
            log.info("megatron: SIG%s relayed to the workers; they save and exit", protocol.stop_signal)
        time.sleep(0.5)
    return proc.returncode, asked["why"]


def run(ctx, train: Train) -> None:
    import torch

    if not torch.cuda.is_available():
        raise FlowrtError("backend = megatron needs GPUs (Megatron-LM runs on NCCL and Transformer Engine); this node has none",
                          "use backend = fsdp for CPU runs, or run this step on a GPU partition")
    if ctx.step.params.evals:
        raise FlowrtError("evals during training (`every`) run in flowrt's own loop, not in Megatron-LM's",
                          "drop `every` from the eval (it still runs after training), or use backend = fsdp")
    home = os.environ.get("MEGATRON_LM_HOME")
    if not home or not (Path(home) / "pretrain_gpt.py").exists():
        raise FlowrtError("backend = megatron needs a Megatron-LM checkout: set MEGATRON_LM_HOME to the directory holding pretrain_gpt.py",
                          "git clone https://github.com/NVIDIA/Megatron-LM and export MEGATRON_LM_HOME=…")
    protocol, step = ctx.plan.protocol, ctx.step
    ckpt = ctx.run_dir / step.out_dir / "megatron-ckpt"
    check_resumable(ckpt, step)
    node0 = os.environ.get("SLURM_NODEID", "0") == "0"
    if node0:
        (ctx.run_dir / step.out_dir / protocol.stop_marker).unlink(missing_ok=True)
    for cmd in stage_commands(ctx.plan, train, step, ctx.run_dir, ctx.dir_of, str(Path(home) / "pretrain_gpt.py")):
        stage_end = int(cmd[cmd.index("--exit-interval") + 1])
        done = checkpointed_iteration(ckpt)
        if done is not None and done >= stage_end:
            continue  # this stage's part of the segment is checkpointed already (a requeued job)
        cmd = [*launcher(step), *cmd[1:]]
        ctx.log.info("megatron: %s", shlex.join(cmd))
        code, why = _run_watched(cmd, home, protocol, ctx.log)
        if why == protocol.preempt_signal:
            sys.exit(CANCEL_EXIT_CODE)
        if code != 0:
            raise FlowrtError(f"Megatron-LM exited {code}", "see the log above")
        if why == protocol.stop_signal:
            it = checkpointed_iteration(ckpt) or 0
            if node0:
                write_stop_marker(ctx.run_dir / step.out_dir, protocol, it, why)
            # One launcher per node under srun: exit 0 and let the marker say "requeue"; alone, the requeue code.
            sys.exit(0 if os.environ.get("SLURM_JOB_ID") else protocol.requeue_exit_code)
