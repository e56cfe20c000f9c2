// docs/language.md, check 3: each mix sums to exactly 100%. The message shows the sum and each term.
import * as R from "../../units/rational.js";
import type { Reporter } from "../report.js";
import type { Fix } from "../../diagnostics/diagnostic.js";
import type { StageT, TrainT } from "../typed.js";

export function pct(r: R.Rational): string {
  return `${R.format(R.mul(r, R.rat(100n)))}%`;
}

/** Returns false (and reports) when a stage's mix does not sum to one. */
export function checkMixSum(train: TrainT, stage: StageT, r: Reporter): boolean {
  if (!stage.mixBlock || stage.mix.length === 0) return false;
  const sum = stage.mix.reduce((acc, e) => R.add(acc, e.weight), R.ZERO);
  if (R.eq(sum, R.ONE)) return true;
  const terms = stage.mix.map((e) => `${pct(e.weight)} (${e.dataset})`).join(" + ");
  const over = R.cmp(sum, R.ONE) > 0;
  r.report("E0120", stage.mixBlock, `The mix of stage \`${stage.name}\` sums to ${pct(sum)}, not 100%.`, {
    label: `these weights sum to ${pct(sum)}`,
    notes: [`${terms} = ${pct(sum)}`, `${over ? "over" : "under"} by ${pct(over ? R.sub(sum, R.ONE) : R.sub(R.ONE, sum))} in train run \`${train.name}\``],
    help: `scale the weights so they sum to exactly 100%${scaledHint(stage, sum)}`,
    fixes: [rescale(stage, sum)],
  });
  return false;
}

/** A suggestion that keeps the ratios when it is exact in whole percent. */
function scaledHint(stage: StageT, sum: R.Rational): string {
  const scaled = stage.mix.map((e) => R.div(e.weight, sum));
  if (!scaled.every((w) => R.isInteger(R.mul(w, R.rat(100n))))) return "";
  return `, e.g. ${stage.mix.map((e, i) => `${e.dataset} = ${pct(scaled[i]!)}`).join(", ")}`;
}

/**
 * The quick fix: every weight divided by the sum, in whole percent when that is exact, else in
 * tenths of a percent by the largest remainder (ties in declaration order), so the sum is exactly 100%.
 */
function rescale(stage: StageT, sum: R.Rational): Fix | undefined {
  if (R.cmp(sum, R.ZERO) <= 0) return undefined;
  const exact = stage.mix.map((e) => R.mul(R.div(e.weight, sum), R.rat(100n)));
  const whole = exact.every(R.isInteger);
  const scale = whole ? 1n : 10n;
  const units = exact.map((w) => R.mul(w, R.rat(scale)));
  const floors = units.map(R.floor);
  let left = 100n * scale - floors.reduce((a, b) => a + b, 0n);
  const order = units.map((u, i) => ({ i, rest: R.sub(u, R.rat(floors[i]!)) })).sort((a, b) => R.cmp(b.rest, a.rest) || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0n) break;
    floors[i] = floors[i]! + 1n;
    left--;
  }
  const edits = stage.mix.flatMap((e, i) => (e.node.kind === "Attribute" ? [{ span: e.node.value.span, text: pct(R.rat(floors[i]!, 100n * scale)) }] : []));
  if (edits.length !== stage.mix.length) return undefined;
  return { title: `Rescale the mix of \`${stage.name}\` to 100%${whole ? "" : " (ratios kept to 0.1%)"}`, edits, preferred: true };
}
