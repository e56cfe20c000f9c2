// Parsing what Slurm prints, on text in the exact layouts of Slurm 22.05 (sacct's too: the local
// test cluster has no accounting database, so sacct's output is checked here, not live), and the
// backoff schedule of polling.
import { describe, expect, it } from "vitest";
import { delays, pollUntil, PollTimeout } from "../../src/exec/backoff.js";
import {
  FIELD_SEP, isTerminal, isUnsuccessful, parseJobComp, parseKeyValues, parseSacct, parseScontrolConfig, parseSqueue, squeueFormat, submittedId,
} from "../../src/exec/slurmParse.js";

const row = (...f: string[]) => f.join(FIELD_SEP);

describe("squeue", () => {
  it("asks for every field in full, separated by a control character", () => {
    expect(squeueFormat()).toBe(`JobID:0\x1f,ArrayJobID:0\x1f,ArrayTaskID:0\x1f,Name:0\x1f,State:0\x1f,Reason:0\x1f,exit_code:0\x1f,RestartCnt:0\x1f,Comment:0\x1f,WorkDir:0\x1f,NodeList:0\x1f,SubmitTime:0\x1f,StartTime:0\x1f,EndTime:0`);
  });

  it("reads jobs, array tasks and wait statuses", () => {
    const out = [
      row("7", "7", "N/A", "step.fails@abcdef01", "FAILED", "NonZeroExitCode", "768", "0", "flowc:1:abcdef0123:r1:step.fails", "/runs/a b", "vm", "2026-12-01T23:34:03", "2026-12-01T23:34:04", "2026-12-01T23:34:04"),
      row("9", "9", "0-2%1", "arr@abcdef01", "PENDING", "JobHeldUser", "0", "0", "(null)", "/runs", "", "2026-12-01T23:43:53", "N/A", "N/A"),
      row("12", "9", "3", "arr@abcdef01", "RUNNING", "None", "0", "1", "(null)", "/runs", "vm", "2026-12-01T23:43:53", "2026-12-01T23:44:00", "N/A"),
      row("13", "13", "N/A", " spaced ", "CANCELLED", "None", "9", "0", "(null)", "/runs", "vm", "", "", ""),
      "",
    ].join("\n");
    const recs = parseSqueue(out);
    expect(recs[0]).toEqual({
      id: "7", name: "step.fails@abcdef01", state: "FAILED", reason: "NonZeroExitCode", exit: { code: 3, signal: 0 }, restarts: 0,
      comment: "flowc:1:abcdef0123:r1:step.fails", workDir: "/runs/a b", nodes: "vm", submitTime: "2026-12-01T23:34:03",
      startTime: "2026-12-01T23:34:04", endTime: "2026-12-01T23:34:04", source: "squeue",
    });
    expect(recs[1]).toMatchObject({ id: "9", arrayJobId: "9", arrayTaskId: "0-2%1", reason: "JobHeldUser" });
    expect(recs[1]!.startTime).toBeUndefined();
    expect(recs[2]).toMatchObject({ id: "12", arrayJobId: "9", arrayTaskId: "3", restarts: 1 });
    expect(recs.map(submittedId)).toEqual(["7", "9", "9", "13"]);
    expect(recs[3]).toMatchObject({ name: " spaced ", exit: { code: 0, signal: 9 } });
  });
});

describe("sacct --parsable2", () => {
  it("reads allocations, array tasks and `CANCELLED by UID`, and skips job steps", () => {
    const out = [
      row("123", "123", "train.pretrain@abcdef01", "COMPLETED", "0:0", "flowc:1:abcdef0123:r1:train.pretrain", "/runs/x", "node[01-02]", "2026-12-01T10:00:00", "2026-12-01T10:00:05", "2026-12-01T12:00:00", "None"),
      row("123.batch", "123.batch", "batch", "COMPLETED", "0:0", "", "", "node01", "2026-12-01T10:00:05", "2026-12-01T10:00:05", "2026-12-01T12:00:00", ""),
      row("124_[2-3%2]", "124", "tok@abcdef01", "PENDING", "0:0", "", "/runs/x", "None assigned", "2026-12-01T10:00:00", "Unknown", "Unknown", "Dependency"),
      row("124_0", "125", "tok@abcdef01", "FAILED", "1:0", "", "/runs/x", "node03", "2026-12-01T10:00:00", "2026-12-01T10:01:00", "2026-12-01T10:02:00", "None"),
      row("126", "126", "eval.base@abcdef01", "CANCELLED by 1000", "0:15", "", "/runs/x", "node04", "2026-12-01T10:00:00", "2026-12-01T10:01:00", "2026-12-01T10:02:00", "None"),
      row("127", "127", "x@abcdef01", "COMPLETED+", "0:0", "", "/runs/x", "n", "", "", "", ""),
    ].join("\n");
    const recs = parseSacct(out);
    expect(recs.map((r) => [r.id, r.arrayJobId ?? "", r.arrayTaskId ?? "", r.state])).toEqual([
      ["123", "", "", "COMPLETED"], ["124", "124", "2-3%2", "PENDING"], ["125", "124", "0", "FAILED"], ["126", "", "", "CANCELLED"], ["127", "", "", "COMPLETED"],
    ]);
    expect(recs[0]).toMatchObject({ exit: { code: 0, signal: 0 }, workDir: "/runs/x", nodes: "node[01-02]", comment: "flowc:1:abcdef0123:r1:train.pretrain", source: "sacct" });
    expect(recs[1]!.nodes).toBeUndefined();
    expect(recs[3]!.exit).toEqual({ code: 0, signal: 15 });
  });
});

