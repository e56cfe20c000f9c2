// flowc fmt FILE… [--check | --write]: one canonical layout. Prints the formatted text by default.
import * as fs from "node:fs";
import { hasErrors } from "../../diagnostics/collect.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { displayPath } from "../../diagnostics/paths.js";
import { writeFileAtomic } from "../../exec/atomicWrite.js";
import { readSource } from "../../program/loader.js";
import { formatText } from "../../syntax/format.js";
import { defineCommand } from "../command.js";
import { EXIT, cannotRead, environmentError, reportDiagnostics, usageError } from "../context.js";
import { expandInputs, reason } from "../files.js";

export const fmt = defineCommand({
  name: "fmt",
  summary: "Format .flow files in the one canonical layout",
  description:
    "Without options, prints each formatted FILE to stdout. --check lists the files that would change\n" +
    "(exit 1 if any); --write replaces them atomically (a temporary file renamed over each). Comments, a\n" +
    "byte-order mark and CRLF line endings are kept; formatting twice changes nothing. A file that does not\n" +
    "parse, or is not UTF-8, is never rewritten.",
  positionals: [{ name: "FILE", arity: "many", help: ".flow files, or directories to search for them" }],
  flags: {
    check: { type: "boolean", help: "list files whose layout would change; exit 1 if any" },
    write: { type: "boolean", help: "rewrite files in place" },
  },
  examples: ["flowc fmt --check examples/", "flowc fmt --write recipe.flow"],
  async run({ flags, positionals }, ctx) {
    if (flags.check && flags.write) return usageError(ctx, { message: "`--check` and `--write` cannot be used together", hint: "pick one" });
    const inputs = expandInputs(positionals, ctx.cwd);
    if (!inputs.ok) return environmentError(ctx, inputs.message, inputs.hint);

    const diagnostics: Diagnostic[] = [];
    const texts = new Map<string, string>();
    const changed: string[] = [];
    for (const file of inputs.files) {
      const name = displayPath(file, ctx.cwd);
      // Read as the loader reads: a pipe or a device is refused, not waited on.
      const read = readSource(file);
      if (!read.ok) return cannotRead(ctx, name, read.problem);
      const { path: canonical, text } = read.value;
      const result = formatText(text, canonical);
      if (hasErrors(result.diagnostics)) {
        // Never format (or write) a file that does not parse: the output could lose text.
        texts.set(canonical, text);
        diagnostics.push(...result.diagnostics);
        continue;
      }
      const out = result.value;
      if (out !== text) changed.push(name);
      if (flags.check) {
        if (out !== text) ctx.stdout(`${name}\n`);
      } else if (flags.write) {
        if (out !== text) {
          try {
            // A temporary file renamed over the real file (a link is followed, not replaced), with the
            // file's own permissions: a crash or a full disk leaves the old text, never a torn one.
            await writeFileAtomic(canonical, out, fs.statSync(canonical).mode & 0o7777);
          } catch (err) {
            return environmentError(ctx, `cannot write \`${name}\`: ${reason(err)}`);
          }
          ctx.stdout(`formatted ${name}\n`);
        }
      } else ctx.stdout(out);
    }

    reportDiagnostics(ctx, diagnostics, texts);
    if (flags.check && changed.length > 0) {
      const n = changed.length;
      ctx.stderr(`${ctx.prog}: ${n} file${n === 1 ? "" : "s"} would be reformatted; run \`flowc fmt --write\`\n`);
    }
    if (diagnostics.some((d) => d.severity === "error")) return EXIT.failed;
    return flags.check && changed.length > 0 ? EXIT.failed : EXIT.ok;
  },
});
