// The Slurm client on the real local Slurm, through this machine and through SSH: sbatch with tags,
// the one batched queue query, cancel, waiting with backoff, finished jobs from the jobcomp log,
// MaxArraySize, sbatch's own words on a rejected script, and #SBATCH quoting read back by sbatch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sbatchDirective } from "../../src/emit/shell.js";
import { jobComment, jobName, parseJobComment } from "../../src/emit/slurmTag.js";
import { LocalTransport } from "../../src/exec/localTransport.js";
import { parseSshTarget } from "../../src/exec/remote.js";
import { SlurmClient, SlurmError } from "../../src/exec/slurm.js";
import { isTerminal, submittedId, type JobRecord } from "../../src/exec/slurmParse.js";
import { SshTransport } from "../../src/exec/ssh.js";
import type { Transport } from "../../src/exec/transport.js";
import { useCluster } from "../cluster/cluster.js";
import { CountingTransport, freshPlanHash, tag } from "./helpers.js";

const cluster = useCluster();
const work = mkdtempSync(join(tmpdir(), "flowc-slurm-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const transports: [string, () => Promise<Transport>][] = [
  ["local", async () => new LocalTransport()],
  ["ssh", async () => {
    const c = cluster.get();
    return SshTransport.connect(parseSshTarget(c.sshHost), { identity: c.sshKey, knownHosts: c.knownHosts, home: work });
  }],
];

const FAST = { initialMs: 200, maxMs: 1000, timeoutMs: 60_000 };

describe.skipIf(cluster.skip).each(transports)("Slurm client over %s", (name, open) => {
  let t: CountingTransport;
  let slurm: SlurmClient;
  const plan = freshPlanHash();
  const dir = join(work, name);
  const tagOf = (step: string) => tag(plan, "r1", step);
  const names = ["ok", "arr", "held", "fails", "gpu"].map((s) => jobName(tagOf(`step.${s}`)));
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = new CountingTransport(await open());
    slurm = new SlurmClient(t);
    const script = async (file: string, body: string, directives: string[] = []) => {
      const p = join(dir, file);
      await t.writeFile(p, ["#!/bin/bash", ...directives.map((d) => `#SBATCH ${d}`), `#SBATCH --output=${dir}/%x_%A_%a.out`, body, ""].join("\n"), { mode: 0o755 });
      return p;
    };
    const submit = async (step: string, file: string, args: string[] = []) => {
      const tg = tagOf(`step.${step}`);
      ids.set(step, await slurm.sbatch(file, { args: [`--job-name=${jobName(tg)}`, `--comment=${jobComment(tg)}`, `--chdir=${dir}`, ...args] }));
    };
    await submit("ok", await script("ok.sbatch", "echo ok; sleep 1"));
    await submit("arr", await script("arr.sbatch", "echo task $SLURM_ARRAY_TASK_ID"), ["--array=0-3%2"]);
    await submit("held", await script("held.sbatch", "echo never"), ["--hold"]);
    await submit("fails", await script("fails.sbatch", "exit 3"));
    await submit("gpu", await script("gpu.sbatch", "echo gpus", ["--partition=gpu", "--nodes=1", "--ntasks-per-node=2", "--gpus-per-node=8"]));
  });
  afterAll(async () => {
    await slurm?.cancel([...ids.values()]).catch(() => undefined);
    await t?.close();
  });

  it("sbatch --parsable returns the job id, and one squeue call sees every job with its tag", async () => {
    for (const id of ids.values()) expect(id).toMatch(/^\d+$/);
    const mark = t.commands.length;
    const recs = await slurm.queue({ names });
    expect(t.commands.length - mark).toBe(1);
    expect(new Set(recs.map(submittedId))).toEqual(new Set(ids.values()));
    const held = recs.find((r) => r.id === ids.get("held"))!;
    expect(held).toMatchObject({ state: "PENDING", reason: "JobHeldUser", workDir: dir, source: "squeue" });
    expect(parseJobComment(held.comment!)).toEqual(tagOf("step.held"));
  });

  it("cancels one job and waits for the rest with backoff, each in its final state", async () => {
    await slurm.cancel([ids.get("held")!]);
    const mark = t.commands.length;
    const recs = await slurm.waitFor(names, (rs) => rs.length >= 8 && rs.every((r) => isTerminal(r.state)), FAST);
    const polls = t.count("squeue", mark);
    expect(polls).toBeGreaterThanOrEqual(1);
    const byStep = (s: string) => recs.filter((r) => submittedId(r) === ids.get(s));
    expect(byStep("held").map((r) => r.state)).toEqual(["CANCELLED"]);
    expect(byStep("ok")[0]).toMatchObject({ state: "COMPLETED", exit: { code: 0, signal: 0 } });
    expect(byStep("fails")[0]).toMatchObject({ state: "FAILED", exit: { code: 3, signal: 0 } });
    expect(byStep("gpu")[0]!.state).toBe("COMPLETED");
    const arr = byStep("arr");
    expect(arr.map((r) => r.arrayTaskId).sort()).toEqual(["0", "1", "2", "3"]);
    expect(arr.every((r) => r.state === "COMPLETED" && r.arrayJobId === ids.get("arr"))).toBe(true);
    // Each poll is one squeue and at most one look into the history, whatever the number of jobs.
    expect(t.commands.length - mark).toBeLessThanOrEqual(2 * polls + 1);
  });

  it("reads finished jobs back from the jobcomp log (the cluster keeps no accounting)", async () => {
    const cfg = await slurm.config();
    expect(cfg).toMatchObject({ accounting: false, jobCompFile: cluster.get().jobcomp, maxArraySize: 1001 });
    expect(await slurm.maxArraySize()).toBe(1001);
    const mark = t.commands.length;
    const old = await slurm.history(names);
    expect(t.commands.length - mark).toBe(1);
    const state = (id: string | undefined) => old.find((r: JobRecord) => r.id === id)?.state;
    expect(state(ids.get("ok"))).toBe("COMPLETED");
    expect(old.find((r) => r.id === ids.get("fails"))).toMatchObject({ state: "FAILED", exit: { code: 3, signal: 0 }, workDir: dir, source: "jobcomp" });
    expect(old.filter((r) => r.arrayJobId === ids.get("arr")).length).toBe(4);
  });

  it("shows one job's detail with its expanded log path", async () => {
    const d = await slurm.show(ids.get("ok")!);
    expect(d.get("JobState")).toBe("COMPLETED");
    expect(d.get("StdOut")).toBe(`${dir}/${jobName(tagOf("step.ok"))}_${ids.get("ok")}_4294967294.out`);
  });

  it("a rejected script reports sbatch's own message and the script's directives", async () => {
    const p = join(dir, "bad.sbatch");
    await t.writeFile(p, "#!/bin/bash\n#SBATCH --partition=nosuch\n#SBATCH --time=10\necho never\n");
    const e = (await slurm.sbatch(p).catch((x: unknown) => x)) as SlurmError;
    expect(e).toBeInstanceOf(SlurmError);
    expect(e.kind).toBe("rejected");
    expect(e.message).toBe(`sbatch rejected ${p} on ${t.where}: Invalid partition name specified`);
    expect(e.details).toContain("sbatch: error: invalid partition specified: nosuch");
    expect(e.details).toContain("  2 | #SBATCH --partition=nosuch");
    expect(e.help).toContain("sinfo");
  });
});

