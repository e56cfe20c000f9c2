// Hover: what the checker knows about the thing under the cursor. A quantity's exact value; a
// source's available tokens and epochs per stage; a run's, stage's or `parallel` block's memory
// per GPU, steps, tokens and GPU-hours; a diagnostic code's explanation.
import type { Attribute, Block, FlowFile, Node, NumberLit, Path } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import type { TrainAnalysis } from "../check/analysis.js";
import type { Decl } from "../check/decls.js";
import type { DatasetUse } from "../check/rules/epochs.js";
import { compact, epochsOf } from "../check/rules/epochs.js";
import { pct } from "../check/rules/mix.js";
import { modelShape } from "../check/rules/resources.js";
import { lookupCode } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { countParams, estimateMemory, fitsMemory, memoryLines, ranksPerNode } from "../estimate/index.js";
import type { ResolvedStage } from "../schedule/index.js";
import type { Dimension } from "../units/dimension.js";
import { gib, grouped } from "../units/print.js";
import * as R from "../units/rational.js";
import { formatExpr } from "../syntax/format.js";
import { nodesAt } from "./locate.js";
import type { Target } from "./symbols.js";
import type { Analysis } from "./workspace.js";
import { attrSpec, blockSpec, declSpec, type AttrSpec, type BlockFrame } from "../language/vocabulary.js";

export interface HoverResult {
  readonly markdown: string;
  /** The span the hover is about. */
  readonly span: { readonly start: number; readonly end: number };
}

const code = (s: string) => `\`${s}\``;

export function hoverAt(a: Analysis, file: FlowFile, text: string, offset: number, diagnostics: readonly Diagnostic[]): HoverResult | undefined {
  const word = wordAt(text, offset);
  // A code in a comment or string (`// E0160: …`): its explanation.
  if (word && /^[EW]\d{4}$/.test(word.text)) {
    const info = lookupCode(word.text);
    if (info) return { markdown: explanation(info.code, true), span: word };
  }
  const chain = nodesAt(file, offset);
  const parts: string[] = [];
  let span: { start: number; end: number } | undefined;
  const main = describe(a, file, chain, offset);
  if (main) {
    parts.push(main.markdown);
    span = main.span;
  }
  // The codes of the diagnostics under the cursor, explained (the message itself is the editor's).
  const here = diagnostics.filter((d) => d.primary.span.file === file.path && d.primary.span.start <= offset && offset <= d.primary.span.end);
  for (const c of [...new Set(here.map((d) => d.code))]) parts.push(explanation(c, false));
  if (!parts.length) return undefined;
  return { markdown: parts.join("\n\n---\n\n"), span: span ?? word ?? { start: offset, end: offset } };
}

/** `flowc explain CODE`, in full or as its title and first paragraph. */
export function explanation(c: string, full: boolean): string {
  const info = lookupCode(c);
  if (!info) return `${code(c)}`;
  const text = info.explain.trim();
  const body = full ? text : (text.split(/\n\s*\n/)[0] ?? "");
  const examples = full ? `\n\nWrong:\n\`\`\`flow\n${info.wrong.trimEnd()}\n\`\`\`\nRight:\n\`\`\`flow\n${info.right.trimEnd()}\n\`\`\`` : "";
  return `**${info.severity}[${info.code}]**: ${info.title}\n\n${body}${examples}${full ? "" : `\n\n(${code(`flowc explain ${info.code}`)} for more)`}`;
}

function wordAt(text: string, offset: number): { text: string; start: number; end: number } | undefined {
  let s = offset;
  let e = offset;
  while (s > 0 && /[A-Za-z0-9_]/.test(text[s - 1]!)) s--;
  while (e < text.length && /[A-Za-z0-9_]/.test(text[e]!)) e++;
  return e > s ? { text: text.slice(s, e), start: s, end: e } : undefined;
}

