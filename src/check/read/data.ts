// The `source`, `evalset` and `tokenizer` declarations.
import type { Expr } from "../../ast/nodes.js";
import * as R from "../../units/rational.js";
import { BlockReader } from "../blockReader.js";
import type { Decl } from "../decls.js";
import type { Reporter } from "../report.js";
import type * as T from "../typed.js";
import { Evaluator } from "../values.js";
import * as W from "../../language/words.js";
import { attributesOf } from "../../language/vocabulary.js";
import { int, optString, what } from "./common.js";

export function readSource(d: Decl, ev: Evaluator, r: Reporter): T.SourceT | undefined {
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

export function readEvalset(d: Decl, ev: Evaluator, r: Reporter): T.EvalsetT | undefined {
  const b = new BlockReader(r, d.block, { what: what(d), attrs: attributesOf("evalset") });
  const uriE = b.required("uri");
  const uri = uriE && ev.string(uriE);
  if (uri !== undefined) checkUri(uri, uriE!, r);
  const taskE = b.required("task");
  const task = taskE && (ev.word(taskE, W.EVAL_TASKS) as T.EvalsetT["task"] | undefined);
  if (uri === undefined || !task) return undefined;
  return { name: d.name, block: d.block, uri, task };
}

export function readTokenizer(d: Decl, ev: Evaluator, r: Reporter): T.TokenizerT | undefined {
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
