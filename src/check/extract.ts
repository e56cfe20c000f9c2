// From declarations to typed values: one reader per declaration kind, each listing the attributes
// and nested blocks its kind allows (docs/language.md, "Declarations"). Semantic rules that relate
// several declarations (mix sums, stages, epochs, memory, ...) live in rules/.
import type { Block, Expr, ExprItem } from "../ast/nodes.js";
import { pathText } from "../ast/nodes.js";
import { grouped } from "../units/print.js";
import * as R from "../units/rational.js";
import type { Rational } from "../units/rational.js";
import { BlockReader } from "./blockReader.js";
import type { Decl, SymbolTable } from "./decls.js";
import { replaceWith, type Reporter } from "./report.js";
import { suggest } from "../diagnostics/suggest.js";
import type * as T from "./typed.js";
import { Evaluator } from "./values.js";
import * as W from "../language/words.js";
import { isWord } from "../language/words.js";
import { attributesOf, blocksOf } from "../language/vocabulary.js";
import { MAX_HAMMING, MAX_NGRAM, MAX_PERMUTATIONS, MAX_SEED } from "../units/opLimits.js";

const num = (r: Rational) => R.toNumber(r);

export function extractProgram(symbols: SymbolTable, r: Reporter): { program: T.Declarations; ev: Evaluator } {
  const ev = new Evaluator(symbols, r);
  const of = <K extends Decl["kind"]>(k: K) => symbols.decls.filter((d) => d.kind === k);
  const collect = <V>(k: Decl["kind"], f: (d: Decl) => V | undefined) => {
    const m = new Map<string, V>();
    for (const d of of(k)) {
      const v = f(d);
      if (v !== undefined) m.set(d.name, v);
    }
    return m;
  };
  const clusters = collect("cluster", (d) => readCluster(d, ev, r));
  const sources = collect("source", (d) => readSource(d, ev, r));
  const evalsets = collect("evalset", (d) => readEvalset(d, ev, r));
  const tokenizers = collect("tokenizer", (d) => readTokenizer(d, ev, r));
  const curations = collect("curate", (d) => readCurate(d, ev, r));
  const models = collect("model", (d) => readModel(d, ev, r));
  const trains = collect("train", (d) => readTrain(d, ev, r, curations));
  const evals = collect("eval", (d) => readEval(d, ev, r));
  const releases = collect("release", (d) => readRelease(d, ev, r));
  return {
    program: { clusters, sources, evalsets, tokenizers, curations, models, trains, evals, releases, asserts: symbols.asserts },
    ev,
  };
}

function what(d: Decl): string {
  return `${d.kind} \`${d.name}\``;
}

function int(ev: Evaluator, e: Expr | undefined, min = 1n): number | undefined {
  if (!e) return undefined;
  const v = ev.integer(e, "number", true, min);
  return v === undefined ? undefined : Number(v);
}

function real(ev: Evaluator, e: Expr | undefined): number | undefined {
  if (!e) return undefined;
  const v = ev.dimensioned(e, "number", true);
  return v === undefined ? undefined : num(v);
}

/** A number that must be above zero (a RoPE base, a YaRN factor): zero or less is refused at the value. */
function positiveReal(ev: Evaluator, r: Reporter, e: Expr | undefined, key: string, usual: string): number | undefined {
  const v = real(ev, e);
  if (v === undefined || v > 0) return v;
  r.report("E0112", e!, `\`${key}\` must be positive, but is ${v}.`, { help: `e.g. \`${key} = ${usual}\`` });
  return undefined;
}

// ---- cluster ---------------------------------------------------------------------------------------

function readCluster(d: Decl, ev: Evaluator, r: Reporter): T.ClusterT | undefined {
  const b = new BlockReader(r, d.block, {
    what: what(d),
    attrs: attributesOf("cluster"),
  });
  const scheduler = ev.word(b.required("scheduler") ?? errorExpr(d), W.SCHEDULERS) as T.ClusterT["scheduler"] | undefined;
  const nodes = int(ev, b.required("nodes"));
  const gpusE = b.required("gpus_per_node");
  const gpusPerNode = int(ev, gpusE, 0n);
  const gpuNode = b.required("gpu");
  const gpu = gpuNode && ev.string(gpuNode);
  const mw = b.get("max_walltime");
  const maxWalltime = mw && ev.dimensioned(mw, "duration", false);
  if (maxWalltime && R.cmp(maxWalltime, R.ZERO) <= 0) r.report("E0112", mw!, "`max_walltime` must be positive.", { help: "give the cluster's job time limit, e.g. `max_walltime = 48h`" });
  const budgetNode = b.get("budget");
  const budget = budgetNode && ev.dimensioned(budgetNode, "gpu_hours", true);
  const ssh = optString(ev, b.get("ssh"));
  if (ssh !== undefined && !/^[A-Za-z0-9._-]+@[A-Za-z0-9.:_\-\[\]]+?(:\d+)?$/.test(ssh)) {
    r.report("E0112", b.get("ssh")!, `\`${ssh}\` is not of the form \`user@host[:port]\`.`, { help: "write e.g. `\"alice@login.cluster.org:22\"`" });
  }
  const ranks = int(ev, b.get("ranks_per_node"));
  if (gpusPerNode === 0 && ranks === undefined && gpusE) {
    r.report("E0105", gpusE, `A cluster without GPUs needs \`ranks_per_node\` (CPU ranks under gloo).`, { help: "add `ranks_per_node = 2`" });
  }
  if (!scheduler || nodes === undefined || gpusPerNode === undefined || gpu === undefined) return undefined;
  return {
    name: d.name, block: d.block, scheduler, nodes, gpusPerNode, gpu, gpuNode,
    partition: optString(ev, b.get("partition")),
    account: optString(ev, b.get("account")),
    cpusPerNode: int(ev, b.get("cpus_per_node")),
    ranksPerNode: ranks,
    maxWalltimeS: maxWalltime ? Math.ceil(num(maxWalltime)) : undefined,
    budgetGpuHours: budget, budgetNode,
    ssh,
    address: optString(ev, b.get("address")),
  };
}

