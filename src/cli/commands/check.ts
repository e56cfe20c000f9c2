// flowc check FILE…: parse (with imports) and check; diagnostics to stderr, or JSON to stdout.
import { dedupeDiagnostics, hasErrors, sortDiagnostics } from "../../diagnostics/collect.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { displayPath } from "../../diagnostics/paths.js";
import { defineCommand } from "../command.js";
import { EXIT, environmentError, notAvailable, reportDiagnostics } from "../context.js";
import { expandInputs, readOrUndefined, readText } from "../files.js";

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
    const engine = await ctx.engine();
    const { loadProgram, checkProgram } = engine;
    if (loadProgram === undefined) return notAvailable(ctx, "the parser is not built");

    const diagnostics: Diagnostic[] = [];
    const texts = new Map<string, string>();
    const fileOrder: string[] = [];
    for (const file of inputs.files) {
      // Read the entry here so that an unreadable FILE is a usage error (exit 2), not a diagnostic.
      const entry = readText(file, displayPath(file, ctx.cwd));
      if (!entry.ok) return environmentError(ctx, entry.message);
      const loaded = loadProgram(file, readOrUndefined);
      for (const [f, t] of loaded.value.texts) texts.set(f, t);
      if (!texts.has(file)) texts.set(file, entry.text);
      fileOrder.push(file, ...loaded.value.files.map((f) => f.path));
      diagnostics.push(...loaded.diagnostics);
      // The checker needs a whole tree: after syntax errors it would only report their echoes.
      if (checkProgram !== undefined && !hasErrors(loaded.diagnostics)) diagnostics.push(...checkProgram(loaded.value).diagnostics);
    }

    const all = sortDiagnostics(dedupeDiagnostics(diagnostics), fileOrder);
    reportDiagnostics(ctx, all, texts, flags.format);
    if (checkProgram === undefined) {
      ctx.stderr(`${ctx.prog}: note: the semantic checker is not built yet; only syntax, imports and units were checked\n`);
    }
    const failed = hasErrors(all) || (flags["deny-warnings"] && all.some((d) => d.severity === "warning"));
    return failed ? EXIT.failed : EXIT.ok;
  },
});
