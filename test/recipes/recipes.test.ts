// The published recipes of examples/: each checks with no errors, `flowc plan` prints what its golden
// test/golden/plans/NAME.txt holds (UPDATE_GOLDEN=1 rewrites them), and `flowc plan --json`
// reproduces the recipe's headline figures: tokens per stage, mix shares, context lengths, parameter
// counts (within the published rounding), and the epochs its header names.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PlanIR } from "../../src/plan/ir.js";
import { runCli } from "../cli/harness.js";

const RECIPES = ["olmo-7b", "olmo3-32b", "smollm2-1.7b", "smollm2-360m", "smollm2-135m", "redpajama-clean", "llama3-syne-cpt"];
const GOLDEN = "test/golden/plans";

async function planOf(name: string): Promise<PlanIR> {
  const out = await runCli(["plan", "--json", `examples/${name}.flow`]);
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  return JSON.parse(out.stdout) as PlanIR;
}

const train = (p: PlanIR, name: string) => {
  const t = p.trains.find((x) => x.name === name);
  if (!t) throw new Error(`no train run ${name}`);
  return t;
};
const stage = (p: PlanIR, run: string, name: string) => {
  const s = train(p, run).stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${run}.${name}`);
  return s;
};
/** The drawn tokens of a stage's dataset as a share of the stage. */
const share = (p: PlanIR, run: string, st: string, ds: string) => {
  const s = stage(p, run, st);
  return s.mix[ds]!.tokens / s.tokens;
};
/** |x - want| <= tol × want: within the published rounding. */
const near = (x: number, want: number, tol: number) => expect(Math.abs(x - want)).toBeLessThanOrEqual(tol * want);
/** A stage's tokens: at least the requested count, less than one optimizer step over it. */
const tokensNear = (p: PlanIR, run: string, st: string, want: number) => {
  const s = stage(p, run, st);
  expect(s.tokens).toBeGreaterThanOrEqual(want - train(p, run).batch_tokens);
  expect(s.tokens).toBeLessThan(want + train(p, run).batch_tokens);
};

describe("recipes: check and golden plan", () => {
  it.each(RECIPES)("%s", async (name) => {
    const check = await runCli(["check", `examples/${name}.flow`]);
    expect(check.stderr.match(/error\[/g) ?? []).toEqual([]);
    expect(check.code).toBe(0);
    const out = await runCli(["plan", `examples/${name}.flow`]);
    expect(out.code).toBe(0);
    const golden = `${GOLDEN}/${name}.txt`;
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(golden)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(golden, out.stdout);
    }
    expect(out.stdout).toBe(readFileSync(golden, "utf8"));
  });
});

describe("recipes: plan --json reproduces the published figures", () => {
  it("olmo-7b: 6.9B parameters, 2.5T tokens of 2048 × 2048-token steps, the Dolma mix", async () => {
    const p = await planOf("olmo-7b");
    const t = train(p, "pretrain");
    near(t.params, 6.9e9, 0.005);
    expect(t.model).toMatchObject({ d_model: 4096, layers: 32, vocab: 50_280 + 24, seq_len: 2048 });
    expect(t.batch_tokens).toBe(2048 * 2048);
    tokensNear(p, "pretrain", "main", 2.5e12);
    expect(t.optimizer.betas).toEqual([0.9, 0.95]);
    expect(t.lr_schedule).toMatchObject({ kind: "cosine", peak: 6e-4, warmup_steps: Math.round(0.02 * t.total_steps) });
    for (const [ds, w] of [["dolma.c4", 0.3], ["dolma.common_crawl", 0.5], ["dolma.stackexchange", 0.1], ["dolma.other", 0.1]] as const) {
      near(share(p, "pretrain", "main", ds), w, 1e-6);
    }
    const ops = p.curations.dolma!.ops.map((o) => o.op);
    expect(ops).toEqual(["language", "quality", "perplexity", "pii", "nsfw", "filter", "dedup", "decontaminate"]);
    expect(p.curations.dolma!.ops.find((o) => o.op === "dedup")).toMatchObject({ method: "minhash", threshold: 0.7 });
    expect(p.curations.dolma!.ops.find((o) => o.op === "language")).toMatchObject({ min_score: 0.8 });
    // Dolma's 3T tokens after curation.
    const available = Object.values(p.sources).reduce((a, s) => a + s.available_tokens, 0);
    expect(available).toBe(3e12);
  });

  it("olmo3-32b: 32B parameters, 5.9T + 100B + 100B tokens, 8,192 -> 65,536 with YaRN, the Dolma 3 shares", async () => {
    const p = await planOf("olmo3-32b");
    near(train(p, "pretrain").params, 32.2e9, 0.002);
    tokensNear(p, "pretrain", "dolma3", 5.9e12);
    tokensNear(p, "midtrain", "dolmino", 100e9);
    tokensNear(p, "longctx", "longmino", 100e9);
    expect(stage(p, "pretrain", "dolma3").seq_len).toBe(8192);
    expect(stage(p, "longctx", "longmino")).toMatchObject({ seq_len: 65_536, yarn_factor: 8, packing: "best_fit" });
    expect(train(p, "midtrain").init_from).toBe("pretrain");
    expect(train(p, "longctx").init_from).toBe("midtrain");
    expect(train(p, "pretrain").precision).toBe("fp8");
    expect(train(p, "pretrain").model).toMatchObject({ sliding_window: 4096, full_attention_layers: 6 });
    near(share(p, "pretrain", "dolma3", "web.cc"), 0.42, 1e-6);
    near(share(p, "pretrain", "dolma3", "docs.science_pdfs"), 0.18, 1e-6);
    near(share(p, "pretrain", "dolma3", "code.stack_edu"), 0.15, 1e-6);
    near(share(p, "pretrain", "dolma3", "docs.arxiv") + share(p, "pretrain", "dolma3", "docs.finemath"), 0.12, 1e-6);
    expect(p.raw_sources.arxiv!.upsample).toBe(7);
    // Common Crawl ×1.2 in pretraining.
    near(stage(p, "pretrain", "dolma3").mix["web.cc"]!.tokens / p.sources["web.cc"]!.available_tokens, 1.2, 1e-3);
    expect(p.curations.web!.ops.find((o) => o.op === "dedup")).toMatchObject({ method: "simhash" });
    expect(p.curations.docs!.ops.find((o) => o.op === "dedup")).toMatchObject({ method: "semantic", threshold: 0.95 });
    expect(p.curations.code!.ops.find((o) => o.op === "dedup")).toMatchObject({ method: "ast" });
    expect(p.curations.dolmino!.ops.map((o) => o.op)).toContain("decontaminate");
  });

  it("smollm2-1.7b: 1.7B parameters, 11T tokens in five stages, the long-context tail at 8192", async () => {
    const p = await planOf("smollm2-1.7b");
    near(train(p, "pretrain").params, 1.7e9, 0.01);
    tokensNear(p, "pretrain", "stable_1", 6e12);
    expect(train(p, "pretrain").tokens).toBeGreaterThanOrEqual(11e12);
    expect(stage(p, "pretrain", "long_ctx")).toMatchObject({ seq_len: 8192, rope_theta: 130_000 });
    near(share(p, "pretrain", "long_ctx", "tok_all.long_docs"), 0.4, 1e-5);
  });

  it.each([["smollm2-360m", 361_821_120, 4e12, 15, 5], ["smollm2-135m", 134_515_008, 2e12, 9, 3]] as const)(
    "%s: %d parameters (the published count), %d tokens in one stage, GQA %d/%d", async (name, params, tokens, heads, kv) => {
      const p = await planOf(name);
      const t = train(p, "pretrain");
      expect(t.params).toBe(params);
      expect(t.stages).toHaveLength(1);
      tokensNear(p, "pretrain", "single", tokens);
      expect(t.model).toMatchObject({ heads, kv_heads: kv, seq_len: 2048, tie_embeddings: true });
      for (const ds of ["tok_all.stack_edu", "tok_all.infimm", "tok_all.finemath", "tok_all.cosmopedia"]) {
        expect(stage(p, "pretrain", "single").mix[ds]!.tokens).toBeGreaterThan(0);
      }
      for (const s of Object.values(p.sources)) expect(s.epochs).toBeLessThanOrEqual(4);
    });

  it("redpajama-clean: 1.2T tokens kept of 5T (24%), three cleaning stages, LLaMA-7B", async () => {
    const p = await planOf("redpajama-clean");
    const available = Object.values(p.sources).reduce((a, s) => a + s.available_tokens, 0);
    expect(available).toBe(1.2e12);
    const raw = Object.values(p.raw_sources).reduce((a, s) => a + s.declared_tokens, 0);
    expect(raw).toBe(5e12);
    expect(p.curations.clean!.ops.map((o) => o.op)).toEqual(["quality", "filter", "dedup", "review"]);
    expect(p.curations.clean!.ops.find((o) => o.op === "dedup")).toMatchObject({ method: "semantic", threshold: 0.9 });
    expect(p.curations.clean!.ops.find((o) => o.op === "review")).toMatchObject({ sample: 0.0001, min_accuracy: 0.997 });
    near(train(p, "validate").params, 6.74e9, 0.001);
  });

  it("llama3-syne-cpt: 8B from Llama 3, 100B tokens, the table's rows per source and the replay", async () => {
    const p = await planOf("llama3-syne-cpt");
    const t = train(p, "continued");
    near(t.params, 8.03e9, 0.001);
    expect(t.init_from).toBe("checkpoints/llama-3-8b");
    expect(t.tokens).toBeGreaterThanOrEqual(100e9);
    expect(t.tokens).toBeLessThan(100e9 + t.batch_tokens);
    expect(t.stages.map((s) => s.seq_len)).toEqual([8192, 8192]);
    const rows = { "cpt.web": 45.18e9, "cpt.encyclopedia": 4.92e9, "cpt.qa": 15.74e9, "cpt.academic": 4.92e9, "cpt.synthetic": 7.93e9, "cpt.replay": 21.31e9 };
    for (const [ds, want] of Object.entries(rows)) near(p.sources[ds]!.drawn_tokens, want, 5e-4);
    // The synthetic data only in the last stage (the curriculum).
    expect(stage(p, "continued", "bilingual").mix["cpt.synthetic"]).toBeUndefined();
  });
});
