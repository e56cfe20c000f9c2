// The progress renderer: what a terminal shows (the escape codes played through a real terminal
// emulator, xterm.js headless), the plain lines a CI log gets (a status line at least every
// interval, with records or without), the ETA's arithmetic, and the metrics tail on a real file.
import { appendFileSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xterm from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { MetricsTail, parseMetrics } from "../../src/exec/metricsTail.js";
import {
  bar, clock, createProgress, planSteps, renderLive, renderPlain, renderTable, stepLine, trainEta,
  type MetricsRecord, type Snapshot, type StepProgress,
} from "../../src/exec/progress.js";
import { planPath } from "../../src/pipeline.js";

const T0 = 1_800_000_000_000;
const rec = (step: number, extra: Partial<MetricsRecord> = {}): MetricsRecord =>
  ({ step, stage: "warm", loss: 8 - step / 100, tokens_per_s: 9123.4, step_s: 0.5, time: T0 / 1000 + step * 0.5, ...extra });

function training(records: MetricsRecord[], total = 125): StepProgress {
  return { id: "train.pretrain", kind: "train", state: "running", startedAt: T0, train: { totalSteps: total, records } };
}

function snapshot(train: StepProgress): Snapshot {
  return {
    startedAt: T0 - 60_000,
    steps: [
      { id: "tokenizer.tok", kind: "tokenizer", state: "done", seconds: 10.1 },
      { id: "curate.clean.web", kind: "curate", state: "done", seconds: 3, shards: { done: 4, of: 4 } },
      train,
      { id: "eval.base", kind: "eval", state: "waiting" },
    ],
  };
}

/** A real terminal (xterm.js) fed what the display wrote: the screen's lines, trailing blanks dropped. */
async function screen(chunks: string[], cols = 120): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows: 30, allowProposedApi: true });
  for (const c of chunks) await new Promise<void>((r) => term.write(c.replace(/\n/g, "\r\n"), r));
  const lines: string[] = [];
  for (let y = 0; y < term.buffer.active.length; y++) lines.push(term.buffer.active.getLine(y)!.translateToString(true));
  while (lines.length && lines.at(-1) === "") lines.pop();
  return lines;
}

