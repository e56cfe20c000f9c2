// The Slurm client over any transport: sbatch, one batched queue query for all of a submission's
// jobs (never one call per job: a poll of a 200-job submission is one squeue), the finished jobs
// from sacct when the cluster keeps accounting and from the jobcomp log when it does not, single-job
// detail from `scontrol show job`, scancel, and the cluster's configuration (MaxArraySize).
import { pollUntil, type Backoff } from "./backoff.js";
import {
  FIELD_SEP, SACCT_FIELDS, parseJobComp, parseSacct, parseScontrolConfig, parseScontrolJob, parseSqueue, squeueFormat, type JobRecord,
} from "./slurmParse.js";
import { ExecError, type RunResult, type Transport } from "./transport.js";

/** Slurm answered, and the answer is a refusal or a failure (sbatch rejected a script, a command is missing). */
export class SlurmError extends ExecError {
  constructor(
    readonly kind: "rejected" | "not-installed" | "failed",
    message: string,
    help: string,
    details: readonly string[] = [],
  ) {
    super(message, help, details);
    this.name = "SlurmError";
  }
}

export interface SlurmConfig {
  readonly version: string;
  /** `MaxArraySize`: array indices run from 0 to MaxArraySize − 1. */
  readonly maxArraySize: number;
  /** Whether sacct has data (AccountingStorageType is not `accounting_storage/none`). */
  readonly accounting: boolean;
  /** The jobcomp/filetxt log, when the cluster writes one. */
  readonly jobCompFile?: string;
  /** Seconds a finished job stays visible to squeue and scontrol. */
  readonly minJobAge: number;
  readonly raw: ReadonlyMap<string, string>;
}

export interface SbatchOptions {
  /** Options before the script (`--job-name=…`, `--dependency=…`); they override the script's #SBATCH lines. */
  readonly args?: readonly string[];
  /** Arguments after the script, passed to it. */
  readonly scriptArgs?: readonly string[];
  /** Directory sbatch runs in (relative output paths resolve against it unless --chdir says otherwise). */
  readonly cwd?: string;
}

/** Slurm's default for MaxArraySize when the configuration does not say. */
const DEFAULT_MAX_ARRAY_SIZE = 1001;

export class SlurmClient {
  private configCache: Promise<SlurmConfig> | undefined;

  constructor(
    readonly transport: Transport,
    private readonly timeoutMs = 120_000,
  ) {}

  /** Submits a batch script (a path on the target) and returns the job id sbatch printed. */
  async sbatch(script: string, o: SbatchOptions = {}): Promise<string> {
    const argv = ["sbatch", "--parsable", ...(o.args ?? []), script, ...(o.scriptArgs ?? [])];
    const r = await this.run(argv, o.cwd);
    const out = r.stdout.trim().split("\n").pop() ?? "";
    // --parsable prints `jobid` or `jobid;cluster`.
    const id = /^(\d+)(?:;\S+)?$/.exec(out)?.[1];
    if (r.exitCode === 0 && id !== undefined) return id;
    const said = (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).split("\n");
    throw new SlurmError("rejected", `sbatch rejected ${script} on ${this.transport.where}: ${rejectionReason(said)}`, rejectionHelp(said.join("\n")),
      [...said.map((l) => `sbatch: ${l.replace(/^sbatch: /, "")}`), ...(await this.directives(script))]);
  }

  /**
   * The live queue (pending, running, and finished within MinJobAge) for these job names and/or ids
   * (both given: jobs matching both): one squeue call. Array tasks are one record each.
   */
  async queue(q: { readonly names?: readonly string[]; readonly jobIds?: readonly string[] }): Promise<JobRecord[]> {
    const names = q.names ?? [];
    const ids = q.jobIds ?? [];
    if ((q.names && names.length === 0) || (q.jobIds && ids.length === 0) || (!q.names && !q.jobIds)) return [];
    const r = await this.run([
      "squeue", "--noheader", "--array", "--states=all",
      ...(names.length > 0 ? [`--name=${names.join(",")}`] : []), ...(ids.length > 0 ? [`--jobs=${ids.join(",")}`] : []),
      `--Format=${squeueFormat()}`,
    ]);
    if (r.exitCode !== 0) throw this.failed("squeue", r);
    return parseSqueue(r.stdout);
  }

