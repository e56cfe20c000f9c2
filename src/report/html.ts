// `flowc report`: one self-contained HTML page of a plan — the mix over tokens as a stacked area
// across stages, memory per GPU by stage, GPU-hours by stage, epochs per dataset against their caps,
// the learning rate over steps, the job DAG, and the tables of `flowc plan`. Inline SVG and CSS only:
// no script, no font or image to fetch, so it opens the same offline and in any browser.
import type { CheckedProgram, TrainAnalysis } from "../check/analysis.js";
import { stageMemories } from "../check/rules/resources.js";
import { fitsMemory } from "../estimate/index.js";
import type { PlanIR } from "../plan/ir.js";
import { duration, renderPlan } from "../plan/render.js";
import { lrAt } from "../schedule/lr.js";
import { gib, grouped } from "../units/print.js";
import { dagSvg } from "./dag.js";
import { color, compact, esc, hbars, legend, lineChart, stackedArea, type Bar } from "./svg.js";

type TrainIR = PlanIR["trains"][number];

const fraction = (s: string) => {
  const [a, b] = s.split("/");
  return Number(a) / (b === undefined ? 1 : Number(b));
};
const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 2 : 1).replace(/\.0+$/, "")}%`;

/** Every dataset of the plan in one order (declaration order of the sources), each with a color. */
function datasetColors(plan: PlanIR): Map<string, string> {
  return new Map(Object.keys(plan.sources).map((d, i) => [d, color(i)]));
}

function mixChart(t: TrainIR, colors: ReadonlyMap<string, string>): string {
  const segments = t.stages.map((s) => ({
    x0: s.first_token, x1: s.first_token + s.tokens, name: s.name,
    shares: new Map(Object.entries(s.mix).map(([d, q]) => [d, q.tokens / s.tokens])),
  }));
  const used = [...colors].filter(([d]) => t.stages.some((s) => d in s.mix)).map(([name, c]) => ({ name, color: c }));
  return figure(`Mix over tokens — ${t.name}`, `${stackedArea(segments, used, "tokens")}${legend(used)}`,
    "Each dataset's share of the tokens drawn, stage by stage (stage ends rounded up to whole steps).");
}

function lrChart(t: TrainIR, a: TrainAnalysis): string {
  const total = t.total_steps;
  const n = Math.min(total, 600);
  const xs = new Set<number>();
  for (let i = 0; i < n; i++) xs.add(Math.floor((i * (total - 1)) / Math.max(1, n - 1)));
  // The warmup's end and each stage boundary exactly, so no corner is cut.
  for (const s of t.stages) for (const x of [s.first_step, s.first_step - 1, s.last_step - 1]) if (x >= 0 && x < total) xs.add(x);
  if (t.lr_schedule.warmup_steps < total) xs.add(t.lr_schedule.warmup_steps);
  const points = [...xs].sort((p, q) => p - q).map((x) => [x, lrAt(a.schedule, x)] as [number, number]);
  return figure(`Learning rate — ${t.name}`, lineChart(points, t.stages.map((s) => ({ x: s.first_step, name: s.name })), "optimizer step", "learning rate"),
    `${t.lr_schedule.kind}, peak ${t.lr_schedule.peak}, warmup ${grouped(t.lr_schedule.warmup_steps)} steps, ${grouped(total)} steps in all.`);
}

const MEMORY_PARTS = [["weights", "#4e79a7"], ["gradients", "#f28e2b"], ["optimizer", "#e15759"], ["activations", "#76b7b2"], ["logits", "#59a14f"], ["overheads", "#bab0ac"]] as const;

function memoryChart(t: TrainIR, a: TrainAnalysis): string {
  const per = stageMemories(a.train, a.model, a.gpu, a.parallel, a.schedule);
  const bars: Bar[] = per.map(({ stage, memory: m }) => ({
    label: stage,
    parts: MEMORY_PARTS.map(([name, c]) => ({
      name, color: c,
      value: name === "overheads" ? m.overheads.cudaContext + m.overheads.nccl + m.overheads.fragmentation : m[name],
    })),
    // The components are not all held at once (gradients and activations peak at different times).
    mark: { value: m.total, title: `estimated peak: ${gib(m.total)}` },
    valueLabel: `peak ${gib(m.total)}`,
  }));
  const usable = per.length ? fitsMemory(per[0]!.memory, a.gpu).usableBytes : 0;
  const unit = a.gpu.name === "cpu" ? "rank" : "GPU";
  return figure(`Memory per ${unit} by stage — ${t.name}`,
    `${hbars(bars, gib, `bytes per ${unit}`, { value: usable, title: `usable on ${a.gpu.name}: ${gib(usable)}` })}${legend(MEMORY_PARTS.map(([name, c]) => ({ name, color: c })))}`,
    `Each component as estimated; the black tick is the peak (gradients and activations are not held at once). Estimated with tp ${t.parallel.tp} · pp ${t.parallel.pp} · dp ${t.parallel.dp} · cp ${t.parallel.cp}, ZeRO-${t.parallel.zero}, recompute ${t.parallel.recompute}, ${t.precision}.`);
}

function gpuHoursChart(t: TrainIR): string {
  // The run's GPU-hours shared out by each stage's training FLOPs (tokens × FLOPs per token).
  const flops = t.stages.map((s) => s.tokens * s.flops_per_token);
  const all = flops.reduce((x, y) => x + y, 0) || 1;
  const bars: Bar[] = t.stages.map((s, i) => ({ label: s.name, parts: [{ name: "GPU-hours", value: (t.gpu_hours * flops[i]!) / all, color: "#4e79a7" }] }));
  return figure(`GPU-hours by stage — ${t.name}`, hbars(bars, (v) => grouped(Math.round(v)), "GPU-hours"),
    `${grouped(Math.round(t.gpu_hours))} GPU-hours in all at ${pct(t.mfu_assumed)} MFU; walltime ${duration(t.walltime_s)} in ${Math.max(1, t.jobs.length)} job${t.jobs.length > 1 ? "s" : ""}.`);
}

function epochsChart(plan: PlanIR, colors: ReadonlyMap<string, string>): string {
  const bars: Bar[] = Object.entries(plan.sources).map(([d, s]) => ({
    label: d,
    parts: [{ name: "epochs", value: s.epochs, color: s.epochs > fraction(s.max_epochs) ? "#e15759" : colors.get(d) ?? "#4e79a7" }],
    mark: { value: fraction(s.max_epochs), title: `max_epochs ${s.max_epochs}` },
  }));
  return figure("Epochs per dataset against their caps", hbars(bars, (v) => v.toFixed(2), "epochs (drawn ÷ available after curation)"),
    "The black tick is each dataset's cap (`max_epochs`, 4 unless the source or run says otherwise).");
}

function figure(title: string, body: string, caption: string): string {
  return `<figure><h3>${esc(title)}</h3>${body}<figcaption>${esc(caption)}</figcaption></figure>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number>): string {
  const cell = (tag: string, c: string, i: number) => `<${tag}${numeric.has(i) ? ' class="num"' : ""}>${esc(c)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell("th", h, i)).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell("td", c, i)).join("")}</tr>`).join("")}</tbody></table>`;
}

function trainTables(t: TrainIR): string {
  const stages = table(["stage", "first step", "last step", "steps", "tokens", "seq_len", "micro", "accum", "lr×"],
    t.stages.map((s) => [s.name, grouped(s.first_step), grouped(s.last_step), grouped(s.last_step - s.first_step), grouped(s.tokens),
      String(s.seq_len), String(s.micro_batch), String(s.grad_accum), s.lr_scale]), new Set([1, 2, 3, 4, 5, 6, 7, 8]));
  const mixes = t.stages.map((s) => `<h4>mix of ${esc(s.name)}</h4>${table(["dataset", "weight", "sequences", "tokens"],
    Object.entries(s.mix).map(([d, q]) => [d, pct(fraction(q.weight)), grouped(q.sequences), grouped(q.tokens)]), new Set([1, 2, 3]))}`).join("");
  const m = t.memory;
  const summary = table(["parameters", "ranks", "batch (tokens)", "steps", "memory per GPU", "FLOPs", "GPU-hours", "walltime", "jobs"],
    [[grouped(t.params), grouped(t.parallel.tp * t.parallel.pp * t.parallel.dp * t.parallel.cp), grouped(t.batch_tokens), grouped(t.total_steps),
      `${gib(m.per_gpu_bytes)} of ${gib(m.gpu_bytes)} (${m.stage})`, t.flops.toExponential(3), grouped(Math.round(t.gpu_hours)), duration(t.walltime_s), String(Math.max(1, t.jobs.length))]],
    new Set([0, 1, 2, 3, 6, 8]));
  return `${summary}${stages}${mixes}`;
}

function datasetsTable(plan: PlanIR): string {
  return table(["dataset", "available", "drawn", "epochs", "max"],
    Object.entries(plan.sources).map(([d, s]) => [d, grouped(s.available_tokens), grouped(s.drawn_tokens), s.epochs.toFixed(2), s.max_epochs]), new Set([1, 2, 3, 4]));
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#263238;margin:0;background:#fafafa}
header{background:#263238;color:#eceff1;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#b0bec5}
main{padding:8px 28px 40px;max-width:1800px}section{margin:18px 0}h2{font-size:18px;border-bottom:1px solid #cfd8dc;padding-bottom:4px}
.grid2{display:flex;flex-wrap:wrap;gap:16px}figure{background:#fff;border:1px solid #e0e0e0;border-radius:8px;margin:0;padding:10px 14px;overflow-x:auto}
figure h3{margin:0 0 6px;font-size:15px}figcaption{color:#607d8b;font-size:12px;margin-top:4px}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:#37474f}svg .label{font-size:12px;fill:#546e7a}
svg .grid{stroke:#eceff1}svg .axis{stroke:#90a4ae}svg .boundary{stroke:#455a64;stroke-dasharray:3 3}svg .stage{font-weight:600}
svg .line{fill:none;stroke:#4e79a7;stroke-width:2}svg .limit{stroke:#c62828;stroke-width:1.5;stroke-dasharray:5 3}svg .limit-label{fill:#c62828}
svg .mark{stroke:#000;stroke-width:2.5}svg .value{fill:#546e7a}svg .edge{fill:none;stroke:#90a4ae}svg .node{font-size:10.5px;font-weight:600}svg .node-sub{font-size:9.5px;fill:#607d8b}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0}.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;margin:8px 0 14px;background:#fff;font-size:13px}th,td{border:1px solid #e0e0e0;padding:3px 9px;text-align:left}th{background:#eceff1}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}h4{margin:10px 0 2px;font-size:13px}pre{background:#fff;border:1px solid #e0e0e0;padding:10px;overflow-x:auto;font-size:12px}
.dagbox{overflow:auto;max-height:760px;background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:6px}`;

