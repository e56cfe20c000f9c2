// The editor's vocabulary is the checker's: for every block the vocabulary describes, the real
// checker is asked (through an unknown attribute and an unknown block in that place) which
// attributes and blocks it allows, and the two lists must be the same.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkFiles } from "../../src/check/check.js";
import { allBlockSpecs } from "../../src/language/vocabulary.js";
import { parseText } from "../../src/syntax/parse.js";

const tiny = readFileSync("examples/tiny.flow", "utf8");

/** tiny.flow with `item` as the first item of the block that `path` names. */
function withItem(path: string, item: string): string {
  let text = tiny;
  const into = (header: string) => {
    const at = text.indexOf(header);
    if (at < 0) throw new Error(`no \`${header}\` for ${path}`);
    const open = text.indexOf("{", at) + 1;
    text = `${text.slice(0, open)} ${item}\n${text.slice(open)}`;
  };
  const headers: Record<string, string> = {
    cluster: "cluster local", source: "source web", evalset: "evalset heldout", tokenizer: "tokenizer tok", curate: "curate clean",
    model: "model toy", train: "train pretrain", eval: "eval base", release: "release toy_v1",
    "train/parallel": "parallel {", "train/optimizer:adamw": "optimizer adamw", "train/schedule:wsd": "schedule wsd", "train/stage": "stage warm",
    "curate/steps": "steps {", "curate/steps/language": "language ", "curate/steps/quality": "quality ", "curate/steps/pii": "pii ",
    "curate/steps/dedup": "dedup ", "curate/steps/decontaminate": "decontaminate {", "eval/gate": "gate ",
  };
  if (path === "train/schedule:cosine" || path === "train/schedule:constant") {
    const alg = path.split(":")[1]!;
    text = text.replace(/schedule wsd \{[^}]*\}/, `schedule ${alg} { }`);
    into(`schedule ${alg}`);
  } else if (["curate/steps/filter", "curate/steps/perplexity", "curate/steps/nsfw", "curate/steps/review"].includes(path)) {
    // Steps tiny.flow does not use: added empty, then the item goes into them.
    const step = path.split("/")[2]!;
    text = text.replace("steps {", `steps {\n    ${step} { }`);
    into(`${step} {`);
  } else if (path === "release/rollback_if") {
    text = text.replace("phases  = [internal]", "phases  = [internal]\n  rollback_if { }");
    into("rollback_if {");
  } else into(headers[path] ?? "");
  return text;
}

/** The list a help line names: "the attributes here are: a, b" → [a, b]; none → []. */
function listed(path: string, item: string, code: string, lead: RegExp): string[] | undefined {
  const ds = checkFiles([parseText(withItem(path, item), "v.flow").value]).diagnostics;
  const d = ds.find((x) => x.code === code && x.message.includes("zzqqxx"));
  if (!d) return undefined;
  const m = lead.exec(d.help ?? "");
  return m ? m[1]!.split(", ").filter(Boolean) : [];
}

describe("the vocabulary agrees with the checker", () => {
  const specs = allBlockSpecs().filter((s) => s.path !== "assert" && !s.spec.datasetKeys);

  it.each(specs.map((s) => [s.path, s.spec] as const))("%s: the same attributes and blocks", (path, spec) => {
    const attrs = listed(path, "zzqqxx = 1", "E0104", /the attributes here are: (.*)$/);
    expect(attrs, "the checker reports an unknown attribute here").toBeDefined();
    expect([...attrs!].sort()).toEqual(spec.attrs.map((a) => a.name).sort());
    const blocks = listed(path, "zzqqxx { }", "E0108", /the blocks allowed here are: (.*)$/);
    expect(blocks, "the checker reports an unknown block here").toBeDefined();
    expect([...blocks!].sort()).toEqual([...spec.blocks].sort());
  });

  it("covers every declaration kind", () => {
    const paths = allBlockSpecs().map((s) => s.path);
    for (const k of ["cluster", "source", "evalset", "tokenizer", "curate", "model", "train", "eval", "release", "assert"]) expect(paths).toContain(k);
  });
});