function describe(a: Analysis, file: FlowFile, chain: readonly Node[], offset: number): HoverResult | undefined {
  const node = chain[chain.length - 1]!;
  const blocks = chain.filter((n): n is Block => n.kind === "Block");
  const frames: BlockFrame[] = blocks.map((b) => ({ keyword: b.keyword.name, ...(b.name ? { name: b.name.name } : {}) }));
  const attr = [...chain].reverse().find((n): n is Attribute => n.kind === "Attribute");

  // A name: what it denotes, with the checker's figures.
  const occ = a.index.at(file.path, offset);
  if (occ) {
    const path = [...chain].reverse().find((n): n is Path => n.kind === "Path");
    const md = targetHover(a, occ.target, path, blocks);
    if (md) return { markdown: md, span: occ.ident.span };
  }
  if (node.kind === "Number") return { markdown: quantityHover(node, attrSpec(blockSpec(frames), attr ? pathText(attr.key) : "")), span: node.span };
  // An attribute's key: its type, default and meaning.
  if (attr && node.kind === "Ident" && attr.key.parts.includes(node)) {
    const spec = attrSpec(blockSpec(frames), pathText(attr.key));
    if (spec) return { markdown: attrHover(spec), span: attr.key.span };
  }
  // A block's keyword: the block, and for runs, stages, `parallel` and `mix` what the checker computed.
  const kwBlock = blocks.find((b) => b.keyword === node || b.name === node);
  if (kwBlock) {
    const i = blocks.indexOf(kwBlock);
    const md = blockHover(a, blocks.slice(0, i + 1), frames.slice(0, i + 1));
    if (md) return { markdown: md, span: kwBlock.keyword.span };
  }
  // An enum value: the attribute it belongs to.
  if (attr && node.kind === "Ident") {
    const spec = attrSpec(blockSpec(frames), pathText(attr.key));
    if (spec?.values) return { markdown: attrHover(spec), span: node.span };
  }
  return undefined;
}

// ---- values -----------------------------------------------------------------------------------------

const UNIT_WORD: Partial<Record<Dimension, string>> = { tokens: "tokens", steps: "steps", epochs: "epochs", gpu_hours: "GPU-hours" };

/** The exact value: `1.3T` → 1,300,000,000,000 tokens; `80GiB` → 85,899,345,920 bytes. */
export function exactValue(q: NumberLit["quantity"], spec?: AttrSpec): string {
  const v = q.value;
  const num = R.isInteger(v) ? grouped(v.num) : R.format(v);
  switch (q.dim) {
    case "bytes": return `${num} bytes (${gib(R.toNumber(v))})`;
    case "duration": return `${num} s${R.toNumber(v) >= 60 ? ` (${humanDuration(R.toNumber(v))})` : ""}`;
    case "percent": return `${R.format(R.mul(v, R.rat(100n)))}% (${R.format(v)} of one)`;
    case "number": {
      // A plain number where the attribute takes tokens or steps counts as those.
      const unit = spec && /^(tokens|steps|epochs|GPU-hours)$/.test(spec.type) ? ` ${spec.type}` : "";
      return `${num}${unit}`;
    }
    default: return `${num} ${UNIT_WORD[q.dim] ?? q.dim}`;
  }
}

function humanDuration(s: number): string {
  if (s < 3600) return `${+(s / 60).toFixed(2)} min`;
  if (s < 3 * 86400) return `${+(s / 3600).toFixed(2)} h`;
  return `${+(s / 86400).toFixed(2)} days`;
}

function quantityHover(n: NumberLit, spec: AttrSpec | undefined): string {
  return `${code(n.text)} = **${exactValue(n.quantity, spec)}**${spec ? `\n\n${code(spec.name)}: ${spec.type}` : ""}`;
}

function attrHover(s: AttrSpec): string {
  const facts = [`*${s.type}*`, ...(s.required ? ["required"] : []), ...(s.default !== undefined ? [`default ${code(s.default)}`] : [])];
  return `${code(s.name)} — ${facts.join(" · ")}\n\n${s.doc}`;
}

// ---- names --------------------------------------------------------------------------------------------