  /**
   * Finished jobs with these names that squeue may have forgotten: sacct when the cluster keeps
   * accounting (one call), else the jobcomp log (one grep), else none.
   */
  async history(names: readonly string[], since?: Date): Promise<JobRecord[]> {
    if (names.length === 0) return [];
    const cfg = await this.config();
    if (cfg.accounting) {
      const start = since ? sacctTime(new Date(since.getTime() - 86_400_000)) : "now-30days";
      const r = await this.run([
        "sacct", "--noheader", "--parsable2", `--delimiter=${FIELD_SEP}`, "--allocations", "--allusers",
        `--starttime=${start}`, `--name=${names.join(",")}`, `--format=${SACCT_FIELDS.join(",")}`,
      ]);
      if (r.exitCode === 0) return parseSacct(r.stdout);
      // A cluster whose slurmdbd is down still answers squeue: fall through to the log.
    }
    if (cfg.jobCompFile) {
      const r = await this.run(["grep", "-F", ...names.flatMap((n) => ["-e", ` Name=${n} `]), "--", cfg.jobCompFile]);
      // grep: 0 found, 1 none, 2 no such file (or unreadable): nothing to learn from it.
      if (r.exitCode === 0) return parseJobComp(r.stdout);
    }
    return [];
  }

  /**
   * Every record the cluster has for these names: the live queue, and the history for what the
   * queue no longer shows (live records win, they are newer). Two calls at most, whatever the count.
   */
  async find(names: readonly string[], since?: Date): Promise<JobRecord[]> {
    const live = await this.queue({ names });
    const seen = new Set(live.map((r) => r.id));
    const old = (await this.history(names, since)).filter((r) => !seen.has(r.id));
    return [...live, ...old];
  }

  /** Everything `scontrol show job ID` says about one job (expanded log paths, reasons, restarts). */
  async show(jobId: string): Promise<ReadonlyMap<string, string>> {
    const r = await this.run(["scontrol", "--oneliner", "show", "job", jobId]);
    if (r.exitCode !== 0) throw this.failed(`scontrol show job ${jobId}`, r);
    return parseScontrolJob(r.stdout);
  }

  /** Cancels jobs (all tasks of an array given by its id): one scancel call. */
  async cancel(jobIds: readonly string[], o: { readonly signal?: string } = {}): Promise<void> {
    if (jobIds.length === 0) return;
    const r = await this.run(["scancel", ...(o.signal ? [`--signal=${o.signal}`] : []), ...jobIds]);
    if (r.exitCode !== 0) throw this.failed("scancel", r);
  }

  /** `scontrol show config`, read once per client. */
  config(): Promise<SlurmConfig> {
    this.configCache ??= (async () => {
      const r = await this.run(["scontrol", "show", "config"]);
      if (r.exitCode !== 0) throw this.failed("scontrol show config", r);
      const raw = parseScontrolConfig(r.stdout);
      const num = (k: string, d: number) => {
        const m = /^(\d+)/.exec(raw.get(k) ?? "");
        return m ? Number(m[1]) : d;
      };
      const jobCompType = raw.get("JobCompType") ?? "";
      const jobCompLoc = raw.get("JobCompLoc");
      return {
        version: raw.get("SLURM_VERSION") ?? "unknown",
        maxArraySize: num("MaxArraySize", DEFAULT_MAX_ARRAY_SIZE),
        accounting: (raw.get("AccountingStorageType") ?? "accounting_storage/none") !== "accounting_storage/none",
        ...(jobCompType === "jobcomp/filetxt" && jobCompLoc && jobCompLoc !== "(null)" ? { jobCompFile: jobCompLoc } : {}),
        minJobAge: num("MinJobAge", 300),
        raw,
      };
    })();
    this.configCache.catch(() => (this.configCache = undefined));
    return this.configCache;
  }

