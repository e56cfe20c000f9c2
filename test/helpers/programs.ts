// fast-check generators of .flow programs: syntactic ones (for the parser and formatter) and
// semantically valid ones (sources, curation, mixes, stages, batches) for the checker, lowering
// and schedule properties.
import fc from "fast-check";

const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((s) => !["true", "false", "import"].includes(s));
const unit = fc.constantFrom("", "K", "M", "B", "T", "%", "GiB", "MB", "h", "m", "s", " tokens", " steps", " epochs", " gpu_hours");
const number = fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }), unit)
  .map(([i, f, u]) => `${i}${f === undefined ? "" : `.${f}`}${u}`);
const str = fc.stringMatching(/^[a-zA-Z0-9 _.*-]{0,12}$/).map((s) => JSON.stringify(s));
const path = fc.array(ident, { minLength: 1, maxLength: 3 }).map((xs) => xs.join("."));

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string; atom: string }>((tie) => ({
  atom: fc.oneof(number, str, path, fc.constantFrom("true", "false"),
    fc.array(tie("e"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
    fc.tuple(ident, fc.array(tie("e"), { maxLength: 2 })).map(([f, xs]) => `${f}(${xs.join(", ")})`)),
  e: fc.oneof({ depthSize: "small", withCrossShrink: true },
    tie("atom"),
    fc.tuple(tie("atom"), fc.constantFrom("+", "-", "*", "/"), tie("atom")).map(([a, o, b]) => `${a} ${o} ${b}`),
    tie("atom").map((a) => `(${a})`)),
})).e;

const attr = fc.tuple(path, expr).map(([k, v]) => `${k} = ${v}`);
const cmp = fc.tuple(path, fc.constantFrom("<=", ">=", "==", "<", ">", "!="), number).map(([a, o, b]) => `${a} ${o} ${b}`);
const comment = fc.stringMatching(/^[a-zA-Z0-9 ,.]{0,20}$/).map((s) => `// ${s}`.trimEnd());

/** A multi-line block written on one line: items separated by commas, comments dropped. */
const flatten = (b: string) =>
  b.replace(/\/\/[^\n]*/g, "").replace(/\{\s*\n\s*/g, "{ ").replace(/\n\s*\}/g, " }").replace(/\n\s*(?=\S)/g, ", ").replace(/\n/g, "");

const block: fc.Arbitrary<string> = fc.letrec<{ b: string }>((tie) => ({
  b: fc.tuple(ident, fc.option(ident, { nil: undefined }), fc.array(fc.oneof(attr, cmp, attr, tie("b")), { maxLength: 4 }), fc.boolean(), fc.option(comment, { nil: undefined }))
    .map(([kw, name, items, oneLine, c]) => {
      const head = name ? `${kw} ${name}` : kw;
      if (oneLine || items.length === 0) return `${head} { ${items.map(flatten).join(", ")} }`;
      return `${head} {\n${c ? `  ${c}\n` : ""}${items.map((i) => "  " + i.replace(/\n/g, "\n  ")).join("\n")}\n}`;
    }),
})).b;

/** A syntactically valid program (names and kinds are arbitrary). */
export const syntacticProgram = fc.tuple(fc.array(str, { maxLength: 2 }), fc.array(fc.tuple(block, fc.boolean()), { minLength: 1, maxLength: 5 }))
  .map(([imports, blocks]) => [...imports.map((s) => `import ${s}`), ...blocks.map(([b, gap]) => (gap ? `\n${b}` : b))].join("\n") + "\n");

export interface GeneratedRun {
  readonly text: string;
  readonly seqLen: number;
  readonly batchTokens: number;
  readonly stageEnds: number[];
}

/**
 * A semantically valid program: a CPU cluster, 1–4 sources, one curation, a model, and a run of
 * 1–4 stages whose mixes sum to 100% and whose stage ends are whole multiples of the batch.
 * Sources are declared large enough that no epoch cap is reached.
 */
export const validProgram: fc.Arbitrary<GeneratedRun> = fc.record({
  nSources: fc.integer({ min: 1, max: 4 }),
  ranks: fc.constantFrom(1, 2, 4),
  micro: fc.constantFrom(1, 2, 4),
  accum: fc.integer({ min: 1, max: 4 }),
  seqLen: fc.constantFrom(64, 128, 256),
  stageSteps: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
  weights: fc.array(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 4, maxLength: 4 }), { minLength: 4, maxLength: 4 }),
  offsets: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 4, maxLength: 4 }),
  schedule: fc.constantFrom("wsd { warmup = 5 steps, decay = 20% }", "cosine { warmup = 3 steps }", "constant { }"),
}).map((r) => {
  const sources = Array.from({ length: r.nSources }, (_, i) => `s${i}`);
  const batch = r.micro * r.seqLen * r.ranks * r.accum;
  let end = 0;
  const stageEnds: number[] = [];
  const stages = r.stageSteps.map((steps, si) => {
    // The requested end lies inside the last step (rounded up by the schedule), or on it.
    end += steps * batch;
    const until = end - (r.offsets[si]! % batch);
    stageEnds.push(end);
    const ws = sources.map((_, j) => r.weights[si]![j]!);
    const sum = ws.reduce((a, b) => a + b, 0);
    // Percentages with two decimals that sum to exactly 100: largest remainder on basis points.
    const bps = ws.map((w) => Math.floor((w * 10000) / sum));
    let rest = 10000 - bps.reduce((a, b) => a + b, 0);
    for (let j = 0; rest > 0; j = (j + 1) % bps.length, rest--) bps[j]! += 1;
    const mix = sources.map((s, j) => `c.${s} = ${(bps[j]! / 100).toFixed(2)}%`).join(", ");
    return `  stage st${si} { until = ${si === r.stageSteps.length - 1 ? end : until}, mix { ${mix} } }`;
  });
  const total = end;
  const text = `cluster local { scheduler = slurm, nodes = 1, gpus_per_node = 0, ranks_per_node = ${r.ranks}, gpu = "cpu" }
${sources.map((s) => `source ${s} { uri = "data/${s}/*.jsonl", format = jsonl, tokens = ${total * 10}, kind = web }`).join("\n")}
tokenizer tok { kind = bpe, vocab = 512, train_on = [${sources[0]}] }
curate c { from = [${sources.join(", ")}], steps { }, tokenize = tok, expect_retention = 100% }
model m { arch = llama, layers = 2, d_model = 32, heads = 2, kv_heads = 1, ffn = 64, vocab = tok.vocab, seq_len = ${r.seqLen} }
train t {
  model = m
  cluster = local
  tokens = ${total}
  batch = ${batch} tokens
  micro_batch = ${r.micro}
  precision = fp32
  parallel { dp = ${r.ranks}, zero = 3 }
  optimizer adamw { lr = 1e-3 }
  schedule ${r.schedule}
${stages.join("\n")}
}
`;
  return { text, seqLen: r.seqLen, batchTokens: batch, stageEnds };
});
