// Codes E0400–E0499 (and W0400–W0499): lowering a checked program to the plan. Owned by plan/.
import { entry as e } from "./types.js";

export const PLAN_CODES = [
  e("E0400", "Nothing to plan: no cluster",
    "`flowc plan`, `flowc test` and `flowc run` place every step of the program (curation, tokenization, mixing, training, evaluation, release) on a cluster, so the program must declare one, in the entry file or in a file it imports. A file of shared declarations without a cluster is fine on its own: `flowc check` checks it; plan the entry file that imports it.",
    `// recipe.flow\nsource web { uri = "data/web/*.jsonl", format = jsonl, tokens = 2M, kind = web }`,
    `// recipe.flow\nimport "clusters/local.flow"   // cluster local { … }\nsource web { uri = "data/web/*.jsonl", format = jsonl, tokens = 2M, kind = web }`),
] as const;
