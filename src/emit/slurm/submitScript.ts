// DIR/slurm/submit.sh: submits the compiled jobs in dependency order with plain sbatch, for a user
// without flowc on the cluster. The same job names and comments as `flowc submit` (emit/slurmTag.ts),
// `afterok` dependencies on the ids sbatch printed, and the ids recorded in DIR/submitted-jobs.txt,
// whose presence stops a second submission (flowc submit reconciles with the scheduler instead).
import { jobComment, jobName } from "../slurmTag.js";
import type { JobsFile } from "./jobs.js";
import { command, commentText, sh, type Word } from "./words.js";

/** Stands for the run id in a tag until the script splices in $RUN_ID. */
const RUN_PLACEHOLDER = "RUNID";

export function submitScript(jobs: JobsFile, sourceFile: string): string {
  const varOf = new Map(jobs.jobs.map((j, i) => [j.key, `job_${i}`]));
  /** Jobs another job depends on: their ids are kept in a variable. */
  const needed = new Set(jobs.jobs.flatMap((j) => j.after));
  const lines = [
    "#!/bin/bash",
    `# Submits the ${jobs.jobs.length} jobs of ${commentText(sourceFile)} (plan ${jobs.plan_hash}) in dependency order.`,
    "# Written by `flowc compile`. Run it on the cluster from anywhere: ./slurm/submit.sh",
    "# FLOWC_RUN_ID (letters and digits) names the submission in the jobs' comments.",
    "set -euo pipefail",
    'cd "$(dirname "$0")/.."',
    'RUN_DIR="$PWD"',
    'RECORD="$RUN_DIR/submitted-jobs.txt"',
    'if [ -e "$RECORD" ]; then',
    '  echo "submit.sh: $RECORD exists: these jobs were submitted already (remove it to submit them again)" >&2',
    "  exit 1",
    "fi",
    'RUN_ID="${FLOWC_RUN_ID:-sh$(date -u +%Y%m%d%H%M%S)}"',
    'case "$RUN_ID" in *[!A-Za-z0-9]* | "") echo "submit.sh: FLOWC_RUN_ID must be letters and digits" >&2; exit 2 ;; esac',
    "mkdir -p logs",
    "# submit KEY SBATCH-ARGS…: prints the job id and records it.",
    "submit() {",
    '  local key=$1 id',
    "  shift",
    '  id="$(sbatch --parsable "$@")"',
    '  id="${id%%;*}"',
    '  printf \'%s %s\\n\' "$key" "$id" >>"$RECORD"',
    '  echo "submit.sh: $key: job $id" >&2',
    '  printf \'%s\\n\' "$id"',
    "}",
  ];
  for (const j of jobs.jobs) {
    const tag = { plan: jobs.plan_hash, run: RUN_PLACEHOLDER, step: j.step, ...(j.part ? { part: j.part } : {}) };
    const [before, after] = jobComment(tag).split(`:${RUN_PLACEHOLDER}:`) as [string, string];
    const deps = j.after.map((k) => `"$${varOf.get(k)}"`).join(":");
    const words: Word[] = [
      "submit", j.key, `--job-name=${jobName(tag)}`,
      // --comment=flowc:1:<plan>:<run>:<step>[:<part>/<parts>] with the run id of this submission.
      sh(`--comment=${quoteless(before)}:"$RUN_ID":${quoteless(after)}`),
      sh('--chdir="$RUN_DIR"'), "--kill-on-invalid-dep=yes",
      ...(deps ? [sh(`--dependency=afterok:${deps}`)] : []),
      ...j.sbatch_args, j.script,
    ];
    lines.push(needed.has(j.key) ? `${varOf.get(j.key)}=$(${command(words, "")})` : `${command(words, "")} >/dev/null`);
  }
  lines.push('echo "submit.sh: submitted ${#} jobs; ids in $RECORD" >&2'.replace("${#}", String(jobs.jobs.length)), "");
  return lines.join("\n");
}

/** A tag piece (hex, step id, digits, `:` and `/`) that needs no quoting; checked, not assumed. */
function quoteless(s: string): string {
  if (!/^[A-Za-z0-9_.:/@~-]*$/.test(s)) throw new Error(`submit.sh: tag piece ${JSON.stringify(s)} needs quoting`);
  return s;
}
