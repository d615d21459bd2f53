#!/usr/bin/env bash
# TeraSort beside GNU sort on the same records, in the same run. Run from the top of the tree
# after ./setup.sh:
#   bench/terasort.sh [RECORDS] [SORT_MEMORY]
# RECORDS: how many 100-byte records (default 40000000 = 4 GB). SORT_MEMORY: `sort -S` (default
# 2G). Makes the records with teragen (8 map tasks), sorts them with terasort (2 workers, 4
# reduce tasks, 64 MiB splits), checks them with teravalidate, then sorts the same records,
# concatenated into one file of 100-byte lines (gensort -a's records end in \r\n), with
# `LC_ALL=C sort -S SORT_MEMORY --parallel=2`, and compares the two sorted files byte for byte
# (terasort writes records of equal keys in whole-record byte order, as sort does). Prints each
# wall time and GNU time's "Maximum resident set size" (for minimr run: the largest of it and
# the processes it waited for). Needs about 5 x RECORDS x 100 bytes of disk in
# $TMPDIR (or /tmp); the page cache is warm for both sorts (the input was just written).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-40000000}
memory=${2:-2G}
minimr=build/minimr
work=$(mktemp -d "${TMPDIR:-/tmp}/minimr-terasort.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs a command under GNU time; prints "LABEL: S s wall, R MB peak RSS".
timed() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/log" 2>&1 || {
    cat "$work/log"
    echo "$label failed" >&2
    exit 1
  }
  read -r seconds kb <"$work/time"
  printf "%s: %s s wall, %d MB peak RSS\n" "$label" "$seconds" "$((kb / 1024))"
}

echo "TeraSort of $records records ($((records / 10000)) MB), $(nproc) cores; uptime: $(uptime)"
timed "teragen ($records records, 8 map tasks)" \
  $minimr run configs/teragen.yaml -D params.records="$records" -D params.map_tasks=8 \
  -D reduce.tasks=4 -D output.dir="$work/gen"
timed "minimr terasort (2 workers, 4 reduce tasks)" \
  $minimr run configs/terasort.yaml -D "input.paths='$work/gen/part-r-*'" \
  -D cluster.workers=2 -D reduce.tasks=4 -D output.dir="$work/sorted"
grep -E "^Job terasort done" "$work/log" || true
python3 - "$work/sorted/job.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["timings"]
print(f"terasort job (master's view): {t['seconds']:.2f} s, map phase {t['map_seconds']:.2f} s, "
      f"reduce phase {t['reduce_seconds']:.2f} s")
PY
timed "teravalidate" \
  $minimr run configs/teravalidate.yaml -D "input.paths='$work/sorted/part-r-*'" \
  -D params.generated="$work/gen" -D output.dir="$work/validate"
grep -E "^teravalidate: " "$work/log"

cat "$work"/gen/part-r-* >"$work/input.txt"
rm -rf "$work/gen"
timed "LC_ALL=C sort -S $memory --parallel=2" \
  env LC_ALL=C sort -S "$memory" --parallel=2 -T "$work" -o "$work/gnu-sorted.txt" "$work/input.txt"
if cat "$work"/sorted/part-r-* | cmp -s - "$work/gnu-sorted.txt"; then
  echo "terasort's part files, concatenated, equal GNU sort's output byte for byte"
else
  echo "terasort's part files differ from GNU sort's output" >&2
  exit 1
fi
echo "uptime after: $(uptime)"
