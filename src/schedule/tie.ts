// Seeded tie-breaking. The seed only decides exact ties in the sampler (equal remainders, equal
// deadlines); everything else about the order is forced by the within-one guarantee. SplitMix64
// over exact integers so that TypeScript and Python agree bit for bit.
const MASK = (1n << 64n) - 1n;

export function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** Quota indices in tie-priority order for stage `stageIndex` of a run with `seed`. */
export function tieOrder(seed: number, stageIndex: number, sources: number): number[] {
  const base = splitmix64(splitmix64(BigInt(seed)) ^ BigInt(stageIndex));
  const keys = Array.from({ length: sources }, (_, j) => splitmix64(base ^ BigInt(j)));
  return keys.map((_, j) => j).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
}

/** rank[j] = position of quota j in `order`. */
export function tieRank(order: readonly number[]): number[] {
  const rank = new Array<number>(order.length).fill(0);
  order.forEach((j, pos) => { rank[j] = pos; });
  return rank;
}
