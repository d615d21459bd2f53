#!/usr/bin/env bash
# What the wire's frame MACs and TLS cost on real jobs: the pi study's pair counts over 1M digits
# (3 files, 2 reduce tasks) and a word count whose map output is nearly its input (72 MB of
# words from a vocabulary of a million, ~59 MB shuffled), each submitted RUNS times to a
# standing cluster of a master and 2 workers: plain TCP, TLS, and, if BASE names another
# minimr binary (say one built before the frame MACs), that one too. Runs are interleaved, so
# that the load of a shared machine falls on all alike. Prints the median wall time of
# `minimr submit` per job and cluster. Run from the top of the tree after ./setup.sh.
#   bench/wire_cost.sh [RUNS] [BASE]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
base=${2:-}
minimr=$PWD/build/minimr
work=$(mktemp -d /tmp/minimr-wire-cost-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

$minimr pi generate --digits 1000000 --files 3 --out "$work/pi" >/dev/null
python3 - "$work/words" <<'PY'
import os, random, string, sys
random.seed(7)
vocabulary = [''.join(random.choice(string.ascii_lowercase) for _ in range(random.randint(4, 9)))
              for _ in range(1_000_000)]
os.makedirs(sys.argv[1])
for f in range(4):
    with open(f'{sys.argv[1]}/part{f}.txt', 'w') as out:
        for _ in range(250_000):
            out.write(' '.join(random.choice(vocabulary) for _ in range(10)) + '\n')
PY
cat > "$work/pi.yaml" <<YAML
job: pidigits
params: {n: 2}
input: {paths: $work/pi/pi*, split_size: file}
reduce: {tasks: 2}
output: {dir: $work/out}
YAML
cat > "$work/wc.yaml" <<YAML
job: wordcount
input: {paths: $work/words/*, split_size: 8MiB}
reduce: {tasks: 2}
output: {dir: $work/out}
YAML

clusters=(plain tls)
[ -n "$base" ] && clusters+=(base)
for c in "${clusters[@]}"; do
  bin=$minimr; flag=""
  [ "$c" = base ] && bin=$base
  [ "$c" = tls ] && flag=--tls
  mkdir -p "$work/$c"
  $bin master --connection-file "$work/$c/connection.json" $flag 2>"$work/$c/master.log" &
  while [ ! -e "$work/$c/connection.json" ]; do sleep 0.05; done
  for w in 1 2; do
    $bin worker --connection-file "$work/$c/connection.json" --work-dir "$work/$c" 2>>"$work/$c/workers.log" &
  done
done
sleep 1
for i in $(seq "$runs"); do
  for job in pi wc; do
    for c in "${clusters[@]}"; do
      bin=$minimr; [ "$c" = base ] && bin=$base
      start=$(date +%s.%N)
      $bin submit --connection-file "$work/$c/connection.json" "$work/$job.yaml" \
        -D output.dir="$work/out-$c-$job-$i" >/dev/null
      end=$(date +%s.%N)
      echo "$job $c $(echo "$end - $start" | bc)" >>"$work/times"
    done
  done
done
for job in pi wc; do
  for c in "${clusters[@]}"; do
    median=$(awk -v j=$job -v c=$c '$1 == j && $2 == c { print $3 }' "$work/times" | sort -n |
             awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    all=$(awk -v j=$job -v c=$c '$1 == j && $2 == c { printf "%.3f ", $3 }' "$work/times")
    printf "%-3s %-6s median %.3f s   (%s)\n" "$job" "$c" "$median" "$all"
  done
  cmp -s <(cat "$work/out-plain-$job-1"/part-*) <(cat "$work/out-tls-$job-1"/part-*) ||
    echo "$job: TLS and plain outputs differ!"
done
