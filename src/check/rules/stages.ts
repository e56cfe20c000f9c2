// docs/language.md, checks 4 and 6: stages cover [0, tokens) of their run in order, without gap or
// overlap (`last = X` takes the final X); each stage's batch arithmetic is whole. The exact
// rounding (stage ends up to whole steps, largest-remainder quotas) is the schedule's
// (src/schedule), shared with the runtime.
import { attributeValue, type Block, type Expr } from "../../ast/nodes.js";
import type { Span } from "../../source/span.js";
import * as R from "../../units/rational.js";
import type { Code } from "../../diagnostics/diagnostic.js";
import { resolveSchedule, type LrSchedule, type ResolvedSchedule, type ScheduleInput, type ScheduleProblemKind } from "../../schedule/index.js";
import type { Reporter } from "../report.js";
import { grouped } from "../../units/print.js";
import type { ModelT, StageT, TrainT } from "../typed.js";

export interface StageEnd {
  readonly stage: StageT;
  /** Requested cumulative end in tokens (before rounding to whole steps). */
  readonly end: bigint;
  readonly node: Expr;
}

/** Requested stage ends; reports order, overlap and coverage problems. Undefined when unusable. */
export function stageEnds(train: TrainT, r: Reporter): StageEnd[] | undefined {
  const ends: StageEnd[] = [];
  let ok = true;
  train.stages.forEach((s, i) => {
    const isLast = i === train.stages.length - 1;
    if (s.last) {
      if (!isLast) {
        r.report("E0131", s.last.node, `Only the final stage may use \`last\`; \`${s.name}\` is followed by \`${train.stages[i + 1]!.name}\`.`, {
          help: "give this stage a cumulative `until` instead",
        });
        ok = false;
        return;
      }
      const start = train.tokens - s.last.tokens;
      const prev = ends[ends.length - 1];
      const prevEnd = prev ? prev.end : 0n;
      if (start < 0n) {
        r.report("E0131", s.last.node, `\`last = ${grouped(s.last.tokens)}\` is more than the run's ${grouped(train.tokens)} tokens.`, {
          secondary: train.tokensNode ? [{ span: train.tokensNode.span, message: "the run's tokens" }] : [],
        });
        ok = false;
        return;
      }
      if (start !== prevEnd) {
        const gap = start > prevEnd;
        r.report(gap ? "E0130" : "E0131", s.last.node,
          gap ? `Stage \`${s.name}\` starts at ${grouped(start)} tokens (the final ${grouped(s.last.tokens)}), but the stage before it ends at ${grouped(prevEnd)}: ${grouped(start - prevEnd)} tokens are in no stage.`
              : `Stage \`${s.name}\` starts at ${grouped(start)} tokens (the final ${grouped(s.last.tokens)}), which overlaps the stage before it, ending at ${grouped(prevEnd)}.`, {
          secondary: prev ? [{ span: prev.node.span, message: `\`${prev.stage.name}\` ends here` }] : [],
          help: prev ? `set \`${prev.stage.name}\`'s \`until = ${grouped(start).replace(/,/g, "_")}\`, or \`last = ${grouped(train.tokens - prevEnd).replace(/,/g, "_")}\`` : `use \`last = ${grouped(train.tokens).replace(/,/g, "_")}\``,
        });
        ok = false;
      }
      ends.push({ stage: s, end: train.tokens, node: s.last.node });
      return;
    }
    if (!s.until) {
      ok = false;
      return;
    }
    const prev = ends[ends.length - 1];
    if (prev && s.until.tokens <= prev.end) {
      r.report("E0131", s.until.node, `Stage \`${s.name}\` ends at ${grouped(s.until.tokens)} tokens, not after the stage before it (${grouped(prev.end)}).`, {
        secondary: [{ span: prev.node.span, message: `\`${prev.stage.name}\` ends here` }],
        help: "`until` is cumulative: each stage's `until` must be larger than the one before",
      });
      ok = false;
    }
    ends.push({ stage: s, end: s.until.tokens, node: s.until.node });
  });
  if (!ok || ends.length === 0) return undefined;
  const final = ends[ends.length - 1]!;
  if (final.end !== train.tokens) {
    const short = final.end < train.tokens;
    r.report("E0130", final.node,
      short ? `The stages of \`${train.name}\` end at ${grouped(final.end)} tokens, but the run declares ${grouped(train.tokens)}.`
            : `The stages of \`${train.name}\` run to ${grouped(final.end)} tokens, past the run's ${grouped(train.tokens)}.`, {
      label: `the last stage ends here`,
      secondary: train.tokensNode ? [{ span: train.tokensNode.span, message: `the run declares ${grouped(train.tokens)} tokens` }] : [],
      notes: [`${short ? "uncovered" : "extra"}: ${grouped(short ? train.tokens - final.end : final.end - train.tokens)} tokens`],
      help: `set \`${final.stage.name}\`'s \`until = ${grouped(train.tokens).replace(/,/g, "_")}\`, or set the run's \`tokens = ${grouped(final.end).replace(/,/g, "_")}\``,
    });
    return undefined;
  }
  return ends;
}

