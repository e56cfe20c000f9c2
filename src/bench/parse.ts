// Benchmark: parse + check a generated program of 5k, 50k and 500k lines, beside the baseline of
// what users write today: the `yaml` package parsing the equivalent YAML document. Prints lines/s.
import { performance } from "node:perf_hooks";
import { parse as parseYaml } from "yaml";
import { checkFiles } from "../check/check.js";
import { parseText } from "../syntax/parse.js";

/** A .flow program of about `lines` lines (sources of 7 lines each around a small run) and its YAML twin. */
export function generate(lines: number): { flow: string; yaml: string; lines: number } {
  const n = Math.max(1, Math.floor((lines - 40) / 7));
  const flow: string[] = [
    'cluster c { scheduler = slurm, nodes = 1, gpus_per_node = 8, gpu = "H100-80GB", max_walltime = 48h }',
    'tokenizer tok { kind = bpe, vocab = 32000, path = "tok.json" }',
  ];
  const yaml: string[] = ["cluster:", "  c: {scheduler: slurm, nodes: 1, gpus_per_node: 8, gpu: H100-80GB, max_walltime: 48h}",
    "tokenizer:", "  tok: {kind: bpe, vocab: 32000, path: tok.json}", "source:"];
  for (let i = 0; i < n; i++) {
    flow.push(`source s${i} {`, `  uri    = "s3://corpora/s${i}/*.parquet"`, "  format = parquet", "  tokens = 1.3T", "  kind   = web", "  max_epochs = 4", "}");
    yaml.push(`  s${i}:`, `    uri: "s3://corpora/s${i}/*.parquet"`, "    format: parquet", "    tokens: 1.3T", "    kind: web", "    max_epochs: 4");
  }
  flow.push(`curate cur { from = [s0, s1], steps { dedup { method = exact } }, tokenize = tok }`,
    "model m { arch = llama, layers = 32, d_model = 4096, heads = 32, kv_heads = 8, ffn = 14336, vocab = tok.vocab, seq_len = 4096 }",
    "train t {", "  model = m", "  cluster = c", "  tokens = 1T", "  batch = 4_194_304 tokens", "  micro_batch = 1",
    "  parallel { tp = 1, pp = 1, zero = 3, recompute = full }", "  optimizer adamw { lr = 3e-4 }", "  schedule cosine { warmup = 2000 steps }",
    "  stage a { until = 1T, mix { cur.s0 = 50%, cur.s1 = 50% } }", "}");
  yaml.push("curate:", "  cur: {from: [s0, s1], steps: [{dedup: {method: exact}}], tokenize: tok}",
    "model:", "  m: {arch: llama, layers: 32, d_model: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: tok.vocab, seq_len: 4096}",
    "train:", "  t:", "    model: m", "    cluster: c", "    tokens: 1T", "    batch: 4194304", "    micro_batch: 1",
    "    parallel: {tp: 1, pp: 1, zero: 3, recompute: full}", "    optimizer: {adamw: {lr: 3.0e-4}}", "    schedule: {cosine: {warmup: 2000}}",
    "    stages:", "      a: {until: 1T, mix: {cur.s0: 50%, cur.s1: 50%}}");
  return { flow: flow.join("\n") + "\n", yaml: yaml.join("\n") + "\n", lines: flow.length };
}

/** Median milliseconds of `runs` timed calls (after one warm-up call unless `warm` is false): the median resists a noisy machine. */
function time(f: () => void, runs: number, warm = true): number {
  if (warm) f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Start each run without the previous run's garbage (`npm run bench` passes --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

export function benchParse(): string[] {
  const out = ["parse + check vs. yaml.parse (baseline), same document", "lines      flowc parse   flowc parse+check   yaml.parse   parse/yaml"];
  // Warm the JIT on a mid-size document first, so the smallest size is not measured cold.
  const warm = generate(20_000);
  for (let i = 0; i < 10; i++) { checkFiles([parseText(warm.flow, "warm.flow").value]); parseYaml(warm.yaml); }
  for (const size of [5_000, 50_000, 500_000]) {
    const g = generate(size);
    const runs = size > 100_000 ? 3 : 9;
    const tParse = time(() => parseText(g.flow, "bench.flow"), runs);
    const tCheck = time(() => {
      const r = parseText(g.flow, "bench.flow");
      const c = checkFiles([r.value]);
      if (c.diagnostics.some((d) => d.severity === "error")) throw new Error(`bench program has errors: ${c.diagnostics[0]!.message}`);
    }, runs);
    // yaml needs about two minutes for 500k lines: one cold run there.
    const tYaml = size > 100_000 ? time(() => parseYaml(g.yaml), 1, false) : time(() => parseYaml(g.yaml), runs);
    const lps = (ms: number) => `${Math.round(g.lines / (ms / 1000)).toLocaleString("en-US")}/s`.padStart(12);
    out.push(`${String(g.lines).padEnd(9)} ${lps(tParse)}   ${lps(tCheck).padStart(17)}   ${lps(tYaml)}   ${(tYaml / tParse).toFixed(2)}x`);
  }
  out.push("(lines/s, median of 9 runs, 3 at 500k (yaml: 1); the last column is how many times faster than the YAML baseline flowc's parse is)");
  return out;
}
