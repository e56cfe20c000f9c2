// The Ray target on a real local Ray (CPU), through the built binary: a shortened tiny example
// (12 training steps) run with `--target local` and `--target ray`; a training worker SIGKILLed
// mid-run is restarted by Ray Train from the last checkpoint; the tokenized shards, the mix's
// packed sequences and the losses agree across the targets; a re-run on a Ray flowc starts (and
// stops) skips every step; `flowc submit --target ray` runs the DAG as a Ray Job against the
// dashboard, `status` shows it and `cancel` stops it. Several minutes on 2 cores.
import { execa } from "execa";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPython } from "../../src/exec/local.js";
import { LOCAL_RAY_ENV, startLocalRay, type LocalRay } from "../../src/exec/rayCluster.js";

const BIN = resolve("bin/flowc.js");
const python = defaultPython();
/** The clients of the cluster this test starts (token auth off, as flowc's own local Ray). */
const env = { ...LOCAL_RAY_ENV };

/** tiny.flow with 12 training steps (checkpoints every 4): each change must apply. */
function shortTiny(dir: string): string {
  let text = readFileSync("examples/tiny.flow", "utf8");
  const edits: [RegExp, string | ((...m: string[]) => string)][] = [
    [/^(\s*tokens\s*=\s*)[\d_]+(\s*)$/m, (_, a, b) => `${a}98_304${b}`],
    [/(stage warm\s*\{ until = )[\d_]+/, (_, a) => `${a}49_152`],
    [/(stage anneal\s*\{ until = )[\d_]+/, (_, a) => `${a}98_304`],
    [/warmup = \d+ steps/, "warmup = 2 steps"],
    [/checkpoint_every = \d+ steps/, "checkpoint_every = 4 steps"],
    [/tokens\(pretrain\.anneal, clean\.math\) == [\d_]+/, "tokens(pretrain.anneal, clean.math) == 12_288"],
    [/heldout\.perplexity <= \d+/, "heldout.perplexity <= 5000"],
  ];
  for (const [re, to] of edits) {
    if (!re.test(text)) throw new Error(`examples/tiny.flow changed: ${re} no longer matches`);
    text = typeof to === "string" ? text.replace(re, to) : text.replace(re, to);
  }
  const flow = join(dir, "short.flow");
  writeFileSync(flow, text);
  if (!existsSync(join(dir, "data"))) symlinkSync(resolve("examples/data"), join(dir, "data"));
  return flow;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** Every output file of a data step (not its marker, whose record has a time) as bytes. */
function outputs(run: string, step: string): Map<string, Buffer> {
  const dir = join(run, "steps", step);
  return new Map(filesUnder(dir).filter((f) => !f.split("/").pop()!.startsWith("_DONE")).map((f) => [f, readFileSync(join(dir, f))]));
}

function metrics(run: string): { step: number; loss: number }[] {
  return readFileSync(join(run, "steps/train.pretrain/metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** Processes under `root` (by parent pid) whose title starts with `title` (Ray sets `ray::CLASS…`). */
function descendants(root: number, title: string): number[] {
  const parent = new Map<number, number>();
  for (const p of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended meanwhile
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(title) && under(pid);
    } catch {
      return false;
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("flowc run --target ray on a local Ray", () => {
  const dir = mkdtempSync(join(tmpdir(), "flowc-ray-"));
  const flow = shortTiny(dir);
  const local = join(dir, "local");
  const onRay = join(dir, "ray");
  let ray: LocalRay | undefined;

  beforeAll(async () => {
    const started = await startLocalRay({ python, numCpus: 2, dashboard: true });
    if ("error" in started) throw new Error(started.error);
    ray = started;
  }, 300_000);
  afterAll(async () => {
    await ray?.stop();
  }, 120_000);

  it("reaches the release; a SIGKILLed training worker resumes from the last checkpoint; the same bytes and losses as the local target", async () => {
    const l = await execa("node", [BIN, "run", flow, "--target", "local", "--out", local], { reject: false, all: true });
    expect(l.exitCode, l.all).toBe(0);

    const run = execa("node", [BIN, "run", flow, "--target", "ray", "--address", ray!.address, "--out", onRay], { reject: false, all: true, env });
    // Kill one training worker once the checkpoint of step 4 is written and a step after it is done.
    let killed: number | undefined;
    const killer = (async () => {
      const ckpt = join(onRay, "steps/train.pretrain/ckpt/step_4/step.json");
      while (run.exitCode === null && killed === undefined) {
        if (existsSync(ckpt) && metrics(onRay).length >= 6) {
          const [pid] = descendants(ray!.pid, "ray::RayTrainWorker");
          if (pid !== undefined) {
            process.kill(pid, "SIGKILL");
            killed = pid;
          }
        }
        await sleep(200);
      }
    })();
    const r = await run;
    await killer;
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain("12 of 12 steps done");
    expect(killed, "a training worker was killed mid-run").toBeDefined();
    const trainLog = readFileSync(join(onRay, "logs/train.pretrain.log"), "utf8");
    expect(trainLog).toMatch(/resumed from .*ckpt\/step_(4|8) at step (4|8)/);

    // Exactly the planned steps, each once, and the losses of the uninterrupted local run.
    const m = metrics(onRay);
    const ref = metrics(local);
    expect(m.map((x) => x.step)).toEqual([...Array(12).keys()]);
    for (const [i, x] of m.entries()) expect(Math.abs(x.loss - ref[i]!.loss), `step ${i}`).toBeLessThanOrEqual(1e-6);

    // Determinism across targets: tokenized shards and the packed mix (the sampler's order) byte for byte.
    for (const step of ["tokenize.clean.web", "tokenize.clean.code", "tokenize.clean.math", "mix.pretrain"]) {
      const a = outputs(local, step), b = outputs(onRay, step);
      expect([...b.keys()], step).toEqual([...a.keys()]);
      expect(a.size, step).toBeGreaterThan(0);
      for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), `${step}/${f}`).toBe(true);
    }
    const results = JSON.parse(readFileSync(join(onRay, "steps/eval.base/results.json"), "utf8"));
    expect(results.passed).toBe(true);
    const current = readFileSync(join(onRay, "release/toy_v1/CURRENT"), "utf8").trim();
    expect(existsSync(join(onRay, "release/toy_v1", current, "model.safetensors"))).toBe(true);
    expect(relative(onRay, join(onRay, "ray/dag.py"))).toBe("ray/dag.py");
  }, 3_600_000);

  it("a re-run starts its own Ray, skips every done step and stops that Ray", async () => {
    const r = await execa("node", [BIN, "run", flow, "--target", "ray", "--out", onRay], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all.match(/: already done/g)?.length).toBe(12);
    const pid = Number(/Ray started at \S+ \(pid (\d+)\)/.exec(r.all)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(r.all).toContain("Ray stopped");
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 900_000);

  it("a failing step exits 1 naming it and its error; what needs it is not run", async () => {
    // A gate no model meets: the eval fails, the release that requires it does not run.
    const bad = join(dir, "bad.flow");
    writeFileSync(bad, readFileSync(flow, "utf8").replace("heldout.perplexity <= 5000", "heldout.perplexity <= 1"));
    const r = await execa("node", [BIN, "run", bad, "--target", "ray", "--address", ray!.address, "--out", onRay], { reject: false, all: true, env });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.all).toMatch(/error: step eval\.base failed: .*gate/i);
    expect(r.all).toContain("not run: release.toy_v1");
  }, 900_000);

  it("flowc submit --target ray runs the DAG as a Ray Job; status shows it; cancel stops one", async () => {
    const compiled = join(dir, "compiled");
    const c = await execa("node", [BIN, "compile", flow, "--target", "ray", "--out", compiled], { reject: false, all: true });
    expect(c.exitCode, c.all).toBe(0);
    const submit = (runDir: string) => execa("node", [BIN, "submit", compiled, "--target", "ray", "--address", ray!.dashboardUrl!,
      "--python", python, "--remote-dir", runDir, "--input-root", dir], { reject: false, all: true, env });
    const status = async () => JSON.parse((await execa("node", [BIN, "status", compiled, "--json"], { reject: false })).stdout) as { status: string };

    // Against the finished run directory: the job's driver finds every step done but the eval, whose
    // output the failing-gate run above cleared (it redoes it; the release keeps its marker, whose key
    // depends on the eval's key, not on its files).
    const s1 = await submit(onRay);
    expect(s1.exitCode, s1.all).toBe(0);
    let st = await status();
    for (let i = 0; i < 600 && !["SUCCEEDED", "FAILED", "STOPPED"].includes(st.status); i++) {
      await sleep(1000);
      st = await status();
    }
    const driver = await execa("node", [BIN, "logs", compiled, "driver"], { reject: false, all: true });
    expect(st.status, driver.all).toBe("SUCCEEDED");
    expect(driver.stdout.match(/"note": "already done"/g)?.length, driver.stdout).toBe(11);
    expect(driver.stdout).toMatch(/"event": "done", "step": "eval\.base", "time": [\d.]+\}/);

    // Against a new run directory: running, then cancelled.
    const s2 = await submit(join(dir, "fresh"));
    expect(s2.exitCode, s2.all).toBe(0);
    st = await status();
    for (let i = 0; i < 300 && st.status === "PENDING"; i++) {
      await sleep(1000);
      st = await status();
    }
    expect(st.status).toBe("RUNNING");
    const shown = await execa("node", [BIN, "status", compiled], { reject: false, all: true });
    expect(shown.stdout).toMatch(/Ray job flowc-\S+ on http:\/\/127\.0\.0\.1:\d+: RUNNING/);
    const cancel = await execa("node", [BIN, "cancel", compiled], { reject: false, all: true });
    expect(cancel.exitCode, cancel.all).toBe(0);
    for (let i = 0; i < 120 && st.status !== "STOPPED"; i++) {
      await sleep(1000);
      st = await status();
    }
    expect(st.status).toBe("STOPPED");
    const after = await execa("node", [BIN, "status", compiled], { reject: false, all: true });
    expect(after.exitCode).toBe(1);
  }, 1_800_000);
});
