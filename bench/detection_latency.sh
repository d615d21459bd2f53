#!/usr/bin/env bash
# How soon the master notices a lost worker: one killed (SIGKILL: its connection drops) and one
# frozen (SIGSTOP: it falls silent), timed from the signal to the master's log line.
#   bench/detection_latency.sh [HEARTBEAT [TIMEOUT]]      defaults: 1s 10s (minimr's defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
minimr=build/minimr
heartbeat=${1:-1s}
timeout=${2:-10s}
dir=$(mktemp -d)
trap 'kill -KILL $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done; }
now() { date +%s.%N; }

"$minimr" master --connection-file "$dir/c.json" --heartbeat "$heartbeat" \
  --worker-timeout "$timeout" 2> >(stamp > "$dir/master.log") &
master=$!
while [ ! -f "$dir/c.json" ]; do sleep 0.01; done
"$minimr" worker --connection-file "$dir/c.json" --work-dir "$dir" 2>/dev/null &
killed=$!
"$minimr" worker --connection-file "$dir/c.json" --work-dir "$dir" 2>/dev/null &
frozen=$!
sleep 1
t_kill=$(now); kill -KILL "$killed"
sleep 0.5
t_stop=$(now); kill -STOP "$frozen"
seconds=${timeout%s}; seconds=${seconds%ms}
for _ in $(seq 1 $((seconds + 5))); do
  grep -q "has been silent" "$dir/master.log" && break
  sleep 1
done
lost=$(grep -m1 "lost worker" "$dir/master.log" | cut -d' ' -f1)
silent=$(grep -m1 "has been silent" "$dir/master.log" | cut -d' ' -f1)
printf 'heartbeat %s, worker timeout %s\n' "$heartbeat" "$timeout"
printf '  killed worker (SIGKILL) noticed after  %.3f s\n' "$(echo "$lost - $t_kill" | bc)"
printf '  frozen worker (SIGSTOP) declared dead after %.3f s\n' "$(echo "$silent - $t_stop" | bc)"
kill -KILL "$frozen" 2>/dev/null || true
kill -TERM "$master"
wait "$master" 2>/dev/null || true