export function lrSchedule(train: TrainT, totalSteps: number): LrSchedule {
  const peak = train.optimizer.lr;
  const lr = train.lr;
  if (lr.kind === "constant") return { kind: "constant", peak, warmupSteps: lr.warmupSteps };
  if (lr.kind === "cosine") return { kind: "cosine", peak, warmupSteps: lr.warmupSteps, minRatio: lr.minRatio };
  // wsd: the decay phase as a fraction of all steps rounds down to whole steps.
  const decaySteps = lr.decaySteps ?? Number(R.floor(R.mul(lr.decayFraction ?? R.ZERO, R.rat(BigInt(totalSteps)))));
  return { kind: "wsd", peak, warmupSteps: lr.warmupSteps, decaySteps, minRatio: lr.minRatio };
}

/** The schedule module's input for a checked run (also used by `flowc test` to vary dp). */
export function scheduleInput(train: TrainT, model: ModelT, dp: number, ends: readonly StageEnd[]): ScheduleInput {
  const totalSteps = Number((train.tokens + train.batch - 1n) / train.batch);
  return {
    batchTokens: train.batch,
    dp,
    totalTokens: train.tokens,
    seed: train.seed,
    lr: lrSchedule(train, totalSteps),
    stages: ends.map(({ stage, end }) => ({
      name: stage.name,
      until: end,
      seqLen: stage.seqLen ?? model.seqLen,
      microBatch: stage.microBatch ?? train.microBatch,
      lrScale: stage.lrScale,
      lrJump: stage.lrJump,
      mix: stage.mix.map((m) => ({ source: m.dataset, weight: m.weight })),
    })),
  };
}

/** Each kind of schedule problem has its own code and fix (a Record: a new kind must be given one). */
const SCHEDULE_PROBLEMS: Record<ScheduleProblemKind, { code: Code; help: string }> = {
  "bad-input": { code: "E0112", help: "give the run a positive batch and token count, and each stage seq_len, micro_batch ≥ 1" },
  "batch-not-divisible": { code: "E0132", help: "make `batch` a whole number of the stage's seq_len-token sequences" },
  "grad-accum": { code: "E0137", help: "make `batch` = micro_batch × seq_len × dp × grad_accum with a whole grad_accum ≥ 1 in every stage" },
  "stage-order": { code: "E0131", help: "give each stage an `until` past the stage before it, and only the last stage the run's end" },
  "stage-gap": { code: "E0130", help: "end the last stage at the run's `tokens`" },
  "empty-stage": { code: "E0138", help: "make the stage at least one global batch long, or merge it into its neighbour" },
  "mix-sum": { code: "E0120", help: "give the stage a mix of non-negative weights that sum to 100%" },
  "lr-schedule": { code: "E0139", help: "use a positive `lr`, whole warmup steps, and a decay within the run's steps" },
};

/** Where a learning-rate problem is written: the optimizer's `lr`, or the schedule's attribute. */
function lrScheduleNode(train: TrainT, numbers: Record<string, string>): { span: Span } | undefined {
  const child = (kw: string): Block | undefined =>
    train.block.items.find((i): i is Block => i.kind === "Block" && i.keyword.name === kw);
  if ("peak" in numbers) return attributeValue(child("optimizer"), "lr");
  const schedule = child("schedule");
  const key = "warmupSteps" in numbers ? "warmup" : "decaySteps" in numbers ? "decay" : "minRatio" in numbers ? "min_lr_ratio" : undefined;
  return (key ? attributeValue(schedule, key) : undefined) ?? schedule?.name ?? schedule?.keyword;
}

/** Resolves a checked run's schedule; problems become diagnostics. */
export function resolveTrainSchedule(train: TrainT, model: ModelT, dp: number, ends: readonly StageEnd[], r: Reporter): ResolvedSchedule | undefined {
  const { schedule, problems } = resolveSchedule(scheduleInput(train, model, dp, ends));
  for (const p of problems) {
    const stage = train.stages.find((s) => s.name === p.stage);
    const at = (p.kind === "lr-schedule" ? lrScheduleNode(train, p.numbers) : undefined) ?? stage?.block.name ?? train.batchNode ?? train.block.name!;
    const { code, help } = SCHEDULE_PROBLEMS[p.kind];
    r.report(code, at, p.message, {
      secondary: p.kind !== "lr-schedule" && train.batchNode && at !== train.batchNode ? [{ span: train.batchNode.span, message: `global batch ${grouped(train.batch)} tokens` }] : [],
      notes: Object.entries(p.numbers).map(([k, v]) => `${k} = ${v}`),
      help,
    });
  }
  return problems.length ? undefined : schedule;
}
