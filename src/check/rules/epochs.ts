// docs/language.md, check 5: no source is drawn beyond `max_epochs` (default 4, per-source override) of
// the tokens it has after curation (declared tokens × expect_retention, rounded down).
// Muennighoff et al. (2023): up to 4 epochs of repeated data are worth ~93% of fresh data.
import * as R from "../../units/rational.js";
import type { Span } from "../../source/span.js";
import type { ResolvedSchedule } from "../../schedule/index.js";
import { findAttribute } from "../values.js";
import type { Reporter } from "../report.js";
import { grouped } from "../../units/print.js";
import { pct } from "./mix.js";
import type { Declarations, TrainT } from "../typed.js";

export interface DatasetUse {
  readonly dataset: string;
  readonly curation: string;
  readonly source: string;
  readonly declared: bigint;
  readonly upsample: number;
  readonly retention: R.Rational;
  readonly available: bigint;
  readonly maxEpochs: R.Rational;
  readonly drawn: bigint;
  readonly perStage: { stage: string; tokens: bigint }[];
}

/** `300000n` -> `300K`, `20500000000n` -> `20.5B`. */
export function compact(n: bigint): string {
  for (const [suffix, scale] of [["T", 10n ** 12n], ["B", 10n ** 9n], ["M", 10n ** 6n], ["K", 10n ** 3n]] as const) {
    if (n >= scale) return `${R.format(R.rat(n, scale))}${suffix}`;
  }
  return n.toString();
}

export function epochsOf(drawn: bigint, available: bigint): number {
  return available === 0n ? Infinity : R.toNumber(R.rat(drawn, available));
}

/** Per-dataset use in one run; reports datasets drawn past their cap. */
export function checkEpochs(p: Declarations, train: TrainT, schedule: ResolvedSchedule, r: Reporter): Map<string, DatasetUse> {
  const uses = new Map<string, DatasetUse>();
  // Reported after all stages are counted, so the message shows the run's total.
  const pending: { u: DatasetUse; at: { span: Span }; srcSpan: Span }[] = [];
  for (const stage of schedule.stages) {
    for (const q of stage.quotas) {
      const [curation, source] = q.source.split(".") as [string, string];
      const cur = p.curations.get(curation);
      const src = p.sources.get(source);
      if (!cur || !src) continue;
      let u = uses.get(q.source);
      if (!u) {
        // `upsample = k` puts k copies of every document in the source's pool (quality-aware
        // upsampling, as Dolma/OLMo mixes do): a pass over the pool is k passes over the data.
        const available = R.floor(R.mul(R.rat(src.tokens * BigInt(src.upsample ?? 1)), cur.retention));
        u = { dataset: q.source, curation, source, declared: src.tokens, upsample: src.upsample ?? 1, retention: cur.retention, available,
          maxEpochs: src.maxEpochs ?? train.maxEpochs, drawn: 0n, perStage: [] };
        uses.set(q.source, u);
      }
      const before = u.drawn;
      const after = before + q.tokens;
      (u as { drawn: bigint }).drawn = after;
      u.perStage.push({ stage: stage.name, tokens: q.tokens });
      const cap = R.mul(R.rat(u.available), u.maxEpochs);
      if (R.cmp(R.rat(after), cap) > 0 && R.cmp(R.rat(before), cap) <= 0) {
        const st = train.stages.find((s) => s.name === stage.name);
        const entry = st?.mix.find((m) => m.dataset === q.source);
        const srcTokens = findAttribute(src.block, "tokens");
        pending.push({ u, at: entry?.node ?? st?.block ?? train.block, srcSpan: srcTokens?.value.span ?? src.block.span });
      }
    }
  }
  for (const { u, at, srcSpan } of pending) {
    const ep = epochsOf(u.drawn, u.available);
    const hasOverride = p.sources.get(u.source)?.maxEpochs !== undefined;
    r.report("E0140", at, `\`${u.dataset}\` is drawn ${ep.toFixed(2)} epochs in \`${train.name}\`, past its cap of ${R.format(u.maxEpochs)}.`, {
      label: "the cap is crossed in this stage",
      secondary: [{ span: srcSpan, message: `${compact(u.declared)} tokens declared` }],
      notes: [
        `${grouped(u.drawn)} tokens drawn of ${grouped(u.available)} available (${compact(u.declared)} declared${u.upsample > 1 ? ` x upsample ${u.upsample}` : ""} x ${pct(u.retention)} retention) = ${ep.toFixed(2)} epochs, against max_epochs ${R.format(u.maxEpochs)}`,
        ...u.perStage.map((s) => `stage \`${s.stage}\`: ${grouped(s.tokens)} tokens (${epochsOf(s.tokens, u.available).toFixed(2)} epochs)`),
      ],
      help: `lower \`${u.dataset}\`'s weight, add data to source \`${u.source}\`, or set \`max_epochs = ${Math.ceil(ep)}\` on source \`${u.source}\`${hasOverride ? "" : " if repeating it is intended"}`,
    });
  }
  return uses;
}