describe("jobcomp/filetxt and scontrol", () => {
  it("splits Key=value lists whose values hold blanks, keeping the last line of a requeued job", () => {
    const kv = parseKeyValues("JobId=1 UserId=root(0) Name=a b\"c JobState=COMPLETED ReservationName= AllocNode:Sid=localhost:6856 CPUs/Task=1 WorkDir=/tmp/x y");
    expect(Object.fromEntries(kv)).toEqual({
      JobId: "1", UserId: "root(0)", Name: 'a b"c', JobState: "COMPLETED", ReservationName: "", "AllocNode:Sid": "localhost:6856", "CPUs/Task": "1", WorkDir: "/tmp/x y",
    });
    const log = [
      "JobId=5 UserId=root(0) GroupId=root(0) Name=arr JobState=COMPLETED Partition=debug NodeList=vm WorkDir=/tmp/sl ReservationName= ArrayJobId=3 ArrayTaskId=1 DerivedExitCode=0:0 ExitCode=0:0 ",
      "JobId=8 UserId=root(0) Name=tr JobState=PREEMPTED WorkDir=/r DerivedExitCode=0:0 ExitCode=0:15 ",
      "JobId=8 UserId=root(0) Name=tr JobState=FAILED WorkDir=/r DerivedExitCode=0:0 ExitCode=2:0 ",
    ].join("\n");
    expect(parseJobComp(log)).toEqual([
      { id: "5", arrayJobId: "3", arrayTaskId: "1", name: "arr", state: "COMPLETED", exit: { code: 0, signal: 0 }, workDir: "/tmp/sl", nodes: "vm", source: "jobcomp" },
      { id: "8", name: "tr", state: "FAILED", exit: { code: 2, signal: 0 }, workDir: "/r", source: "jobcomp" },
    ]);
  });

  it("reads `scontrol show config`", () => {
    const cfg = parseScontrolConfig("Configuration data as of 2026-12-01T23:33:33\nAccountingStorageType   = accounting_storage/none\nMaxArraySize            = 1001\nMinJobAge               = 600 sec\nSLURM_VERSION           = 22.05.8\n");
    expect(Object.fromEntries(cfg)).toMatchObject({ AccountingStorageType: "accounting_storage/none", MaxArraySize: "1001", MinJobAge: "600 sec", SLURM_VERSION: "22.05.8" });
  });

  it("classifies states", () => {
    expect(["PENDING", "RUNNING", "REQUEUED", "COMPLETING"].some(isTerminal)).toBe(false);
    expect(isUnsuccessful("COMPLETED")).toBe(false);
    expect(["FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL"].every(isUnsuccessful)).toBe(true);
  });
});

describe("backoff", () => {
  it("doubles from the first wait up to the cap, with bounded jitter", () => {
    const take = (g: Generator<number>, n: number) => Array.from({ length: n }, () => g.next().value);
    expect(take(delays({ initialMs: 500, maxMs: 30_000, factor: 2 }), 9)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    const jittered = take(delays({ initialMs: 1000, maxMs: 1000, factor: 2, jitter: 0.1 }, () => 1), 2);
    expect(jittered).toEqual([1100, 1100]);
  });

  it("polls until a value, sleeping by the schedule, and gives up past the limit", async () => {
    let clock = 0;
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock += ms;
    };
    let calls = 0;
    const v = await pollUntil(async () => (++calls === 4 ? "done" : undefined), { initialMs: 100, maxMs: 250, factor: 2, timeoutMs: 10_000, sleep, now: () => clock });
    expect(v).toBe("done");
    expect(slept).toEqual([100, 200, 250]);
    clock = 0;
    const e = await pollUntil(async () => undefined, { initialMs: 400, maxMs: 400, factor: 1, timeoutMs: 1000, sleep, now: () => clock, what: "train.pretrain" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PollTimeout);
    expect((e as PollTimeout).message).toBe("gave up waiting for train.pretrain after 1 s (4 polls)");
  });
});
