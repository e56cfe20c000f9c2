// Codes E0001–E0099 (and W0001–W0099): lexing, parsing, literals and units, imports.
// Owned by the front end (syntax/, source/, units/).
import type { CodeInfo } from "./types.js";

export const SYNTAX_CODES: readonly CodeInfo[] = [];
