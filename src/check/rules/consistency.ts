// docs/language.md, check 11: tokenizer and model vocab agree; every dataset in a mix was tokenized with
// the model's tokenizer; every evalset in an eval was decontaminated against (else a warning).
import type { Declarations, TrainT } from "../typed.js";
import type { Reporter } from "../report.js";

/** The tokenizer a model names through `vocab = TOK.vocab`, if it does. */
export function modelTokenizer(p: Declarations, modelName: string): string | undefined {
  const m = p.models.get(modelName);
  const v = m?.vocabNode;
  if (v?.kind === "Path" && v.parts.length === 2 && v.parts[1]!.name === "vocab" && p.tokenizers.has(v.parts[0]!.name)) {
    return v.parts[0]!.name;
  }
  return undefined;
}

export function checkTokenizers(p: Declarations, train: TrainT, r: Reporter): void {
  const model = p.models.get(train.model);
  if (!model) return;
  const named = modelTokenizer(p, train.model);
  const used = new Map<string, { dataset: string; node: { span: import("../../source/span.js").Span } }>();
  for (const st of train.stages) {
    for (const e of st.mix) {
      const cur = p.curations.get(e.dataset.split(".")[0]!);
      if (cur?.tokenizer && !used.has(cur.tokenizer)) used.set(cur.tokenizer, { dataset: e.dataset, node: e.node });
    }
  }
  for (const [tokName, { dataset, node }] of used) {
    const tok = p.tokenizers.get(tokName);
    if (!tok) continue;
    if (named && tokName !== named) {
      r.report("E0191", node, `\`${dataset}\` is tokenized with \`${tokName}\`, but model \`${model.name}\` uses \`${named}\`.`, {
        help: `tokenize its curation with \`${named}\`, or give the model \`vocab = ${tokName}.vocab\``,
      });
    } else if (!named && used.size > 1) {
      r.report("E0191", node, `The mixes of \`${train.name}\` draw on datasets tokenized with different tokenizers (${[...used.keys()].join(", ")}).`, {
        help: "tokenize every curation of a run with the model's tokenizer",
      });
      break;
    }
    if (tok.vocab > model.vocab) {
      r.report("E0190", model.vocabNode ?? model.block.name!, `Model \`${model.name}\` has a vocabulary of ${model.vocab}, smaller than tokenizer \`${tok.name}\`'s ${tok.vocab}.`, {
        help: `set \`vocab = ${tok.name}.vocab\``,
      });
    }
  }
}

export function checkDecontamination(p: Declarations, r: Reporter): void {
  for (const ev of p.evals.values()) {
    const train = p.trains.get(ev.after);
    if (!train) continue;
    const curations = new Set<string>();
    for (const st of train.stages) for (const e of st.mix) curations.add(e.dataset.split(".")[0]!);
    for (const task of ev.tasks) {
      const missing = [...curations].filter((c) => !p.curations.get(c)?.decontaminated.has(task));
      if (missing.length) {
        r.report("W0192", ev.block.name!, `Evalset \`${task}\` is evaluated, but curation${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(", ")} ${missing.length > 1 ? "were" : "was"} not decontaminated against it.`, {
          help: `add \`decontaminate { against = [${task}], ngram = 13 }\` to the steps of ${missing.map((m) => `\`${m}\``).join(", ")}`,
        });
      }
    }
  }
}