function optString(ev: Evaluator, e: Expr | undefined): string | undefined {
  return e ? ev.string(e) : undefined;
}

function errorExpr(d: Decl): Expr {
  return { kind: "Error", span: d.block.keyword.span };
}

// ---- source, evalset, tokenizer --------------------------------------------------------------------


function readSource(d: Decl, ev: Evaluator, r: Reporter): T.SourceT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("source") });
  const uri = b.required("uri");
  const format = b.required("format");
  const tokens = b.required("tokens", "add the declared size, e.g. `tokens = 1.3T`");
  const kind = b.required("kind");
  const u = uri && ev.string(uri);
  if (u !== undefined) checkUri(u, uri!, r);
  const f = format && (ev.word(format, W.SOURCE_FORMATS) as T.SourceT["format"] | undefined);
  const t = tokens && ev.integer(tokens, "tokens", true, 1n);
  const k = kind && (ev.word(kind, W.SOURCE_KINDS) as T.SourceKind | undefined);
  const me = b.get("max_epochs");
  const maxEpochs = me && ev.dimensioned(me, "epochs", true);
  if (maxEpochs && R.cmp(maxEpochs, R.ZERO) <= 0) r.report("E0112", me!, "`max_epochs` must be positive.");
  const upsample = int(ev, b.get("upsample"));
  if (u === undefined || !f || t === undefined || !k) return undefined;
  return { name: d.name, block: d.block, uri: u, format: f, tokens: t, kind: k, maxEpochs, upsample };
}

/** URIs are checked for form, not existence (docs/language.md: check never reads the data). */
function checkUri(u: string, node: Expr, r: Reporter): void {
  if (u.trim() === "") r.report("E0112", node, "The URI is empty.", { help: "give a local path, a glob or an object-store URI" });
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u) && !/^(s3|gs|gcs|az|abfs|hf|file|https?):\/\//i.test(u)) {
    r.report("E0112", node, `Unknown URI scheme in \`${u}\`.`, { help: "use a local path or one of s3://, gs://, az://, hf://, file://, https://" });
  }
}

function readEvalset(d: Decl, ev: Evaluator, r: Reporter): T.EvalsetT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("evalset") });
  const uriE = b.required("uri");
  const uri = uriE && ev.string(uriE);
  if (uri !== undefined) checkUri(uri, uriE!, r);
  const taskE = b.required("task");
  const task = taskE && (ev.word(taskE, W.EVAL_TASKS) as T.EvalsetT["task"] | undefined);
  if (uri === undefined || !task) return undefined;
  return { name: d.name, block: d.block, uri, task };
}

function readTokenizer(d: Decl, ev: Evaluator, r: Reporter): T.TokenizerT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("tokenizer") });
  const kindE = b.required("kind");
  const kind = kindE && (ev.word(kindE, W.TOKENIZER_KINDS) as T.TokenizerT["kind"] | undefined);
  const vocab = int(ev, b.required("vocab"), 2n);
  const path = optString(ev, b.get("path"));
  const trainOnE = b.get("train_on");
  let trainOn: string[] | undefined;
  if (trainOnE) trainOn = ev.list(trainOnE).map((e) => ev.ref(e, ["source"])?.name).filter((n): n is string => !!n);
  if (path === undefined && trainOnE === undefined && !d.block.recovered) {
    r.report("E0105", d.block.name!, `Tokenizer \`${d.name}\` needs \`path\` (an existing tokenizer.json) or \`train_on\` (sources to train on).`, {
      help: "add `path = \"tokenizers/tok/tokenizer.json\"` or `train_on = [web]`",
    });
  }
  if (path !== undefined && trainOnE !== undefined) {
    r.report("E0112", b.attribute("train_on")!.key, "Give either `path` or `train_on`, not both.", { help: "remove one of them" });
  }
  if (!kind || vocab === undefined) return undefined;
  return { name: d.name, block: d.block, kind, vocab, path, trainOn };
}

// ---- curate ----------------------------------------------------------------------------------------

const OP_PARAMS: Record<T.CurateOpName, readonly string[]> = Object.fromEntries(
  W.CURATE_STEPS.map((op) => [op, attributesOf(`curate/steps/${op}`)]),
) as Record<T.CurateOpName, readonly string[]>;

/** Parameters a step cannot do without. */
const OP_REQUIRED: Partial<Record<T.CurateOpName, readonly { key: string; help: string }[]>> = {
  perplexity: [{ key: "model", help: "name the scoring LM, e.g. `model = \"models/pythia-1b\"`" }, { key: "max", help: "add the largest perplexity kept, e.g. `max = 20`" }],
  review: [{ key: "sample", help: "add the share of documents people look at, e.g. `sample = 0.1%`" }],
};

