// JSON forms of the schedule's data. Bigints become JSON integers written exactly (Python's json
// reads them as ints); rationals are {num, den}. Used by the test vectors and the plan IR.
import { rat, type Rational } from "../units/rational.js";
import type { LrSchedule, ResolvedStage, ScheduleInput } from "./types.js";

/** A JSON value whose integers may be bigints; `stringifyExact` writes them without loss. */
export type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

export function stringifyExact(v: Json, indent = ""): string {
  if (v === null || typeof v === "boolean" || typeof v === "number") return JSON.stringify(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return JSON.stringify(v);
  const inner = indent + " ";
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== "object" || x === null)) return `[${v.map((x) => stringifyExact(x)).join(",")}]`;
    return `[\n${v.map((x) => inner + stringifyExact(x, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${stringifyExact(x, inner)}`).join(",\n")}\n${indent}}`;
}

const ratJson = (r: Rational): Json => ({ num: r.num, den: r.den });

export function scheduleInputToJson(input: ScheduleInput): Json {
  return {
    batchTokens: input.batchTokens, dp: input.dp, totalTokens: input.totalTokens, seed: input.seed,
    lr: { ...input.lr } as Json,
    stages: input.stages.map((st) => {
      const o: { [k: string]: Json } = {
        name: st.name, until: st.until, seqLen: st.seqLen, microBatch: st.microBatch,
        mix: st.mix.map((m) => ({ source: m.source, weight: ratJson(m.weight) })),
      };
      if (st.lrScale !== undefined) o.lrScale = ratJson(st.lrScale);
      if (st.lrJump !== undefined) o.lrJump = st.lrJump;
      return o;
    }),
  };
}

/** Inverse of scheduleInputToJson, from JSON.parse output (integers as numbers or strings). */
export function scheduleInputFromJson(v: any): ScheduleInput {
  const big = (x: unknown) => BigInt(x as string | number);
  const r = (x: any): Rational => rat(big(x.num), big(x.den));
  return {
    batchTokens: big(v.batchTokens), dp: Number(v.dp), totalTokens: big(v.totalTokens), seed: Number(v.seed),
    lr: v.lr as LrSchedule,
    stages: (v.stages as any[]).map((st) => ({
      name: st.name, until: big(st.until), seqLen: Number(st.seqLen), microBatch: Number(st.microBatch),
      mix: (st.mix as any[]).map((m) => ({ source: m.source, weight: r(m.weight) })),
      ...(st.lrScale !== undefined ? { lrScale: r(st.lrScale) } : {}),
      ...(st.lrJump !== undefined ? { lrJump: Boolean(st.lrJump) } : {}),
    })),
  };
}

export function resolvedStageToJson(st: ResolvedStage): Json {
  return {
    name: st.name, index: st.index, firstStep: st.firstStep, lastStep: st.lastStep,
    firstToken: st.firstToken, tokens: st.tokens, sequences: st.sequences, seqLen: st.seqLen,
    microBatch: st.microBatch, sequencesPerStep: st.sequencesPerStep, gradAccum: st.gradAccum,
    quotas: st.quotas.map((q) => ({ source: q.source, sequences: q.sequences, tokens: q.tokens })),
    lrScale: ratJson(st.lrScale), lrJump: st.lrJump, samplerBlockSteps: st.samplerBlockSteps, tieOrder: st.tieOrder,
  };
}

/** The whole resolved schedule as JSON (bigints exact), e.g. for the plan IR. */
export function resolvedScheduleToJson(s: import("./types.js").ResolvedSchedule): Json {
  return {
    totalSteps: s.totalSteps, totalTokens: s.totalTokens, batchTokens: s.batchTokens, dp: s.dp, seed: s.seed,
    lr: { ...s.lr } as Json, stages: s.stages.map(resolvedStageToJson),
  };
}
