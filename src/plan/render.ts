// `flowc plan FILE`: the resolved plan as tables a person reads. Pure text from the plan IR and
// the checker's analysis (for the estimator's stated assumptions and the planner's choice).
import type { CheckedProgram } from "../check/analysis.js";
import { memoryLines } from "../estimate/index.js";
import { gib } from "../units/print.js";
import type { PlanIR } from "./ir.js";

const n = (x: number) => Math.round(x).toLocaleString("en-US");


function table(rows: string[][], rightAlign: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (rightAlign.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd());
}

export function duration(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 3 * 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

export function renderPlan(ir: PlanIR, checked: CheckedProgram): string {
  const out: string[] = [];
  for (const t of ir.trains) {
    const a = checked.analyses.get(t.name)!;
    const ranks = t.nodes * (ir.cluster.gpus_per_node || ir.cluster.ranks_per_node || 1);
    const p = t.parallel;
    out.push(`train ${t.name}: ${n(t.params)} parameters, ${ranks} × ${a.gpu.name === "cpu" ? "CPU rank" : a.gpu.name} (${t.nodes} node${t.nodes > 1 ? "s" : ""}), ${t.backend} ${t.precision}`);
    out.push(`  parallel: tp ${p.tp} · pp ${p.pp} · dp ${p.dp} · cp ${p.cp}, ZeRO-${p.zero}, recompute ${p.recompute}${a.planner?.best ? " (chosen by the planner)" : ""}`);
    if (a.planner?.best) {
      out.push(`    best: est. ${a.planner.best.stepSeconds.toFixed(3)} s/step, ${gib(a.planner.best.memory.total)} per GPU`);
      if (a.planner.runnerUp) {
        const ru = a.planner.runnerUp.config;
        out.push(`    runner-up: tp ${ru.tp} · pp ${ru.pp} · dp ${ru.dp} · cp ${ru.cp}, ZeRO-${ru.zero}, recompute ${ru.recompute}, micro_batch ${ru.microBatch}: ${a.planner.runnerUp.stepSeconds.toFixed(3)} s/step, ${gib(a.planner.runnerUp.memory.total)}`);
      }
      out.push(`    ${a.planner.considered} layouts considered${a.planner.rejected.map((r) => `; ${r.count} rejected: ${r.reason}`).join("")}`);
    }
    out.push(`  batch: ${n(t.batch_tokens)} tokens per step; ${n(t.tokens)} tokens in ${n(t.total_steps)} steps`);
    out.push("");
    const rows = [["stage", "first step", "last step", "steps", "tokens", "seq_len", "micro", "accum", "lr×"]];
    for (const s of t.stages) {
      rows.push([s.name, n(s.first_step), n(s.last_step), n(s.last_step - s.first_step), n(s.tokens), String(s.seq_len), String(s.micro_batch), String(s.grad_accum), String(s.lr_scale)]);
    }
    out.push(...table(rows, new Set([1, 2, 3, 4, 5, 6, 7, 8])).map((l) => `  ${l}`));
    out.push("  (last step is exclusive; stage ends round up to whole steps)");
    out.push("");
    for (const s of t.stages) {
      out.push(`  mix of ${s.name}:`);
      const mrows = [["dataset", "weight", "sequences", "tokens"]];
      for (const [ds, q] of Object.entries(s.mix)) mrows.push([ds, `${(Number(q.weight.split("/")[0]) * 100 / Number(q.weight.split("/")[1] ?? 1)).toFixed(2).replace(/\.?0+$/, "")}%`, n(q.sequences), n(q.tokens)]);
      out.push(...table(mrows, new Set([1, 2, 3])).map((l) => `    ${l}`));
    }
    out.push("");
    if (a.memory) {
      const m = a.memory.memory;
      out.push(`  memory per ${a.gpu.name === "cpu" ? "rank" : "GPU"} (largest: stage ${a.memory.stage}): ${gib(m.total)} of ${gib(a.gpu.memoryBytes)}`);
      for (const l of memoryLines(m)) out.push(`    ${l}`);
      for (const l of m.assumptions) out.push(`    assumes: ${l}`);
    }
    if (a.compute) {
      const c = a.compute;
      out.push(`  compute: ${c.flops.toExponential(3)} FLOPs, ${c.gpuHours >= 100 ? n(c.gpuHours) : c.gpuHours.toPrecision(2)} GPU-hours at ${(c.mfu * 100).toFixed(0)}% MFU${ir.cluster.budget_gpu_hours ? ` (budget ${n(ir.cluster.budget_gpu_hours)})` : ""}`);
      out.push(`  walltime: ${duration(c.walltimeS)} (${c.stepSeconds.toFixed(3)} s/step est.)`);
      out.push(`  checkpoint: ${gib(t.checkpoint.state_bytes)} per write, ${duration(t.checkpoint.write_s)} at ${(t.checkpoint.write_bytes_per_s / 1e9).toFixed(0)} GB/s; stop signal ${duration(t.checkpoint.stop_signal_lead_s)} before the walltime limit`);
      if (t.jobs.length > 1) {
        out.push(`  split into ${t.jobs.length} chained, resumable jobs (max_walltime ${duration(ir.cluster.max_walltime_s ?? 0)}):`);
        for (const j of t.jobs) out.push(`    job ${j.index}: steps ${n(j.first_step)} – ${n(j.last_step)} (${duration(j.walltime_s)})`);
      }
    }
    out.push("");
  }
  const drows = [["dataset", "available", "drawn", "epochs", "max"]];
  for (const [ds, s] of Object.entries(ir.sources)) drows.push([ds, n(s.available_tokens), n(s.drawn_tokens), s.epochs.toFixed(2), String(s.max_epochs)]);
  out.push("datasets (tokens after curation):");
  out.push(...table(drows, new Set([1, 2, 3, 4])).map((l) => `  ${l}`));
  out.push("");
  out.push(`jobs (${ir.steps.length} steps; what each asks the scheduler for${ir.steps.some((s) => s.shards > 1) ? ", per shard" : ""}):`);
  const jrows = ir.steps.map((s) => [`${s.id}${s.shards > 1 ? ` [${s.shards} shards]` : ""}`, resourcesText(s.resources), s.needs.length ? `← ${s.needs.join(", ")}` : ""]);
  out.push(...table(jrows, new Set()).map((l) => `  ${l}`.trimEnd()));
  return out.join("\n") + "\n";
}

/** `2 CPUs, 3.0 GiB, 10m` for one task; `32 nodes × 8 GPUs, …` for a multi-node step. */
function resourcesText(r: PlanIR["steps"][number]["resources"]): string {
  const nodes = r.nodes > 1 ? `${r.nodes} nodes × ` : "";
  const devices = r.gpus_per_node > 0 ? `${r.gpus_per_node} GPU${r.gpus_per_node > 1 ? "s" : ""}, ` : r.ranks_per_node > 1 ? `${r.ranks_per_node} ranks, ` : "";
  const cpus = r.cpus_per_task * (r.gpus_per_node > 0 || r.ranks_per_node > 1 ? r.ranks_per_node : 1);
  return `${nodes}${devices}${cpus} CPU${cpus > 1 ? "s" : ""}, ${gib(r.memory_bytes)}, ${duration(r.walltime_s)}`;
}
