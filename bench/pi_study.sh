#!/usr/bin/env bash
# The pi study's figures at full size: generation time, the main command's wall time with 2
# workers, digits per second per worker, and the plain-loop program on 2 threads for
# comparison. Run from the top of the tree after ./setup.sh.
#   bench/pi_study.sh [--regenerate] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
regenerate=no
if [ "${1:-}" = "--regenerate" ]; then regenerate=yes; shift; fi
runs=${1:-5}
minimr=build/minimr
files=(data/pi/pi150m.ascii.*)

if [ "$regenerate" = yes ] || [ ! -e "${files[0]}" ]; then
  rm -rf data/pi
  start=$(date +%s.%N)
  $minimr pi generate --digits 150000000 --files 15 --out data/pi >/dev/null
  end=$(date +%s.%N)
  echo "generation: 150,000,000 digits in 15 files: $(printf "%.2f" "$(echo "$end - $start" | bc)") s" \
       "($minimr pi generate --digits 150000000 --files 15 --out data/pi)"
  files=(data/pi/pi150m.ascii.*)
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  $minimr run configs/pi-two-digit.yaml -D output.dir="$out/run" >/dev/null
  end=$(date +%s.%N)
  echo "minimr run configs/pi-two-digit.yaml (2 workers, with report, SVG plots): $(printf "%.2f" "$(echo "$end - $start" | bc)") s"
done
python3 - "$out/run/job.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))
t = job["timings"]
print(f"job (master's view): {t['seconds']:.3f} s, map phase {t['map_seconds']:.3f} s, "
      f"reduce phase {t['reduce_seconds']:.3f} s")
m = job["tasks"]["map"]
digits = job["counters"]["pidigits.digits"]
print(f"map tasks: {m['tasks']} ({m['attempts']} attempts), each {m['seconds']['p50']:.3f} s "
      f"(median), {m['seconds']['max']:.3f} s at most; {digits / 1e6:.0f} M digits in "
      f"{t['map_seconds']:.3f} s of map phase: {digits / t['map_seconds'] / 1e6:.0f} M digits/s")
PY
for i in $(seq "$runs"); do build/bench/plain_pair_count 2 "${files[@]}"; done