function readCurate(d: Decl, ev: Evaluator, r: Reporter): T.CurateT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("curate"), blocks: blocksOf("curate") });
  const fromE = b.required("from");
  const from = fromE ? ev.list(fromE).map((e) => ev.ref(e, ["source"])?.name).filter((n): n is string => !!n) : [];
  const tokE = b.required("tokenize", "name the tokenizer, e.g. `tokenize = tok`");
  const tokenizer = tokE && ev.ref(tokE, ["tokenizer"])?.name;
  const retE = b.get("expect_retention");
  const retention = retE ? ev.fraction(retE) ?? R.ONE : R.ONE;
  if (retE && R.cmp(retention, R.ZERO) === 0) r.report("E0112", retE, "`expect_retention` of 0% leaves nothing to train on.");
  const ops: T.CurateOpT[] = [];
  const decontaminated = new Set<string>();
  const steps = b.single("steps");
  if (steps) {
    const sb = new BlockReader(r, steps, { what: `the steps of ${what(d)}`, attrs: [], blocks: Object.keys(OP_PARAMS) });
    for (const item of steps.items) {
      if (item.kind !== "Block" || !(item.keyword.name in OP_PARAMS)) continue;
      const op = item.keyword.name as T.CurateOpName;
      const firstDedup = op === "dedup" ? ops.find((o) => o.op === "dedup") : undefined;
      if (firstDedup) {
        // The plan runs one global dedup merge per curation (ir.ts, DedupStep); a second would be lost.
        r.report("E0112", item.keyword, `Curation \`${d.name}\` already has a \`dedup\` step; a curation runs one.`, {
          secondary: [{ span: firstDedup.block.keyword.span, message: "the first dedup" }],
          help: "keep one dedup here, or curate the sources that need another method in a curation of their own",
        });
        continue;
      }
      const ob = new BlockReader(r, item, { what: `the \`${op}\` step`, attrs: OP_PARAMS[op] });
      const params: Record<string, unknown> = {};
      for (const need of OP_REQUIRED[op] ?? []) ob.required(need.key, need.help);
      for (const key of OP_PARAMS[op]) {
        const e = ob.get(key);
        if (!e) continue;
        const v = opParam(op, key, e, ev, decontaminated);
        if (v !== undefined) params[key] = v;
      }
      checkOpParams(op, ob, params, r);
      ops.push({ op, block: item, params });
    }
    void sb;
  }
  if (!tokenizer) return undefined;
  return { name: d.name, block: d.block, from, ops, tokenizer, retention, decontaminated };
}

/** What no run of an op can use, refused at the value (flowrt refuses the same when it loads a plan). */
function checkOpParams(op: T.CurateOpName, ob: BlockReader, params: Record<string, unknown>, r: Reporter): void {
  const atLeastOne = (key: string, why: string) => {
    const v = params[key];
    if (typeof v === "number" && v < 1) r.report("E0112", ob.get(key)!, `\`${key}\` must be at least 1 in the \`${op}\` step, but is ${v}.`, { help: why });
  };
  const atMost = (key: string, max: number, why: string) => {
    const v = params[key];
    if (typeof v === "number" && v > max) r.report("E0112", ob.get(key)!, `\`${key}\` must be at most ${max} in the \`${op}\` step, but is ${fmtBound(v)}.`, { help: why });
  };
  if (op === "dedup" || op === "decontaminate") atMost("ngram", MAX_NGRAM, "longer shingles than any sentence match only exact copies: use `method = exact` for those");
  if (op === "dedup") {
    atMost("permutations", MAX_PERMUTATIONS, "memory is documents × permutations × 4 bytes; 128–256 is usual");
    atMost("seed", MAX_SEED, "the MinHash family's generator takes 32-bit seeds");
    atMost("hamming", MAX_HAMMING, "a SimHash has 64 bits; 3 is usual");
  }
  if (op === "dedup" || op === "decontaminate") atLeastOne("ngram", "n-grams of at least one word, e.g. `ngram = 5` (dedup) or `ngram = 13` (decontamination)");
  if (op === "dedup") {
    atLeastOne("permutations", "e.g. `permutations = 128`");
    atLeastOne("bands", "e.g. `bands = 16` (permutations ÷ bands rows per band)");
    const p = params.permutations, b = params.bands;
    if (typeof p === "number" && typeof b === "number" && p >= 1 && b >= 1 && p % b !== 0) {
      r.report("E0112", ob.get("bands")!, `${b} bands do not divide ${p} permutations: MinHash-LSH splits the signature into bands of equal rows.`, {
        secondary: ob.get("permutations") ? [{ span: ob.get("permutations")!.span, message: `${p} permutations` }] : [],
        help: `use a divisor of ${p}, e.g. \`bands = ${[16, 8, 4, 2, 1].find((d) => p % d === 0)}\``,
      });
    }
  }
  if (op === "filter") {
    for (const [lo, hi] of [["min_words", "max_words"], ["min_chars", "max_chars"]] as const) {
      const a = params[lo], z = params[hi];
      if (typeof a === "number" && typeof z === "number" && a > z) {
        r.report("E0112", ob.get(lo)!, `\`${lo}\` ${a} is more than \`${hi}\` ${z}: the filter would drop every document.`, { help: `make \`${lo}\` at most \`${hi}\`` });
      }
    }
  }
}

