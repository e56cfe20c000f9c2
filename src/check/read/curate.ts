// The `curate` declaration: its operations, their parameters and the bounds no run can use.
import type { Block, Expr } from "../../ast/nodes.js";
import * as R from "../../units/rational.js";
import { BlockReader } from "../blockReader.js";
import type { Decl } from "../decls.js";
import type { Reporter } from "../report.js";
import type * as T from "../typed.js";
import { Evaluator } from "../values.js";
import * as W from "../../language/words.js";
import { attributesOf, blocksOf } from "../../language/vocabulary.js";
import { MAX_HAMMING, MAX_NGRAM, MAX_PERMUTATIONS, MAX_SEED } from "../../units/opLimits.js";
import { int, num, what } from "./common.js";

const OP_PARAMS: Record<T.CurateOpName, readonly string[]> = Object.fromEntries(
  W.CURATE_STEPS.map((op) => [op, attributesOf(`curate/steps/${op}`)]),
) as Record<T.CurateOpName, readonly string[]>;

/** Parameters a step cannot do without. */
const OP_REQUIRED: Partial<Record<T.CurateOpName, readonly { key: string; help: string }[]>> = {
  perplexity: [{ key: "model", help: "name the scoring LM, e.g. `model = \"models/pythia-1b\"`" }, { key: "max", help: "add the largest perplexity kept, e.g. `max = 20`" }],
  review: [{ key: "sample", help: "add the share of documents people look at, e.g. `sample = 0.1%`" }],
};

export function readCurate(d: Decl, ev: Evaluator, r: Reporter): T.CurateT | undefined {
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
