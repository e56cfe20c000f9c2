// Exact rationals over bigint. Token counts, quotas and budgets never go through floats:
// `1.3T` is the integer 1_300_000_000_000 and `3.5e-4` is 7/20000.

export interface Rational {
  readonly num: bigint;
  /** Always > 0; num/den is in lowest terms. */
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rat(num: bigint | number, den: bigint | number = 1n): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new RangeError("rational with zero denominator");
  if (d < 0n) { n = -n; d = -d; }
  const g = gcd(n, d) || 1n;
  return { num: n / g, den: d / g };
}

export const ZERO = rat(0n);
export const ONE = rat(1n);

export const add = (a: Rational, b: Rational) => rat(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Rational, b: Rational) => rat(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Rational, b: Rational) => rat(a.num * b.num, a.den * b.den);
export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError("division by zero");
  return rat(a.num * b.den, a.den * b.num);
}
export const neg = (a: Rational) => rat(-a.num, a.den);
export const cmp = (a: Rational, b: Rational): -1 | 0 | 1 => {
  const l = a.num * b.den, r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const eq = (a: Rational, b: Rational) => a.num === b.num && a.den === b.den;
export const isInteger = (a: Rational) => a.den === 1n;

/** Floor and ceiling division toward -inf / +inf (bigint `/` truncates toward zero). */
export function floor(a: Rational): bigint {
  const q = a.num / a.den;
  return a.num < 0n && q * a.den !== a.num ? q - 1n : q;
}
export function ceil(a: Rational): bigint {
  const q = a.num / a.den;
  return a.num > 0n && q * a.den !== a.num ? q + 1n : q;
}

/** Nearest double; only for display and for estimates that are floats by nature (MFU, seconds). */
export function toNumber(a: Rational): number {
  return Number(a.num) / Number(a.den);
}

/**
 * Parse a decimal literal exactly: "1_000", "1.3", "3.5e-4", "0.95". Underscores are separators.
 * Returns undefined when the text is not a decimal number.
 */
export function parseDecimal(text: string): Rational | undefined {
  const m = /^(\d[\d_]*)?(?:\.(\d[\d_]*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  const intPart = (m[1] ?? "0").replace(/_/g, "");
  const fracPart = (m[2] ?? "").replace(/_/g, "");
  const exp = m[3] ? Number(m[3]) : 0;
  let num = BigInt(intPart + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den *= 10n ** BigInt(-exp);
  return rat(num, den);
}

/** Exact decimal text when the denominator divides a power of ten, else `num/den`. */
export function format(a: Rational): string {
  if (a.den === 1n) return a.num.toString();
  let d = a.den, twos = 0, fives = 0;
  while (d % 2n === 0n) { d /= 2n; twos++; }
  while (d % 5n === 0n) { d /= 5n; fives++; }
  if (d !== 1n) return `${a.num}/${a.den}`;
  const digits = Math.max(twos, fives);
  const scaled = (a.num * 10n ** BigInt(digits)) / a.den;
  const neg = scaled < 0n;
  const s = (neg ? -scaled : scaled).toString().padStart(digits + 1, "0");
  return `${neg ? "-" : ""}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
