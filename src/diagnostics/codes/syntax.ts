// Codes E0001–E0099 (and W0001–W0099): lexing, parsing, literals and units, imports.
// Owned by the front end (syntax/, source/, units/).
import type { CodeInfo } from "./types.js";

const e = (code: string, title: string, explain: string, wrong: string, right: string): CodeInfo =>
  ({ code, severity: code.startsWith("W") ? "warning" : "error", title, explain, wrong, right });

export const SYNTAX_CODES: readonly CodeInfo[] = [
  e("E0001", "Syntax error",
    "The parser expected something else at this point. A file is a list of `import \"path.flow\"` lines and declarations `KIND NAME { … }`; a body holds `key = value` attributes, nested blocks and (in gate/assert blocks) comparisons, separated by newlines or commas. The parser recovers and reports every syntax error of the file in one run.",
    `model toy {\n  layers 2\n}`,
    `model toy {\n  layers = 2\n}`),
  e("E0002", "Unterminated string",
    "A string starts with `\"` and must end with `\"` on the same line. Inside, write `\\\"` for a quote and `\\\\` for a backslash.",
    `source web { uri = "data/web/*.jsonl }`,
    `source web { uri = "data/web/*.jsonl" }`),
  e("E0003", "Bad number or unknown unit",
    "A number may carry a count suffix (K = 10^3, M = 10^6, B = 10^9, T = 10^12; `1.3T` is exactly 1,300,000,000,000) and a unit: `%`; bytes `KiB MiB GiB TiB` (binary) and `KB MB GB TB PB` (decimal); durations `s m h d`; `steps`, `tokens`, `gpu_hours`, `epochs` (these may follow after a space: `8_192 tokens`). Case matters: `M` is a million, `m` minutes.",
    `cluster c { max_walltime = 48hrs }`,
    `cluster c { max_walltime = 48h }`),
  e("E0004", "Unexpected character",
    "The character cannot start any token of the language. Text belongs in double quotes; comments start with `//` or are enclosed in `/* */`.",
    `source web { uri = data/web/*.jsonl }  # comment`,
    `source web { uri = "data/web/*.jsonl" }  // comment`),
  e("E0005", "Unterminated comment",
    "A block comment starts with `/*` and must end with `*/`.",
    `/* the SmolLM2 recipe\nmodel m { … }`,
    `/* the SmolLM2 recipe */\nmodel m { … }`),
  e("E0006", "Unknown escape in a string",
    "Strings know the escapes `\\\"`, `\\\\`, `\\n` and `\\t`. Paths with backslashes must double them.",
    `source web { uri = "data\\web\\*.jsonl" }`,
    `source web { uri = "data/web/*.jsonl" }`),
  e("E0007", "Call of a dotted name",
    "Only the functions of `assert` blocks are called, by their plain name: `tokens(…)`, `epochs(…)`, `steps(…)`, `gpu_hours(…)`, `memory(…)`.",
    `assert { clean.epochs(math) <= 4 }`,
    `assert { epochs(clean.math) <= 4 }`),
  e("E0010", "Imported file not found",
    "An `import` names a file that cannot be read. Imports are resolved relative to the directory of the importing file, not the working directory.",
    `import "clusters/h100.flow"   // no such file beside this one`,
    `import "../clusters/h100.flow"`),
  e("E0011", "Import cycle",
    "Files import each other in a cycle. Declarations that two files share belong in a third file that both import.",
    `// a.flow\nimport "b.flow"\n// b.flow\nimport "a.flow"`,
    `// a.flow\nimport "common.flow"\n// b.flow\nimport "common.flow"`),
  e("E0012", "File not found",
    "The file given on the command line cannot be read.",
    `flowc check exmaples/tiny.flow`,
    `flowc check examples/tiny.flow`),
];
