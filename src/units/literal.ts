// Number literals with their count suffix and unit: `1.3T` (count, 10^12), `80GiB` (bytes),
// `48h` (duration), `70%` (a fraction), `8_192 tokens`. Exact: the value is a Rational.
import type { Dimension, Quantity } from "./dimension.js";
import * as R from "./rational.js";
import { MAX_LITERAL_DIGITS, MAX_LITERAL_EXPONENT } from "./limits.js";

/** A literal as quoted in a message: a 5 MB literal is shown by its first characters. */
export function shownLiteral(text: string): string {
  return text.length > 24 ? `${text.slice(0, 20)}…` : text;
}

interface UnitDef {
  readonly dim: Dimension;
  readonly factor: R.Rational;
}

const pow = (b: bigint, e: bigint) => R.rat(b ** e);

/** Units by their spelling. Case matters: `M` is a million (a count suffix), `m` minutes. */
export const UNITS: Readonly<Record<string, UnitDef>> = {
  "%": { dim: "percent", factor: R.rat(1n, 100n) },
  KiB: { dim: "bytes", factor: pow(2n, 10n) },
  MiB: { dim: "bytes", factor: pow(2n, 20n) },
  GiB: { dim: "bytes", factor: pow(2n, 30n) },
  TiB: { dim: "bytes", factor: pow(2n, 40n) },
  PiB: { dim: "bytes", factor: pow(2n, 50n) },
  KB: { dim: "bytes", factor: pow(10n, 3n) },
  MB: { dim: "bytes", factor: pow(10n, 6n) },
  GB: { dim: "bytes", factor: pow(10n, 9n) },
  TB: { dim: "bytes", factor: pow(10n, 12n) },
  PB: { dim: "bytes", factor: pow(10n, 15n) },
  bytes: { dim: "bytes", factor: R.ONE },
  s: { dim: "duration", factor: R.ONE },
  m: { dim: "duration", factor: R.rat(60n) },
  h: { dim: "duration", factor: R.rat(3600n) },
  d: { dim: "duration", factor: R.rat(86400n) },
  steps: { dim: "steps", factor: R.ONE },
  tokens: { dim: "tokens", factor: R.ONE },
  gpu_hours: { dim: "gpu_hours", factor: R.ONE },
  epochs: { dim: "epochs", factor: R.ONE },
};

/** Units that may also be written as a separate word after the number (`8_192 tokens`). */
export const WORD_UNITS: ReadonlySet<string> = new Set(Object.keys(UNITS).filter((u) => u !== "%"));

export const COUNT_SUFFIXES: Readonly<Record<string, bigint>> = { K: 10n ** 3n, M: 10n ** 6n, B: 10n ** 9n, T: 10n ** 12n };

export type LiteralResult =
  | { readonly ok: true; readonly quantity: Quantity; readonly unit?: string }
  | { readonly ok: false; readonly message: string; readonly suffix: string; readonly outOfRange?: true };

/** Splits `1.3T` / `80GiB` / `3.5e-4` into number and suffix and applies them. */
export function parseNumberLiteral(text: string): LiteralResult {
  const m = /^((?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)(.*)$/.exec(text);
  if (!m) return { ok: false, message: `\`${shownLiteral(text)}\` is not a number.`, suffix: "" };
  const digits = m[1]!;
  const suffix = m[2]!;
  if (/__|_$|_\./.test(digits)) return { ok: false, message: `\`${shownLiteral(text)}\` has misplaced \`_\` separators.`, suffix: "" };
  // Bounded before any bigint is built: `1e99999999` would otherwise be a 100-million-digit number.
  const [mantissa, expText] = digits.replace(/_/g, "").split(/[eE]/);
  const [intDigits, fracDigits = ""] = mantissa!.split(".");
  const significant = mantissa!.replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
  const exponent = expText === undefined ? 0 : Number(expText);
  // The value's order of magnitude (10^magnitude) and its last decimal place (10^-places).
  const magnitude = intDigits!.replace(/^0+/, "").length - 1 + exponent;
  const places = fracDigits.length - exponent;
  if (significant > MAX_LITERAL_DIGITS || !(Math.abs(exponent) <= MAX_LITERAL_EXPONENT) || magnitude > MAX_LITERAL_EXPONENT || places > MAX_LITERAL_EXPONENT + MAX_LITERAL_DIGITS) {
    return {
      ok: false, suffix: "", outOfRange: true,
      message: `\`${shownLiteral(text)}\` is out of range: a number has at most ${MAX_LITERAL_DIGITS} significant digits and is below 10^${MAX_LITERAL_EXPONENT + 1}, its exponent within ±${MAX_LITERAL_EXPONENT}.`,
    };
  }
  const value = R.parseDecimal(digits);
  if (!value) return { ok: false, message: `\`${shownLiteral(text)}\` is not a number.`, suffix: "" };
  if (suffix === "") return { ok: true, quantity: { value, dim: "number" } };
  const unit = UNITS[suffix];
  if (unit) return { ok: true, quantity: { value: R.mul(value, unit.factor), dim: unit.dim }, unit: suffix };
  const count = COUNT_SUFFIXES[suffix];
  if (count !== undefined) return { ok: true, quantity: { value: R.mul(value, R.rat(count)), dim: "number" } };
  return { ok: false, message: `Unknown unit \`${shownLiteral(suffix)}\` in \`${shownLiteral(text)}\`.`, suffix };
}

/** Applies a unit written as a separate word to a literal that has none. */
export function applyWordUnit(q: Quantity, unit: string): Quantity | undefined {
  const u = UNITS[unit];
  if (!u || q.dim !== "number") return undefined;
  return { value: R.mul(q.value, u.factor), dim: u.dim };
}