const fmtBound = (v: number) => (Number.isSafeInteger(v) ? String(v) : v.toPrecision(3));

function opParam(op: T.CurateOpName, key: string, e: Expr, ev: Evaluator, decon: Set<string>): unknown {
  switch (`${op}.${key}`) {
    case "language.keep":
      return ev.list(e).map((x) => (x.kind === "Path" && x.parts.length === 1 ? x.parts[0]!.name : ev.string(x))).filter((x) => x !== undefined);
    case "pii.redact":
      return ev.list(e).map((x) => ev.word(x, W.PII_KINDS)).filter((x) => x !== undefined);
    case "quality.method":
      return ev.word(e, W.QUALITY_METHODS);
    case "dedup.method":
      return ev.word(e, W.DEDUP_METHODS);
    case "decontaminate.against":
      return ev.list(e).map((x) => {
        const ref = ev.ref(x, ["evalset"]);
        if (ref) decon.add(ref.name);
        return ref?.name;
      }).filter((x) => x !== undefined);
    case "language.model": case "quality.model": case "pii.replacement": case "perplexity.model": case "nsfw.model": case "dedup.model":
      return ev.string(e);
    case "perplexity.max": {
      const v = ev.dimensioned(e, "number", true);
      return v && num(v);
    }
    case "language.min_score": case "quality.threshold": case "quality.min_score": case "dedup.threshold":
    case "filter.max_repetition": case "filter.max_symbol_ratio": case "nsfw.max_score": case "review.sample": case "review.min_accuracy": {
      const v = ev.fraction(e);
      return v && num(v);
    }
    default:
      return int(ev, e, 0n);
  }
}

// ---- model -----------------------------------------------------------------------------------------

function readModel(d: Decl, ev: Evaluator, r: Reporter): T.ModelT | undefined {
  const b = new BlockReader(r, d.block, {
    what: what(d),
    attrs: attributesOf("model"),
  });
  const archE = b.required("arch");
  const arch = archE && ev.word(archE, W.ARCHS);
  const layers = int(ev, b.required("layers"));
  const dModel = int(ev, b.required("d_model"));
  const headsE = b.required("heads");
  const heads = int(ev, headsE);
  const kvE = b.get("kv_heads");
  const kvHeads = kvE ? int(ev, kvE) : heads;
  const ffn = int(ev, b.required("ffn"));
  const vocabNode = b.required("vocab");
  const vocab = int(ev, vocabNode, 2n);
  const seqLen = int(ev, b.required("seq_len"));
  const ropeTheta = positiveReal(ev, r, b.get("rope_theta"), "rope_theta", "10_000") ?? 10_000;
  const tieE = b.get("tie_embeddings");
  const tieEmbeddings = tieE ? ev.bool(tieE) ?? false : false;
  if (heads !== undefined && dModel !== undefined && dModel % heads !== 0) {
    r.report("E0151", headsE!, `\`d_model\` ${dModel} is not divisible by \`heads\` ${heads}.`, { help: "the head dimension d_model / heads must be whole" });
  }
  if (heads !== undefined && kvHeads !== undefined && heads % kvHeads !== 0) {
    r.report("E0151", kvE!, `\`heads\` ${heads} is not a multiple of \`kv_heads\` ${kvHeads}.`, { help: "grouped-query attention shares each KV head among heads / kv_heads query heads" });
  }
  const swE = b.get("sliding_window");
  const slidingWindow = swE ? int(ev, swE) : undefined;
  const falE = b.get("full_attention_layers");
  const fullAttentionLayers = falE ? int(ev, falE, 0n) : undefined;
  if (falE && !swE) {
    r.report("E0105", b.attribute("full_attention_layers")!.key, "`full_attention_layers` says which layers keep full attention, but no `sliding_window` is given.", { help: "add `sliding_window = 4096` (tokens) for the other layers" });
  }
  if (fullAttentionLayers !== undefined && layers !== undefined && fullAttentionLayers > layers) {
    r.report("E0112", falE!, `\`full_attention_layers\` ${fullAttentionLayers} is more than the model's ${layers} layers.`, { help: `at most \`full_attention_layers = ${layers}\`` });
  }
  if (!arch || layers === undefined || dModel === undefined || heads === undefined || kvHeads === undefined || ffn === undefined || vocab === undefined || seqLen === undefined) {
    return undefined;
  }
  return {
    name: d.name, block: d.block, layers, dModel, heads, kvHeads, ffn, vocab, vocabNode, seqLen, ropeTheta, tieEmbeddings,
    ...(slidingWindow !== undefined ? { slidingWindow, fullAttentionLayers: fullAttentionLayers ?? 0 } : {}),
  };
}

// ---- train -----------------------------------------------------------------------------------------