describe.skipIf(cluster.skip)("#SBATCH values read back by real sbatch", () => {
  it("adversarial job names and comments arrive intact", async () => {
    const slurm = new SlurmClient(new LocalTransport());
    const value = fc
      .array(fc.oneof(fc.constantFrom(" ", "#", '"', "'", "\\", "$(x)", "`y`", "*", "%j", "=", "\t", "日本", "a"), fc.string({ unit: "binary-ascii", maxLength: 4 })), { minLength: 1, maxLength: 5 })
      .map((p) => p.join(""))
      // What no directive can carry (line breaks, NUL), squeue's field separator, and "" (no comment).
      .filter((s) => s !== "" && !/[\n\r\0\x1f]/.test(s));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(value, value, async (jobname, comment) => {
        const p = join(work, `directive-${n++}.sbatch`);
        await new LocalTransport().writeFile(p, `#!/bin/bash\n#SBATCH --job-name=${sbatchDirective(jobname)}\n#SBATCH --comment=${sbatchDirective(comment)} # a comment\n#SBATCH --hold\ntrue\n`);
        const id = await slurm.sbatch(p);
        try {
          const [rec] = await slurm.queue({ jobIds: [id] });
          expect(rec).toMatchObject({ name: jobname, comment });
        } finally {
          await slurm.cancel([id]);
        }
      }),
      { numRuns: 25 },
    );
  });
});