  /** The cluster's MaxArraySize: an array may use indices 0 … MaxArraySize − 1. */
  async maxArraySize(): Promise<number> {
    return (await this.config()).maxArraySize;
  }

  /**
   * Polls the batched query with exponential backoff until `done` holds for the records of these
   * names, and returns them. One squeue (and at most one history call) per poll.
   */
  async waitFor(names: readonly string[], done: (records: JobRecord[]) => boolean, o: Partial<Backoff> & { readonly timeoutMs: number; readonly since?: Date }): Promise<JobRecord[]> {
    return pollUntil(async () => {
      const recs = await this.find(names, o.since);
      return done(recs) ? recs : undefined;
    }, { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.1, ...o, what: `jobs ${names.join(", ")}` });
  }

  private async run(argv: readonly string[], cwd?: string): Promise<RunResult> {
    const r = await this.transport.run(argv, { timeoutMs: this.timeoutMs, ...(cwd !== undefined ? { cwd } : {}) });
    if (r.exitCode === 127) {
      throw new SlurmError("not-installed", `\`${argv[0]}\` is not found on ${this.transport.where}`,
        this.transport.kind === "local"
          ? "run flowc on a machine with Slurm's commands (a login node), or submit over SSH with `--host USER@LOGIN`"
          : "Slurm's commands must be on the PATH of a non-interactive login there: load them in ~/.bashrc (e.g. `module load slurm`) or ask the administrators");
    }
    return r;
  }

  private failed(what: string, r: RunResult): SlurmError {
    const said = (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).split("\n").slice(-5);
    return new SlurmError("failed", `\`${what}\` failed on ${this.transport.where} (exit ${r.exitCode}): ${said[said.length - 1]}`,
      "check that slurmctld is up (`scontrol ping`) and try again", said);
  }

  /** The script's #SBATCH lines, to show beside a rejection (empty if it cannot be read). */
  private async directives(script: string): Promise<string[]> {
    try {
      const text = (await this.transport.readFile(script)).toString("utf8");
      const lines = text.split("\n").map((l, i) => ({ l, n: i + 1 })).filter(({ l }) => /^#SBATCH\s/.test(l));
      return lines.length === 0 ? [] : [`${script}:`, ...lines.map(({ l, n }) => `  ${n} | ${l}`)];
    } catch {
      return [];
    }
  }
}

/** sbatch's own words, without its `sbatch: error:` prefixes: the last line says what failed. */
function rejectionReason(lines: readonly string[]): string {
  const last = lines.filter((l) => l.trim() !== "").pop() ?? "";
  return last.replace(/^sbatch:\s*(error:\s*)?/, "").replace(/^Batch job submission failed:\s*/, "");
}

function rejectionHelp(said: string): string {
  if (/invalid partition/i.test(said)) return "name a partition the cluster has (`sinfo -s` lists them) in the cluster profile or the .flow cluster block";
  if (/invalid account|association/i.test(said)) return "name an account you may charge (`sacctmgr show assoc user=$USER`) in the cluster profile";
  if (/qos/i.test(said)) return "name a QOS your account may use (`sacctmgr show assoc user=$USER format=qos`)";
  if (/node configuration is not available|more processors|gres|gpu/i.test(said)) return "the job asks for more than any node has: check nodes, GPUs and CPUs per node in the .flow cluster block against `sinfo -o '%P %D %c %m %G'`";
  if (/time limit/i.test(said)) return "the job's --time exceeds the partition's limit: lower max_walltime in the .flow cluster block (`sinfo -o '%P %l'` shows limits)";
  if (/dependency/i.test(said)) return "a job it depends on is unknown to the scheduler (finished too long ago, or cancelled): run `flowc status DIR`";
  if (/array/i.test(said)) return "the array is larger than the cluster allows: set max_array_size in the cluster profile to the cluster's MaxArraySize";
  return "fix the script or the cluster profile, then submit again";
}

/** sacct reads times in the cluster's local time zone: `YYYY-MM-DDTHH:MM:SS` without a zone. */
function sacctTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