function targetHover(a: Analysis, t: Target, path: Path | undefined, blocks: readonly Block[]): string | undefined {
  const checked = a.result.checked;
  if (t.kind === "stage") {
    const an = checked?.analyses.get(t.train.name);
    return stageHover(t.train.name, t.stage, an);
  }
  if (t.kind === "attribute") {
    const v = t.attribute.value;
    const spec = attrSpec(declSpec(t.decl.kind), pathText(t.attribute.key));
    const value = v.kind === "Number" ? exactValue(v.quantity, spec) : formatExpr(v);
    return `${code(`${t.decl.name}.${pathText(t.attribute.key)}`)} = **${value}**${spec ? `\n\n${attrHover(spec)}` : ""}`;
  }
  const d = t.decl;
  // `clean.web`: a dataset, when the path names a curation and this source.
  if (d.kind === "source" && path && path.parts.length === 2 && a.index.symbols.byName.get(path.parts[0]!.name)?.kind === "curate") {
    return datasetHover(a, `${path.parts[0]!.name}.${d.name}`, blocks);
  }
  return declHover(a, d);
}

function declHover(a: Analysis, d: Decl): string {
  const checked = a.result.checked;
  const head = `**${d.kind}** ${code(d.name)}`;
  switch (d.kind) {
    case "train": {
      const an = checked?.analyses.get(d.name);
      return an ? trainHover(an) : `${head}\n\n${declSpec("train").doc}\n\n*Not analysed: the run (or what it names) has errors.*`;
    }
    case "source": return sourceHover(a, d);
    case "curate": {
      const lines = a.index.curatedSources(d.name).map((s) => `- ${datasetLine(a, `${d.name}.${s}`)}`);
      return `${head} — ${lines.length} dataset${lines.length === 1 ? "" : "s"}\n\n${lines.join("\n")}`;
    }
    case "model": {
      const m = checked?.decls.models.get(d.name);
      if (!m) return `${head}\n\n${declSpec("model").doc}`;
      const params = countParams(modelShape(m));
      return `${head} — **${grouped(params)} parameters** (${compact(params)})\n\n${m.layers} layers, d_model ${m.dModel}, ${m.heads} heads (${m.kvHeads} KV), ffn ${m.ffn}, vocab ${grouped(m.vocab)}, seq_len ${grouped(m.seqLen)}${m.tieEmbeddings ? ", tied embeddings" : ""}`;
    }
    case "cluster": {
      const c = checked?.decls.clusters.get(d.name);
      if (!c) return `${head}\n\n${declSpec("cluster").doc}`;
      const per = ranksPerNode(c);
      const what = c.gpusPerNode > 0 ? `${c.gpu}` : "CPU rank";
      return `${head} — ${c.scheduler}, ${c.nodes} node${c.nodes === 1 ? "" : "s"} × ${per} ${what}${per === 1 ? "" : "s"} = ${grouped(c.nodes * per)} ranks` +
        `${c.maxWalltimeS ? `\n\nmax walltime ${humanDuration(c.maxWalltimeS)}` : ""}${c.budgetGpuHours ? `; budget ${grouped(R.floor(c.budgetGpuHours))} GPU-hours` : ""}`;
    }
    default:
      return `${head}\n\n${declSpec(d.kind).doc}`;
  }
}

function sourceHover(a: Analysis, d: Decl): string {
  const s = a.result.checked?.decls.sources.get(d.name);
  const head = `**source** ${code(d.name)}`;
  if (!s) return `${head}\n\n${declSpec("source").doc}`;
  const datasets = a.index.datasets().filter((ds) => ds.endsWith(`.${d.name}`) && ds.split(".")[1] === d.name);
  const lines = datasets.map((ds) => `- ${datasetLine(a, ds)}`);
  return `${head} — ${s.kind}, ${s.format}, **${grouped(s.tokens)} tokens** declared${s.upsample && s.upsample > 1 ? `, upsample × ${s.upsample}` : ""}` +
    `${lines.length ? `\n\n${lines.join("\n")}` : "\n\n*Curated by no `curate` block: no run can draw it.*"}`;
}

/** Uses of one dataset across the runs (they share a source's tokens). */
function uses(a: Analysis, dataset: string): { run: string; use: DatasetUse }[] {
  const out: { run: string; use: DatasetUse }[] = [];
  for (const [run, an] of a.result.checked?.analyses ?? []) {
    const u = an.datasets.get(dataset);
    if (u) out.push({ run, use: u });
  }
  return out;
}

