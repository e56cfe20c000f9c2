// Numbers and sizes printed for people; exact values stay in the phases, this only renders them.

/** Past this many digits a number is printed in scientific notation (`2.70e+52`), never 60 digits. */
export const MAX_GROUPED_DIGITS = 18;

/** Digits grouped by thousands: `1,300,000,000,000` (exact for bigint), or `2.70e+52` when too long. */
export function grouped(n: bigint | number): string {
  if (typeof n === "number" && !Number.isFinite(n)) return n > 0 ? "∞" : n < 0 ? "-∞" : "NaN";
  const s = (typeof n === "bigint" ? n : BigInt(Math.round(n))).toString();
  if (s.replace("-", "").length > MAX_GROUPED_DIGITS) return Number(s).toExponential(2);
  const neg = s.startsWith("-");
  const digits = neg ? s.slice(1) : s;
  return (neg ? "-" : "") + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Bytes for people: `41.2 GiB`, `310.5 MiB`, `12.0 KiB` (binary units, one decimal). */
export function gib(bytes: number): string {
  for (const [unit, scale] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (Math.abs(bytes) >= scale) return `${(bytes / scale).toFixed(1)} ${unit}`;
  }
  return `${Math.round(bytes)} B`;
}

/**
 * How far `value` is over `limit`, for a note: `12.5%` up to 1,000%, then `40× the limit` (one
 * significant decimal below 100×, grouped or scientific above), never `2.7e+52%`.
 */
export function overBy(value: number, limit: number, what = "limit"): string {
  const ratio = value / limit;
  if (!Number.isFinite(ratio)) return `no finite multiple of the ${what}`;
  if (ratio <= 11) return `${((ratio - 1) * 100).toFixed(1)}%`;
  return `${ratio < 100 ? ratio.toFixed(1) : grouped(ratio)}× the ${what}`;
}
