// The whole lifecycle of examples/tiny.flow on this machine, through the built binary: curation,
// tokenizer, tokenization, mixing, a 2-rank CPU training run under torchrun, eval with gates,
// release. Real processes and real torch; about a minute on 2 cores.
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

describe("flowc run examples/tiny.flow --target local", () => {
  it("runs every step and leaves a release, eval results, checkpoints and metrics", async () => {
    const out = mkdtempSync(join(tmpdir(), "flowc-run-"));
    const r = await execa("node", ["bin/flowc.js", "run", "examples/tiny.flow", "--target", "local", "--out", out], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain("12 of 12 steps done");
    const results = JSON.parse(readFileSync(join(out, "steps/eval.base/results.json"), "utf8"));
    expect(results.passed).toBe(true);
    expect(results.results.heldout.perplexity).toBeLessThan(2000);
    const metrics = readFileSync(join(out, "steps/train.pretrain/metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(125);
    expect(metrics[124].loss).toBeLessThan(metrics[0].loss - 2);
    const current = readFileSync(join(out, "release/toy_v1/CURRENT"), "utf8").trim();
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "README.md", "SHA256SUMS"]) {
      expect(existsSync(join(out, "release/toy_v1", current, f)), f).toBe(true);
    }
    expect(existsSync(join(out, "steps/train.pretrain/ckpt/step_125/step.json"))).toBe(true);
    // A second run resumes: every step is already done.
    const again = await execa("node", ["bin/flowc.js", "run", "examples/tiny.flow", "--target", "local", "--out", out], { reject: false, all: true });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all.match(/already done/g)?.length).toBe(12);
  }, 600_000);
});
