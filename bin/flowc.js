#!/usr/bin/env node
// The flowc command: a thin shim over the compiled CLI in dist/.
import { main } from "../dist/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // Internal errors only: user input never reaches here as an exception.
    if (process.env.FLOWC_DEBUG === "1") console.error(err);
    else console.error(`flowc: internal error: ${err && err.message ? err.message : String(err)}\nhelp: re-run with FLOWC_DEBUG=1 and report the output`);
    process.exitCode = 2;
  },
);