function readTrain(d: Decl, ev: Evaluator, r: Reporter, curations: ReadonlyMap<string, T.CurateT>): T.TrainT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("train"), blocks: blocksOf("train") });
  const model = b.required("model");
  const modelRef = model && ev.ref(model, ["model"]);
  const cluster = b.required("cluster");
  const clusterRef = cluster && ev.ref(cluster, ["cluster"]);
  const nodesNode = b.get("nodes");
  const nodes = int(ev, nodesNode);
  const initE = b.get("init_from");
  const initFrom = initE ? (initE.kind === "String" ? initE.value : ev.ref(initE, ["train"])?.name) : undefined;
  const tokensNode = b.required("tokens");
  const tokens = tokensNode && ev.integer(tokensNode, "tokens", true, 1n);
  const batchNode = b.required("batch", "add the global batch in tokens, e.g. `batch = 2_097_152 tokens`");
  let batch = batchNode && ev.integer(batchNode, "tokens", true, 1n);
  if (batch !== undefined && tokens !== undefined && batch > tokens && batchNode) {
    // One optimizer step would train the whole batch: more tokens than the run declares.
    r.report("E0112", batchNode, `The batch of ${grouped(batch)} tokens is larger than the run's ${grouped(tokens)} tokens: its one step would train ${grouped(batch)}.`, {
      secondary: tokensNode ? [{ span: tokensNode.span, message: "the run's tokens" }] : [],
      help: "make `batch` at most `tokens` (a run is a whole number of steps of `batch` tokens)",
    });
    batch = undefined;
  }
  const microBatch = int(ev, b.get("micro_batch")) ?? W.DEFAULTS.microBatch;
  const precisionNode = b.get("precision");
  const precision = (precisionNode ? ev.word(precisionNode, W.PRECISIONS) : W.DEFAULTS.precision) as T.TrainT["precision"] | undefined;
  const backendNode = b.get("backend");
  const backend = (backendNode ? ev.word(backendNode, W.BACKENDS) : W.DEFAULTS.backend) as T.TrainT["backend"] | undefined;
  const meE = b.get("max_epochs");
  const maxEpochs = (meE && ev.dimensioned(meE, "epochs", true)) || R.rat(W.DEFAULTS.maxEpochs);
  const ceE = b.get("checkpoint_every");
  const checkpointEvery = ceE ? Number(ev.integer(ceE, "steps", true, 1n) ?? BigInt(W.DEFAULTS.checkpointEvery)) : W.DEFAULTS.checkpointEvery;
  const seed = int(ev, b.get("seed"), 0n) ?? W.DEFAULTS.seed;

  const parallel = readParallel(b.single("parallel"), ev, r, d);
  const optimizer = readOptimizer(b.single("optimizer"), ev, r, d);
  const lr = readLr(b.single("schedule"), ev, r, d);
  const stageBlocks = b.blocks("stage");
  if (stageBlocks.length === 0 && !d.block.recovered) {
    r.report("E0105", d.block.name!, `Train run \`${d.name}\` has no \`stage\`.`, {
      help: "add at least one stage, e.g. `stage main { until = 1T, mix { clean.web = 100% } }`",
    });
  }
  const seen = new Map<string, Block>();
  const stages: T.StageT[] = [];
  for (const sb of stageBlocks) {
    if (!sb.name) {
      r.report("E0107", sb.keyword, "This stage has no name.", { help: "write `stage NAME { … }`" });
      continue;
    }
    const prev = seen.get(sb.name.name);
    if (prev) {
      r.report("E0103", sb.name, `Stage \`${sb.name.name}\` is declared twice in \`${d.name}\`.`, {
        secondary: [{ span: prev.name!.span, message: "first declared here" }],
      });
      continue;
    }
    seen.set(sb.name.name, sb);
    stages.push(readStage(sb, ev, r, curations));
  }
  if (!modelRef || !clusterRef || tokens === undefined || batch === undefined || !precision || !backend || !optimizer || !lr) {
    return undefined;
  }
  return {
    name: d.name, block: d.block, model: modelRef.name, cluster: clusterRef.name, nodes: nodes ?? 0, nodesNode, initFrom,
    tokens, tokensNode, batch, batchNode, microBatch, precision, precisionNode, backend, backendNode, parallel, optimizer, lr,
    maxEpochs, checkpointEvery, seed, stages,
  };
}

function readParallel(block: Block | undefined, ev: Evaluator, r: Reporter, d: Decl): T.ParallelT {
  const dflt: T.ParallelT = { tp: 1, pp: 1, dp: "auto", cp: 1, zero: W.DEFAULTS.zero, recompute: W.DEFAULTS.recompute };
  if (!block) return { ...dflt, dp: "auto" };
  const b = new BlockReader(r, block, { what: `the \`parallel\` block of \`${d.name}\``, attrs: attributesOf("train/parallel"), exprItems: true });
  let allAuto = false;
  for (const item of b.exprItems) {
    if (item.expr.kind === "Path" && pathText(item.expr) === "auto") allAuto = true;
    else r.report("E0109", item, "Only `auto` may stand alone in a `parallel` block.", { help: "write `auto`, or set sizes like `tp = 2`" });
  }
  const dim = (key: "tp" | "pp" | "dp" | "cp", fallback: T.Auto<number>): T.Auto<number> => {
    const e = b.get(key);
    if (!e) return allAuto ? "auto" : fallback;
    if (e.kind === "Path" && pathText(e) === "auto") return "auto";
    return int(ev, e) ?? fallback;
  };
  const zeroE = b.get("zero");
  let zero: T.Auto<0 | 1 | 2 | 3> = allAuto ? "auto" : W.DEFAULTS.zero;
  if (zeroE) {
    if (zeroE.kind === "Path" && pathText(zeroE) === "auto") zero = "auto";
    else {
      const z = int(ev, zeroE, 0n);
      if (z !== undefined && z > 3) r.report("E0112", zeroE, `ZeRO stage ${z} does not exist.`, { help: "use 0, 1, 2 or 3 (3 = fully sharded, like FSDP)" });
      else if (z !== undefined) zero = z as 0 | 1 | 2 | 3;
    }
  }
  const rcE = b.get("recompute");
  let recompute: T.Auto<"none" | "selective" | "full"> = allAuto ? "auto" : "none";
  if (rcE) {
    if (rcE.kind === "Path" && pathText(rcE) === "auto") recompute = "auto";
    else recompute = (ev.word(rcE, W.RECOMPUTE) as W.Recompute | undefined) ?? W.DEFAULTS.recompute;
  }
  return { block, tp: dim("tp", 1), pp: dim("pp", 1), dp: dim("dp", "auto"), cp: dim("cp", 1), zero, recompute };
}