/** The report of a plan, as one HTML document. `title` names the program (its file name). */
export function renderReport(plan: PlanIR, checked: CheckedProgram, title: string): string {
  const colors = datasetColors(plan);
  const runs = plan.trains.map((t) => {
    const a = checked.analyses.get(t.name)!;
    return `<section><h2>train ${esc(t.name)}</h2><div class="grid2">${mixChart(t, colors)}${lrChart(t, a)}${memoryChart(t, a)}${gpuHoursChart(t)}</div>` +
      `<details open><summary>tables</summary>${trainTables(t)}</details></section>`;
  }).join("");
  const gpuHours = plan.trains.reduce((x, t) => x + t.gpu_hours, 0);
  const sub = `${plan.trains.length} train run${plan.trains.length === 1 ? "" : "s"} · ${grouped(plan.trains.reduce((x, t) => x + t.tokens, 0))} tokens · ` +
    `${grouped(Math.round(gpuHours))} GPU-hours · ${plan.steps.length} jobs · cluster ${plan.cluster.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`flowc report — ${title}`)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><p>${esc(sub)}</p></header><main>
${runs}
<section><h2>datasets</h2><div class="grid2">${epochsChart(plan, colors)}</div>${datasetsTable(plan)}</section>
<section><h2>job DAG</h2><div class="dagbox">${dagSvg(plan)}</div></section>
<section><h2>flowc plan</h2><pre>${esc(renderPlan(plan, checked))}</pre></section>
</main></body></html>
`;
}
