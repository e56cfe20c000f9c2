// "Did you mean …?": the closest candidate by Damerau–Levenshtein distance (optimal string
// alignment), kept only above a similarity floor — as Nickel does (0.60) — so that we suggest at
// most one name, and only a plausible one.

/** Similarity below this is not worth suggesting. */
export const SIMILARITY_FLOOR = 0.6;

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
 * adjacent characters each cost 1 (a substring is never edited twice). Works on code points.
 */
export function osaDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  const n = s.length;
  const m = t.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rolling rows: two back (for transpositions), previous, current.
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m] ?? 0;
}

/** 1 for equal strings, 0 for nothing in common: 1 − distance / longer length (in code points). */
export function similarity(a: string, b: string): number {
  const longest = Math.max(Array.from(a).length, Array.from(b).length);
  if (longest === 0) return 1;
  return 1 - osaDistance(a, b) / longest;
}

export interface Suggestion {
  readonly candidate: string;
  readonly similarity: number;
}

/**
 * Candidates at or above the floor, best first. Ties keep the candidates' order, so callers that
 * list names in source order get a deterministic answer. Case differences count as edits, but a
 * candidate equal to the word ignoring case always qualifies (`Web` → `web`).
 */
export function rankSuggestions(word: string, candidates: Iterable<string>, floor = SIMILARITY_FLOOR): Suggestion[] {
  const seen = new Set<string>();
  const out: Suggestion[] = [];
  for (const c of candidates) {
    if (c === word || seen.has(c)) continue;
    seen.add(c);
    const sim = c.toLowerCase() === word.toLowerCase() ? 1 - 1e-9 : similarity(word, c);
    if (sim >= floor) out.push({ candidate: c, similarity: sim });
  }
  // Array.prototype.sort is stable, so equal similarities keep candidate order.
  return out.sort((x, y) => y.similarity - x.similarity);
}

/** The single best candidate above the floor, or `undefined` when nothing is close enough. */
export function suggest(word: string, candidates: Iterable<string>, floor = SIMILARITY_FLOOR): string | undefined {
  return rankSuggestions(word, candidates, floor)[0]?.candidate;
}

/** The help line checks attach: "did you mean `clean.math`?", or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const best = suggest(word, candidates);
  return best === undefined ? undefined : `did you mean \`${best}\`?`;
}
