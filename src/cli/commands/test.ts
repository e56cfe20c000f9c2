// flowc test FILE [--runs N] [--seed S]: the schedule's properties, with fast-check.
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const test = defineCommand({
  name: "test",
  summary: "Run the schedule's properties (built-in and the file's assert blocks)",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    runs: { type: "integer", value: "N", default: 100, min: 1, help: "generated cases per property" },
    seed: { type: "integer", value: "S", help: "seed, to replay a failure" },
  },
  examples: ["flowc test examples/tiny.flow --runs 1000"],
  async run(_args, ctx) {
    return notAvailable(ctx, "the schedule property tests are not built");
  },
});
