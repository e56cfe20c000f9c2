// The `model` declaration: shape, vocabulary, position encoding.
import { grouped } from "../../units/print.js";
import { BlockReader } from "../blockReader.js";
import type { Decl } from "../decls.js";
import type { Reporter } from "../report.js";
import type * as T from "../typed.js";
import { Evaluator } from "../values.js";
import * as W from "../../language/words.js";
import { attributesOf } from "../../language/vocabulary.js";
import { int, positiveReal, what } from "./common.js";

export function readModel(d: Decl, ev: Evaluator, r: Reporter): T.ModelT | undefined {
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
