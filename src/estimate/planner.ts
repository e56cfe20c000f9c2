// `parallel { auto }`: enumerate tp/pp/cp/dp/zero/recompute/micro_batch, keep the layouts that
// divide evenly and fit in memory, pick the best estimated step time (ties: less memory).
// Also the divisibility rules (docs/language.md, check 7) and the cheapest fixes for an OOM.
import type { GpuSpec } from "./gpus.js";
import { estimateMemory, fitsMemory, type Backend, type MemoryBreakdown, type ParallelConfig, type Precision, type Recompute } from "./memory.js";
import type { ModelShape } from "./model.js";
import { stepTimeSeconds } from "./compute.js";
import { backendProblems } from "./backends.js";

export interface PlanConstraints {
  readonly totalGpus: number;
  readonly gpusPerNode: number;
  readonly batchTokens: number;
  readonly seqLen: number;
  /** User-fixed values; the others are searched. */
  readonly fixed?: Partial<ParallelConfig>;
}

export interface PlannedLayout {
  readonly config: ParallelConfig;
  readonly memory: MemoryBreakdown;
  readonly stepSeconds: number;
}

export interface PlannerResult {
  readonly best?: PlannedLayout;
  readonly runnerUp?: PlannedLayout;
  readonly considered: number;
  readonly rejected: { reason: string; count: number }[];
}

/** Human problems with a layout; empty when it divides the model and the batch evenly. */
export function validateParallel(m: ModelShape, p: ParallelConfig, c: PlanConstraints): string[] {
  const out: string[] = [];
  const prod = p.tp * p.pp * p.dp * p.cp;
  if (prod !== c.totalGpus) out.push(`tp × pp × dp × cp = ${prod}, but the run has ${c.totalGpus} ranks.`);
  if (m.heads % p.tp !== 0) out.push(`\`heads\` ${m.heads} is not divisible by tp ${p.tp}.`);
  if (m.kvHeads % p.tp !== 0) out.push(`\`kv_heads\` ${m.kvHeads} is not divisible by tp ${p.tp}.`);
  if (m.layers % p.pp !== 0) out.push(`\`layers\` ${m.layers} is not divisible by pp ${p.pp}.`);
  if (p.tp > c.gpusPerNode) out.push(`tp ${p.tp} spans more than one node (${c.gpusPerNode} per node); tensor parallelism needs the intra-node interconnect.`);
  if (p.seqLen % p.cp !== 0) out.push(`seq_len ${p.seqLen} is not divisible by cp ${p.cp}.`);
  const perStep = c.batchTokens / (p.seqLen * p.microBatch * p.dp);
  if (!Number.isInteger(perStep) || perStep < 1) {
    out.push(`batch ${c.batchTokens} tokens is not a whole number ≥ 1 of micro_batch ${p.microBatch} × seq_len ${p.seqLen} × dp ${p.dp} (grad_accum would be ${perStep.toFixed(3)}).`);
  }
  return out;
}

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
const ZEROS: readonly (0 | 1 | 2 | 3)[] = [0, 1, 2, 3];
const RECOMPUTES: readonly Recompute[] = ["none", "selective", "full"];
const MICRO = [1, 2, 4, 8, 16, 32];

/** Every layout of the search space, fixed values respected (the brute-force enumeration). */
export function* layouts(m: ModelShape, c: PlanConstraints, backend: Backend): Generator<ParallelConfig> {
  const f = c.fixed ?? {};
  for (const tp of f.tp !== undefined ? [f.tp] : divisors(c.gpusPerNode)) {
    for (const pp of f.pp !== undefined ? [f.pp] : divisors(m.layers)) {
      for (const cp of f.cp !== undefined ? [f.cp] : [1, 2, 4, 8]) {
        if (c.totalGpus % (tp * pp * cp) !== 0) continue;
        const dp = f.dp ?? c.totalGpus / (tp * pp * cp);
        for (const zero of f.zero !== undefined ? [f.zero] : ZEROS) {
          // Layouts the backend cannot run are not part of its search space.
          if (backendProblems({ tp, pp, cp, zero }, backend).length) continue;
          for (const recompute of f.recompute !== undefined ? [f.recompute] : RECOMPUTES) {
            for (const microBatch of f.microBatch !== undefined ? [f.microBatch] : MICRO) {
              yield { tp, pp, dp, cp, zero, recompute, microBatch, seqLen: c.seqLen, sequenceParallel: tp > 1 };
            }
          }
        }
      }
    }
  }
}

