#!/usr/bin/env bash
# Builds the fuzz preset (clang 14, libFuzzer, ASan + UBSan; ./setup.sh fuzz) and runs each fuzz
# target for a bounded time, one after the other, starting from its committed seeds. Fails if any
# target finds anything (a crash, a sanitizer report, a broken promise, a leak, a time-out or
# running out of memory); the input that did it is kept under build-fuzz/tests/fuzz/findings/.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]   SECONDS per target (default 20), all targets by default
#   FUZZ_ARGS="-runs=1000000" tests/fuzz/run.sh 3600 messages   more libFuzzer flags
# What the targets find on top of their seeds goes to build-fuzz/tests/fuzz/work/<target>/ and is
# used again by the next run; it is never committed by itself. To keep a finding as a regression
# test, copy its input into tests/fuzz/corpus/<target>/ (the normal build runs those files).
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=(handshake messages frame job_config elf_symbols)
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: tests/fuzz/run.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

./setup.sh fuzz || exit 1

bin=build-fuzz/tests/fuzz
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
summary=()
for target in "${targets[@]}"; do
  if [ ! -x "$bin/fuzz_$target" ]; then
    echo "run.sh: no fuzz target '$target' in $bin" >&2
    exit 2
  fi
  flags=()
  asan_options=${ASAN_OPTIONS:-}
  case $target in
    # The YAML reader recurses: every new depth is a new allocation stack, which AddressSanitizer
    # keeps for good (10 KB an execution, 2 GB within a million). Five frames of allocation
    # stack stop that; where a finding crashes is still reported in full.
    job_config)
      flags=(-dict=tests/fuzz/job_config.dict -max_len=8192)
      asan_options="malloc_context_size=5:quarantine_size_mb=64${asan_options:+:$asan_options}"
      ;;
  esac
  work=$bin/work/$target
  findings=$bin/findings/$target
  log=$bin/logs/$target.log
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  echo "run.sh: fuzzing $target for $seconds s"
  # The outer time-out is a last resort: after an out-of-memory report, AddressSanitizer's memory
  # profile of a large heap can take many minutes.
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  ASAN_OPTIONS=$asan_options timeout -k 30 $((seconds + 300)) "$bin/fuzz_$target" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "${flags[@]}" ${FUZZ_ARGS:-} \
    "$work" "tests/fuzz/corpus/$target" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
  time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  summary+=("$(printf '%-12s %10s runs %6s s %8s exec/s  corpus %s' "$target" "${runs:-?}" \
    "${time:-?}" "${speed:-?}" "${corpus:-?}")")
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    grep -E -A30 "ERROR: |runtime error|finding:|==[0-9]+==|Test unit written" "$log" | head -60 >&2
    echo "run.sh: $target FOUND SOMETHING (exit $status); full log: $log" >&2
    echo "run.sh: reproduce with $bin/fuzz_$target $findings/<file>" >&2
  fi
done

echo "run.sh: executions per target"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "run.sh: FAILED: findings in ${failed[*]} (inputs in $bin/findings/)" >&2
  exit 1
fi
echo "run.sh: no findings"
