#!/bin/bash
# Submits the 39 jobs of smollm2-1.7b.flow (plan 80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86) in dependency order.
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
job_0=$(submit tokenizer.smol --job-name=tokenizer.smol@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenizer.smol \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes slurm/tokenizer.smol.sbatch)
job_1=$(submit 'curate.tok_all.fineweb_edu~0' '--job-name=curate.tok_all.fineweb_edu~0@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.fineweb_edu:0/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-199%200 \
  slurm/curate.tok_all.fineweb_edu.sbatch)
job_2=$(submit 'curate.tok_all.fineweb_edu~1' '--job-name=curate.tok_all.fineweb_edu~1@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.fineweb_edu:1/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-199%200 \
  --export=ALL,FLOWRT_SHARD_OFFSET=200 slurm/curate.tok_all.fineweb_edu.sbatch)
job_3=$(submit 'curate.tok_all.fineweb_edu~2' '--job-name=curate.tok_all.fineweb_edu~2@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.fineweb_edu:2/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-111%112 \
  --export=ALL,FLOWRT_SHARD_OFFSET=400 slurm/curate.tok_all.fineweb_edu.sbatch)
job_4=$(submit 'curate.tok_all.dclm~0' '--job-name=curate.tok_all.dclm~0@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.dclm:0/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-199%200 slurm/curate.tok_all.dclm.sbatch)
job_5=$(submit 'curate.tok_all.dclm~1' '--job-name=curate.tok_all.dclm~1@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.dclm:1/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-199%200 \
  --export=ALL,FLOWRT_SHARD_OFFSET=200 slurm/curate.tok_all.dclm.sbatch)
job_6=$(submit 'curate.tok_all.dclm~2' '--job-name=curate.tok_all.dclm~2@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.dclm:2/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-111%112 \
  --export=ALL,FLOWRT_SHARD_OFFSET=400 slurm/curate.tok_all.dclm.sbatch)
job_7=$(submit curate.tok_all.starcoder --job-name=curate.tok_all.starcoder@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.starcoder \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-124%125 \
  slurm/curate.tok_all.starcoder.sbatch)
job_8=$(submit curate.tok_all.stack_edu --job-name=curate.tok_all.stack_edu@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.stack_edu \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-62%63 slurm/curate.tok_all.stack_edu.sbatch)
job_9=$(submit curate.tok_all.owm --job-name=curate.tok_all.owm@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.owm \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-5%6 slurm/curate.tok_all.owm.sbatch)
job_10=$(submit curate.tok_all.infimm --job-name=curate.tok_all.infimm@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.infimm \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-19%20 slurm/curate.tok_all.infimm.sbatch)
job_11=$(submit curate.tok_all.finemath --job-name=curate.tok_all.finemath@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.finemath \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-16%17 slurm/curate.tok_all.finemath.sbatch)
job_12=$(submit curate.tok_all.infiwebmath --job-name=curate.tok_all.infiwebmath@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.infiwebmath \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-10%11 \
  slurm/curate.tok_all.infiwebmath.sbatch)
job_13=$(submit curate.tok_all.cosmopedia --job-name=curate.tok_all.cosmopedia@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.cosmopedia \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-13%14 \
  slurm/curate.tok_all.cosmopedia.sbatch)
job_14=$(submit curate.tok_all.long_docs --job-name=curate.tok_all.long_docs@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":curate.tok_all.long_docs \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --array=0-24%25 slurm/curate.tok_all.long_docs.sbatch)
job_15=$(submit 'tokenize.tok_all.fineweb_edu~0' '--job-name=tokenize.tok_all.fineweb_edu~0@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.fineweb_edu:0/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_1":"$job_2":"$job_3":"$job_0" --array=0-199%200 \
  slurm/tokenize.tok_all.fineweb_edu.sbatch)
job_16=$(submit 'tokenize.tok_all.fineweb_edu~1' '--job-name=tokenize.tok_all.fineweb_edu~1@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.fineweb_edu:1/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_1":"$job_2":"$job_3":"$job_0" --array=0-199%200 \
  --export=ALL,FLOWRT_SHARD_OFFSET=200 slurm/tokenize.tok_all.fineweb_edu.sbatch)
job_17=$(submit 'tokenize.tok_all.fineweb_edu~2' '--job-name=tokenize.tok_all.fineweb_edu~2@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.fineweb_edu:2/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_1":"$job_2":"$job_3":"$job_0" --array=0-111%112 \
  --export=ALL,FLOWRT_SHARD_OFFSET=400 slurm/tokenize.tok_all.fineweb_edu.sbatch)
job_18=$(submit 'tokenize.tok_all.dclm~0' '--job-name=tokenize.tok_all.dclm~0@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.dclm:0/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_4":"$job_5":"$job_6":"$job_0" --array=0-199%200 \
  slurm/tokenize.tok_all.dclm.sbatch)
job_19=$(submit 'tokenize.tok_all.dclm~1' '--job-name=tokenize.tok_all.dclm~1@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.dclm:1/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_4":"$job_5":"$job_6":"$job_0" --array=0-199%200 \
  --export=ALL,FLOWRT_SHARD_OFFSET=200 slurm/tokenize.tok_all.dclm.sbatch)
job_20=$(submit 'tokenize.tok_all.dclm~2' '--job-name=tokenize.tok_all.dclm~2@80eb2079' \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.dclm:2/3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_4":"$job_5":"$job_6":"$job_0" --array=0-111%112 \
  --export=ALL,FLOWRT_SHARD_OFFSET=400 slurm/tokenize.tok_all.dclm.sbatch)
job_21=$(submit tokenize.tok_all.starcoder --job-name=tokenize.tok_all.starcoder@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.starcoder \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_7":"$job_0" \
  --array=0-124%125 slurm/tokenize.tok_all.starcoder.sbatch)
job_22=$(submit tokenize.tok_all.stack_edu --job-name=tokenize.tok_all.stack_edu@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.stack_edu \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_8":"$job_0" \
  --array=0-62%63 slurm/tokenize.tok_all.stack_edu.sbatch)
job_23=$(submit tokenize.tok_all.owm --job-name=tokenize.tok_all.owm@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.owm \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_9":"$job_0" --array=0-5%6 \
  slurm/tokenize.tok_all.owm.sbatch)
job_24=$(submit tokenize.tok_all.infimm --job-name=tokenize.tok_all.infimm@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.infimm \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_10":"$job_0" \
  --array=0-19%20 slurm/tokenize.tok_all.infimm.sbatch)
job_25=$(submit tokenize.tok_all.finemath --job-name=tokenize.tok_all.finemath@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.finemath \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_11":"$job_0" \
  --array=0-16%17 slurm/tokenize.tok_all.finemath.sbatch)
job_26=$(submit tokenize.tok_all.infiwebmath --job-name=tokenize.tok_all.infiwebmath@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.infiwebmath \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_12":"$job_0" \
  --array=0-10%11 slurm/tokenize.tok_all.infiwebmath.sbatch)
job_27=$(submit tokenize.tok_all.cosmopedia --job-name=tokenize.tok_all.cosmopedia@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.cosmopedia \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_13":"$job_0" \
  --array=0-13%14 slurm/tokenize.tok_all.cosmopedia.sbatch)
job_28=$(submit tokenize.tok_all.long_docs --job-name=tokenize.tok_all.long_docs@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":tokenize.tok_all.long_docs \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_14":"$job_0" \
  --array=0-24%25 slurm/tokenize.tok_all.long_docs.sbatch)
job_29=$(submit mix.pretrain --job-name=mix.pretrain@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":mix.pretrain \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes \
  --dependency=afterok:"$job_15":"$job_16":"$job_17":"$job_18":"$job_19":"$job_20":"$job_21":"$job_23":"$job_22":"$job_24":"$job_25":"$job_26":"$job_27":"$job_28" \
  slurm/mix.pretrain.sbatch)
job_30=$(submit train.pretrain.j0 --job-name=train.pretrain.j0@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j0 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29" \
  slurm/train.pretrain.j0.sbatch)
job_31=$(submit train.pretrain.j1 --job-name=train.pretrain.j1@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j1 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_30" \
  slurm/train.pretrain.j1.sbatch)
job_32=$(submit train.pretrain.j2 --job-name=train.pretrain.j2@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j2 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_31" \
  slurm/train.pretrain.j2.sbatch)
job_33=$(submit train.pretrain.j3 --job-name=train.pretrain.j3@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j3 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_32" \
  slurm/train.pretrain.j3.sbatch)
job_34=$(submit train.pretrain.j4 --job-name=train.pretrain.j4@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j4 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_33" \
  slurm/train.pretrain.j4.sbatch)
job_35=$(submit train.pretrain.j5 --job-name=train.pretrain.j5@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j5 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_34" \
  slurm/train.pretrain.j5.sbatch)
job_36=$(submit train.pretrain.j6 --job-name=train.pretrain.j6@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j6 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_35" \
  slurm/train.pretrain.j6.sbatch)
job_37=$(submit train.pretrain.j7 --job-name=train.pretrain.j7@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j7 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_36" \
  slurm/train.pretrain.j7.sbatch)
submit train.pretrain.j8 --job-name=train.pretrain.j8@80eb2079 \
  --comment=flowc:1:80eb2079c99768a212322bc86c54bfed5255f492228b4cfb906397f4f09f5b86:"$RUN_ID":train.pretrain.j8 \
  --chdir="$RUN_DIR" --kill-on-invalid-dep=yes --dependency=afterok:"$job_29":"$job_37" \
  slurm/train.pretrain.j8.sbatch >/dev/null
echo "submit.sh: submitted 39 jobs; ids in $RECORD" >&2
