// Reading what Slurm's commands print: squeue with a format string, sacct --parsable2, the
// jobcomp/filetxt log, `scontrol show job` and `scontrol show config`. Pure: text in, records out.
// The formats are Slurm 20.11+'s (tested against 22.05's output).

/** One job, or one task of a job array, as the scheduler reports it. */
export interface JobRecord {
  /** Slurm's id of this record (an array task has its own once it has started). */
  readonly id: string;
  /** For an array task: the id sbatch returned for the array. */
  readonly arrayJobId?: string;
  /** For an array task: its index, or for tasks not yet started a range (`0-99%8`). */
  readonly arrayTaskId?: string;
  readonly name: string;
  /** Slurm's state in capitals (`PENDING`, `COMPLETED`, `CANCELLED`, `OUT_OF_MEMORY`, …). */
  readonly state: string;
  readonly reason?: string;
  /** The batch script's exit: status code and the signal that ended it (0 when none). */
  readonly exit?: { readonly code: number; readonly signal: number };
  readonly restarts?: number;
  readonly comment?: string;
  readonly workDir?: string;
  readonly nodes?: string;
  readonly submitTime?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  /** Where the record came from: live scheduler memory, the accounting database or the jobcomp log. */
  readonly source: "squeue" | "sacct" | "jobcomp";
}

/** The id sbatch returned for the job a record belongs to (the array's id for an array task). */
export function submittedId(r: JobRecord): string {
  return r.arrayJobId ?? r.id;
}

/** States after which a job never runs again by itself. */
const TERMINAL = new Set(["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"]);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** Terminal and not COMPLETED: the step did not produce its outputs. */
export function isUnsuccessful(state: string): boolean {
  return TERMINAL.has(state) && state !== "COMPLETED";
}

/** Separates squeue/sacct fields: a control character no job name, path or comment of ours holds. */
export const FIELD_SEP = "\x1f";

/** squeue --Format fields, in the order `parseSqueue` reads them. `:0` prints each in full. */
export const SQUEUE_FIELDS = [
  "JobID", "ArrayJobID", "ArrayTaskID", "Name", "State", "Reason", "exit_code", "RestartCnt", "Comment", "WorkDir", "NodeList", "SubmitTime", "StartTime", "EndTime",
] as const;

export function squeueFormat(): string {
  return SQUEUE_FIELDS.map((f, i) => `${f}:0${i < SQUEUE_FIELDS.length - 1 ? FIELD_SEP : ""}`).join(",");
}

const none = (v: string | undefined): string | undefined => (v === undefined || v === "" || v === "(null)" || v === "N/A" || v === "None" || v === "None assigned" || v === "Unknown" ? undefined : v);

/** squeue prints the wait status (`768` = exit 3; `9` = killed by signal 9). */
function waitStatus(v: string | undefined): JobRecord["exit"] {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return { code: (n >> 8) & 0xff, signal: n & 0x7f };
}

/** sacct, scontrol and the jobcomp log print `code:signal`. */
function codeSignal(v: string | undefined): JobRecord["exit"] {
  const m = v === undefined ? null : /^(\d+):(\d+)$/.exec(v);
  return m ? { code: Number(m[1]), signal: Number(m[2]) } : undefined;
}

/** `CANCELLED by 0` → `CANCELLED`; `COMPLETED+` (sacct, continued) → `COMPLETED`. */
function stateWord(v: string): string {
  return (v.trim().split(/\s+/)[0] ?? "").replace(/\+$/, "").toUpperCase();
}

export function parseSqueue(out: string): JobRecord[] {
  const rows: JobRecord[] = [];
  for (const line of out.split("\n")) {
    const f = line.split(FIELD_SEP);
    if (f.length < SQUEUE_FIELDS.length) continue;
    // `:0` fields are printed in full and unpadded: keep them exactly (a name may end in a blank).
    const get = (k: (typeof SQUEUE_FIELDS)[number]) => f[SQUEUE_FIELDS.indexOf(k)];
    const id = get("JobID")!.trim();
    const arrayTask = none(get("ArrayTaskID")?.trim());
    const exit = waitStatus(get("exit_code"));
    const restarts = get("RestartCnt");
    rows.push(clean({
      id,
      ...(arrayTask !== undefined ? { arrayJobId: get("ArrayJobID")!.trim(), arrayTaskId: arrayTask } : {}),
      name: get("Name") ?? "",
      state: stateWord(get("State") ?? ""),
      reason: none(get("Reason")),
      exit,
      restarts: restarts && /^\d+$/.test(restarts) ? Number(restarts) : undefined,
      comment: none(get("Comment")),
      workDir: none(get("WorkDir")),
      nodes: none(get("NodeList")),
      submitTime: none(get("SubmitTime")),
      startTime: none(get("StartTime")),
      endTime: none(get("EndTime")),
      source: "squeue",
    }));
  }
  return rows;
}

