// Resource rules (docs/language.md, checks 7–10) on small programs: OOM with breakdown and ordered fixes,
// budget, fp8 on a GPU without it, Megatron options, parallel sizes, the planner's `auto`.
import { describe, expect, it } from "vitest";
import { parseText } from "../../src/syntax/parse.js";
import { checkFiles } from "../../src/check/check.js";

function program(opts: { gpu?: string; parallel?: string; precision?: string; backend?: string; budget?: string; nodes?: number; model?: string }): string {
  return `
cluster c { scheduler = slurm, nodes = ${opts.nodes ?? 1}, gpus_per_node = 8, gpu = "${opts.gpu ?? "A100-40GB"}", max_walltime = 48h${opts.budget ? `, budget = ${opts.budget}` : ""} }
source web { uri = "s3://b/web/*.parquet", format = parquet, tokens = 5T, kind = web }
tokenizer tok { kind = bpe, vocab = 32000, path = "tok.json" }
curate cur { from = [web], steps { }, tokenize = tok }
model m { ${opts.model ?? "arch = llama, layers = 32, d_model = 4096, heads = 32, kv_heads = 32, ffn = 11008, vocab = tok.vocab, seq_len = 4096"} }
train t {
  model = m
  cluster = c
  tokens = 1T
  batch = 4_194_304 tokens
  micro_batch = 2
  precision = ${opts.precision ?? "bf16"}
  backend = ${opts.backend ?? "fsdp"}
  parallel { ${opts.parallel ?? "tp = 1, pp = 1, zero = 2, recompute = none"} }
  optimizer adamw { lr = 3e-4 }
  schedule cosine { warmup = 2000 steps }
  stage main { until = 1T, mix { cur.web = 100% } }
}
`;
}
const check = (text: string) => checkFiles([parseText(text, "r.flow").value]).diagnostics.filter((d) => d.severity === "error");

