// flowc check FILE…: parse (with imports) and check; diagnostics to stderr, or JSON to stdout.
import { dedupeDiagnostics, hasErrors, sortDiagnostics } from "../../diagnostics/collect.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { displayPath } from "../../diagnostics/paths.js";
import { checkPath } from "../../pipeline.js";
import { defineCommand } from "../command.js";
import { EXIT, cannotRead, environmentError, reportDiagnostics } from "../context.js";
import { expandInputs } from "../files.js";

export const check = defineCommand({
  name: "check",
  summary: "Parse and check .flow files",
  description:
    "Parses each FILE with its imports, then checks names, units, mixes, stages and budgets.\n" +
    "Errors exit 1; warnings alone exit 0 unless --deny-warnings. `flowc explain CODE` says more about a code.",
  positionals: [{ name: "FILE", arity: "many", help: ".flow files, or directories to search for them" }],
  flags: {
    format: { type: "enum", choices: ["text", "json"], default: "text", help: "text for people (stderr); json for tools (stdout)" },
    "deny-warnings": { type: "boolean", help: "exit 1 on warnings too" },
  },
  examples: ["flowc check examples/tiny.flow", "flowc check --format json recipes/"],
  async run({ flags, positionals }, ctx) {
    const inputs = expandInputs(positionals, ctx.cwd);
    if (!inputs.ok) return environmentError(ctx, inputs.message, inputs.hint);

    const diagnostics: Diagnostic[] = [];
    const texts = new Map<string, string>();
    const fileOrder: string[] = [];
    for (const file of inputs.files) {
      const res = checkPath(file);
      // An unreadable FILE is a usage error (exit 2), not a diagnostic.
      if (res.entryProblem) return cannotRead(ctx, displayPath(file, ctx.cwd), res.entryProblem);
      for (const [f, t] of res.texts) texts.set(f, t);
      fileOrder.push(res.program.entryPath, ...res.program.files.map((f) => f.path));
      diagnostics.push(...res.diagnostics);
    }

    // A file imported by several FILEs reports its diagnostics once.
    const all = sortDiagnostics(dedupeDiagnostics(diagnostics), fileOrder);
    reportDiagnostics(ctx, all, texts, flags.format);
    const failed = hasErrors(all) || (flags["deny-warnings"] && all.some((d) => d.severity === "warning"));
    return failed ? EXIT.failed : EXIT.ok;
  },
});
