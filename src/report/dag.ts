// The job DAG drawn as inline SVG: steps in columns by their longest chain of dependencies from a
// step with none, in plan order within a column; edges as curves from a step to what reads it.
import type { PlanIR, StepIR } from "../plan/ir.js";
import { esc } from "./svg.js";

const FILL: Record<StepIR["kind"], string> = {
  tokenizer: "#e8eaf6", curate: "#e3f2fd", dedup: "#e0f7fa", tokenize: "#e8f5e9", mix: "#fff8e1", train: "#ffe0b2", eval: "#f3e5f5", release: "#fce4ec",
};
const NODE_W = 190;
const NODE_H = 30;
const COL = 230;
const ROW = 40;

/** Column of each step: 0 for steps that need nothing, else 1 + the largest column of its needs. */
export function layers(plan: PlanIR): Map<string, number> {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const s = byId.get(id);
    const d = s && s.needs.length ? 1 + Math.max(...s.needs.map(visit)) : 0;
    depth.set(id, d);
    return d;
  };
  for (const s of plan.steps) visit(s.id);
  return depth;
}

export function dagSvg(plan: PlanIR): string {
  const depth = layers(plan);
  const columns: StepIR[][] = [];
  for (const s of plan.steps) (columns[depth.get(s.id)!] ??= []).push(s);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((s, r) => pos.set(s.id, { x: 10 + c * COL, y: 10 + r * ROW })));
  const w = 20 + (columns.length - 1) * COL + NODE_W;
  const h = 20 + (Math.max(...columns.map((c) => c.length)) - 1) * ROW + NODE_H;
  const out = [`<svg class="dag" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="job DAG">`];
  for (const s of plan.steps) {
    const b = pos.get(s.id)!;
    for (const n of s.needs) {
      const a = pos.get(n);
      if (!a) continue;
      const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
      const mx = (x1 + x2) / 2;
      out.push(`<path class="edge" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}"/>`);
    }
  }
  for (const s of plan.steps) {
    const p = pos.get(s.id)!;
    const sub = s.kind === "train" ? `steps ${s.params.first_step.toLocaleString("en-US")}–${s.params.last_step.toLocaleString("en-US")}` : s.shards > 1 ? `${s.shards} shards` : s.kind;
    const name = s.id.length > 30 ? `${s.id.slice(0, 29)}…` : s.id;
    out.push(`<g><title>${esc(`${s.id}${s.needs.length ? ` ← ${s.needs.join(", ")}` : ""}`)}</title>`,
      `<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6" fill="${FILL[s.kind]}" stroke="#90a4ae"/>`,
      `<text class="node" x="${p.x + 6}" y="${p.y + 12}">${esc(name)}</text>`,
      `<text class="node-sub" x="${p.x + 6}" y="${p.y + 25}">${esc(sub)}</text></g>`);
  }
  out.push("</svg>");
  return out.join("");
}
