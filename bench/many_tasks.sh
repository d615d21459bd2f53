#!/usr/bin/env bash
# A job of many tiny map tasks on a standing cluster of a master and 2 workers: the pi job's
# pair counts over one file cut into SPLIT-byte splits (1: a map task per byte), checked against
# the same job run as one map task per file. Prints the job's time (from its job.json), the
# whole submit's wall time and the master's peak resident memory (VmHWM, read from /proc).
# Run from the top of the tree after ./setup.sh.
#   bench/many_tasks.sh DIGITS_FILE [SPLIT]
set -euo pipefail
cd "$(dirname "$0")/.."
input=$(realpath "$1")
split=${2:-1}
minimr=$(realpath build/minimr)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait; rm -rf "$work"' EXIT

job() {  # job SPLIT OUTPUT
  cat >"$work/job-$2.yaml" <<EOF
job: pidigits
params: {n: 2}
input: {paths: $input, split_size: $1}
reduce: {tasks: 1}
output: {dir: $work/$2}
EOF
  echo "$work/job-$2.yaml"
}

"$minimr" master --connection-file "$work/connection.json" 2>"$work/master.log" &
master=$!
for _ in $(seq 100); do [ -e "$work/connection.json" ] && break; sleep 0.1; done
for w in 1 2; do
  "$minimr" worker --connection-file "$work/connection.json" --work-dir "$work" \
    --name "worker $w" 2>"$work/worker-$w.log" &
done

"$minimr" submit --connection-file "$work/connection.json" "$(job file reference)" >/dev/null
start=$(date +%s.%N)
"$minimr" submit --connection-file "$work/connection.json" "$(job "$split" many)" >/dev/null
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$master/status")

if cmp -s <(cat "$work"/reference/part-r-*) <(cat "$work"/many/part-r-*); then
  same="the exact counts (equal to one map task's)"
else
  same="COUNTS DIFFER from one map task's"
fi
python3 - "$work/many/job.json" "$same" "$peak" "$(echo "$end - $start" | bc)" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))
t = job["timings"]
m = job["tasks"]["map"]
print(f"{m['tasks']} map tasks: {sys.argv[2]}; job {t['seconds']:.2f} s (map phase "
      f"{t['map_seconds']:.2f} s, reduce {t['reduce_seconds']:.2f} s), submit {float(sys.argv[4]):.2f} s "
      f"wall; master peak RSS {int(sys.argv[3]) / 1024:.1f} MiB; job.json {len(open(sys.argv[1]).read())} bytes")
PY
kill -TERM "$master"
wait
