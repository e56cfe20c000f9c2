// A large, valid, realistic program for the editor benchmark: many sources and evalsets, several
// curations, models, and train runs with staged mixes, evals and releases — every kind of
// declaration, so hovers and diagnostics exercise the whole checker.

/** About `lines` lines; `flowc check` accepts it with no error. */
export function generateProgram(lines: number): string {
  const out: string[] = [
    "cluster h100 {", "  scheduler     = slurm", '  partition     = "gpu"', "  nodes         = 64", "  gpus_per_node = 8",
    '  gpu           = "H100-80GB"', "  max_walltime  = 48h", "  budget        = 90_000_000 gpu_hours", "}", "",
    'tokenizer tok { kind = bpe, vocab = 49_152, path = "tokenizers/tok/tokenizer.json" }', "",
  ];
  // Groups of 16 sources, 2 evalsets, a curation, a model, a run of 4 stages, an eval and a release,
  // until the program has `lines` lines.
  for (let g = 0; out.length < lines; g++) {
    const srcs = Array.from({ length: 16 }, (_, i) => `s${g}_${i}`);
    for (const [i, s] of srcs.entries()) {
      out.push(`source ${s} {`, `  uri        = "s3://corpora/g${g}/${s}/*.parquet"`, "  format     = parquet",
        `  tokens     = ${100 + i}B`, `  kind       = ${["web", "code", "math", "books"][i % 4]}`, "  max_epochs = 8", "}", "");
    }
    out.push(`evalset held${g} { uri = "data/eval/held${g}.jsonl", task = perplexity }`, `evalset quiz${g} { uri = "data/eval/quiz${g}.jsonl", task = multiple_choice }`);
    out.push(`curate c${g} {`, `  from = [${srcs.join(", ")}]`, "  steps {", "    language      { keep = [en], min_score = 0.5 }",
      "    quality       { method = gopher }", "    pii           { redact = [email, phone, ip] }",
      "    dedup         { method = minhash, ngram = 5, permutations = 128, bands = 16, threshold = 0.8 }",
      `    decontaminate { against = [held${g}, quiz${g}], ngram = 13 }`, "  }", "  tokenize         = tok", "  expect_retention = 80%", "}", "");
    out.push(`model m${g} {`, "  arch     = llama", "  layers   = 24", "  d_model  = 2048", "  heads    = 32", "  kv_heads = 8",
      "  ffn      = 8192", "  vocab    = tok.vocab", "  seq_len  = 2048", "}", "", "");
    out.push(`train t${g} {`, `  model       = m${g}`, "  cluster     = h100", "  nodes       = 8", "  tokens      = 1T",
      "  batch       = 2_097_152 tokens", "  micro_batch = 4", "  precision   = bf16", "  backend     = fsdp",
      "  parallel { tp = 1, pp = 1, dp = 64, zero = 3, recompute = selective }",
      "  optimizer adamw { lr = 3e-4, betas = [0.9, 0.95], weight_decay = 0.1, clip = 1.0 }",
      "  schedule wsd { warmup = 2000 steps, decay = 10% }", "  checkpoint_every = 2000 steps", "");
    const ends = ["250B", "500B", "750B", "1T"];
    for (let st = 0; st < 4; st++) {
      // Each stage draws on every source of the group, with the weights rotated from stage to stage.
      const weights = ["10%", "10%", "10%", "10%", "5%", "5%", "5%", "5%", "5%", "5%", "5%", "5%", "5%", "5%", "5%", "5%"];
      out.push(`  stage st${st} {`, `    until = ${ends[st]}`, "    mix {",
        ...srcs.map((s, i) => `      c${g}.${s} = ${weights[(i + 4 * st) % 16]}`), "    }", "  }", "");
    }
    out.push("}", "");
    out.push(`eval e${g} {`, `  after = t${g}`, `  tasks = [held${g}, quiz${g}]`, `  gate  { held${g}.perplexity <= 20 }`, "}", "");
    out.push(`release r${g} {`, `  from    = t${g}`, `  require = e${g}`, "  format  = hf_safetensors", "  phases  = [internal, public]", "}", "");
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}