describe("figures", () => {
  it("clocks, bars and the ETA from the records' pace", () => {
    expect([clock(7), clock(65), clock(3723), clock(-3)]).toEqual(["0:07", "1:05", "1:02:03", "0:00"]);
    expect(bar(0, 4)).toBe("[    ]");
    expect(bar(1, 4)).toBe("[████]");
    expect(bar(0.5, 4)).toBe("[██  ]");
    expect(bar(0.28, 4)).toBe("[█▏  ]"); // 1.12 cells: one full, a partial eighth-block
    expect(bar(2, 3)).toBe("[███]");
    // 10 steps done in 4.5 s of wall time between the first and last record: 0.5 s a step, 115 to go.
    expect(trainEta({ totalSteps: 125, records: Array.from({ length: 10 }, (_, i) => rec(i)) })).toBeCloseTo(57.5);
    // Untimed records: the mean of their step times.
    expect(trainEta({ totalSteps: 10, records: [rec(3, { time: undefined, step_s: 1 }), rec(4, { time: undefined, step_s: 3 })] })).toBe(10);
    expect(trainEta({ totalSteps: 10, records: [] })).toBeUndefined();
    expect(trainEta({ totalSteps: 5, records: [rec(4)] })).toBe(0);
  });

  it("a training line has the bar, step/total, stage, loss, tokens/s and ETA", () => {
    const line = stepLine(training(Array.from({ length: 62 }, (_, i) => rec(i))), T0 + 31_000, { barWidth: 20 });
    expect(line).toContain("▸ train.pretrain");
    expect(line).toContain(`${bar(62 / 125, 20)} 62/125  stage warm  loss 7.3900  9,123 tok/s  ETA 0:32  (0:31)`);
    expect(stepLine(training([]), T0 + 2000)).toContain("0/125 steps  starting");
    // Silent for a while (an eval, a checkpoint): said, with how long.
    expect(stepLine(training([rec(3)]), T0 + 60_000)).toMatch(/no new step for 0:5\d/);
  });

  it("a sharded step shows shards done/total; finished steps their time", () => {
    expect(stepLine({ id: "curate.clean.web", kind: "curate", state: "running", startedAt: T0, shards: { done: 3, of: 8 } }, T0 + 40_000, { barWidth: 8 }))
      .toBe(`▸ curate.clean.web           curate    ${bar(3 / 8, 8)} 3/8 shards  (0:40)`);
    expect(stepLine({ id: "tokenizer.tok", kind: "tokenizer", state: "done", seconds: 10.1, note: "already done" }, T0))
      .toBe("✓ tokenizer.tok              tokenizer already done  (0:10)");
  });

  it("the plain lines: one per running step, no escape codes", () => {
    const lines = renderPlain(snapshot(training([rec(0), rec(1)])), T0 + 1000);
    expect(lines).toEqual(["  train.pretrain: step 2/125 (1%), stage warm, loss 7.9900, 9,123 tok/s, ETA 1:02, 0:01 elapsed"]);
    expect(lines.join("")).not.toMatch(/\u001b/);
  });

  it("the table (`flowc status`) has every step and the summary", () => {
    const table = renderTable(snapshot(training([rec(0)])), T0).split("\n");
    expect(table).toHaveLength(5);
    expect(table[4]).toBe("2/4 steps done · 1 running · 1 waiting · 1:00");
  });

  it("planSteps: every step of a real plan waiting, with shards and the run's total steps", () => {
    const plan = planPath("examples/tiny.flow").plan!;
    const steps = planSteps(plan);
    expect(steps.map((s) => s.id)).toEqual(plan.steps.map((s) => s.id));
    expect(steps.every((s) => s.state === "waiting")).toBe(true);
    expect(steps.find((s) => s.kind === "train")!.train).toEqual({ totalSteps: plan.trains[0]!.total_steps, records: [] });
  });
});

describe("on a terminal", () => {
  it("redraws the live region in place under the permanent lines, and leaves only those at the end", async () => {
    const out: string[] = [];
    let now = T0;
    const p = createProgress({ write: (t) => out.push(t), isTTY: true, columns: 120 }, { timer: false, hideCursor: false, now: () => now });
    expect(p.mode).toBe("tty");
    p.log("[1/4] tokenizer.tok (tokenizer)…");
    for (let i = 0; i < 30; i++) {
      now += 500;
      p.update(snapshot(training(Array.from({ length: i + 1 }, (_, j) => rec(j)))));
      if (i === 10) p.log("  a permanent line in the middle of training");
    }
    const shown = await screen(out);
    // The permanent lines once each, in order, then one live region (not 30 stacked frames).
    expect(shown[0]).toBe("[1/4] tokenizer.tok (tokenizer)…");
    expect(shown[1]).toBe("  a permanent line in the middle of training");
    expect(shown).toHaveLength(4);
    expect(shown[2]).toMatch(/^▸ train\.pretrain +train +\[█+[▏▎▍▌▋▊▉]? +\] 30\/125  stage warm  loss 7\.7100  9,123 tok\/s  ETA 0:4\d  \(0:15\)$/);
    expect(shown[3]).toBe("2/4 steps done · 1 running · 1 waiting · 1:15");
    p.stop();
    expect(await screen(out)).toEqual(["[1/4] tokenizer.tok (tokenizer)…", "  a permanent line in the middle of training"]);
  });

  it("fits the line to a narrow terminal", async () => {
    const out: string[] = [];
    const p = createProgress({ write: (t) => out.push(t), isTTY: true, columns: 100 }, { timer: false, hideCursor: false, now: () => T0 + 1000 });
    p.update(snapshot(training([rec(0), rec(1)])));
    const lines = renderLive(snapshot(training([rec(0), rec(1)])), T0 + 1000, 100).split("\n");
    expect(lines[0]!.length).toBeLessThanOrEqual(100);
    expect((await screen(out, 100))[0]).toBe(lines[0]);
  });

  it("TERM=dumb and --progress plain give plain lines on a terminal", () => {
    expect(createProgress({ write: () => 0, isTTY: true }, { env: { TERM: "dumb" }, timer: false }).mode).toBe("plain");
    expect(createProgress({ write: () => 0, isTTY: true }, { mode: "plain", timer: false }).mode).toBe("plain");
    expect(createProgress({ write: () => 0, isTTY: false }, { env: {}, timer: false }).mode).toBe("plain");
  });
});

