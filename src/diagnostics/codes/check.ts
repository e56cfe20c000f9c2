// Codes E0100–E0399 (and W0100–W0399): the checker (names, kinds, dimensions, mixes, stages,
// epochs, batch, parallelism, memory, compute, release, asserts). Owned by check/.
import type { CodeInfo } from "./types.js";

export const CHECK_CODES: readonly CodeInfo[] = [];
