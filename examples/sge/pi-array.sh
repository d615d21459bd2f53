#!/bin/bash
# The digits of pi study on Grid Engine, workers as an array job.
#
#   qsub examples/sge/pi-array.sh                       # the 150M-digit study, 4 workers
#   qsub examples/sge/pi-array.sh configs/pi-10k.yaml   # any job file, with -D overrides after it
#
# Submit it from the top of the minimr tree (or with minimr on the PATH). This job runs the
# master; minimr submits the workers as one array job (qsub -t 1-N) with the settings of
# configs/clusters/sge.yaml (queue, run-time limits, memory request), waits for the result and
# removes them. The job's own output (the summary) lands in minimr-pi.o<JOB_ID>.
#$ -N minimr-pi
#$ -cwd
#$ -j y
#$ -S /bin/bash
set -euo pipefail
minimr=$(command -v minimr || echo "$PWD/build/minimr")
job=${1:-configs/pi-two-digit.yaml}
shift || true
exec "$minimr" run "$job" -D cluster.launcher=sge -D cluster.workers="${MINIMR_WORKERS:-4}" "$@"