/** `clean.web`: available tokens, and tokens and epochs drawn per stage of each run. */
function datasetLine(a: Analysis, dataset: string): string {
  const us = uses(a, dataset);
  const avail = availableOf(a, dataset);
  if (!avail) return `${code(dataset)}`;
  const head = `${code(dataset)}: **${grouped(avail.available)} tokens available** (${compact(avail.declared)} declared${avail.upsample > 1 ? ` × upsample ${avail.upsample}` : ""} × ${pct(avail.retention)} retention)`;
  if (!us.length) return `${head}; drawn by no run`;
  const runs = us.map(({ run, use }) => {
    const stages = use.perStage.map((s) => `${code(s.stage)} ${grouped(s.tokens)} (${epochsOf(s.tokens, use.available).toFixed(2)} epochs)`).join(", ");
    return `  - ${code(run)}: ${stages}; in all **${epochsOf(use.drawn, use.available).toFixed(2)} of max ${R.format(use.maxEpochs)} epochs**`;
  });
  return `${head}\n${runs.join("\n")}`;
}

function availableOf(a: Analysis, dataset: string): { declared: bigint; upsample: number; retention: R.Rational; available: bigint } | undefined {
  const u = uses(a, dataset)[0]?.use;
  if (u) return u;
  const [cur, src] = dataset.split(".");
  const d = a.result.checked?.decls;
  const s = d?.sources.get(src ?? "");
  const c = d?.curations.get(cur ?? "");
  if (!s) return undefined;
  const retention = c?.retention ?? R.ONE;
  const upsample = s.upsample ?? 1;
  return { declared: s.tokens, upsample, retention, available: R.floor(R.mul(R.rat(s.tokens * BigInt(upsample)), retention)) };
}

function datasetHover(a: Analysis, dataset: string, blocks: readonly Block[]): string {
  const lines = [`**dataset** ${datasetLine(a, dataset)}`];
  // Inside a stage's mix: this stage's quota.
  const train = blocks[0]?.keyword.name === "train" ? blocks[0].name?.name : undefined;
  const stage = blocks.find((b) => b.keyword.name === "stage")?.name?.name;
  const st = train && stage ? a.result.checked?.analyses.get(train)?.schedule.stages.find((s) => s.name === stage) : undefined;
  const q = st?.quotas.find((x) => x.source === dataset);
  if (st && q) lines.push(`In stage ${code(st.name)}: **${grouped(q.sequences)} sequences = ${grouped(q.tokens)} tokens** (of the stage's ${grouped(st.tokens)})`);
  return lines.join("\n\n");
}

// ---- runs, stages, blocks -----------------------------------------------------------------------------

function blockHover(a: Analysis, blocks: readonly Block[], frames: readonly BlockFrame[]): string | undefined {
  const b = blocks[blocks.length - 1]!;
  const spec = blockSpec(frames);
  const runName = blocks[0]?.keyword.name === "train" ? blocks[0].name?.name : undefined;
  const an = runName ? a.result.checked?.analyses.get(runName) : undefined;
  if (blocks.length === 1 && b.name) {
    const d = a.index.symbols.byName.get(b.name.name);
    if (d && d.block === b) return declHover(a, d);
  }
  if (b.keyword.name === "stage" && runName && b.name) return stageHover(runName, b, an);
  if (b.keyword.name === "parallel" && an) return `${parallelLine(an)}\n\n${memoryHover(an)}`;
  if (b.keyword.name === "mix" && an) {
    const stage = blocks[blocks.length - 2]?.name?.name;
    const st = an.schedule.stages.find((s) => s.name === stage);
    if (st) return `**mix** of stage ${code(st.name)} — ${grouped(st.sequences)} sequences of ${st.seqLen} = ${grouped(st.tokens)} tokens\n\n${quotaTable(st)}`;
  }
  return spec ? `**${b.keyword.name}**${b.name ? ` ${code(b.name.name)}` : ""}\n\n${spec.doc}` : undefined;
}

function parallelLine(an: TrainAnalysis): string {
  const p = an.parallel;
  return `parallel: tp ${p.tp} · pp ${p.pp} · dp ${p.dp} · cp ${p.cp}, ZeRO-${p.zero}, recompute ${p.recompute}${an.planner?.best ? " (chosen by the planner)" : ""}`;
}

