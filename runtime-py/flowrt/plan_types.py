"""The plan IR as frozen, keyword-only dataclasses. Generated from plan.schema.json (itself generated
from the compiler's src/plan/ir.ts) by src/gen/pyPlan.ts: run `npm run schema`, do not edit.
Load a plan with `flowrt.plan.load_plan`, which validates it against the JSON Schema first."""
# ruff: noqa: E501
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Union

from .frozen import FrozenDict


def _fraction(s: str) -> Fraction:
    return Fraction(s)


@dataclass(frozen=True, kw_only=True, slots=True)
class Protocol:
    """How a runtime process and the scheduler talk."""

    #: a single-process train step (not under torchrun) exits with this after checkpointing on the stop signal; the batch script exits with it after requeueing
    requeue_exit_code: Literal[75] = 75
    #: sent to the batch shell before the walltime limit (`--signal=B:USR2@<trains[].checkpoint.stop_signal_lead_s>`), or to a rank directly: every rank stops at the same step, checkpoints, rank 0 writes the stop marker
    stop_signal: Literal["USR2"] = "USR2"
    #: `scancel`: checkpoint if cheap, exit 143, no stop marker, never requeue
    preempt_signal: Literal["TERM"] = "TERM"
    #: names the file the batch script creates when the stop signal reaches it; every rank looks for it once per step
    stop_file_env: Literal["FLOWRT_STOP_FILE"] = "FLOWRT_STOP_FILE"
    #: written by rank 0 into the train step's out_dir after the stop checkpoint; the batch script requeues when it finds it
    stop_marker: Literal["STOPPED.json"] = "STOPPED.json"

    @classmethod
    def from_json(cls, d: Any) -> Protocol:
        return cls(requeue_exit_code=d["requeue_exit_code"], stop_signal=d["stop_signal"], preempt_signal=d["preempt_signal"], stop_file_env=d["stop_file_env"], stop_marker=d["stop_marker"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Cluster:
    name: str
    scheduler: Literal["slurm", "ray"]
    partition: str | None = None
    account: str | None = None
    nodes: int
    gpus_per_node: int
    cpus_per_node: int | None = None
    #: CPU ranks per node (gloo) when gpus_per_node = 0
    ranks_per_node: int | None = None
    #: GPU kind from the catalog, or "cpu"
    gpu: str
    max_walltime_s: int | None = None
    budget_gpu_hours: float | None = None
    ssh: str | None = None
    address: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> Cluster:
        return cls(name=d["name"], scheduler=d["scheduler"], partition=d.get("partition"), account=d.get("account"), nodes=d["nodes"], gpus_per_node=d["gpus_per_node"], cpus_per_node=d.get("cpus_per_node"), ranks_per_node=d.get("ranks_per_node"), gpu=d["gpu"], max_walltime_s=d.get("max_walltime_s"), budget_gpu_hours=float(d["budget_gpu_hours"]) if "budget_gpu_hours" in d else None, ssh=d.get("ssh"), address=d.get("address"))


@dataclass(frozen=True, kw_only=True, slots=True)
class RawSource:
    #: a glob as written; relative ones resolve against the input root
    uri: str
    format: Literal["jsonl", "parquet"]
    declared_tokens: int
    #: copies of every document in the source's pool (quality-aware upsampling)
    upsample: int | None = None
    kind: Literal["web", "code", "math", "academic", "books", "synthetic"]

    @classmethod
    def from_json(cls, d: Any) -> RawSource:
        return cls(uri=d["uri"], format=d["format"], declared_tokens=d["declared_tokens"], upsample=d.get("upsample"), kind=d["kind"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Evalset:
    #: a JSONL file or glob (relative to the input root), or `lm_eval:TASK`
    uri: str
    task: Literal["perplexity", "multiple_choice", "generation"]

    @classmethod
    def from_json(cls, d: Any) -> Evalset:
        return cls(uri=d["uri"], task=d["task"])


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizerSpec:
    kind: Literal["bpe", "unigram"]
    vocab: int
    #: an existing tokenizer.json (relative to the input root)
    path: str | None = None
    #: raw source names to train on
    train_on: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, d: Any) -> TokenizerSpec:
        return cls(kind=d["kind"], vocab=d["vocab"], path=d.get("path"), train_on=tuple(d["train_on"]) if "train_on" in d else None)


@dataclass(frozen=True, kw_only=True, slots=True)
class LanguageOp:
    """Keeps documents in the listed languages; code sources are not language-filtered."""

    op: Literal["language"] = "language"
    #: languages kept (ISO 639-1 codes, as fastText lid.176 labels them)
    keep: tuple[str, ...] = ("en",)
    #: minimum language score (fastText probability, or the function-word score without a model)
    min_score: float = 0.5
    #: a fastText lid.176-compatible .bin (relative to the input root); without one, English only, scored by the share of English function words
    model: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> LanguageOp:
        return cls(op=d["op"], keep=tuple(d["keep"]), min_score=float(d["min_score"]), model=d.get("model"))


@dataclass(frozen=True, kw_only=True, slots=True)
class QualityOp:
    """Heuristic quality rules or a classifier; code sources get StarCoder-style code rules instead."""

    op: Literal["quality"] = "quality"
    #: Gopher rules (Rae et al. 2021, app. A), C4 rules (Raffel et al. 2020), or a fastText classifier
    method: Literal["gopher", "c4", "classifier"] = "gopher"
    #: method = classifier: a fastText .bin whose positive label is __label__hq (relative to the input root)
    model: str | None = None
    #: method = classifier: documents with P(hq) >= threshold are kept (`min_score` in the .flow file means the same)
    threshold: float = 0.5

    @classmethod
    def from_json(cls, d: Any) -> QualityOp:
        return cls(op=d["op"], method=d["method"], model=d.get("model"), threshold=float(d["threshold"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class PerplexityOp:
    """A perplexity filter: a small flowrt LM scores each document; code sources are not scored."""

    op: Literal["perplexity"] = "perplexity"
    #: the scoring causal LM: a directory with config.json, model.safetensors (or final/model.safetensors) and tokenizer.json, relative to the input root
    model: str
    #: documents whose perplexity under `model` (over their first seq_len tokens) is above this are dropped
    max: float

    @classmethod
    def from_json(cls, d: Any) -> PerplexityOp:
        return cls(op=d["op"], model=d["model"], max=float(d["max"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class PiiOp:
    """Replaces emails, phone numbers and IPv4/IPv6 addresses (Dolma's placeholders)."""

    op: Literal["pii"] = "pii"
    #: kinds of PII replaced
    redact: tuple[Literal["email", "phone", "ip"], ...] = ("email", "phone", "ip")
    #: replacement text; default Dolma's placeholders (|||EMAIL_ADDRESS||| …)
    replacement: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> PiiOp:
        return cls(op=d["op"], redact=tuple(d["redact"]), replacement=d.get("replacement"))


@dataclass(frozen=True, kw_only=True, slots=True)
class NsfwOp:
    """Drops documents a classifier scores as NSFW; code sources are not scored."""

    op: Literal["nsfw"] = "nsfw"
    #: a fastText .bin whose label __label__nsfw scores a document (relative to the input root)
    model: str | None = None
    #: documents with P(nsfw) above this are dropped
    max_score: float = 0.05

    @classmethod
    def from_json(cls, d: Any) -> NsfwOp:
        return cls(op=d["op"], model=d.get("model"), max_score=float(d["max_score"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class MinhashDedupOp:
    op: Literal["dedup"] = "dedup"
    method: Literal["minhash"] = "minhash"
    #: word n-gram shingles
    ngram: int = 5
    #: MinHash permutations (signature length)
    permutations: int = 128
    #: LSH bands of permutations / bands rows
    bands: int = 16
    #: candidate pairs are duplicates when their estimated Jaccard similarity >= threshold
    threshold: float = 0.8
    #: seed of the hash family
    seed: int = 1

    @classmethod
    def from_json(cls, d: Any) -> MinhashDedupOp:
        return cls(op=d["op"], method=d["method"], ngram=d["ngram"], permutations=d["permutations"], bands=d["bands"], threshold=float(d["threshold"]), seed=d["seed"])


@dataclass(frozen=True, kw_only=True, slots=True)
class SimhashDedupOp:
    op: Literal["dedup"] = "dedup"
    method: Literal["simhash"] = "simhash"
    #: word n-gram shingles
    ngram: int = 3
    #: documents within this many differing bits of a 64-bit SimHash are duplicates
    hamming: int = 3

    @classmethod
    def from_json(cls, d: Any) -> SimhashDedupOp:
        return cls(op=d["op"], method=d["method"], ngram=d["ngram"], hamming=d["hamming"])


@dataclass(frozen=True, kw_only=True, slots=True)
class SemanticDedupOp:
    """Near-duplicates by embedding similarity; flowrt does not run it yet and says so."""

    op: Literal["dedup"] = "dedup"
    method: Literal["semantic"] = "semantic"
    #: the sentence-embedding model (relative to the input root)
    model: str | None = None
    #: documents whose embeddings have cosine similarity >= threshold are duplicates
    threshold: float = 0.9

    @classmethod
    def from_json(cls, d: Any) -> SemanticDedupOp:
        return cls(op=d["op"], method=d["method"], model=d.get("model"), threshold=float(d["threshold"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class AstDedupOp:
    """Code documents with the same syntax tree up to names and literals are duplicates; flowrt does not run it yet and says so."""

    op: Literal["dedup"] = "dedup"
    method: Literal["ast"] = "ast"

    @classmethod
    def from_json(cls, d: Any) -> AstDedupOp:
        return cls(op=d["op"], method=d["method"])


@dataclass(frozen=True, kw_only=True, slots=True)
class ExactDedupOp:
    """SHA-1 of the normalized text (lower case, words only)."""

    op: Literal["dedup"] = "dedup"
    method: Literal["exact"] = "exact"

    @classmethod
    def from_json(cls, d: Any) -> ExactDedupOp:
        return cls(op=d["op"], method=d["method"])


@dataclass(frozen=True, kw_only=True, slots=True)
class DecontaminateOp:
    op: Literal["decontaminate"] = "decontaminate"
    #: evalset names; a document sharing a word n-gram with one of their items is dropped
    against: tuple[str, ...] = ()
    #: word n-gram length (13 as in GPT-3 and Dolma)
    ngram: int = 13

    @classmethod
    def from_json(cls, d: Any) -> DecontaminateOp:
        return cls(op=d["op"], against=tuple(d["against"]), ngram=d["ngram"])


@dataclass(frozen=True, kw_only=True, slots=True)
class FilterOp:
    """Length and repetition filters; an option not given is not applied."""

    op: Literal["filter"] = "filter"
    min_words: int | None = None
    max_words: int | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    #: largest share of duplicate lines (Gopher's repetition rule)
    max_repetition: float | None = None
    #: largest share of characters that are neither alphanumeric nor space
    max_symbol_ratio: float | None = None

    @classmethod
    def from_json(cls, d: Any) -> FilterOp:
        return cls(op=d["op"], min_words=d.get("min_words"), max_words=d.get("max_words"), min_chars=d.get("min_chars"), max_chars=d.get("max_chars"), max_repetition=float(d["max_repetition"]) if "max_repetition" in d else None, max_symbol_ratio=float(d["max_symbol_ratio"]) if "max_symbol_ratio" in d else None)


@dataclass(frozen=True, kw_only=True, slots=True)
class ReviewOp:
    """A sampled manual review; flowrt does not run it yet and says so."""

    op: Literal["review"] = "review"
    #: share of the documents set aside for people to review
    sample: float
    #: the share of reviewed documents that must be judged correct
    min_accuracy: float | None = None

    @classmethod
    def from_json(cls, d: Any) -> ReviewOp:
        return cls(op=d["op"], sample=float(d["sample"]), min_accuracy=float(d["min_accuracy"]) if "min_accuracy" in d else None)


@dataclass(frozen=True, kw_only=True, slots=True)
class Curation:
    from_: tuple[str, ...]
    #: as declared; the curate and tokenize steps say which of them each applies
    ops: tuple[CurateOp, ...]
    tokenizer: str
    expect_retention: Fraction

    @classmethod
    def from_json(cls, d: Any) -> Curation:
        return cls(from_=tuple(d["from"]), ops=tuple(curate_op_from_json(x) for x in d["ops"]), tokenizer=d["tokenizer"], expect_retention=_fraction(d["expect_retention"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Dataset:
    curation: str
    source: str
    #: declared tokens x expect_retention, rounded down
    available_tokens: int
    drawn_tokens: int
    #: drawn / available, for display
    epochs: float
    max_epochs: Fraction

    @classmethod
    def from_json(cls, d: Any) -> Dataset:
        return cls(curation=d["curation"], source=d["source"], available_tokens=d["available_tokens"], drawn_tokens=d["drawn_tokens"], epochs=float(d["epochs"]), max_epochs=_fraction(d["max_epochs"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Model:
    arch: Literal["llama"] = "llama"
    layers: int
    d_model: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int
    seq_len: int
    rope_theta: float
    tie_embeddings: bool
    #: sliding-window attention of this many tokens in every layer but the last full_attention_layers
    sliding_window: int | None = None
    #: with sliding_window: how many of the last layers keep full attention
    full_attention_layers: int | None = None

    @classmethod
    def from_json(cls, d: Any) -> Model:
        return cls(arch=d["arch"], layers=d["layers"], d_model=d["d_model"], heads=d["heads"], kv_heads=d["kv_heads"], ffn=d["ffn"], vocab=d["vocab"], seq_len=d["seq_len"], rope_theta=float(d["rope_theta"]), tie_embeddings=d["tie_embeddings"], sliding_window=d.get("sliding_window"), full_attention_layers=d.get("full_attention_layers"))


@dataclass(frozen=True, kw_only=True, slots=True)
class Parallel:
    tp: int
    pp: int
    dp: int
    cp: int
    zero: Literal[0, 1, 2, 3]
    recompute: Literal["none", "selective", "full"]

    @classmethod
    def from_json(cls, d: Any) -> Parallel:
        return cls(tp=d["tp"], pp=d["pp"], dp=d["dp"], cp=d["cp"], zero=d["zero"], recompute=d["recompute"])


@dataclass(frozen=True, kw_only=True, slots=True)
class FsdpLayout:
    backend: Literal["fsdp"] = "fsdp"
    #: FSDP2 `fully_shard` over dp, or `replicate` (DDP) for zero = 0
    data_parallel: Literal["fully_shard", "replicate"]
    #: fully_shard: free gathered parameters after forward (ZeRO-3) or keep them to backward (ZeRO-2)
    reshard_after_forward: bool
    #: FSDP2 MixedPrecisionPolicy: the dtype parameters are gathered in for compute
    param_dtype: Literal["bfloat16", "float32"]
    #: FSDP2 MixedPrecisionPolicy: the dtype gradients are reduced in
    reduce_dtype: Literal["float32"] = "float32"

    @classmethod
    def from_json(cls, d: Any) -> FsdpLayout:
        return cls(backend=d["backend"], data_parallel=d["data_parallel"], reshard_after_forward=d["reshard_after_forward"], param_dtype=d["param_dtype"], reduce_dtype=d["reduce_dtype"])


@dataclass(frozen=True, kw_only=True, slots=True)
class MegatronLayout:
    backend: Literal["megatron"] = "megatron"
    #: --use-distributed-optimizer (zero = 1)
    distributed_optimizer: bool
    #: --sequence-parallel (with tp > 1)
    sequence_parallel: bool

    @classmethod
    def from_json(cls, d: Any) -> MegatronLayout:
        return cls(backend=d["backend"], distributed_optimizer=d["distributed_optimizer"], sequence_parallel=d["sequence_parallel"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Optimizer:
    kind: Literal["adamw"] = "adamw"
    lr: float
    betas: tuple[float, float]
    weight_decay: float
    eps: float
    clip: float

    @classmethod
    def from_json(cls, d: Any) -> Optimizer:
        return cls(kind=d["kind"], lr=float(d["lr"]), betas=(float(d["betas"][0]), float(d["betas"][1])), weight_decay=float(d["weight_decay"]), eps=float(d["eps"]), clip=float(d["clip"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class ConstantLr:
    kind: Literal["constant"] = "constant"
    peak: float
    warmup_steps: int

    @classmethod
    def from_json(cls, d: Any) -> ConstantLr:
        return cls(kind=d["kind"], peak=float(d["peak"]), warmup_steps=d["warmup_steps"])


@dataclass(frozen=True, kw_only=True, slots=True)
class CosineLr:
    kind: Literal["cosine"] = "cosine"
    peak: float
    warmup_steps: int
    min_ratio: float

    @classmethod
    def from_json(cls, d: Any) -> CosineLr:
        return cls(kind=d["kind"], peak=float(d["peak"]), warmup_steps=d["warmup_steps"], min_ratio=float(d["min_ratio"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class WsdLr:
    kind: Literal["wsd"] = "wsd"
    peak: float
    warmup_steps: int
    decay_steps: int
    min_ratio: float

    @classmethod
    def from_json(cls, d: Any) -> WsdLr:
        return cls(kind=d["kind"], peak=float(d["peak"]), warmup_steps=d["warmup_steps"], decay_steps=d["decay_steps"], min_ratio=float(d["min_ratio"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Quota:
    sequences: int
    tokens: int
    #: as written
    weight: Fraction

    @classmethod
    def from_json(cls, d: Any) -> Quota:
        return cls(sequences=d["sequences"], tokens=d["tokens"], weight=_fraction(d["weight"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Stage:
    name: str
    first_step: int
    #: exclusive
    last_step: int
    first_token: int
    tokens: int
    sequences: int
    seq_len: int
    micro_batch: int
    grad_accum: int
    sequences_per_step: int
    rope_theta: float
    yarn_factor: float | None = None
    #: how documents fill sequences: best-fit decreasing bins (the default, what flowrt does), or concatenated and cut
    packing: Literal["best_fit", "concat"] | None = None
    lr_scale: Fraction
    lr_jump: bool
    #: training FLOPs per token at this stage's seq_len: 6N + 12·L·d_model·seq_len (src/estimate/compute.ts)
    flops_per_token: int
    #: keys are dataset names `CURATE.SOURCE`, in declaration order
    mix: FrozenDict[str, Quota]

    @classmethod
    def from_json(cls, d: Any) -> Stage:
        return cls(name=d["name"], first_step=d["first_step"], last_step=d["last_step"], first_token=d["first_token"], tokens=d["tokens"], sequences=d["sequences"], seq_len=d["seq_len"], micro_batch=d["micro_batch"], grad_accum=d["grad_accum"], sequences_per_step=d["sequences_per_step"], rope_theta=float(d["rope_theta"]), yarn_factor=float(d["yarn_factor"]) if "yarn_factor" in d else None, packing=d.get("packing"), lr_scale=_fraction(d["lr_scale"]), lr_jump=d["lr_jump"], flops_per_token=d["flops_per_token"], mix=FrozenDict({k: Quota.from_json(v) for k, v in d["mix"].items()}))


@dataclass(frozen=True, kw_only=True, slots=True)
class Memory:
    #: the stage with the largest footprint
    stage: str
    per_gpu_bytes: int
    weights: int
    gradients: int
    optimizer: int
    activations: int
    logits: int
    overheads: int
    #: memory of one GPU (or one CPU rank's allowance)
    gpu_bytes: int
    #: the runtime computes the cross-entropy over chunks of this many tokens (one chunk's logits exist at a time); the estimate's `logits` is one chunk
    loss_chunk_tokens: int

    @classmethod
    def from_json(cls, d: Any) -> Memory:
        return cls(stage=d["stage"], per_gpu_bytes=d["per_gpu_bytes"], weights=d["weights"], gradients=d["gradients"], optimizer=d["optimizer"], activations=d["activations"], logits=d["logits"], overheads=d["overheads"], gpu_bytes=d["gpu_bytes"], loss_chunk_tokens=d["loss_chunk_tokens"])


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckpointEstimate:
    #: bytes of one checkpoint, all ranks together: model and optimizer states (src/estimate/checkpoint.ts)
    state_bytes: int
    #: the write bandwidth assumed for the run's nodes together
    write_bytes_per_s: float
    #: state_bytes / write_bytes_per_s
    write_s: float
    #: how long before the walltime limit to send the stop signal: room to finish the step in flight and write a checkpoint
    stop_signal_lead_s: int

    @classmethod
    def from_json(cls, d: Any) -> CheckpointEstimate:
        return cls(state_bytes=d["state_bytes"], write_bytes_per_s=float(d["write_bytes_per_s"]), write_s=float(d["write_s"]), stop_signal_lead_s=d["stop_signal_lead_s"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Job:
    index: int
    first_step: int
    last_step: int
    walltime_s: int

    @classmethod
    def from_json(cls, d: Any) -> Job:
        return cls(index=d["index"], first_step=d["first_step"], last_step=d["last_step"], walltime_s=d["walltime_s"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Train:
    name: str
    model: Model
    params: int
    cluster: str
    nodes: int
    #: as written: a train run of the plan, or a directory with model.safetensors
    init_from: str | None = None
    precision: Literal["bf16", "fp8", "fp32"]
    backend: Literal["fsdp", "megatron"]
    parallel: Parallel
    layout: Layout
    optimizer: Optimizer
    lr_schedule: LrSchedule
    seed: int
    batch_tokens: int
    tokens: int
    total_steps: int
    checkpoint_every: int
    stages: tuple[Stage, ...]
    memory: Memory
    flops: float
    #: peak FLOP/s of one of the run's GPUs (or CPU ranks) at the run's precision, as the MFU figures use it
    peak_flops_per_gpu: float
    mfu_assumed: float
    gpu_hours: float
    walltime_s: float
    checkpoint: CheckpointEstimate
    jobs: tuple[Job, ...]
    #: hash of what determines the run's weights (model, data schedule, optimizer, LR, seed, precision, init); checkpoints record it, and a run never resumes from checkpoints of another lineage
    lineage: str

    @classmethod
    def from_json(cls, d: Any) -> Train:
        return cls(name=d["name"], model=Model.from_json(d["model"]), params=d["params"], cluster=d["cluster"], nodes=d["nodes"], init_from=d.get("init_from"), precision=d["precision"], backend=d["backend"], parallel=Parallel.from_json(d["parallel"]), layout=layout_from_json(d["layout"]), optimizer=Optimizer.from_json(d["optimizer"]), lr_schedule=lr_schedule_from_json(d["lr_schedule"]), seed=d["seed"], batch_tokens=d["batch_tokens"], tokens=d["tokens"], total_steps=d["total_steps"], checkpoint_every=d["checkpoint_every"], stages=tuple(Stage.from_json(x) for x in d["stages"]), memory=Memory.from_json(d["memory"]), flops=float(d["flops"]), peak_flops_per_gpu=float(d["peak_flops_per_gpu"]), mfu_assumed=float(d["mfu_assumed"]), gpu_hours=float(d["gpu_hours"]), walltime_s=float(d["walltime_s"]), checkpoint=CheckpointEstimate.from_json(d["checkpoint"]), jobs=tuple(Job.from_json(x) for x in d["jobs"]), lineage=d["lineage"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Gate:
    evalset: str
    metric: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float

    @classmethod
    def from_json(cls, d: Any) -> Gate:
        return cls(evalset=d["evalset"], metric=d["metric"], op=d["op"], value=float(d["value"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Eval:
    name: str
    #: the train run evaluated
    after: str
    #: also every N steps during training (gates apply to the final eval only)
    every: int | None = None
    tasks: tuple[str, ...]
    gates: tuple[Gate, ...]

    @classmethod
    def from_json(cls, d: Any) -> Eval:
        return cls(name=d["name"], after=d["after"], every=d.get("every"), tasks=tuple(d["tasks"]), gates=tuple(Gate.from_json(x) for x in d["gates"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Release:
    name: str
    from_: str
    require: tuple[str, ...]
    format: Literal["hf_safetensors"] = "hf_safetensors"
    phases: tuple[str, ...]
    rollback_if: tuple[Gate, ...]

    @classmethod
    def from_json(cls, d: Any) -> Release:
        return cls(name=d["name"], from_=d["from"], require=tuple(d["require"]), format=d["format"], phases=tuple(d["phases"]), rollback_if=tuple(Gate.from_json(x) for x in d["rollback_if"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Resources:
    nodes: int
    gpus_per_node: int
    #: processes per node (torchrun nproc_per_node / srun tasks)
    ranks_per_node: int
    #: memory per node the step asks for (sbatch --mem), estimated from what it reads (src/plan/stepResources.ts)
    memory_bytes: int
    cpus_per_task: int
    #: the time limit it asks for, estimated from what it reads; at most the cluster's max_walltime
    walltime_s: int

    @classmethod
    def from_json(cls, d: Any) -> Resources:
        return cls(nodes=d["nodes"], gpus_per_node=d["gpus_per_node"], ranks_per_node=d["ranks_per_node"], memory_bytes=d["memory_bytes"], cpus_per_task=d["cpus_per_task"], walltime_s=d["walltime_s"])


@dataclass(frozen=True, kw_only=True, slots=True)
class StepFields:
    """The fields every Step has."""

    id: str
    #: the steps whose output this one reads: the values of `reads`, for the scheduler's dependencies
    needs: tuple[str, ...]
    #: where the step writes, relative to the run directory: `steps/<id>`; the segments of a train run share `steps/train.<run>`
    out_dir: str
    #: an array step runs as shards 0..shards-1 (Slurm --array=0-(shards-1)); shard i of this many, whatever the scheduler says
    shards: int
    #: the raw files it reads, as written (globs allowed); relative ones resolve against the input root
    inputs: tuple[str, ...]
    #: hash of the step's definition: everything in the plan that decides its output (fingerprint_parts), shard layout included
    fingerprint: str
    #: the hash of each part the fingerprint covers (`step`, `trains.NAME`, `evalsets.NAME`, …), so a runtime can say which changed
    fingerprint_parts: FrozenDict[str, str]
    resources: Resources

    @staticmethod
    def fields_from_json(d: Any) -> dict[str, Any]:
        return dict(id=d["id"], needs=tuple(d["needs"]), out_dir=d["out_dir"], shards=d["shards"], inputs=tuple(d["inputs"]), fingerprint=d["fingerprint"], fingerprint_parts=FrozenDict(d["fingerprint_parts"]), resources=Resources.from_json(d["resources"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizerStepReads:
    pass

    @classmethod
    def from_json(cls, d: Any) -> TokenizerStepReads:
        return cls()


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizerParams:
    #: a key of `tokenizers`
    tokenizer: str

    @classmethod
    def from_json(cls, d: Any) -> TokenizerParams:
        return cls(tokenizer=d["tokenizer"])


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizerStep(StepFields):
    """Trains (on `train_on`'s raw sources) or copies (`path`) a tokenizer: tokenizer.json."""

    kind: Literal["tokenizer"] = "tokenizer"
    reads: TokenizerStepReads
    params: TokenizerParams

    @classmethod
    def from_json(cls, d: Any) -> TokenizerStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=TokenizerStepReads.from_json(d["reads"]), params=TokenizerParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class CurateStepReads:
    pass

    @classmethod
    def from_json(cls, d: Any) -> CurateStepReads:
        return cls()


@dataclass(frozen=True, kw_only=True, slots=True)
class CurateParams:
    curation: str
    #: a key of `raw_sources`: its files are split among the shards
    source: str
    #: applied in order to every document: the curation's operations before its first dedup
    ops: tuple[DocOp, ...]
    #: the curation's dedup: this step writes each shard's signatures for the global merge
    signatures: DedupOp | None = None

    @classmethod
    def from_json(cls, d: Any) -> CurateParams:
        return cls(curation=d["curation"], source=d["source"], ops=tuple(doc_op_from_json(x) for x in d["ops"]), signatures=dedup_op_from_json(d["signatures"]) if "signatures" in d else None)


@dataclass(frozen=True, kw_only=True, slots=True)
class CurateStep(StepFields):
    """One shard of a raw source through the per-document operations: shard-NNNNN.jsonl, signatures, stats."""

    kind: Literal["curate"] = "curate"
    reads: CurateStepReads
    params: CurateParams

    @classmethod
    def from_json(cls, d: Any) -> CurateStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=CurateStepReads.from_json(d["reads"]), params=CurateParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupReads:
    #: source name -> its curate step
    curated: FrozenDict[str, str]

    @classmethod
    def from_json(cls, d: Any) -> DedupReads:
        return cls(curated=FrozenDict(d["curated"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupParams:
    curation: str
    dedup: DedupOp

    @classmethod
    def from_json(cls, d: Any) -> DedupParams:
        return cls(curation=d["curation"], dedup=dedup_op_from_json(d["dedup"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupStep(StepFields):
    """The global merge of every shard's signatures: drop.json (`SOURCE/ID`), clusters.json, stats."""

    kind: Literal["dedup"] = "dedup"
    reads: DedupReads
    params: DedupParams

    @classmethod
    def from_json(cls, d: Any) -> DedupStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=DedupReads.from_json(d["reads"]), params=DedupParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizeReads:
    #: the curate step whose shard-NNNNN.jsonl this step tokenizes, shard for shard
    documents: str
    #: the dedup step whose drop list applies
    dedup: str | None = None
    tokenizer: str

    @classmethod
    def from_json(cls, d: Any) -> TokenizeReads:
        return cls(documents=d["documents"], dedup=d.get("dedup"), tokenizer=d["tokenizer"])


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizeParams:
    curation: str
    source: str
    #: `CURATION.SOURCE`
    dataset: str
    #: applied in order after the dedup drops: the curation's operations after its first dedup
    ops: tuple[DocOp, ...]

    @classmethod
    def from_json(cls, d: Any) -> TokenizeParams:
        return cls(curation=d["curation"], source=d["source"], dataset=d["dataset"], ops=tuple(doc_op_from_json(x) for x in d["ops"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenizeStep(StepFields):
    """Token shards (memmap + Megatron .bin/.idx) per curate shard, and manifest.json with SHA-256."""

    kind: Literal["tokenize"] = "tokenize"
    reads: TokenizeReads
    params: TokenizeParams

    @classmethod
    def from_json(cls, d: Any) -> TokenizeStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=TokenizeReads.from_json(d["reads"]), params=TokenizeParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class MixReads:
    #: dataset `CURATION.SOURCE` -> its tokenize step
    datasets: FrozenDict[str, str]

    @classmethod
    def from_json(cls, d: Any) -> MixReads:
        return cls(datasets=FrozenDict(d["datasets"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class MixParams:
    train: str

    @classmethod
    def from_json(cls, d: Any) -> MixParams:
        return cls(train=d["train"])


@dataclass(frozen=True, kw_only=True, slots=True)
class MixStep(StepFields):
    """Packs every dataset of a run once per seq_len; layout.json locates each sequence of the schedule."""

    kind: Literal["mix"] = "mix"
    reads: MixReads
    params: MixParams

    @classmethod
    def from_json(cls, d: Any) -> MixStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=MixReads.from_json(d["reads"]), params=MixParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class TrainReads:
    mix: str
    #: read for evals during training and by Megatron
    tokenizer: str | None = None
    #: backend = megatron: dataset -> its tokenize step (Megatron reads the .bin/.idx shards)
    datasets: FrozenDict[str, str] | None = None
    #: init_from a run of the plan: its last segment, whose final weights start this run
    init: str | None = None
    #: the segment before this one: its checkpoints are where this one resumes
    previous: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> TrainReads:
        return cls(mix=d["mix"], tokenizer=d.get("tokenizer"), datasets=FrozenDict(d["datasets"]) if "datasets" in d else None, init=d.get("init"), previous=d.get("previous"))


@dataclass(frozen=True, kw_only=True, slots=True)
class PeriodicEval:
    #: a name in `evals`
    eval: str
    #: steps
    every: int

    @classmethod
    def from_json(cls, d: Any) -> PeriodicEval:
        return cls(eval=d["eval"], every=d["every"])


@dataclass(frozen=True, kw_only=True, slots=True)
class TrainParams:
    train: str
    #: index of this segment in the run's job split
    segment: int
    first_step: int
    #: exclusive; the run's last segment ends at total_steps and exports final weights
    last_step: int
    #: init_from a directory (relative to the input root) holding model.safetensors
    init_path: str | None = None
    #: evals run during training every N steps (metrics to evals.jsonl)
    evals: tuple[PeriodicEval, ...]

    @classmethod
    def from_json(cls, d: Any) -> TrainParams:
        return cls(train=d["train"], segment=d["segment"], first_step=d["first_step"], last_step=d["last_step"], init_path=d.get("init_path"), evals=tuple(PeriodicEval.from_json(x) for x in d["evals"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class TrainStep(StepFields):
    """A segment [first_step, last_step) of a train run under torchrun: DCP checkpoints, metrics.jsonl, final weights."""

    kind: Literal["train"] = "train"
    reads: TrainReads
    params: TrainParams

    @classmethod
    def from_json(cls, d: Any) -> TrainStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=TrainReads.from_json(d["reads"]), params=TrainParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class EvalReads:
    #: the run's last train segment
    model: str
    tokenizer: str

    @classmethod
    def from_json(cls, d: Any) -> EvalReads:
        return cls(model=d["model"], tokenizer=d["tokenizer"])


@dataclass(frozen=True, kw_only=True, slots=True)
class EvalParams:
    eval: str

    @classmethod
    def from_json(cls, d: Any) -> EvalParams:
        return cls(eval=d["eval"])


@dataclass(frozen=True, kw_only=True, slots=True)
class EvalStep(StepFields):
    """Metrics of the final weights and gate verdicts: results.json; exit 1 when a gate fails."""

    kind: Literal["eval"] = "eval"
    reads: EvalReads
    params: EvalParams

    @classmethod
    def from_json(cls, d: Any) -> EvalStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=EvalReads.from_json(d["reads"]), params=EvalParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class ReleaseReads:
    model: str
    tokenizer: str
    #: required eval name -> its step
    evals: FrozenDict[str, str]

    @classmethod
    def from_json(cls, d: Any) -> ReleaseReads:
        return cls(model=d["model"], tokenizer=d["tokenizer"], evals=FrozenDict(d["evals"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class ReleaseParams:
    release: str
    #: the release tree (VERSION/PHASE/, CURRENT, ROLLBACK), relative to the run directory; kept across re-runs
    publish_dir: str

    @classmethod
    def from_json(cls, d: Any) -> ReleaseParams:
        return cls(release=d["release"], publish_dir=d["publish_dir"])


@dataclass(frozen=True, kw_only=True, slots=True)
class ReleaseStep(StepFields):
    """A Hugging Face export, model card and SHA-256 manifest per phase; CURRENT and ROLLBACK pointers."""

    kind: Literal["release"] = "release"
    reads: ReleaseReads
    params: ReleaseParams

    @classmethod
    def from_json(cls, d: Any) -> ReleaseStep:
        return cls(**StepFields.fields_from_json(d), kind=d["kind"], reads=ReleaseReads.from_json(d["reads"]), params=ReleaseParams.from_json(d["params"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    version: Literal[2] = 2
    flowc_version: str
    source_file: str
    source_hash: str
    protocol: Protocol
    cluster: Cluster
    raw_sources: FrozenDict[str, RawSource]
    evalsets: FrozenDict[str, Evalset]
    tokenizers: FrozenDict[str, TokenizerSpec]
    curations: FrozenDict[str, Curation]
    #: curated datasets CURATE.SOURCE
    sources: FrozenDict[str, Dataset]
    trains: tuple[Train, ...]
    evals: tuple[Eval, ...]
    releases: tuple[Release, ...]
    steps: tuple[Step, ...]

    @classmethod
    def from_json(cls, d: Any) -> Plan:
        return cls(version=d["version"], flowc_version=d["flowc_version"], source_file=d["source_file"], source_hash=d["source_hash"], protocol=Protocol.from_json(d["protocol"]), cluster=Cluster.from_json(d["cluster"]), raw_sources=FrozenDict({k: RawSource.from_json(v) for k, v in d["raw_sources"].items()}), evalsets=FrozenDict({k: Evalset.from_json(v) for k, v in d["evalsets"].items()}), tokenizers=FrozenDict({k: TokenizerSpec.from_json(v) for k, v in d["tokenizers"].items()}), curations=FrozenDict({k: Curation.from_json(v) for k, v in d["curations"].items()}), sources=FrozenDict({k: Dataset.from_json(v) for k, v in d["sources"].items()}), trains=tuple(Train.from_json(x) for x in d["trains"]), evals=tuple(Eval.from_json(x) for x in d["evals"]), releases=tuple(Release.from_json(x) for x in d["releases"]), steps=tuple(step_from_json(x) for x in d["steps"]))


#: Dedup across every shard and source of a curation (signatures per shard, one global merge).
DedupOp = Union[MinhashDedupOp, SimhashDedupOp, SemanticDedupOp, AstDedupOp, ExactDedupOp]
#: DedupOp by `method`: a class, or the table of a nested union.
DEDUP_OP_KINDS: dict[str, Any] = {"minhash": MinhashDedupOp, "simhash": SimhashDedupOp, "semantic": SemanticDedupOp, "ast": AstDedupOp, "exact": ExactDedupOp}
DEDUP_OP_DEFAULT_METHOD = "minhash"


_DEDUP_OP_KINDS_FROM: dict[str, Any] = {"minhash": MinhashDedupOp.from_json, "simhash": SimhashDedupOp.from_json, "semantic": SemanticDedupOp.from_json, "ast": AstDedupOp.from_json, "exact": ExactDedupOp.from_json}


def dedup_op_from_json(d: Any) -> DedupOp:
    return _DEDUP_OP_KINDS_FROM[d["method"]](d)


CurateOp = Union[LanguageOp, QualityOp, PerplexityOp, PiiOp, NsfwOp, DedupOp, DecontaminateOp, FilterOp, ReviewOp]
#: CurateOp by `op`: a class, or the table of a nested union.
CURATE_OP_KINDS: dict[str, Any] = {"language": LanguageOp, "quality": QualityOp, "perplexity": PerplexityOp, "pii": PiiOp, "nsfw": NsfwOp, "dedup": DEDUP_OP_KINDS, "decontaminate": DecontaminateOp, "filter": FilterOp, "review": ReviewOp}


_CURATE_OP_KINDS_FROM: dict[str, Any] = {"language": LanguageOp.from_json, "quality": QualityOp.from_json, "perplexity": PerplexityOp.from_json, "pii": PiiOp.from_json, "nsfw": NsfwOp.from_json, "dedup": dedup_op_from_json, "decontaminate": DecontaminateOp.from_json, "filter": FilterOp.from_json, "review": ReviewOp.from_json}


def curate_op_from_json(d: Any) -> CurateOp:
    return _CURATE_OP_KINDS_FROM[d["op"]](d)


Layout = Union[FsdpLayout, MegatronLayout]
#: Layout by `backend`: a class, or the table of a nested union.
LAYOUT_KINDS: dict[str, Any] = {"fsdp": FsdpLayout, "megatron": MegatronLayout}


_LAYOUT_KINDS_FROM: dict[str, Any] = {"fsdp": FsdpLayout.from_json, "megatron": MegatronLayout.from_json}


def layout_from_json(d: Any) -> Layout:
    return _LAYOUT_KINDS_FROM[d["backend"]](d)


LrSchedule = Union[ConstantLr, CosineLr, WsdLr]
#: LrSchedule by `kind`: a class, or the table of a nested union.
LR_SCHEDULE_KINDS: dict[str, Any] = {"constant": ConstantLr, "cosine": CosineLr, "wsd": WsdLr}


_LR_SCHEDULE_KINDS_FROM: dict[str, Any] = {"constant": ConstantLr.from_json, "cosine": CosineLr.from_json, "wsd": WsdLr.from_json}


def lr_schedule_from_json(d: Any) -> LrSchedule:
    return _LR_SCHEDULE_KINDS_FROM[d["kind"]](d)


DocOp = Union[LanguageOp, QualityOp, PerplexityOp, PiiOp, NsfwOp, DecontaminateOp, FilterOp, ReviewOp]
#: DocOp by `op`: a class, or the table of a nested union.
DOC_OP_KINDS: dict[str, Any] = {"language": LanguageOp, "quality": QualityOp, "perplexity": PerplexityOp, "pii": PiiOp, "nsfw": NsfwOp, "decontaminate": DecontaminateOp, "filter": FilterOp, "review": ReviewOp}


_DOC_OP_KINDS_FROM: dict[str, Any] = {"language": LanguageOp.from_json, "quality": QualityOp.from_json, "perplexity": PerplexityOp.from_json, "pii": PiiOp.from_json, "nsfw": NsfwOp.from_json, "decontaminate": DecontaminateOp.from_json, "filter": FilterOp.from_json, "review": ReviewOp.from_json}


def doc_op_from_json(d: Any) -> DocOp:
    return _DOC_OP_KINDS_FROM[d["op"]](d)


Step = Union[TokenizerStep, CurateStep, DedupStep, TokenizeStep, MixStep, TrainStep, EvalStep, ReleaseStep]
#: Step by `kind`: a class, or the table of a nested union.
STEP_KINDS: dict[str, Any] = {"tokenizer": TokenizerStep, "curate": CurateStep, "dedup": DedupStep, "tokenize": TokenizeStep, "mix": MixStep, "train": TrainStep, "eval": EvalStep, "release": ReleaseStep}


_STEP_KINDS_FROM: dict[str, Any] = {"tokenizer": TokenizerStep.from_json, "curate": CurateStep.from_json, "dedup": DedupStep.from_json, "tokenize": TokenizeStep.from_json, "mix": MixStep.from_json, "train": TrainStep.from_json, "eval": EvalStep.from_json, "release": ReleaseStep.from_json}


def step_from_json(d: Any) -> Step:
    return _STEP_KINDS_FROM[d["kind"]](d)


__all__ = ["AstDedupOp", "CheckpointEstimate", "Cluster", "ConstantLr", "CosineLr", "CurateOp", "CurateParams", "CurateStep", "CurateStepReads", "Curation", "Dataset", "DecontaminateOp", "DedupOp", "DedupParams", "DedupReads", "DedupStep", "DocOp", "Eval", "EvalParams", "EvalReads", "EvalStep", "Evalset", "ExactDedupOp", "FilterOp", "FsdpLayout", "Gate", "Job", "LanguageOp", "Layout", "LrSchedule", "MegatronLayout", "Memory", "MinhashDedupOp", "MixParams", "MixReads", "MixStep", "Model", "NsfwOp", "Optimizer", "Parallel", "PeriodicEval", "PerplexityOp", "PiiOp", "Plan", "Protocol", "QualityOp", "Quota", "RawSource", "Release", "ReleaseParams", "ReleaseReads", "ReleaseStep", "Resources", "ReviewOp", "SemanticDedupOp", "SimhashDedupOp", "Stage", "Step", "StepFields", "TokenizeParams", "TokenizeReads", "TokenizeStep", "TokenizerParams", "TokenizerSpec", "TokenizerStep", "TokenizerStepReads", "Train", "TrainParams", "TrainReads", "TrainStep", "WsdLr"]
