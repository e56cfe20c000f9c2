"""Where each sequence of a training run comes from: computed from the sampler, never stored.

The mix step packs each dataset once per sequence length (`packed/DS.L{seq_len}.{tokens,segments}.npy`)
and writes `layout.json`: the packed files, their row counts, and per stage the row each dataset
starts from (a dataset continues where the previous stage with the same seq_len left it, so a
stage sees fresh data before repeats). Which dataset the i-th sequence of a step's global batch is
drawn from is `flowrt.schedule.replay` (the sampler the compiler proves things about); its ordinal
within that dataset is the sampler's count before the step plus those earlier in the batch; the
row is (start + ordinal) mod rows — cycling is what `epochs` counts, and `upsample = k` is a pool
of k copies, i.e. the same cycle. So the stage is never copied into a [sequences, seq_len] array
(for a 3T-token stage that copy would be terabytes), and any step is located in O(block) time,
which is what resume at an arbitrary step needs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FlowrtError
from ..schedule import ResolvedSchedule, ResolvedStage
from ..schedule.sampler import replay, stage_at

LAYOUT = "layout.json"


def packed_name(dataset: str, seq_len: int) -> str:
    return f"{dataset}.L{seq_len}"


@dataclass(frozen=True)
class Draw:
    dataset: str
    row: int


def step_draws(sched: ResolvedSchedule, layout: dict, step: int) -> list[Draw]:
    """The (dataset, packed row) of every sequence of the global batch at `step`, rank-major."""
    st: ResolvedStage = stage_at(sched, step)
    P = st.sequences_per_step
    start = (step - st.first_step) * P
    after, picks = replay(st, start, start + P)
    before = list(after)
    for j in picks:
        before[j] -= 1
    stage = layout["stages"][st.name]
    out: list[Draw] = []
    for j in picks:
        ds = st.quotas[j].source
        rows = layout["packed"][packed_name(ds, st.seq_len)]["rows"]
        out.append(Draw(ds, (stage["start"][ds] + before[j]) % rows))
        before[j] += 1
    return out


def _open_rows(path: Path) -> np.ndarray:
    """A packed .npy file, memory-mapped; a missing, truncated or overwritten one is a clear error."""
    try:
        return np.load(path, mmap_mode="r")
    except (OSError, ValueError) as e:
        raise FlowrtError(f"cannot read {path}: {e}", "the mix step's output is corrupt or partial: delete its _DONE and re-run it") from None


class StageData:
    """The packed sequences of one stage, read through the layout: rank r of dp takes the
    contiguous slice r·P/dp … (r+1)·P/dp of the step's global batch, cut into micro-batches
    (flowrt.schedule.rank_micro_batch)."""

    def __init__(self, mix_dir: Path, sched: ResolvedSchedule, stage: ResolvedStage):
        path = mix_dir / LAYOUT
        if not path.exists():
            raise FlowrtError(f"{path} is missing", "run the mix step first (`python -m flowrt step --step mix.TRAIN`)")
        self.layout = json.loads(path.read_text())
        if stage.name not in self.layout["stages"]:
            raise FlowrtError(f"{path} has no stage `{stage.name}`", "the mix step's output is stale: delete its _DONE and re-run it")
        self.sched, self.stage = sched, stage
        self._draws: tuple[int, list[Draw]] | None = None  # the last step's, shared by its micro-batches
        self.tokens: dict[str, np.ndarray] = {}
        self.segments: dict[str, np.ndarray] = {}
        for q in stage.quotas:
            name = packed_name(q.source, stage.seq_len)
            entry = self.layout["packed"].get(name)
            if entry is None:
                raise FlowrtError(f"{path} has no packed data {name}", "the mix step's output is stale: delete its _DONE and re-run it")
            tok, seg = (_open_rows(mix_dir / entry[k]) for k in ("tokens", "segments"))
            if tok.shape != (entry["rows"], stage.seq_len) or seg.shape != tok.shape:
                raise FlowrtError(f"{mix_dir / entry['tokens']} has shape {tok.shape}, the layout says {(entry['rows'], stage.seq_len)}",
                                  "the mix step's output is corrupt or partial: delete its _DONE and re-run it")
            self.tokens[q.source], self.segments[q.source] = tok, seg

    def _gather(self, draws: list[Draw]) -> tuple[np.ndarray, np.ndarray]:
        tokens = np.stack([self.tokens[d.dataset][d.row] for d in draws]).astype(np.int64)
        segments = np.stack([self.segments[d.dataset][d.row] for d in draws]).astype(np.int64)
        return tokens, segments

    def rows(self, step: int, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Sequences [first, first + count) of the step's global batch: tokens and document numbers."""
        if self._draws is None or self._draws[0] != step:
            self._draws = (step, step_draws(self.sched, self.layout, step))
        return self._gather(self._draws[1][first:first + count])

    def rank_batch(self, step: int, rank: int, dp: int):
        """All of a dp rank's sequences of the step (its micro-batches, in order)."""
        import torch

        per_rank = self.stage.sequences_per_step // dp
        t, s = self.rows(step, rank * per_rank, per_rank)
        return torch.from_numpy(t), torch.from_numpy(s)

    def micro_batch(self, step: int, micro: int, rank: int, dp: int):
        import torch

        per_rank = self.stage.sequences_per_step // dp
        t, s = self.rows(step, rank * per_rank + micro * self.stage.micro_batch, self.stage.micro_batch)
        return torch.from_numpy(t), torch.from_numpy(s)
