// flowc report FILE -o report.html: the plan as one self-contained HTML page of charts and tables.
import * as fs from "node:fs";
import * as path from "node:path";
import { displayPath } from "../../diagnostics/paths.js";
import { renderReport } from "../../report/html.js";
import { defineCommand } from "../command.js";
import { EXIT, usageError } from "../context.js";
import { planned } from "../planned.js";

export const report = defineCommand({
  name: "report",
  summary: "Write the plan as a self-contained HTML report with charts",
  description:
    "Checks FILE, lowers it to the plan and writes one HTML page (inline SVG, no script, nothing fetched):\n" +
    "the mix over tokens across stages, memory per GPU and GPU-hours by stage, epochs per dataset against\n" +
    "their caps, the learning rate over steps, the job DAG, and the tables of `flowc plan`.",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    out: { type: "string", value: "FILE", short: "o", required: true, help: "the HTML file to write (`-` for stdout)" },
  },
  examples: ["flowc report examples/smollm2-1.7b.flow -o report.html"],
  async run({ flags, positionals }, ctx) {
    const res = planned(ctx, positionals[0]);
    if (typeof res === "number") return res;
    const html = renderReport(res.plan, res.checked, path.basename(res.file));
    const out = String(flags.out);
    if (out === "-") {
      ctx.stdout(html);
      return EXIT.ok;
    }
    const target = path.resolve(ctx.cwd, out);
    try {
      fs.writeFileSync(target, html);
    } catch (e) {
      return usageError(ctx, { message: `cannot write ${displayPath(target, ctx.cwd)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, hint: "give a path in a directory that exists and is writable" });
    }
    return EXIT.ok;
  },
});
