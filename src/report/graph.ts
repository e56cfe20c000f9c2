// The job DAG of a plan as Graphviz DOT or Mermaid: one node per step, grouped by what it belongs to
// (a curation's curate/dedup/tokenize steps, a train run's mix and segments), with each train run's
// stages in its group label and each segment's step range and stages in its node.
import type { PlanIR, StepIR } from "../plan/ir.js";
import { grouped } from "../units/print.js";

export type GraphFormat = "dot" | "mermaid";
export const GRAPH_FORMATS: readonly GraphFormat[] = ["dot", "mermaid"];

interface Group {
  readonly id: string;
  readonly label: string;
  readonly steps: StepIR[];
}

/** A step's node label, in lines. */
function labelOf(plan: PlanIR, s: StepIR): string[] {
  const lines = [s.id];
  if (s.kind === "train") {
    const t = plan.trains.find((x) => x.name === s.params.train);
    const { first_step: a, last_step: b } = s.params;
    lines.push(`segment ${s.params.segment}: steps ${grouped(a)} – ${grouped(b)}`);
    const stages = (t?.stages ?? []).filter((st) => st.first_step < b && st.last_step > a).map((st) => st.name);
    if (stages.length) lines.push(`stages: ${stages.join(", ")}`);
  } else if (s.shards > 1) lines.push(`${grouped(s.shards)} shards`);
  return lines;
}

/** The group a step is drawn in: its curation, its train run, or none (tokenizers, evals, releases). */
function groupKey(s: StepIR): string | undefined {
  if (s.kind === "curate" || s.kind === "dedup" || s.kind === "tokenize") return `curation ${s.params.curation}`;
  if (s.kind === "mix" || s.kind === "train") return `train ${s.params.train}`;
  return undefined;
}

function groupsOf(plan: PlanIR): { groups: Group[]; loose: StepIR[] } {
  const groups = new Map<string, Group>();
  const loose: StepIR[] = [];
  for (const s of plan.steps) {
    const key = groupKey(s);
    if (key === undefined) {
      loose.push(s);
      continue;
    }
    let g = groups.get(key);
    if (!g) {
      const [kind, name] = key.split(" ") as [string, string];
      const t = kind === "train" ? plan.trains.find((x) => x.name === name) : undefined;
      const stages = t ? t.stages.map((st) => `${st.name} [${grouped(st.first_step)}, ${grouped(st.last_step)})`).join(" · ") : "";
      g = { id: `${kind}_${name}`, label: t ? `train ${name}: ${stages}` : `curate ${name}`, steps: [] };
      groups.set(key, g);
    }
    g.steps.push(s);
  }
  return { groups: [...groups.values()], loose };
}

const edges = (plan: PlanIR): [string, string][] => plan.steps.flatMap((s) => s.needs.map((n) => [n, s.id] as [string, string]));

/** A DOT string literal; lines joined with DOT's `\\n` line break. */
const dqEscape = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, " ");
const dq = (s: string) => `"${dqEscape(s)}"`;
const dqLines = (lines: readonly string[]) => `"${lines.map(dqEscape).join("\\n")}"`;

const DOT_FILL: Record<StepIR["kind"], string> = {
  tokenizer: "#e8eaf6", curate: "#e3f2fd", dedup: "#e0f7fa", tokenize: "#e8f5e9", mix: "#fff8e1", train: "#ffe0b2", eval: "#f3e5f5", release: "#fce4ec",
};

export function toDot(plan: PlanIR): string {
  const node = (s: StepIR, indent: string) =>
    `${indent}${dq(s.id)} [label=${dqLines(labelOf(plan, s))}, fillcolor=${dq(DOT_FILL[s.kind])}];`;
  const { groups, loose } = groupsOf(plan);
  const out = [
    "digraph plan {",
    "  rankdir=LR;",
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    '  edge [color="#607d8b"];',
  ];
  for (const g of groups) {
    out.push(`  subgraph ${dq(`cluster_${g.id}`)} {`, `    label=${dq(g.label)};`, '    style="rounded"; color="#90a4ae"; fontname="Helvetica"; fontsize=11;');
    for (const s of g.steps) out.push(node(s, "    "));
    out.push("  }");
  }
  for (const s of loose) out.push(node(s, "  "));
  for (const [a, b] of edges(plan)) out.push(`  ${dq(a)} -> ${dq(b)};`);
  out.push("}");
  return `${out.join("\n")}\n`;
}

/** Mermaid node ids: letters, digits and underscores only (dots would be class syntax); `_` -> `__`
 * and `.` -> `_d` keep distinct step ids distinct. */
const mid = (id: string) => `n_${id.replace(/_/g, "__").replace(/\./g, "_d").replace(/[^A-Za-z0-9_]/g, "_x")}`;
/** A Mermaid quoted label: quotes as entity codes, lines as <br/>. */
const mlabel = (lines: readonly string[]) => `"${lines.map((l) => l.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"))).join("<br/>")}"`;

export function toMermaid(plan: PlanIR): string {
  const { groups, loose } = groupsOf(plan);
  const out = ["flowchart LR"];
  const node = (s: StepIR, indent: string) => `${indent}${mid(s.id)}[${mlabel(labelOf(plan, s))}]:::${s.kind}`;
  for (const g of groups) {
    out.push(`  subgraph ${mid(g.id)} [${mlabel([g.label])}]`);
    for (const s of g.steps) out.push(node(s, "    "));
    out.push("  end");
  }
  for (const s of loose) out.push(node(s, "  "));
  for (const [a, b] of edges(plan)) out.push(`  ${mid(a)} --> ${mid(b)}`);
  for (const [kind, fill] of Object.entries(DOT_FILL)) out.push(`  classDef ${kind} fill:${fill},stroke:#607d8b`);
  return `${out.join("\n")}\n`;
}

export function renderGraph(plan: PlanIR, format: GraphFormat): string {
  return format === "dot" ? toDot(plan) : toMermaid(plan);
}
