// Small inline-SVG chart primitives for the HTML report: no library, no script, no network. Every
// chart is a <figure> with its own axes and legend; hovering a shape shows its <title>.

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** 12 distinguishable colors (Tableau-like), cycled. */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#8c564b"];
export const color = (i: number) => PALETTE[i % PALETTE.length]!;

/** People's numbers: 5.9T, 100B, 2.1M, 950. */
export function compact(x: number): string {
  const a = Math.abs(x);
  for (const [v, u] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]] as const) {
    if (a >= v) return `${+(x / v).toFixed(a >= 100 * v ? 0 : a >= 10 * v ? 1 : 2)}${u}`;
  }
  return `${+x.toFixed(x !== 0 && a < 0.01 ? 6 : 2)}`;
}

/** About `n` round tick values covering [0, max]. */
export function ticks(max: number, n = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = 0; v <= max * (1 + 1e-9); v += step) out.push(+v.toPrecision(12));
  return out;
}

export interface Frame {
  readonly w: number;
  readonly h: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export const frame = (w: number, h: number, left = 64, bottom = 36, top = 12, right = 16): Frame => ({ w, h, left, right, top, bottom });
export const innerW = (f: Frame) => f.w - f.left - f.right;
export const innerH = (f: Frame) => f.h - f.top - f.bottom;

export function svgOpen(f: Frame, label: string): string {
  return `<svg class="chart" viewBox="0 0 ${f.w} ${f.h}" width="${f.w}" height="${f.h}" role="img" aria-label="${esc(label)}">`;
}

/** A linear x axis along the bottom and a y axis on the left, with gridlines. */
export function axes(f: Frame, xMax: number, yMax: number, fmtX: (v: number) => string, fmtY: (v: number) => string, xLabel: string, yLabel: string): string {
  const sx = (v: number) => f.left + (v / xMax) * innerW(f);
  const sy = (v: number) => f.top + innerH(f) - (v / yMax) * innerH(f);
  const parts: string[] = [];
  for (const t of ticks(yMax)) {
    parts.push(`<line class="grid" x1="${f.left}" x2="${f.w - f.right}" y1="${sy(t)}" y2="${sy(t)}"/>`,
      `<text class="tick" x="${f.left - 6}" y="${sy(t) + 4}" text-anchor="end">${esc(fmtY(t))}</text>`);
  }
  for (const t of ticks(xMax, 6)) {
    parts.push(`<line class="axis" x1="${sx(t)}" x2="${sx(t)}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom + 4}"/>`,
      `<text class="tick" x="${sx(t)}" y="${f.h - f.bottom + 16}" text-anchor="middle">${esc(fmtX(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${f.left}" x2="${f.w - f.right}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom}"/>`,
    `<line class="axis" x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.h - f.bottom}"/>`,
    `<text class="label" x="${f.left + innerW(f) / 2}" y="${f.h - 4}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text class="label" transform="translate(12 ${f.top + innerH(f) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts.join("");
}

export function legend(items: readonly { name: string; color: string }[]): string {
  return `<div class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${esc(i.name)}</span>`).join("")}</div>`;
}

export interface Bar {
  readonly label: string;
  readonly parts: readonly { name: string; value: number; color: string }[];
  /** A marker drawn across the bar (a cap, a limit). */
  readonly mark?: { value: number; title: string };
  /** The figure printed after the bar (default: the sum of its parts). */
  readonly valueLabel?: string;
}

/** Horizontal (stacked) bars, one row per bar, a shared linear scale. */
export function hbars(bars: readonly Bar[], fmt: (v: number) => string, xLabel: string, limit?: { value: number; title: string }): string {
  const labelW = Math.min(260, 12 + 7 * Math.max(8, ...bars.map((b) => b.label.length)));
  const f = frame(860, 40 + 26 * bars.length, labelW, 36, 8, 24);
  const max = Math.max(limit?.value ?? 0, ...bars.map((b) => Math.max(b.parts.reduce((a, p) => a + p.value, 0), b.mark?.value ?? 0))) || 1;
  const sx = (v: number) => f.left + (v / max) * innerW(f);
  const out = [svgOpen(f, xLabel)];
  for (const t of ticks(max, 6)) {
    out.push(`<line class="grid" x1="${sx(t)}" x2="${sx(t)}" y1="${f.top}" y2="${f.h - f.bottom}"/>`,
      `<text class="tick" x="${sx(t)}" y="${f.h - f.bottom + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = f.top + 6 + i * 26;
    out.push(`<text class="tick" x="${f.left - 6}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
    let x0 = 0;
    for (const p of b.parts) {
      if (p.value <= 0) continue;
      out.push(`<rect x="${sx(x0)}" y="${y}" width="${Math.max(0.5, sx(x0 + p.value) - sx(x0))}" height="18" fill="${p.color}"><title>${esc(`${b.label} · ${p.name}: ${fmt(p.value)}`)}</title></rect>`);
      x0 += p.value;
    }
    out.push(`<text class="value" x="${sx(Math.max(x0, b.mark?.value ?? 0)) + 4}" y="${y + 13}">${esc(b.valueLabel ?? fmt(x0))}</text>`);
    if (b.mark) out.push(`<line class="mark" x1="${sx(b.mark.value)}" x2="${sx(b.mark.value)}" y1="${y - 3}" y2="${y + 21}"><title>${esc(b.mark.title)}</title></line>`);
  });
  if (limit) {
    out.push(`<line class="limit" x1="${sx(limit.value)}" x2="${sx(limit.value)}" y1="${f.top}" y2="${f.h - f.bottom}"><title>${esc(limit.title)}</title></line>`,
      `<text class="limit-label" x="${sx(limit.value) - 4}" y="${f.top + 10}" text-anchor="end">${esc(limit.title)}</text>`);
  }
  out.push(`<text class="label" x="${f.left + innerW(f) / 2}" y="${f.h - 4}" text-anchor="middle">${esc(xLabel)}</text>`, "</svg>");
  return out.join("");
}

export interface Segment {
  /** [x0, x1) on the x axis. */
  readonly x0: number;
  readonly x1: number;
  readonly name: string;
  /** Share of each series in this segment (0..1), by series name. */
  readonly shares: ReadonlyMap<string, number>;
}

/** Shares stacked to 100% over x, constant within each segment (a step-shaped stacked area). */
export function stackedArea(segments: readonly Segment[], series: readonly { name: string; color: string }[], xLabel: string): string {
  const f = frame(860, 280, 56, 40, 22);
  const xMax = segments.at(-1)?.x1 ?? 1;
  const sx = (v: number) => f.left + (v / xMax) * innerW(f);
  const sy = (v: number) => f.top + innerH(f) - v * innerH(f);
  const out = [svgOpen(f, "mix over tokens"), axes(f, xMax, 1, compact, (v) => `${Math.round(v * 100)}%`, xLabel, "share of tokens")];
  const lower = segments.map(() => 0);
  for (const s of series) {
    const up = segments.map((g, i) => lower[i]! + (g.shares.get(s.name) ?? 0));
    if (up.every((u, i) => u === lower[i])) continue;
    const top = segments.flatMap((g, i) => [`${sx(g.x0)},${sy(up[i]!)}`, `${sx(g.x1)},${sy(up[i]!)}`]);
    // Back along the lower edge, last segment first.
    const back = segments.map((g, i) => [`${sx(g.x1)},${sy(lower[i]!)}`, `${sx(g.x0)},${sy(lower[i]!)}`]).reverse().flat();
    out.push(`<polygon points="${[...top, ...back].join(" ")}" fill="${s.color}" stroke="#fff" stroke-width="0.5"><title>${esc(s.name)}</title></polygon>`);
    up.forEach((u, i) => (lower[i] = u));
  }
  for (const g of segments) {
    out.push(`<line class="boundary" x1="${sx(g.x0)}" x2="${sx(g.x0)}" y1="${f.top - 4}" y2="${f.h - f.bottom}"/>`,
      `<text class="stage" x="${(sx(g.x0) + sx(g.x1)) / 2}" y="${f.top - 8}" text-anchor="middle">${esc(sx(g.x1) - sx(g.x0) > 7 * g.name.length ? g.name : "")}</text>`);
  }
  out.push("</svg>");
  return out.join("");
}

/** A line over x (the learning rate over steps), with labelled vertical markers (stage starts). */
export function lineChart(points: readonly [number, number][], markers: readonly { x: number; name: string }[], xLabel: string, yLabel: string): string {
  const f = frame(860, 240, 72, 40, 22);
  const xMax = points.at(-1)?.[0] || 1;
  const yMax = Math.max(...points.map((p) => p[1])) * 1.05 || 1;
  const sx = (v: number) => f.left + (v / xMax) * innerW(f);
  const sy = (v: number) => f.top + innerH(f) - (v / yMax) * innerH(f);
  const out = [svgOpen(f, yLabel), axes(f, xMax, yMax, compact, (v) => v.toExponential(1), xLabel, yLabel)];
  for (const m of markers) {
    out.push(`<line class="boundary" x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${f.top - 4}" y2="${f.h - f.bottom}"/>`,
      `<text class="stage" x="${sx(m.x) + 3}" y="${f.top - 8}">${esc(m.name)}</text>`);
  }
  out.push(`<polyline class="line" points="${points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`, "</svg>");
  return out.join("");
}
