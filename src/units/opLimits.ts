// The limits of the curation ops' options, as flowrt enforces them: the checker refuses a value past
// one at its span, the plan loader refuses a plan.json that carries one.

/** MinHash signature length; memory is documents × permutations × 4 bytes. */
export const MAX_PERMUTATIONS = 4096;
/** numpy's RandomState (the MinHash family's generator) takes 32-bit seeds. */
export const MAX_SEED = 2 ** 32 - 1;
/** A SimHash has 64 bits: documents can differ in at most 63 and still be near. */
export const MAX_HAMMING = 63;
/** Longer shingles than any sentence match nothing but exact copies. */
export const MAX_NGRAM = 1000;
