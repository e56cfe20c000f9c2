// The whole lifecycle of examples/tiny.flow on this machine, through the built binary: curation,
// tokenizer, tokenization, mixing, a 2-rank CPU training run under torchrun, eval with gates,
// release. Real processes and real torch; about a minute on 2 cores.
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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

describe("flowc run: inputs this machine cannot read", () => {
  it("are reported at their declarations (E0220) before any step runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-inputs-"));
    const text = readFileSync("examples/tiny.flow", "utf8")
      .replace('"data/tiny/web/*.jsonl"', '"data/tiny/wbe/*.jsonl"')
      .replace('"data/tiny/eval/quiz.jsonl"', '"s3://bucket/quiz.jsonl"');
    writeFileSync(join(dir, "bad.flow"), text);
    symlinkSync(resolve("examples/data"), join(dir, "data"));
    const out = join(dir, "out");
    const r = await execa("node", [resolve("bin/flowc.js"), "run", "bad.flow", "--out", out], { reject: false, all: true, cwd: dir });
    expect(r.exitCode, r.all).toBe(1);
    const line = text.split("\n").findIndex((l) => l.includes("wbe")) + 1;
    expect(r.all).toContain(`bad.flow:${line}:21: error[E0220]: source \`web\`: no files match 'data/tiny/wbe/*.jsonl'`);
    expect(r.all).toContain('help: did you mean `uri = "data/tiny/web/*.jsonl"`?');
    expect(r.all).toMatch(/error\[E0220\]: evalset `quiz`: s3:\/\/bucket\/quiz.jsonl is on an object store/);
    expect(existsSync(join(out, "steps"))).toBe(false);
    // No runtime at all: a clear environment error, not a stack trace.
    const none = await execa("node", [resolve("bin/flowc.js"), "run", "bad.flow", "--out", out], { reject: false, all: true, cwd: dir, env: { FLOWRT_PYTHON: join(dir, "no-python") } });
    expect(none.exitCode).toBe(2);
    expect(none.all).toMatch(/help: install the runtime with `bash scripts\/setup-py.sh`/);
  }, 60_000);
});
