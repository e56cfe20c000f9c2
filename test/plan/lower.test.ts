// Lowering's contract with the runtime: every step names what it reads, its own out_dir and shard
// count; fingerprints change exactly when something that decides a step's output changes; the facts
// the runtime needs (peak FLOP/s, FLOPs per token, backend layout, checkpoint write time, requeue
// protocol) are in the plan.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { effectivePeak, flopsPerToken, lookupGpu } from "../../src/estimate/index.js";
import type { PlanIR, StepIR } from "../../src/plan/ir.js";
import { planPath } from "../../src/pipeline.js";
import { memoryHost, nodeHost } from "../../src/program/host.js";

const TINY = readFileSync("examples/tiny.flow", "utf8");

/** The plan of tiny.flow with `edit` applied to its text. */
function planOf(edit: (t: string) => string = (t) => t): PlanIR {
  const res = planPath("/virtual/tiny.flow", { host: memoryHost({ "/virtual/tiny.flow": edit(TINY) }, nodeHost) });
  expect(res.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return res.plan!;
}

const fingerprints = (p: PlanIR) => Object.fromEntries(p.steps.map((s) => [s.id, s.fingerprint]));

/** Ids of the steps whose fingerprint differs between two plans. */
function changed(a: PlanIR, b: PlanIR): string[] {
  const fa = fingerprints(a);
  return b.steps.filter((s) => fa[s.id] !== s.fingerprint).map((s) => s.id);
}

const base = planOf();

describe("the plan's steps", () => {
  it("name the steps they read by role; needs are exactly those", () => {
    const ids = new Set(base.steps.map((s) => s.id));
    for (const s of base.steps) {
      const read = Object.values(s.reads).flatMap((v: unknown) => (typeof v === "string" ? [v] : Object.values(v as Record<string, string>)));
      expect(new Set(s.needs), s.id).toEqual(new Set(read));
      for (const n of s.needs) expect(ids.has(n), `${s.id} needs ${n}`).toBe(true);
    }
    const tok = base.steps.find((s): s is Extract<StepIR, { kind: "tokenize" }> => s.id === "tokenize.clean.web")!;
    expect(tok.reads).toEqual({ documents: "curate.clean.web", dedup: "dedup.clean", tokenizer: "tokenizer.tok" });
    expect(tok.params.ops.map((o) => o.op)).toEqual(["decontaminate"]);
    const cur = base.steps.find((s): s is Extract<StepIR, { kind: "curate" }> => s.id === "curate.clean.web")!;
    expect(cur.params.ops.map((o) => o.op)).toEqual(["language", "quality", "pii"]);
    expect(cur.params.signatures).toEqual({ op: "dedup", method: "minhash", ngram: 5, permutations: 64, bands: 8, threshold: 0.8, seed: 1 });
    expect(cur.inputs).toEqual(["data/tiny/web/*.jsonl"]);
    expect(base.steps.find((s) => s.id === "eval.base")!.inputs).toEqual(["data/tiny/eval/heldout.jsonl", "data/tiny/eval/quiz.jsonl"]);
  });

  it("write under their own out_dir; train segments share their run's", () => {
    for (const s of base.steps) expect(s.out_dir).toBe(`steps/${s.id}`);
    const split = planOf((t) => t.replace(/max_walltime += 30m/, "max_walltime = 4m"));
    const segs = split.steps.filter((s) => s.kind === "train");
    expect(segs.length).toBeGreaterThan(1);
    expect(new Set(segs.map((s) => s.out_dir))).toEqual(new Set(["steps/train.pretrain"]));
    segs.forEach((s, i) => {
      if (s.kind !== "train") throw new Error();
      expect(s.params.segment).toBe(i);
      expect(s.reads.previous).toBe(i ? segs[i - 1]!.id : undefined);
    });
    // The job split is scheduling, not the run: the lineage stays.
    expect(split.trains[0]!.lineage).toBe(base.trains[0]!.lineage);
  });

  it("shard large sources, curate and tokenize alike", () => {
    const big = planOf((t) => t.replace("tokens = 2M,   kind = web", "tokens = 5B,   kind = web"));
    expect(big.steps.find((s) => s.id === "curate.clean.web")!.shards).toBe(3);
    expect(big.steps.find((s) => s.id === "tokenize.clean.web")!.shards).toBe(3);
    expect(big.steps.find((s) => s.id === "curate.clean.code")!.shards).toBe(1);
  });

  it("fill op defaults from the schema; `dedup { }` is MinHash, `min_score` is the classifier's threshold", () => {
    const p = planOf((t) => t.replace(/dedup +\{[^}]*\}/, "dedup { }").replace("quality       { method = gopher }", "quality { method = classifier, model = \"q.bin\", min_score = 0.7 }"));
    const ops = p.curations.clean!.ops;
    expect(ops.find((o) => o.op === "dedup")).toEqual({ op: "dedup", method: "minhash", ngram: 5, permutations: 128, bands: 16, threshold: 0.8, seed: 1 });
    expect(ops.find((o) => o.op === "quality")).toEqual({ op: "quality", method: "classifier", model: "q.bin", threshold: 0.7 });
    expect(p.steps.find((s) => s.id === "curate.clean.web")!.inputs).toEqual(["data/tiny/web/*.jsonl", "q.bin"]);
  });
});

