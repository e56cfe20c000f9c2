// flowc plan FILE [--json]: the resolved plan (stages, tokens, memory, FLOPs, GPU-hours, epochs).
import { hasErrors } from "../../diagnostics/collect.js";
import { displayPath } from "../../diagnostics/paths.js";
import { defineCommand } from "../command.js";
import { EXIT, environmentError, notAvailable, reportDiagnostics } from "../context.js";
import { readOrUndefined, readText } from "../files.js";
import * as path from "node:path";

export const plan = defineCommand({
  name: "plan",
  summary: "Show the resolved plan: stages, exact tokens, memory, compute, epochs",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    json: { type: "boolean", help: "print the plan IR as JSON (the same as DIR/plan.json)" },
  },
  examples: ["flowc plan examples/tiny.flow", "flowc plan --json recipe.flow > plan.json"],
  async run({ flags, positionals }, ctx) {
    const file = path.resolve(ctx.cwd, positionals[0] ?? "");
    const read = readText(file, displayPath(file, ctx.cwd));
    if (!read.ok) return environmentError(ctx, read.message);
    const { loadProgram, checkProgram, planProgram } = await ctx.engine();
    if (loadProgram === undefined) return notAvailable(ctx, "the parser is not built");
    if (checkProgram === undefined || planProgram === undefined) return notAvailable(ctx, "the checker and planner are not built");

    const loaded = loadProgram(file, readOrUndefined);
    const texts = new Map(loaded.value.texts);
    if (hasErrors(loaded.diagnostics)) {
      reportDiagnostics(ctx, loaded.diagnostics, texts);
      return EXIT.failed;
    }
    const checked = checkProgram(loaded.value);
    if (hasErrors(checked.diagnostics)) {
      reportDiagnostics(ctx, [...loaded.diagnostics, ...checked.diagnostics], texts);
      return EXIT.failed;
    }
    const planned = planProgram(loaded.value, checked.value, positionals[0] ?? file);
    reportDiagnostics(ctx, [...loaded.diagnostics, ...checked.diagnostics, ...planned.diagnostics], texts);
    if (hasErrors(planned.diagnostics) || planned.value === undefined) return EXIT.failed;
    ctx.stdout(flags.json ? `${JSON.stringify(planned.value.json, null, 2)}\n` : planned.value.text);
    return EXIT.ok;
  },
});
