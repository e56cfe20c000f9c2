// flowc compile FILE --target slurm|ray --out DIR: writes DIR/plan.json and the jobs.
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const compile = defineCommand({
  name: "compile",
  summary: "Write the jobs for Slurm or Ray (plan.json, sbatch scripts, dag.py)",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    target: { type: "enum", choices: ["slurm", "ray"], required: true, help: "the scheduler to emit for" },
    out: { type: "string", value: "DIR", required: true, help: "where to write plan.json and the jobs" },
    force: { type: "boolean", help: "overwrite a DIR that holds a different plan" },
  },
  examples: ["flowc compile examples/tiny.flow --target slurm --out build/tiny"],
  async run(_args, ctx) {
    return notAvailable(ctx, "the Slurm/Ray emitters are not built");
  },
});
