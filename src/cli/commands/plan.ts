// flowc plan FILE [--json]: the resolved plan (stages, tokens, memory, FLOPs, GPU-hours, epochs).
import { renderPlan } from "../../plan/render.js";
import { defineCommand } from "../command.js";
import { EXIT } from "../context.js";
import { planned } from "../planned.js";

export const plan = defineCommand({
  name: "plan",
  summary: "Show the resolved plan: stages, exact tokens, memory, compute, epochs",
  description:
    "Checks FILE and lowers it to the plan: per train run its stages, exact tokens per source, parameters,\n" +
    "memory per GPU, FLOPs, GPU-hours, walltime and job split, and each dataset's epochs. --json prints the\n" +
    "plan IR, the same from any working directory (paths in it are the entry's name and its directory).",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    json: { type: "boolean", help: "print the plan IR as JSON (the same as DIR/plan.json)" },
  },
  examples: ["flowc plan examples/tiny.flow", "flowc plan --json recipe.flow > plan.json"],
  async run({ flags, positionals }, ctx) {
    const res = planned(ctx, positionals[0]);
    if (typeof res === "number") return res;
    ctx.stdout(flags.json ? `${JSON.stringify(res.plan, null, 2)}\n` : renderPlan(res.plan, res.checked));
    return EXIT.ok;
  },
});
