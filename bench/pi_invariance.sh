#!/usr/bin/env bash
# At full size: the two-digit counts of the 150M-digit study sum to 149,999,999 and are the
# same for every split size and worker count. Run from the top of the tree after the study has
# generated data/pi (./setup.sh && build/minimr run configs/pi-two-digit.yaml).
#   bench/pi_invariance.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
reference=""
for split in 64KiB 1MiB 8MiB file; do
  for workers in 1 2 3; do
    dir="$out/$split-$workers"
    build/minimr run configs/pi-two-digit.yaml -D output.dir="$dir" \
      -D input.split_size="$split" -D cluster.workers="$workers" >"$out/log" 2>&1 ||
      { cat "$out/log"; exit 1; }
    sort "$dir"/part-r-* >"$dir/all"
    sum=$(awk '{s += $2} END {print s}' "$dir/all")
    tasks=$(grep -o '[0-9]* map tasks' "$out/log")
    seconds=$(grep -o 'done in [0-9.]* s' "$out/log")
    if [ -z "$reference" ]; then reference="$dir/all"; fi
    if cmp -s "$reference" "$dir/all"; then same=identical; else same=DIFFERENT; fi
    echo "split $split, $workers workers: $tasks, $seconds, sum $sum, $same"
  done
done
