// Apportionment: split a whole number of sequences among sources, exactly.
import type { Rational } from "../units/rational.js";

/**
 * Largest-remainder (Hamilton) split of `total` by fractional `weights` (summing to 1): every
 * share is floor(total·w) or one more; the leftover seats go to the largest fractional parts,
 * ties in declaration order. The shares sum to `total` exactly.
 */
export function largestRemainder(total: bigint, weights: readonly Rational[]): bigint[] {
  const floors = weights.map((w) => (total * w.num) / w.den);
  const rems = weights.map((w) => ({ num: (total * w.num) % w.den, den: w.den }));
  let left = total - floors.reduce((a, b) => a + b, 0n);
  const order = weights.map((_, i) => i).sort((a, b) => {
    const l = rems[a]!.num * rems[b]!.den, r = rems[b]!.num * rems[a]!.den;
    return l > r ? -1 : l < r ? 1 : a - b;
  });
  for (const i of order) {
    if (left <= 0n) break;
    floors[i]! += 1n;
    left -= 1n;
  }
  return floors;
}

/**
 * The sampler's closed-form counts after the first `x` of a stage's `total` sequences: the
 * largest-remainder split of `x` seats by the integer quotas (ideal q_j·x/total), ties broken by
 * `tieRank` (lower first). Each count is floor or ceil of its ideal (within quota), and at
 * x = total it is the quota itself.
 */
export function countsAt(quotas: readonly bigint[], total: bigint, x: bigint, tieRank: readonly number[]): bigint[] {
  const counts = quotas.map((q) => (q * x) / total);
  const rems = quotas.map((q) => (q * x) % total);
  let left = x - counts.reduce((a, b) => a + b, 0n);
  if (left === 0n) return counts;
  const order = quotas.map((_, i) => i).sort((a, b) =>
    rems[a]! > rems[b]! ? -1 : rems[a]! < rems[b]! ? 1 : tieRank[a]! - tieRank[b]!);
  for (const i of order) {
    if (left <= 0n) break;
    counts[i]! += 1n;
    left -= 1n;
  }
  return counts;
}
