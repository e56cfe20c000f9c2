// flowc test FILE [--runs N] [--seed S]: the schedule's properties, with fast-check.
import * as path from "node:path";
import { displayPath } from "../../diagnostics/paths.js";
import { testPath } from "../../pipeline.js";
import { defineCommand } from "../command.js";
import { EXIT, cannotRead, reportDiagnostics } from "../context.js";

export const test = defineCommand({
  name: "test",
  summary: "Run the schedule's properties (built-in and the file's assert blocks)",
  description:
    "Checks, with fast-check, on FILE's own schedule: quotas sum to each stage exactly; no dataset is drawn past\n" +
    "max_epochs at any step; resuming at any step/micro-step reproduces the order; changing dp keeps the global\n" +
    "order and quotas; the learning rate is continuous across stages (unless `lr_jump = true`); no stage draws a\n" +
    "dataset before the job that produces it; and the file's own `assert` blocks. A failure prints a shrunk\n" +
    "counterexample and exits 1; `--seed` replays it.",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    runs: { type: "integer", value: "N", default: 100, min: 1, help: "generated cases per property" },
    seed: { type: "integer", value: "S", help: "seed, to replay a failure" },
  },
  examples: ["flowc test examples/tiny.flow --runs 1000", "flowc test recipe.flow --seed 42"],
  async run({ flags, positionals }, ctx) {
    const file = path.resolve(ctx.cwd, positionals[0] ?? "");
    const name = displayPath(file, ctx.cwd);
    const seed = flags.seed ?? Math.floor(Math.random() * 2 ** 31);
    const res = testPath(file, { runs: flags.runs, seed });
    if (res.entryProblem) return cannotRead(ctx, name, res.entryProblem);
    if (res.properties === undefined) {
      // Lowering did not run or gave no plan: an error says why (E0400 when there is no cluster).
      reportDiagnostics(ctx, res.diagnostics, res.texts);
      return EXIT.failed;
    }
    const failed = res.properties.filter((p) => !p.ok);
    ctx.stdout(`${name}: ${res.properties.length} properties, ${flags.runs} runs each (seed ${seed})\n`);
    for (const p of res.properties) {
      const cut = p.interrupted ? ` (time limit: ${p.checks} of ${flags.runs} runs checked)` : "";
      ctx.stdout(`  ${p.ok ? "ok  " : "FAIL"} ${p.name}${p.run ? ` [${p.run}]` : ""}${cut}\n`);
      for (const line of p.counterexample ?? []) ctx.stdout(`         ${line}\n`);
    }
    ctx.stdout(`${res.properties.length - failed.length} passed, ${failed.length} failed\n`);
    if (failed.length) ctx.stdout(`replay with: flowc test ${name} --runs ${flags.runs} --seed ${seed}\n`);
    return failed.length ? EXIT.failed : EXIT.ok;
  },
});
