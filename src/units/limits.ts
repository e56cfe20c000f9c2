// The compiler's limits on hostile or runaway input, each with its own diagnostic code. A limit is
// far above what a real program needs and far below where flowc itself would fail (a stack
// overflow, a heap exhausted, a run that never returns), so crossing one is a clear error at a span.

/**
 * Brackets, parentheses, braces and signs nested in one another (E0008). The parser recurses once
 * per level; real programs nest 4 or 5 deep.
 */
export const MAX_NESTING = 64;

/**
 * The depth of one expression's tree (E0009): `1 + 1 + …` with 20,000 terms is a tree 20,000 deep,
 * which every recursive walk of the checker would overflow on. Real expressions are a few deep.
 */
export const MAX_EXPRESSION_DEPTH = 256;
