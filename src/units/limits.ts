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

/**
 * A number literal has at most this many significant digits (E0017): `1_000_000` has one, a
 * 400-digit count is refused at its span rather than carried into estimates that become Infinity.
 */
export const MAX_LITERAL_DIGITS = 40;

/** A number literal's written exponent is within ±MAX_LITERAL_EXPONENT (E0017): `1e400` is refused. */
export const MAX_LITERAL_EXPONENT = 60;

/**
 * Every whole count (tokens, steps, sequences, layers, sizes, ranks, bytes) is at most 10^15 (E0115):
 * 27x the largest published pretraining run, and below 2^53 (~9.007 x 10^15), so each count in
 * plan.json is an exact JSON integer (the plan's rule) and every estimate over counts is finite.
 */
export const MAX_COUNT = 10n ** 15n;

/**
 * A train run is split into at most this many chained jobs by its cluster's `max_walltime` (E0171);
 * more is a walltime far too short for the run, and the plan would hold millions of steps.
 */
export const MAX_JOBS = 10_000;

/**
 * The wall time one `flowc test` property may take (milliseconds). fast-check stops generating cases
 * once it is spent; the property then reports how many of the asked runs it checked, so a huge run
 * (or a slow machine) bounds the command's time instead of never returning.
 */
export const MAX_PROPERTY_MS = 20_000;