function readOptimizer(block: Block | undefined, ev: Evaluator, r: Reporter, d: Decl): T.OptimizerT | undefined {
  if (!block) {
    r.report("E0105", d.block.name!, `Train run \`${d.name}\` has no \`optimizer\`.`, { help: "add `optimizer adamw { lr = 3e-4 }`" });
    return undefined;
  }
  if (block.name?.name !== "adamw") {
    r.report("E0112", block.name ?? block.keyword, `Unknown optimizer \`${block.name?.name ?? ""}\`.`, { help: "flowc supports `optimizer adamw { … }`" });
    return undefined;
  }
  const b = new BlockReader(r, block, { what: "`optimizer adamw`", attrs: attributesOf("train/optimizer:adamw") });
  const lr = real(ev, b.required("lr"));
  let betas: [number, number] = [...W.DEFAULTS.betas];
  const be = b.get("betas");
  if (be) {
    const items = ev.list(be).map((x) => real(ev, x));
    if (items.length !== 2 || items.some((x) => x === undefined || x < 0 || x >= 1)) {
      r.report("E0112", be, "`betas` must be two numbers in [0, 1).", { help: "e.g. `betas = [0.9, 0.95]`" });
    } else betas = [items[0]!, items[1]!];
  }
  if (lr === undefined) return undefined;
  if (lr <= 0) {
    r.report("E0112", b.get("lr")!, "The learning rate must be positive.");
    return undefined;
  }
  // Values AdamW would take without complaint and train wrongly with: a negative decay grows the
  // weights, a zero or negative eps divides by zero, a negative clip norm is meaningless.
  const bounded = (key: string, fallback: number, ok: (v: number) => boolean, rule: string): number => {
    const v = real(ev, b.get(key));
    if (v === undefined) return fallback;
    if (!ok(v)) {
      r.report("E0112", b.get(key)!, `\`${key}\` must be ${rule}, but is ${v}.`, { help: `\`${key} = ${fallback}\` is the usual value` });
      return fallback;
    }
    return v;
  };
  return {
    kind: "adamw", lr, betas,
    weightDecay: bounded("weight_decay", W.DEFAULTS.weightDecay, (v) => v >= 0, "zero or positive"),
    eps: bounded("eps", W.DEFAULTS.eps, (v) => v > 0, "positive"),
    clip: bounded("clip", W.DEFAULTS.clip, (v) => v >= 0, "zero (no clipping) or positive"),
  };
}

function readLr(block: Block | undefined, ev: Evaluator, r: Reporter, d: Decl): T.LrT | undefined {
  if (!block) return { kind: "constant", warmupSteps: 0, minRatio: W.DEFAULTS.minLrRatio.constant };
  const kind = block.name?.name;
  if (!isWord(W.LR_SCHEDULES, kind)) {
    const guess = kind ? suggest(kind, W.LR_SCHEDULES) : undefined;
    r.report("E0112", block.name ?? block.keyword, `Unknown schedule \`${kind ?? ""}\` in \`${d.name}\`.`, {
      help: guess ? `did you mean \`${guess}\`?` : "use `schedule cosine`, `schedule wsd` or `schedule constant`",
      fixes: [block.name ? replaceWith(block.name, guess) : undefined],
    });
    return undefined;
  }
  const attrs = attributesOf(`train/schedule:${kind}`);
  const b = new BlockReader(r, block, { what: `\`schedule ${kind}\``, attrs });
  const wE = b.get("warmup");
  const warmupSteps = wE ? Number(ev.integer(wE, "steps", true, 0n) ?? 0n) : 0;
  const mrE = b.get("min_lr_ratio");
  const minRatio = mrE ? num(ev.fraction(mrE) ?? R.ZERO) : kind === "constant" ? 0 : W.DEFAULTS.minLrRatio[kind];
  let decayFraction: Rational | undefined;
  let decaySteps: number | undefined;
  if (kind === "wsd") {
    const de = b.required("decay", "add the decay phase, e.g. `decay = 10%` or `decay = 2000 steps`");
    if (de) {
      const q = ev.quantity(de);
      if (q?.dim === "steps") decaySteps = Number(R.floor(q.value));
      else if (q) decayFraction = ev.fraction(de);
    }
  }
  return { kind, block, warmupSteps, decayFraction, decaySteps, minRatio };
}

