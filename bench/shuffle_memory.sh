#!/usr/bin/env bash
# Peak memory of workers under a bounded shuffle: a word count over FILES files of FILE_MB MB
# each (a vocabulary of 20M words: most map output survives the combiner) with one reduce task,
# on a standing cluster of a master and 2 workers, with map.sort_buffer and
# reduce.shuffle_buffer both BUDGET_MIB MiB. Three jobs: over 1 MB (the constant: the binary, its
# libraries, threads and connections); the big input with one map task per file (the map side:
# each map task reads FILE_MB MB); and the big input in 4 MiB splits (the reduce side: one reduce
# task merges the segments of FILES x FILE_MB / 4 map tasks). Prints each worker's idle VmRSS
# and its VmHWM (peak resident set, from /proc/PID/status) after the job, and the job's counters.
#   [SCENARIOS="small map-side reduce-side"] bench/shuffle_memory.sh [BUDGET_MIB] [FILE_MB] [FILES] [MERGE_FACTOR]
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-16}
file_mb=${2:-160}
files=${3:-3}
factor=${4:-16}
minimr=$PWD/build/minimr
work=$(mktemp -d /tmp/minimr-shuffle-memory-XXXXXX)
trap '(jobs -p | xargs -r kill) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/big" "$work/small"
build/bench/word_corpus "$work/big" $((file_mb * 1000000 * files)) "$files" 20000000 1
build/bench/word_corpus "$work/small" 1000000 1 20000000 1

# One cluster per run, so that each worker's peak belongs to one job.
run() {  # name input split_size
  local name=$1 input=$2 split=$3 c=$work/cluster-$1
  mkdir -p "$c"
  $minimr master --connection-file "$c/connection.json" 2>"$c/master.log" &
  local master=$!
  while [ ! -e "$c/connection.json" ]; do sleep 0.05; done
  local pids=()
  for w in 1 2; do
    $minimr worker --connection-file "$c/connection.json" --work-dir "$c" 2>>"$c/workers.log" &
    pids+=($!)
  done
  sleep 1
  local idle=()
  for p in "${pids[@]}"; do idle+=("$(awk '/VmRSS/ {print $2}' /proc/$p/status)"); done
  cat > "$c/job.yaml" <<YAML
job: wordcount
input: {paths: $input/*, split_size: $split}
map: {sort_buffer: ${budget}MiB}
reduce: {tasks: 1, shuffle_buffer: ${budget}MiB}
shuffle: {merge_factor: $factor}
output: {dir: $c/out}
YAML
  local start=$(date +%s.%N)
  $minimr submit --connection-file "$c/connection.json" "$c/job.yaml" >"$c/submit.log" 2>&1
  local end=$(date +%s.%N)
  local i=0
  for p in "${pids[@]}"; do
    i=$((i + 1))
    local hwm=$(awk '/VmHWM/ {print $2}' /proc/$p/status)
    printf '%-12s worker %d: idle VmRSS %6.1f MiB, VmHWM after the job %6.1f MiB (budget %d MiB)\n' \
      "$name" "$i" "$(echo "${idle[$((i - 1))]} / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)" "$budget"
  done
  python3 - "$c/out/job.json" "$start" "$end" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
keys = ["map.input.bytes", "map.output.bytes", "map.spills", "map.merge.passes",
        "reduce.shuffle.bytes", "reduce.spills", "reduce.spilled_segments", "reduce.merge.passes"]
print("   " + ", ".join(f"{k} {c.get(k, 0)}" for k in keys))
print(f"   job time {float(sys.argv[3]) - float(sys.argv[2]):.1f} s")
PY
  kill "${pids[@]}" "$master" 2>/dev/null || true
  wait "${pids[@]}" "$master" 2>/dev/null || true
}

echo "files: $files x $file_mb MB, budgets: map.sort_buffer = reduce.shuffle_buffer = $budget MiB, merge factor $factor"
for scenario in ${SCENARIOS:-small map-side reduce-side}; do
  case $scenario in
    small) run small "$work/small" file ;;
    map-side) run map-side "$work/big" file ;;
    reduce-side) run reduce-side "$work/big" 4MiB ;;
  esac
done
