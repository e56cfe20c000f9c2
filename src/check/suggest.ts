// "Did you mean": re-exported so the checker does not depend on where the CLI keeps it.
// Damerau-Levenshtein (optimal string alignment) with a similarity floor, as Nickel does.

export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The most similar candidate with similarity >= 0.6 (1 - distance / longer length), or undefined. */
export function suggest(word: string, candidates: Iterable<string>, floor = 0.6): string | undefined {
  let best: string | undefined;
  let bestScore = floor;
  for (const c of candidates) {
    if (c === word) continue;
    const score = 1 - editDistance(word, c) / Math.max(word.length, c.length, 1);
    if (score >= bestScore && (best === undefined || score > bestScore)) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}