describe("resource rules", () => {
  it("an OOM shows the breakdown and the cheapest fixes, ordered", () => {
    const es = check(program({}));
    expect(es.map((e) => e.code)).toEqual(["E0160"]);
    const notes = es[0]!.notes.join("\n");
    expect(notes).toMatch(/weights .* GiB, gradients .* GiB, optimizer .* GiB, activations .* GiB/);
    expect(notes).toMatch(/cheapest fixes first: zero = 3 saves [\d.]+ GiB/);
    expect(notes).not.toMatch(/cp = /); // the fsdp backend has no context parallelism: never offered
    // The help names the cheapest change that fits alone (zero = 3 is cheaper but not enough) …
    expect(es[0]!.help).toMatch(/^tp = 2 \(dp = 4\) \(saves [\d.]+ GiB, and fits\)/);
    // … and where none does (LLaMA-13B at 4k context on 8 × A100-40GB), says to combine them.
    const big = check(program({ model: "arch = llama, layers = 40, d_model = 5120, heads = 40, kv_heads = 40, ffn = 13824, vocab = tok.vocab, seq_len = 4096" }));
    expect(big.map((e) => e.code)).toEqual(["E0160"]);
    expect(big[0]!.help).toMatch(/^no single change fits; combine them, starting with [a-z_]+ = \S+ \(saves [\d.]+ GiB\)/);
    expect(check(program({ parallel: "tp = 1, pp = 1, zero = 3, recompute = full" }))).toEqual([]);
  });

  it("GPU-hours over the budget are an error with the overrun", () => {
    const es = check(program({ parallel: "tp = 1, pp = 1, zero = 3, recompute = full", budget: "10_000 gpu_hours" }));
    expect(es.map((e) => e.code)).toEqual(["E0170"]);
    expect(es[0]!.message).toMatch(/needs an estimated [\d,]+ GPU-hours, more than the budget of 10,000/);
  });

  it("fp8 needs a GPU with FP8; Megatron has no ZeRO-3", () => {
    expect(check(program({ precision: "fp8", parallel: "zero = 3, recompute = full" })).map((e) => e.code)).toEqual(["E0180"]);
    expect(check(program({ gpu: "H100-80GB", precision: "fp8", parallel: "zero = 3, recompute = full" }))).toEqual([]);
    expect(check(program({ gpu: "H100-80GB", backend: "megatron", parallel: "tp = 2, zero = 3" })).map((e) => e.code)).toContain("E0181");
  });

  it("the fsdp backend refuses the layouts its loop cannot run, each at its value; auto never picks them", () => {
    const es = check(program({ gpu: "H100-80GB", parallel: "tp = 2, pp = 2, cp = 2, zero = 1, recompute = full" }));
    expect(es.filter((e) => e.code === "E0182").map((e) => e.message)).toEqual([
      expect.stringMatching(/`zero = 1` has no FSDP equivalent/),
      expect.stringMatching(/no context parallelism \(`cp = 2`\)/),
      expect.stringMatching(/pipeline parallelism with dp only, not with tp/),
    ]);
    expect(check(program({ gpu: "H100-80GB", backend: "megatron", parallel: "tp = 2, pp = 2, cp = 2, zero = 1, recompute = full" })).map((e) => e.code)).not.toContain("E0182");
    expect(check(program({ gpu: "H100-80GB", parallel: "auto" }))).toEqual([]);
    // zero = 0 is replicated data parallelism (DDP): with tp = pp = 1 only.
    expect(check(program({ gpu: "H100-80GB", parallel: "tp = 1, pp = 1, zero = 0, recompute = full" })).map((e) => e.code)).not.toContain("E0182");
    expect(check(program({ gpu: "H100-80GB", parallel: "tp = 2, pp = 1, zero = 0, recompute = full" })).map((e) => e.message))
      .toContainEqual(expect.stringMatching(/`zero = 0` \(replicated data parallelism\) runs with tp = pp = 1/));
  });

  it("parallel sizes must match the ranks and divide the model", () => {
    const es = check(program({ parallel: "tp = 2, pp = 1, dp = 8, zero = 3" }));
    expect(es.map((e) => e.code)).toEqual(["E0150"]);
    expect(es[0]!.message).toContain("= 16, but `t` runs on 1 node × 8 GPUs = 8");
    expect(es[0]!.help).toBe("set `dp = 4`");
    expect(check(program({ parallel: "tp = 8, zero = 3, recompute = full", model: "arch = llama, layers = 32, d_model = 4080, heads = 12, kv_heads = 12, ffn = 11008, vocab = tok.vocab, seq_len = 4096" })).map((e) => e.code)).toContain("E0151");
  });

  it("`parallel { auto }` picks a layout that fits, and `flowc plan` can explain it", () => {
    const res = checkFiles([parseText(program({ parallel: "auto" }), "r.flow").value]);
    expect(res.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const a = res.value.analyses.get("t")!;
    expect(a.planner?.best).toBeDefined();
    expect(a.planner?.runnerUp).toBeDefined();
    expect(a.parallel.tp * a.parallel.pp * a.parallel.dp * a.parallel.cp).toBe(8);
  });

  it("an unknown GPU suggests the catalog's name", () => {
    const es = check(program({ gpu: "H100-80G" }));
    expect(es[0]!.code).toBe("E0153");
    expect(es[0]!.help).toBe('did you mean `"H100-80GB"`?');
  });
});

describe("upsampling", () => {
  it("`upsample = k` puts k copies in the source's pool: errors/epochs.flow's math fits with upsample 3, not 2", async () => {
    const { readFileSync } = await import("node:fs");
    const base = readFileSync("examples/errors/epochs.flow", "utf8");
    const withUp = (k: number) => base.replace("tokens = 300K, kind = math }", `tokens = 300K, kind = math, upsample = ${k} }`);
    expect(check(withUp(3))).toEqual([]);
    const es = check(withUp(2));
    expect(es.map((e) => e.code)).toEqual(["E0140"]);
    expect(es[0]!.notes[0]).toContain("(300K declared x upsample 2 x 80% retention) = 5.12 epochs");
  });
});
