// The `train` declaration: parallelism, optimizer, LR schedule, stages and their mixes.
import type { Block } from "../../ast/nodes.js";
import type { Span } from "../../source/span.js";
import { pathText } from "../../ast/nodes.js";
import { grouped } from "../../units/print.js";
import * as R from "../../units/rational.js";
import type { Rational } from "../../units/rational.js";
import { BlockReader } from "../blockReader.js";
import type { Decl } from "../decls.js";
import { replaceWith, type Reporter } from "../report.js";
import { suggest } from "../../diagnostics/suggest.js";
import type * as T from "../typed.js";
import { Evaluator } from "../values.js";
import * as W from "../../language/words.js";
import { isWord } from "../../language/words.js";
import { attributesOf, blocksOf } from "../../language/vocabulary.js";
import { int, num, positiveReal, real, what } from "./common.js";

export function readTrain(d: Decl, ev: Evaluator, r: Reporter, curations: ReadonlyMap<string, T.CurateT>): T.TrainT | undefined {
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

export function readParallel(block: Block | undefined, ev: Evaluator, r: Reporter, d: Decl): T.ParallelT {
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

export function readOptimizer(block: Block | undefined, ev: Evaluator, r: Reporter, d: Decl): T.OptimizerT | undefined {
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

export function readLr(block: Block | undefined, ev: Evaluator, r: Reporter, d: Decl): T.LrT | undefined {
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

export function readStage(sb: Block, ev: Evaluator, r: Reporter, curations: ReadonlyMap<string, T.CurateT>): T.StageT {
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
export function readMix(mix: Block | undefined, stage: Block, ev: Evaluator, r: Reporter, curations: ReadonlyMap<string, T.CurateT>) {
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

function resolveDataset(at: { span: Span }, key: string, ev: Evaluator, r: Reporter,
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