describe("fingerprints", () => {
  it("are deterministic", () => {
    expect(fingerprints(planOf())).toEqual(fingerprints(base));
  });

  it("a curation option changes the curate steps that apply it, not the rest", () => {
    expect(changed(base, planOf((t) => t.replace("min_score = 0.5", "min_score = 0.6")))).toEqual(["curate.clean.web", "curate.clean.code", "curate.clean.math"]);
    expect(changed(base, planOf((t) => t.replace("threshold = 0.8", "threshold = 0.9")))).toEqual(
      ["curate.clean.web", "curate.clean.code", "curate.clean.math", "dedup.clean"]);
    expect(changed(base, planOf((t) => t.replace("against = [heldout, quiz], ngram = 13", "against = [heldout, quiz], ngram = 8")))).toEqual(
      ["tokenize.clean.web", "tokenize.clean.code", "tokenize.clean.math"]);
  });

  it("a gate changes its eval only; the learning rate changes the run's lineage, the train step and what reads it", () => {
    expect(changed(base, planOf((t) => t.replace("heldout.perplexity <= 2000", "heldout.perplexity <= 1500")))).toEqual(["eval.base"]);
    const lr = planOf((t) => t.replace("lr = 3e-3", "lr = 2e-3"));
    expect(lr.trains[0]!.lineage).not.toBe(base.trains[0]!.lineage);
    expect(changed(base, lr)).toEqual(["train.pretrain", "release.toy_v1"]);
  });

  it("how a run is laid out never invalidates it: checkpoint interval, ZeRO stage, recompute", () => {
    for (const edit of [(t: string) => t.replace("checkpoint_every = 25 steps", "checkpoint_every = 50 steps"),
      (t: string) => t.replace("zero = 3", "zero = 2"), (t: string) => t.replace("recompute = none", "recompute = full")]) {
      const p = planOf(edit);
      expect(changed(base, p)).toEqual([]);
      expect(p.trains[0]!.lineage).toBe(base.trains[0]!.lineage);
    }
  });

  it("name the part that changed", () => {
    const p = planOf((t) => t.replace("lr = 3e-3", "lr = 2e-3"));
    const a = base.steps.find((s) => s.id === "train.pretrain")!, b = p.steps.find((s) => s.id === "train.pretrain")!;
    const diff = Object.keys(b.fingerprint_parts).filter((k) => a.fingerprint_parts[k] !== b.fingerprint_parts[k]);
    expect(diff).toEqual(["trains.pretrain"]);
  });
});

describe("facts the runtime reads from the plan", () => {
  it("peak FLOP/s of the run's GPU at its precision, FLOPs per token per stage, the backend layout", () => {
    const t = base.trains[0]!;
    expect(t.peak_flops_per_gpu).toBe(effectivePeak(lookupGpu("cpu")!, "fp32"));
    const shape = { layers: 2, dModel: 64, heads: 4, kvHeads: 2, ffn: 256, vocab: 4096, tieEmbeddings: false };
    for (const s of t.stages) expect(s.flops_per_token).toBe(flopsPerToken(shape, s.seq_len));
    expect(t.layout).toEqual({ backend: "fsdp", data_parallel: "fully_shard", reshard_after_forward: true, param_dtype: "float32", reduce_dtype: "float32" });
    expect(planOf((x) => x.replace(/precision   = fp32/, "precision   = bf16")).trains[0]!.layout).toMatchObject({ param_dtype: "bfloat16" });
    expect(planOf((x) => x.replace("zero = 3", "zero = 0")).trains[0]!.layout).toMatchObject({ data_parallel: "replicate" });
    expect(planOf((x) => x.replace("zero = 3", "zero = 2")).trains[0]!.layout).toMatchObject({ data_parallel: "fully_shard", reshard_after_forward: false });
  });

  it("the requeue protocol and the checkpoint write time that sets the stop signal's lead", () => {
    expect(base.protocol).toEqual({ requeue_exit_code: 75, stop_signal: "USR2", preempt_signal: "TERM", stop_file_env: "FLOWRT_STOP_FILE", stop_marker: "STOPPED.json" });
    const t = base.trains[0]!;
    expect(t.checkpoint.state_bytes).toBe(12 * t.params);
    expect(t.checkpoint.write_s).toBeCloseTo(t.checkpoint.state_bytes / t.checkpoint.write_bytes_per_s, 12);
    expect(t.checkpoint.stop_signal_lead_s).toBeGreaterThanOrEqual(120);
    const smol = planPath("examples/smollm2-1.7b.flow").plan!.trains[0]!;
    expect(smol.checkpoint.state_bytes).toBe(12 * 1_711_376_384);
    expect(smol.peak_flops_per_gpu).toBe(989e12);
  });

  it("exact numbers are exact strings", () => {
    const t = base.trains[0]!;
    expect(t.stages.map((s) => s.lr_scale)).toEqual(["1", "1"]);
    expect(base.sources["clean.math"]!.max_epochs).toBe("4");
    expect(JSON.stringify(base)).not.toContain("base_dir");
  });
});