function readStage(sb: Block, ev: Evaluator, r: Reporter, curations: ReadonlyMap<string, T.CurateT>): T.StageT {
  const b = new BlockReader(r, sb, {
    what: `stage \`${sb.name!.name}\``,
    attrs: attributesOf("train/stage"),
    blocks: blocksOf("train/stage"),
  });
  const untilE = b.get("until");
  const lastE = b.get("last");
  if (untilE && lastE) {
    r.report("E0131", b.attribute("last")!.key, `Stage \`${sb.name!.name}\` gives both \`until\` and \`last\`.`, { help: "keep one: `until` is a cumulative end, `last` the final tokens of the run" });
  } else if (!untilE && !lastE && !sb.recovered) {
    r.report("E0105", sb.name!, `Stage \`${sb.name!.name}\` says neither \`until\` nor \`last\`.`, { help: "add `until = 1T` (cumulative end) or `last = 75B` (the final tokens)" });
  }
  const untilTok = untilE && ev.integer(untilE, "tokens", true, 1n);
  const lastTok = lastE && ev.integer(lastE, "tokens", true, 1n);
  const mixBlock = b.single("mix");
  const { entries, valid } = readMix(mixBlock, sb, ev, r, curations);
  const lrsE = b.get("lr_scale");
  const lrJumpE = b.get("lr_jump");
  const packE = b.get("packing");
  const packing = packE ? (ev.word(packE, W.PACKINGS) as T.StageT["packing"]) : undefined;
  return {
    name: sb.name!.name,
    block: sb,
    until: untilTok !== undefined && untilE ? { tokens: untilTok, node: untilE } : undefined,
    last: lastTok !== undefined && lastE ? { tokens: lastTok, node: lastE } : undefined,
    mix: entries,
    mixBlock,
    mixValid: valid,
    seqLen: int(ev, b.get("seq_len")),
    microBatch: int(ev, b.get("micro_batch")),
    ropeTheta: positiveReal(ev, r, b.get("rope_theta"), "rope_theta", "500_000"),
    yarnFactor: positiveReal(ev, r, b.get("yarn_factor"), "yarn_factor", "4"),
    ...(packing ? { packing } : {}),
    lrScale: lrsE ? ev.dimensioned(lrsE, "number", true) : undefined,
    lrJump: lrJumpE ? ev.bool(lrJumpE) ?? false : false,
  };
}

/** Mix entries `CURATE.SOURCE = weight`; the sum rule is in rules/mix.ts. */
function readMix(mix: Block | undefined, stage: Block, ev: Evaluator, r: Reporter, curations: ReadonlyMap<string, T.CurateT>) {
  const entries: T.MixEntryT[] = [];
  let valid = true;
  if (!mix) {
    if (!stage.recovered) {
      r.report("E0105", stage.name!, `Stage \`${stage.name!.name}\` has no \`mix\`.`, { help: "add `mix { clean.web = 100% }`" });
    }
    return { entries, valid: false };
  }
  const b = new BlockReader(r, mix, { what: `the mix of stage \`${stage.name!.name}\``, attrs: [], dottedKeys: true });
  const datasets: string[] = [];
  for (const [c, cur] of curations) for (const s of cur.from) datasets.push(`${c}.${s}`);
  const seen = new Map<string, T.MixEntryT>();
  for (const a of b.dotted) {
    const key = pathText(a.key);
    // Any non-negative weight is read; the sum rule (rules/mix.ts) says what is wrong with it.
    const weight = ev.fraction(a.value, R.rat(1_000_000n));
    if (weight === undefined) valid = false;
    if (!resolveDataset(a.key, key, ev, r, curations, datasets)) valid = false;
    const prev = seen.get(key);
    if (prev) {
      r.report("E0106", a.key, `\`${key}\` appears twice in this mix.`, { secondary: [{ span: prev.node.span, message: "first here" }], help: "merge the two weights" });
      valid = false;
      continue;
    }
    if (weight !== undefined && R.cmp(weight, R.ZERO) === 0) {
      r.report("W0120", a.value, `\`${key}\` has weight 0% and is never drawn.`, { help: "remove the entry" });
    }
    const entry = { dataset: key, weight: weight ?? R.ZERO, node: a };
    seen.set(key, entry);
    entries.push(entry);
  }
  if (entries.length === 0 && !mix.recovered) {
    r.report("E0120", mix, "This mix is empty.", { help: "add `CURATE.SOURCE = 100%`" });
    valid = false;
  }
  return { entries, valid };
}

function resolveDataset(at: { span: import("../source/span.js").Span }, key: string, ev: Evaluator, r: Reporter,
  curations: ReadonlyMap<string, T.CurateT>, datasets: readonly string[]): boolean {
  if (datasets.includes(key)) return true;
  const parts = key.split(".");
  const decl = ev.symbols.byName.get(parts[0]!);
  if (parts.length === 1 && decl?.kind === "source") {
    const curs = [...curations.values()].filter((c) => c.from.includes(key)).map((c) => `${c.name}.${key}`);
    r.report("E0102", at, `A mix draws from curated datasets, but \`${key}\` is a raw source.`, {
      help: curs.length ? `did you mean \`${curs[0]}\`?` : `curate it first: \`curate clean { from = [${key}] … }\`, then use \`clean.${key}\``,
      fixes: [replaceWith(at, curs[0])],
    });
    return false;
  }
  if (decl && decl.kind !== "curate") {
    r.report("E0102", at, `A mix draws from curated datasets \`CURATE.SOURCE\`, but \`${parts[0]}\` is ${decl.kind === "evalset" ? "an evalset" : `a ${decl.kind}`}.`);
    return false;
  }
  const guess = suggest(key, datasets);
  r.report("E0101", at, `Unknown dataset \`${key}\`.`, {
    label: "not a curated dataset",
    help: guess ? `did you mean \`${guess}\`?` : decl?.kind === "curate" ? `\`${parts[0]}\` curates ${curations.get(parts[0]!)?.from.join(", ") || "nothing"}` : "a mix entry is `CURATE.SOURCE`",
    fixes: [replaceWith(at, guess)],
  });
  return false;
}

