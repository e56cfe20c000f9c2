#!/bin/bash
# Submits the 12 jobs of tiny.flow (plan 0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158) in dependency order.
# Written by `flowc compile`. Run it on the cluster from anywhere: ./slurm/submit.sh
# FLOWC_RUN_ID (letters and digits) names the submission in the jobs' comments.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="$PWD"
RECORD="$RUN_DIR/submitted-jobs.txt"
if [ -e "$RECORD" ]; then
  echo "submit.sh: $RECORD exists: these jobs were submitted already (remove it to submit them again)" >&2
  exit 1
fi
RUN_ID="${FLOWC_RUN_ID:-sh$(date -u +%Y%m%d%H%M%S)}"
case "$RUN_ID" in *[!A-Za-z0-9]* | "") echo "submit.sh: FLOWC_RUN_ID must be letters and digits" >&2; exit 2 ;; esac
mkdir -p logs
# submit KEY SBATCH-ARGS…: prints the job id and records it.
submit() {
  local key=$1 id
  shift
  id="$(sbatch --parsable "$@")"
  id="${id%%;*}"
  printf '%s %s\n' "$key" "$id" >>"$RECORD"
  echo "submit.sh: $key: job $id" >&2
  printf '%s\n' "$id"
}
job_0=$(submit tokenizer.tok --job-name=tokenizer.tok@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":tokenizer.tok \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes slurm/tokenizer.tok.sbatch)
job_1=$(submit curate.clean.web --job-name=curate.clean.web@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":curate.clean.web \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-0%1 slurm/curate.clean.web.sbatch)
job_2=$(submit curate.clean.code --job-name=curate.clean.code@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":curate.clean.code \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-0%1 slurm/curate.clean.code.sbatch)
job_3=$(submit curate.clean.math --job-name=curate.clean.math@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":curate.clean.math \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-0%1 slurm/curate.clean.math.sbatch)
job_4=$(submit dedup.clean --job-name=dedup.clean@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":dedup.clean \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_1":"$job_2":"$job_3" \
  slurm/dedup.clean.sbatch)
job_5=$(submit tokenize.clean.web --job-name=tokenize.clean.web@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":tokenize.clean.web \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_1":"$job_4":"$job_0" \
  --array=0-0%1 slurm/tokenize.clean.web.sbatch)
job_6=$(submit tokenize.clean.code --job-name=tokenize.clean.code@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":tokenize.clean.code \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_2":"$job_4":"$job_0" \
  --array=0-0%1 slurm/tokenize.clean.code.sbatch)
job_7=$(submit tokenize.clean.math --job-name=tokenize.clean.math@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":tokenize.clean.math \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_3":"$job_4":"$job_0" \
  --array=0-0%1 slurm/tokenize.clean.math.sbatch)
job_8=$(submit mix.pretrain --job-name=mix.pretrain@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":mix.pretrain \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_5":"$job_6":"$job_7" \
  slurm/mix.pretrain.sbatch)
job_9=$(submit train.pretrain --job-name=train.pretrain@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":train.pretrain \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_8" \
  slurm/train.pretrain.sbatch)
job_10=$(submit eval.base --job-name=eval.base@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":eval.base \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_9":"$job_0" \
  slurm/eval.base.sbatch)
submit release.toy_v1 --job-name=release.toy_v1@0ae5ecf1 \
  --comment=flowc:1:0ae5ecf11b0cd72933b68d0a9eaf1a5021ef7f2a51770d680c0abdb444077158:"$RUN_ID":release.toy_v1 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_9":"$job_0":"$job_10" \
  slurm/release.toy_v1.sbatch >/dev/null
echo "submit.sh: submitted 12 jobs; ids in $RECORD" >&2
