// `npm run bench`: the compiler's benchmarks; each prints its figures beside a named baseline
// measured in the same run. No timed assertions anywhere in the tests.
import { benchLsp } from "./lsp.js";
import { benchParse } from "./parse.js";

const only = process.argv[2];
if (only === undefined || only === "parse") for (const line of benchParse()) process.stdout.write(line + "\n");
if (only === undefined || only === "lsp") for (const line of await benchLsp()) process.stdout.write(line + "\n");