function memoryHover(an: TrainAnalysis): string {
  if (!an.memory) return "*Memory not estimated (the precision and backend do not fit this cluster).*";
  const m = an.memory.memory;
  const per = an.gpu.name === "cpu" ? "rank" : "GPU";
  const fit = fitsMemory(m, an.gpu);
  return `**memory per ${per}: ${gib(m.total)}** of ${gib(an.gpu.memoryBytes)} (largest: stage ${code(an.memory.stage)}; ${fit.fits ? `${gib(fit.headroomBytes)} to spare` : "does not fit"})\n\n` +
    "```\n" + [...memoryLines(m), ...m.assumptions.map((x) => `assumes: ${x}`)].join("\n") + "\n```";
}

function trainHover(an: TrainAnalysis): string {
  const t = an.train;
  const s = an.schedule;
  const ranks = an.parallel.tp * an.parallel.pp * an.parallel.dp * an.parallel.cp;
  const lines = [
    `**train** ${code(t.name)} — ${grouped(an.params)} parameters, ${ranks} × ${an.gpu.name === "cpu" ? "CPU rank" : an.gpu.name}, ${t.backend} ${t.precision}`,
    `**${grouped(s.totalTokens)} tokens in ${grouped(s.totalSteps)} steps** of ${grouped(s.batchTokens)} tokens`,
    parallelLine(an),
    memoryHover(an),
  ];
  if (an.compute) {
    const c = an.compute;
    lines.push(`compute: ${c.flops.toExponential(3)} FLOPs, **${c.gpuHours >= 100 ? grouped(Math.round(c.gpuHours)) : c.gpuHours.toPrecision(2)} GPU-hours** at ${(c.mfu * 100).toFixed(0)}% MFU; walltime ${humanDuration(c.walltimeS)} (${c.stepSeconds.toFixed(3)} s/step)${c.jobs.jobs.length > 1 ? `, in ${c.jobs.jobs.length} chained jobs` : ""}`);
  }
  const rows = s.stages.map((st) => `| ${st.name} | ${grouped(st.firstStep)} | ${grouped(st.lastStep)} | ${grouped(st.tokens)} | ${st.seqLen} | ${st.microBatch} × ${st.gradAccum} |`);
  lines.push(["| stage | first step | last step | tokens | seq_len | micro × accum |", "| --- | ---: | ---: | ---: | ---: | ---: |", ...rows].join("\n"));
  return lines.join("\n\n");
}

function stageHover(run: string, block: Block, an: TrainAnalysis | undefined): string {
  const name = block.name?.name ?? "";
  const st = an?.schedule.stages.find((s) => s.name === name);
  if (!an || !st) return `**stage** ${code(name)} of ${code(run)}\n\n*Not analysed: the run has errors.*`;
  const cfg = { ...an.parallel, seqLen: st.seqLen, microBatch: st.microBatch };
  const m = estimateMemory(modelShape(an.model), cfg, an.train.precision, an.gpu, an.train.backend);
  const per = an.gpu.name === "cpu" ? "rank" : "GPU";
  return [
    `**stage** ${code(name)} of ${code(run)} — steps ${grouped(st.firstStep)} to ${grouped(st.lastStep)} (${grouped(st.lastStep - st.firstStep)} steps, last exclusive)`,
    `**${grouped(st.tokens)} tokens** (tokens ${grouped(st.firstToken)} to ${grouped(st.firstToken + st.tokens)}); seq_len ${st.seqLen}, micro_batch ${st.microBatch} × grad_accum ${st.gradAccum}, lr × ${R.format(st.lrScale)}`,
    `memory per ${per}: **${gib(m.total)}** of ${gib(an.gpu.memoryBytes)}\n\n\`\`\`\n${memoryLines(m).join("\n")}\n\`\`\``,
    quotaTable(st),
  ].join("\n\n");
}

function quotaTable(st: ResolvedStage): string {
  const rows = st.quotas.map((q) => `| ${q.source} | ${grouped(q.sequences)} | ${grouped(q.tokens)} |`);
  return ["| dataset | sequences | tokens |", "| --- | ---: | ---: |", ...rows].join("\n");
}
