// How a Slurm job says which submission and step it is: its job name and its `--comment`. The
// emitted submit.sh writes them and `flowc submit`/`status` read them back (one batched `squeue
// --name=…`), so that after a crash or a dropped connection the jobs already submitted are found
// and nothing is submitted twice.
//
//   job name   <step>[~<part>]@<plan hash, 8 hex>          tokenize.clean.web~1@3fa2b1c0
//   comment    flowc:1:<plan hash>:<run>:<step>[:<part>/<parts>]
//
// The name starts with the step so `squeue` and `%x` log names read naturally; it has no commas
// (squeue --name takes a comma list), no blanks and no `=` (scontrol and the jobcomp file print
// `Key=value` lists). The comment adds the whole plan hash and the run id, which tell two runs of
// the same plan apart (sacct keeps comments only with AccountingStoreFlags=job_comment, so the
// working directory, the run directory, is the second witness there).

export interface JobTag {
  /** The plan's hash (lowercase hex, at least 8 digits). */
  readonly plan: string;
  /** The run: one `flowc submit` of a DIR and its re-runs (letters and digits). */
  readonly run: string;
  /** The plan step id (`train.pretrain`). */
  readonly step: string;
  /** Which of the jobs of one step this is, when a step is split (an array above MaxArraySize). */
  readonly part?: { readonly index: number; readonly count: number };
}

const PLAN = /^[0-9a-f]{8,128}$/;
const RUN = /^[A-Za-z0-9]{1,32}$/;
const STEP = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
export const TAG_VERSION = 1;

/** Throws on a tag that could not be read back (a bug in the caller, not user input). */
export function checkTag(t: JobTag): void {
  if (!PLAN.test(t.plan)) throw new Error(`job tag: plan hash ${JSON.stringify(t.plan)} is not lowercase hex of 8+ digits`);
  if (!RUN.test(t.run)) throw new Error(`job tag: run id ${JSON.stringify(t.run)} must be 1-32 letters and digits`);
  if (!STEP.test(t.step)) throw new Error(`job tag: step id ${JSON.stringify(t.step)} has characters a job name cannot carry`);
  if (t.part && !(Number.isInteger(t.part.index) && Number.isInteger(t.part.count) && t.part.index >= 0 && t.part.index < t.part.count)) {
    throw new Error(`job tag: part ${t.part.index} of ${t.part.count} is not a part`);
  }
}

export function jobName(t: JobTag): string {
  checkTag(t);
  return `${t.step}${t.part ? `~${t.part.index}` : ""}@${t.plan.slice(0, 8)}`;
}

export function jobComment(t: JobTag): string {
  checkTag(t);
  return `flowc:${TAG_VERSION}:${t.plan}:${t.run}:${t.step}${t.part ? `:${t.part.index}/${t.part.count}` : ""}`;
}

/** The tag in a comment written by `jobComment`, or undefined for any other comment. */
export function parseJobComment(comment: string): JobTag | undefined {
  const m = /^flowc:1:([0-9a-f]{8,128}):([A-Za-z0-9]{1,32}):([A-Za-z0-9_][A-Za-z0-9_.-]*)(?::(\d+)\/(\d+))?$/.exec(comment.trim());
  if (!m) return undefined;
  const part = m[4] !== undefined ? { index: Number(m[4]), count: Number(m[5]) } : undefined;
  return { plan: m[1]!, run: m[2]!, step: m[3]!, ...(part ? { part } : {}) };
}

/** What a job name written by `jobName` says (the plan hash only by its first 8 digits). */
export function parseJobName(name: string): { step: string; part?: number; planPrefix: string } | undefined {
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*?)(?:~(\d+))?@([0-9a-f]{8})$/.exec(name);
  if (!m) return undefined;
  return { step: m[1]!, ...(m[2] !== undefined ? { part: Number(m[2]) } : {}), planPrefix: m[3]! };
}
