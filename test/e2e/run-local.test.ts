// The whole lifecycle of examples/tiny.flow on this machine, through the built binary: curation,
// tokenizer, tokenization, mixing, a 2-rank CPU training run under torchrun, eval with gates,
// release. Real processes and real torch; about a minute on 2 cores. The progress the run shows: plain
// status lines in a log (one at least every 10 s while training), and in place on a terminal (the bytes
// played through a real terminal emulator, xterm.js headless).
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import xterm from "@xterm/headless";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

/** Runs flowc, noting when each line of its output arrived. */
async function timedRun(args: string[]): Promise<{ exitCode: number; all: string; lines: { t: number; line: string }[] }> {
  const sub = execa("node", ["bin/flowc.js", ...args], { reject: false, all: true });
  const lines: { t: number; line: string }[] = [];
  let buf = "";
  sub.all?.on("data", (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const line of parts) lines.push({ t: Date.now(), line });
  });
  const r = await sub;
  return { exitCode: r.exitCode ?? 1, all: String(r.all ?? ""), lines };
}

/** The screen of a real terminal fed `text`: its lines, trailing blanks dropped. */
async function screen(text: string, cols = 120): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows: 40, allowProposedApi: true });
  await new Promise<void>((r) => term.write(text.replace(/\n/g, "\r\n"), r));
  const out: string[] = [];
  for (let y = 0; y < term.buffer.active.length; y++) out.push(term.buffer.active.getLine(y)!.translateToString(true));
  while (out.length && out.at(-1) === "") out.pop();
  return out;
}

describe("flowc run examples/tiny.flow --target local", () => {
  it("runs every step, then skips what is done and redoes only what a change of the .flow file affects", async () => {
    // A copy of the example elsewhere: its relative paths resolve against its own directory (the input root).
    const dir = mkdtempSync(join(tmpdir(), "flowc-run-"));
    const flow = join(dir, "tiny.flow");
    writeFileSync(flow, readFileSync("examples/tiny.flow", "utf8"));
    symlinkSync(resolve("examples/data"), join(dir, "data"));
    const out = join(dir, "out");
    const run = (...more: string[]) => execa("node", ["bin/flowc.js", "run", flow, "--target", "local", "--out", out, ...more], { reject: false, all: true });
    const r = await timedRun(["run", flow, "--target", "local", "--out", out]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain("12 of 12 steps done");
    // Not a terminal: plain status lines of the training (step/total, stage, loss, tokens/s, ETA), never
    // more than 10 s apart, from the step's start to its end.
    const from = r.lines.findIndex((l) => l.line.includes("train.pretrain (train)…"));
    const to = r.lines.findIndex((l) => l.line.includes("train.pretrain done in"));
    expect(from, r.all).toBeGreaterThanOrEqual(0);
    const during = r.lines.slice(from, to + 1);
    const gaps = during.slice(1).map((l, i) => l.t - during[i]!.t);
    expect(Math.max(...gaps), r.all).toBeLessThanOrEqual(10_000);
    expect(r.all).toMatch(/ {2}train\.pretrain: step \d+\/64 \(\d+%\), stage warm, loss \d+\.\d{4}, [\d,]+ tok\/s, ETA \d+:\d\d, \d+:\d\d elapsed/);
    expect(r.all).toMatch(/train\.pretrain: step \d+\/64 \(\d+%\), stage anneal/);
    expect(r.all).not.toMatch(/\x1b\[/);
    const results = JSON.parse(readFileSync(join(out, "steps/eval.base/results.json"), "utf8"));
    expect(results.passed).toBe(true);
    expect(results.results.heldout.perplexity).toBeLessThan(2000);
    const metrics = readFileSync(join(out, "steps/train.pretrain/metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(64);
    expect(metrics[63].loss).toBeLessThan(metrics[0].loss - 1.5);
    // Where each step's time went, per phase (the loop's timers).
    expect(Object.keys(metrics[5].phase_s)).toEqual(expect.arrayContaining(["data", "forward", "backward", "optimizer"]));
    const current = readFileSync(join(out, "release/toy_v1/CURRENT"), "utf8").trim();
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "README.md", "SHA256SUMS"]) {
      expect(existsSync(join(out, "release/toy_v1", current, f)), f).toBe(true);
    }
    expect(existsSync(join(out, "steps/train.pretrain/ckpt/step_64/step.json"))).toBe(true);
    // A second run resumes: every step is already done.
    const again = await run();
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all.match(/already done/g)?.length).toBe(12);
    // A changed gate changes the eval's definition: it and the release that requires it are redone, nothing else.
    writeFileSync(flow, readFileSync(flow, "utf8").replace("heldout.perplexity <= 2000", "heldout.perplexity <= 2500"));
    const changed = await run("--progress", "tty");
    expect(changed.exitCode, changed.all).toBe(0);
    // On a terminal the running steps are redrawn in place: what stays on the screen is the permanent
    // lines and the summary, no running step.
    expect(changed.all).toMatch(/\x1b\[/);
    const shown = await screen(changed.all);
    expect(shown).toContain("  eval.base done in " + /eval\.base done in ([\d.]+ s)/.exec(changed.all)![1]);
    expect(shown.at(-1)).toBe("flowc run: 12 of 12 steps done");
    expect(shown.some((l) => l.startsWith("▸"))).toBe(false);
    expect(changed.all.match(/already done/g)?.length).toBe(10);
    expect(changed.all).toContain("eval.base (eval)…");
    // (On a terminal log-update wraps a long permanent line at the width: compare with the breaks as spaces.)
    expect(changed.all.replace(/\s+/g, "")).toContain("(redo: the plan changed what decides its output: evals.base)".replace(/\s+/g, ""));
    expect(changed.all).toContain("release.toy_v1 (release)…");
    expect(changed.all).not.toContain("train.pretrain (train)…");
    expect(JSON.parse(readFileSync(join(out, "steps/eval.base/results.json"), "utf8")).gates[0].value).toBe(2500);
    expect(readFileSync(join(out, "release/toy_v1/ROLLBACK"), "utf8").trim()).toBe(current);
  }, 1_800_000);
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
