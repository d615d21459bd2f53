#!/bin/bash
# The digits of pi study inside one Grid Engine parallel-environment job ("tight integration").
#
#   qsub -pe smp 4 examples/sge/pi-pe.sh                       # 4 slots: 4 workers
#   qsub -pe smp 4 examples/sge/pi-pe.sh configs/pi-10k.yaml   # any job file, -D overrides after
#
# Submit it from the top of the minimr tree (or with minimr on the PATH); the PE name (smp here)
# is your site's. minimr runs the master in this job and starts one worker per granted slot with
# `qrsh -inherit HOST` (the hosts come from $PE_HOSTFILE), so Grid Engine accounts for every
# worker and kills them all with the job. The summary lands in minimr-pi-pe.o<JOB_ID>.
#$ -N minimr-pi-pe
#$ -cwd
#$ -j y
#$ -S /bin/bash
set -euo pipefail
if [ -z "${PE_HOSTFILE:-}" ]; then
  echo "pi-pe.sh: no PE_HOSTFILE: submit it with qsub -pe <your PE> <slots>" >&2
  exit 2
fi
minimr=$(command -v minimr || echo "$PWD/build/minimr")
job=${1:-configs/pi-two-digit.yaml}
shift || true
exec "$minimr" run "$job" -D cluster.launcher=sge -D cluster.workers="$NSLOTS" "$@"
