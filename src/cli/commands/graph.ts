// flowc graph FILE [--format dot|mermaid]: the plan's job DAG, stages and train segments visible.
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from "../../report/graph.js";
import { defineCommand } from "../command.js";
import { EXIT } from "../context.js";
import { planned } from "../planned.js";

export const graph = defineCommand({
  name: "graph",
  summary: "Print the job DAG as Graphviz DOT or Mermaid",
  description:
    "Checks FILE, lowers it to the plan and prints its steps and their dependencies: curations and train\n" +
    "runs as groups, each run's stages in its label, each train segment with its step range and stages.",
  positionals: [{ name: "FILE", arity: "one", help: "the .flow program" }],
  flags: {
    format: { type: "enum", choices: GRAPH_FORMATS, default: "dot", help: "dot (Graphviz) or mermaid" },
  },
  examples: ["flowc graph examples/tiny.flow | dot -Tsvg > dag.svg", "flowc graph --format mermaid recipe.flow"],
  async run({ flags, positionals }, ctx) {
    const res = planned(ctx, positionals[0]);
    if (typeof res === "number") return res;
    ctx.stdout(renderGraph(res.plan, flags.format as GraphFormat));
    return EXIT.ok;
  },
});