describe("plain lines (CI logs, pipes)", () => {
  it("a status line every interval while records arrive, and a heartbeat when none do", () => {
    const out: string[] = [];
    let now = T0;
    const p = createProgress({ write: (t) => out.push(t), isTTY: false }, { env: {}, timer: false, intervalMs: 5000, now: () => now });
    p.log("[3/4] train.pretrain (train)…");
    // 60 s of training, a record every 0.5 s: a line every 5 s, not one per record.
    const records: MetricsRecord[] = [];
    for (let i = 0; i < 120; i++) {
      now += 500;
      records.push(rec(i));
      p.update(snapshot(training(records.slice(-20))));
    }
    // Then 30 s with no new record (an eval during training): the timer's ticks still write.
    for (let i = 0; i < 30; i++) {
      now += 1000;
      p.tick();
    }
    p.stop();
    const lines = out.join("").trimEnd().split("\n");
    expect(lines[0]).toBe("[3/4] train.pretrain (train)…");
    const status = lines.slice(1);
    expect(status.length).toBe(18); // 60 s / 5 s + 30 s / 5 s
    expect(status.every((l) => l.startsWith("  train.pretrain: step "))).toBe(true);
    expect(status[0]).toBe("  train.pretrain: step 10/125 (8%), stage warm, loss 7.9100, 9,123 tok/s, ETA 0:58, 0:05 elapsed");
    expect(status.at(-1)).toMatch(/step 120\/125 \(96%\).*no new step for 0:3\d, 1:30 elapsed$/);
    expect(out.join("")).not.toMatch(/\u001b/);
  });
});

describe("metrics.jsonl as it grows", () => {
  it("reads whole lines only, keeps the latest, and starts over when a resumed run truncates the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-metrics-"));
    const file = join(dir, "metrics.jsonl");
    const tail = new MetricsTail(file, 3);
    expect(tail.poll()).toEqual([]); // not written yet
    writeFileSync(file, `${JSON.stringify(rec(0))}\n${JSON.stringify(rec(1))}\n{"step": 2, "sta`);
    expect(tail.poll().map((r) => r.step)).toEqual([0, 1]);
    appendFileSync(file, `ge": "warm", "loss": 1, "tokens_per_s": 1}\n${JSON.stringify(rec(3))}\n${JSON.stringify(rec(4))}\n`);
    expect(tail.poll().map((r) => r.step)).toEqual([2, 3, 4]);
    // A multi-byte character split across two writes stays whole.
    const line = Buffer.from(`${JSON.stringify(rec(5, { stage: "ännéal" }))}\n`);
    const cut = line.indexOf(Buffer.from("é")) + 1;
    appendFileSync(file, line.subarray(0, cut));
    expect(tail.poll().map((r) => r.step)).toEqual([2, 3, 4]);
    appendFileSync(file, line.subarray(cut));
    expect(tail.poll().at(-1)!.stage).toBe("ännéal");
    truncateSync(file, 0);
    appendFileSync(file, `${JSON.stringify(rec(1))}\n`);
    expect(tail.poll().map((r) => r.step)).toEqual([1]);
    expect(parseMetrics('not json\n{"step": 1}\n{"step": 2, "stage": "s"}\n')).toEqual([{ step: 2, stage: "s" }]);
  });
});
