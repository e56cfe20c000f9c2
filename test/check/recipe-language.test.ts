// The vocabulary the published recipes added (perplexity, nsfw and review steps, semantic and AST
// dedup, sliding-window attention, stage packing): accepted where they belong, and each misuse a
// diagnostic at its place with a hint.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkFiles } from "../../src/check/check.js";
import { parseText } from "../../src/syntax/parse.js";

const tiny = readFileSync("examples/tiny.flow", "utf8");

function diagnostics(edit: (t: string) => string) {
  const text = edit(tiny);
  expect(text).not.toBe(tiny);
  return checkFiles([parseText(text, "t.flow").value]).diagnostics.filter((d) => d.severity === "error");
}

const steps = (s: string) => (t: string) => t.replace("    decontaminate { against = [heldout, quiz], ngram = 13 }", `    decontaminate { against = [heldout, quiz], ngram = 13 }\n    ${s}`);

describe("recipe vocabulary", () => {
  it("accepts the new steps, dedup methods, sliding windows and packing", () => {
    expect(diagnostics(steps('perplexity { model = "models/lm", max = 20 }\n    nsfw { max_score = 0.05 }\n    review { sample = 1%, min_accuracy = 99.7% }'))).toEqual([]);
    expect(diagnostics((t) => t.replace("method = minhash, ngram = 5, permutations = 64, bands = 8, threshold = 0.8", "method = semantic, threshold = 0.9"))).toEqual([]);
    expect(diagnostics((t) => t.replace("method = minhash, ngram = 5, permutations = 64, bands = 8, threshold = 0.8", "method = ast"))).toEqual([]);
    expect(diagnostics((t) => t.replace("  seq_len  = 128\n}", "  seq_len  = 128\n  sliding_window = 64\n  full_attention_layers = 1\n}"))).toEqual([]);
    expect(diagnostics((t) => t.replace(/stage warm(\s+)\{ until = ([\d_]+),/, "stage warm$1{ until = $2, packing = best_fit,"))).toEqual([]);
  });

  it("a second dedup in one curation is an error naming the first", () => {
    const ds = diagnostics(steps("dedup { method = exact }"));
    expect(ds).toHaveLength(1);
    expect(ds[0]!.code).toBe("E0112");
    expect(ds[0]!.message).toContain("already has a `dedup` step");
    expect(ds[0]!.secondary[0]!.message).toBe("the first dedup");
  });

  it("the perplexity filter needs its model and threshold; review needs its sample", () => {
    const p = diagnostics(steps("perplexity { }"));
    expect(p.map((d) => d.code)).toEqual(["E0105", "E0105"]);
    expect(p.map((d) => d.help).join(" ")).toContain("model =");
    expect(diagnostics(steps("review { min_accuracy = 99% }")).map((d) => d.code)).toEqual(["E0105"]);
    expect(diagnostics(steps("nsfw { max_score = 120% }")).map((d) => d.code)).not.toEqual([]);
  });

  it("full_attention_layers needs a sliding_window and at most the model's layers", () => {
    const none = diagnostics((t) => t.replace("  seq_len  = 128\n}", "  seq_len  = 128\n  full_attention_layers = 1\n}"));
    expect(none.map((d) => d.code)).toEqual(["E0105"]);
    expect(none[0]!.help).toContain("sliding_window");
    const many = diagnostics((t) => t.replace("  seq_len  = 128\n}", "  seq_len  = 128\n  sliding_window = 64\n  full_attention_layers = 3\n}"));
    expect(many.map((d) => d.code)).toEqual(["E0112"]);
    expect(many[0]!.message).toContain("more than the model's 2 layers");
  });

  it("an unknown packing or dedup method is an invalid value", () => {
    expect(diagnostics((t) => t.replace(/stage warm(\s+)\{ until = ([\d_]+),/, "stage warm$1{ until = $2, packing = greedy,"))[0]!.code).toBe("E0112");
    expect(diagnostics((t) => t.replace("method = minhash, ngram = 5", "method = bert, ngram = 5"))[0]!.code).toBe("E0112");
  });
});