function better(a: PlannedLayout, b: PlannedLayout | undefined): boolean {
  if (!b) return true;
  if (a.stepSeconds !== b.stepSeconds) return a.stepSeconds < b.stepSeconds;
  return a.memory.total < b.memory.total;
}

export function planParallel(m: ModelShape, c: PlanConstraints, precision: Precision, gpu: GpuSpec, backend: Backend): PlannerResult {
  let best: PlannedLayout | undefined, runnerUp: PlannedLayout | undefined;
  let considered = 0;
  const rejected = new Map<string, number>();
  const reject = (why: string) => rejected.set(why, (rejected.get(why) ?? 0) + 1);
  for (const config of layouts(m, c, backend)) {
    considered++;
    if (validateParallel(m, config, c).length) { reject("does not divide the model, the ranks or the batch evenly"); continue; }
    const memory = estimateMemory(m, config, precision, gpu, backend);
    if (!fitsMemory(memory, gpu).fits) { reject("does not fit in memory"); continue; }
    const cand = { config, memory, stepSeconds: stepTimeSeconds(m, config, c.batchTokens, c.totalGpus, gpu, precision) };
    if (better(cand, best)) { runnerUp = best; best = cand; }
    else if (better(cand, runnerUp)) runnerUp = cand;
  }
  return {
    ...(best ? { best } : {}), ...(runnerUp ? { runnerUp } : {}), considered,
    rejected: [...rejected].map(([reason, count]) => ({ reason, count })),
  };
}

export interface Fix {
  readonly change: string;
  readonly savesBytes: number;
  readonly config: ParallelConfig;
  /** Whether this change alone makes the layout fit. */
  readonly fits: boolean;
}

/**
 * Single changes that lower memory, cheapest in throughput first: sharding more (ZeRO), selective
 * recompute, smaller micro-batches, more tensor/pipeline/context parallelism, full recompute.
 * Only layouts that stay valid for the run and that the backend can run are offered.
 */
export function cheapestFixes(m: ModelShape, p: ParallelConfig, precision: Precision, gpu: GpuSpec, backend: Backend, totalGpus: number, gpusPerNode = totalGpus, batchTokens?: number): Fix[] {
  const base = estimateMemory(m, p, precision, gpu, backend).total;
  const c: PlanConstraints = { totalGpus, gpusPerNode, batchTokens: batchTokens ?? p.microBatch * p.seqLen * p.dp, seqLen: p.seqLen };
  const candidates: [string, ParallelConfig][] = [];
  for (let z = p.zero + 1; z <= 3; z++) candidates.push([`zero = ${z}`, { ...p, zero: z as 0 | 1 | 2 | 3 }]);
  if (p.recompute === "none") candidates.push(["recompute = selective", { ...p, recompute: "selective" }]);
  if (p.microBatch > 1) candidates.push([`micro_batch = ${p.microBatch / 2}`, { ...p, microBatch: Math.floor(p.microBatch / 2) }]);
  for (const [key, label] of [["tp", "tp"], ["pp", "pp"], ["cp", "cp"]] as const) {
    const next = { ...p, [key]: p[key] * 2 } as ParallelConfig;
    const dp = totalGpus / (next.tp * next.pp * next.cp);
    if (!Number.isInteger(dp) || dp < 1) continue;
    candidates.push([`${label} = ${next[key]} (dp = ${dp})`, { ...next, dp, sequenceParallel: next.tp > 1 }]);
  }
  if (p.recompute !== "full") candidates.push(["recompute = full", { ...p, recompute: "full" }]);
  const out: Fix[] = [];
  for (const [change, config] of candidates) {
    const problems = validateParallel(m, config, { ...c, batchTokens: c.batchTokens }).filter((x) => !x.startsWith("batch") || batchTokens !== undefined);
    if (problems.length || backendProblems(config, backend).length) continue;
    const mem = estimateMemory(m, config, precision, gpu, backend);
    const saves = base - mem.total;
    if (saves > 0) out.push({ change, savesBytes: saves, config, fits: fitsMemory(mem, gpu).fits });
  }
  return out;
}
