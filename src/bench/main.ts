// `npm run bench`: the compiler's benchmarks; each prints its figures beside a named baseline
// measured in the same run. No timed assertions anywhere in the tests.
import { benchParse } from "./parse.js";

for (const line of benchParse()) process.stdout.write(line + "\n");