/** sacct --format fields, in the order `parseSacct` reads them. */
export const SACCT_FIELDS = ["JobID", "JobIDRaw", "JobName", "State", "ExitCode", "Comment", "WorkDir", "NodeList", "Submit", "Start", "End", "Reason"] as const;

export function parseSacct(out: string): JobRecord[] {
  const rows: JobRecord[] = [];
  for (const line of out.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.split(FIELD_SEP);
    if (f.length < SACCT_FIELDS.length) continue;
    const get = (k: (typeof SACCT_FIELDS)[number]) => f[SACCT_FIELDS.indexOf(k)]?.trim();
    const jobId = get("JobID")!; // `123`, `123_4`, `123_[5-9]`
    if (jobId.includes(".")) continue; // a job step (batch, extern, 0): the allocation line says it all
    const m = /^(\d+)_(.+)$/.exec(jobId);
    const raw = get("JobIDRaw") ?? jobId;
    rows.push(clean({
      id: m && m[2]!.startsWith("[") ? m[1]! : raw,
      ...(m ? { arrayJobId: m[1]!, arrayTaskId: m[2]!.replace(/^\[|\]$/g, "") } : {}),
      name: get("JobName") ?? "",
      state: stateWord(get("State") ?? ""),
      reason: none(get("Reason")),
      exit: codeSignal(get("ExitCode")),
      comment: none(get("Comment")),
      workDir: none(get("WorkDir")),
      nodes: none(get("NodeList")),
      submitTime: none(get("Submit")),
      startTime: none(get("Start")),
      endTime: none(get("End")),
      source: "sacct",
    }));
  }
  return rows;
}

/**
 * `Key=value Key=value …` as scontrol and the jobcomp log print it. A value may hold blanks (a job
 * name, a path), so a field ends only where a blank is followed by a capitalized `Key=`.
 */
export function parseKeyValues(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /(?:^|\s)([A-Z][A-Za-z0-9_:/]*)=/g;
  const marks: { key: string; start: number; valueStart: number }[] = [];
  for (let m = re.exec(line); m; m = re.exec(line)) {
    marks.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length });
  }
  marks.forEach((k, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.start : line.length;
    if (!out.has(k.key)) out.set(k.key, line.slice(k.valueStart, end).trim());
  });
  return out;
}

/** One line per finished job (jobcomp/filetxt). A requeued job has a line per run: the last wins. */
export function parseJobComp(text: string): JobRecord[] {
  const byId = new Map<string, JobRecord>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("JobId=")) continue;
    const kv = parseKeyValues(line);
    const id = kv.get("JobId")!;
    const arrayJob = none(kv.get("ArrayJobId"));
    byId.set(id, clean({
      id,
      ...(arrayJob !== undefined ? { arrayJobId: arrayJob, arrayTaskId: kv.get("ArrayTaskId") } : {}),
      name: kv.get("Name") ?? "",
      state: stateWord(kv.get("JobState") ?? ""),
      exit: codeSignal(kv.get("ExitCode")),
      workDir: none(kv.get("WorkDir")),
      nodes: none(kv.get("NodeList")),
      submitTime: none(kv.get("SubmitTime")),
      startTime: none(kv.get("StartTime")),
      endTime: none(kv.get("EndTime")),
      source: "jobcomp",
    }));
  }
  return [...byId.values()];
}

/** `scontrol show job ID` (any layout: it is one record). */
export function parseScontrolJob(out: string): Map<string, string> {
  return parseKeyValues(out.replace(/\s*\n\s*/g, " ").trim());
}

/** `scontrol show config`: `Key = value` lines. */
export function parseScontrolConfig(out: string): Map<string, string> {
  const out2 = new Map<string, string>();
  for (const line of out.split("\n")) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)\s*=\s?(.*)$/.exec(line);
    if (m) out2.set(m[1]!, m[2]!.trim());
  }
  return out2;
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
