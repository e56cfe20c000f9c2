// What the plan schema cannot say about a curation op's options: ranges of shares, MinHash bands
// that divide the permutations, shingles of at least one word, and limits past which an op would run
// out of memory or do nothing useful. The same checks, limits and wording as flowrt's
// (runtime-py/flowrt/curate/bounds.py), so flowc's plan loader refuses the plans flowrt refuses.
import type { CurateOpIR } from "./ir.js";

import { MAX_HAMMING, MAX_NGRAM, MAX_PERMUTATIONS, MAX_SEED } from "../units/opLimits.js";


const num = (x: number) => (Number.isInteger(x) && Math.abs(x) < 1e15 ? String(x) : x.toPrecision(6).replace(/\.?0+(e|$)/, "$1"));

/** The first unusable option of `op` as `OPTION: MESSAGE`, or null. */
export function opProblem(op: CurateOpIR): string | null {
  const range = (option: string, v: number | undefined, lo: number, hi: number) =>
    v !== undefined && !(lo <= v && v <= hi) ? `${option}: ${num(v)} is outside ${num(lo)}..${num(hi)}` : null;
  switch (op.op) {
    case "dedup":
      if (op.method === "minhash") {
        return range("ngram", op.ngram, 1, MAX_NGRAM) ?? range("permutations", op.permutations, 1, MAX_PERMUTATIONS)
          ?? range("bands", op.bands, 1, op.permutations)
          ?? (op.permutations % op.bands !== 0 ? `bands: ${op.permutations} permutations do not split into ${op.bands} bands of equal rows` : null)
          ?? range("threshold", op.threshold, 0, 1) ?? range("seed", op.seed, 0, MAX_SEED);
      }
      if (op.method === "simhash") return range("ngram", op.ngram, 1, MAX_NGRAM) ?? range("hamming", op.hamming, 0, MAX_HAMMING);
      if (op.method === "semantic") return range("threshold", op.threshold, 0, 1);
      return null;
    case "language":
      return range("min_score", op.min_score, 0, 1) ?? (op.keep.find((l) => !l.trim() || l !== l.trim()) !== undefined
        ? `keep: '${op.keep.find((l) => !l.trim() || l !== l.trim())}' is not a language code` : null);
    case "quality": return range("threshold", op.threshold, 0, 1);
    case "nsfw": return range("max_score", op.max_score, 0, 1);
    case "review": return range("sample", op.sample, 0, 1) ?? range("min_accuracy", op.min_accuracy, 0, 1);
    case "decontaminate": return range("ngram", op.ngram, 1, MAX_NGRAM);
    case "filter": {
      const r = range("max_repetition", op.max_repetition, 0, 1) ?? range("max_symbol_ratio", op.max_symbol_ratio, 0, 1);
      if (r) return r;
      for (const [lo, hi] of [["min_words", "max_words"], ["min_chars", "max_chars"]] as const) {
        const a = op[lo], b = op[hi];
        if (a !== undefined && b !== undefined && a > b) return `${lo}: ${a} is more than ${hi} ${b}: every document would be dropped`;
      }
      return null;
    }
    default: return null;
  }
}