// ---- eval, release ---------------------------------------------------------------------------------


function readGates(items: readonly ExprItem[] | readonly Expr[], ev: Evaluator, r: Reporter, tasks?: readonly string[]): T.GateT[] {
  const gates: T.GateT[] = [];
  for (const it of items) {
    const e = "expr" in it && it.kind === "ExprItem" ? it.expr : (it as Expr);
    if (e.kind !== "Binary" || !["<", "<=", ">", ">=", "==", "!="].includes(e.op)) {
      r.report("E0113", e, "Expected a gate `EVALSET.METRIC OP VALUE`.", { help: "e.g. `heldout.perplexity <= 2000` or `quiz.acc >= 25%`" });
      continue;
    }
    const left = e.left;
    if (left.kind !== "Path" || left.parts.length !== 2) {
      r.report("E0113", left, "Expected `EVALSET.METRIC` on the left of a gate.", { help: "e.g. `heldout.perplexity`" });
      continue;
    }
    const [es, metric] = [left.parts[0]!, left.parts[1]!];
    const ref = ev.ref({ kind: "Path", parts: [es], span: es.span }, ["evalset"]);
    if (!ref) continue;
    if (!isWord(W.METRICS, metric.name)) {
      const guess = suggest(metric.name, W.METRICS);
      r.report("E0112", metric, `Unknown metric \`${metric.name}\`.`, { help: guess ? `did you mean \`${guess}\`?` : `metrics: ${W.METRICS.join(", ")}`, fixes: [replaceWith(metric, guess)] });
      continue;
    }
    if (tasks && !tasks.includes(ref.name)) {
      r.report("E0210", es, `The gate reads \`${ref.name}\`, which this eval does not run.`, { help: `add \`${ref.name}\` to \`tasks\`` });
      continue;
    }
    const q = ev.quantity(e.right);
    if (!q) continue;
    if (q.dim !== "number" && q.dim !== "percent") {
      r.report("E0110", e.right, "Expected a number or a percentage on the right of a gate.");
      continue;
    }
    gates.push({ evalset: ref.name, metric: metric.name, op: e.op as T.CompareOp, value: num(q.value), node: e });
  }
  return gates;
}

function readEval(d: Decl, ev: Evaluator, r: Reporter): T.EvalT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("eval"), blocks: blocksOf("eval") });
  const afterE = b.required("after");
  const after = afterE && ev.ref(afterE, ["train"])?.name;
  const everyE = b.get("every");
  const every = everyE ? Number(ev.integer(everyE, "steps", true, 1n) ?? 0n) || undefined : undefined;
  const tasksE = b.required("tasks");
  const tasks = tasksE ? ev.list(tasksE).map((x) => ev.ref(x, ["evalset"])?.name).filter((x): x is string => !!x) : [];
  const gate = b.single("gate");
  const gates = gate ? readGates(new BlockReader(r, gate, { what: `the gate of ${what(d)}`, attrs: [], exprItems: true }).exprItems, ev, r, tasks) : [];
  if (!after) return undefined;
  return { name: d.name, block: d.block, after, every, tasks, gates };
}

function readRelease(d: Decl, ev: Evaluator, r: Reporter): T.ReleaseT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("release"), blocks: blocksOf("release") });
  const fromE = b.required("from");
  const from = fromE && ev.ref(fromE, ["train"])?.name;
  const reqE = b.get("require");
  const require = reqE ? ev.list(reqE).map((x) => ev.ref(x, ["eval"])?.name).filter((x): x is string => !!x) : [];
  const fmtE = b.get("format");
  if (fmtE) ev.word(fmtE, W.RELEASE_FORMATS);
  const phE = b.get("phases");
  const phases = phE ? ev.list(phE).map((x) => (x.kind === "Path" && x.parts.length === 1 ? x.parts[0]!.name : ev.string(x))).filter((x): x is string => !!x) : ["internal"];
  let rollbackIf: T.GateT[] = [];
  const rbBlock = b.single("rollback_if");
  if (rbBlock) rollbackIf = readGates(new BlockReader(r, rbBlock, { what: "`rollback_if`", attrs: [], exprItems: true }).exprItems, ev, r);
  const rbE = b.get("rollback_if");
  if (rbE) rollbackIf = rollbackIf.concat(readGates(ev.list(rbE), ev, r));
  if (!reqE && !d.block.recovered) {
    r.report("W0210", d.block.name!, `Release \`${d.name}\` requires no eval: nothing gates it.`, { help: "add `require = EVAL` so a failing gate stops the release" });
  }
  if (!from) return undefined;
  return { name: d.name, block: d.block, from, require, format: "hf_safetensors", phases, rollbackIf };
}
