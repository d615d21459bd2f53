#!/usr/bin/env bash
# Word count over a corpus of MB megabytes (word_corpus: 8 files, a vocabulary of 5M words, most
# of them rare) three ways, RUNS times each, interleaved: `minimr run` (2 workers, 4 reduce
# tasks, the default shuffle budgets), the one-thread hash-map loop (wordcount_loop), and
# `LC_ALL=C sort | uniq -c` (sort with 2 threads and 1 GiB). Checks that minimr's counts equal
# the loop's exactly, and prints each run's wall, user and system seconds and peak RSS, then the
# medians of the wall times.
#   bench/wordcount.sh [MB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1024}
runs=${2:-3}
minimr=$PWD/build/minimr
work=$(mktemp -d /tmp/minimr-wordcount-XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/corpus"
build/bench/word_corpus "$work/corpus" $((mb * 1000000)) 8 5000000 3
echo "corpus: $(du -sb "$work/corpus" | cut -f1) bytes in 8 files; $(uptime)"
cat > "$work/wc.yaml" <<YAML
job: wordcount
input: {paths: $work/corpus/*, split_size: 64MiB}
reduce: {tasks: 4}
output: {dir: $work/out, overwrite: true}
cluster: {launcher: local, workers: 2}
YAML

exec 3>&1
timed() {  # label command...: prints "label wall user sys maxrss_kib" and keeps it in times
  local label=$1
  shift
  /usr/bin/time -f "$label %e %U %S %M" -o "$work/time" "$@"
  tee -a "$work/times" < "$work/time" >&3
}

for i in $(seq "$runs"); do
  timed minimr "$minimr" run "$work/wc.yaml" >/dev/null 2>"$work/minimr.log"
  timed loop build/bench/wordcount_loop "$work/loop.tsv" "$work"/corpus/*
  timed sort_uniq sh -c "cat '$work'/corpus/* | tr -s ' ' '\n' | LC_ALL=C sort --parallel=2 -S 1G -T '$work' | uniq -c > '$work/sort.txt'"
done

LC_ALL=C sort "$work/loop.tsv" > "$work/loop.sorted"
cat "$work"/out/part-r-* | LC_ALL=C sort > "$work/minimr.sorted"
if cmp -s "$work/loop.sorted" "$work/minimr.sorted"; then
  echo "exact: minimr's counts equal the loop's ($(wc -l < "$work/loop.sorted") distinct words)"
else
  echo "MISMATCH between minimr's counts and the loop's" >&2
  exit 1
fi
python3 - "$work/out/job.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print("minimr counters: " + ", ".join(f"{k} {c.get(k, 0)}" for k in
      ["map.input.bytes", "map.output.records", "map.output.bytes", "map.spills",
       "map.merge.passes", "reduce.shuffle.bytes", "reduce.spills", "reduce.merge.passes"]))
PY
echo "columns: label wall_s user_s sys_s maxrss_kib"
for label in minimr loop sort_uniq; do
  awk -v l=$label '$1 == l {print $2}' "$work/times" | sort -n |
    awk -v l=$label '{a[NR] = $1} END {print "median wall " l ": " a[int((NR + 1) / 2)] " s"}'
done
uptime
