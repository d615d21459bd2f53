#!/usr/bin/env bash
# A job author's path, from an installed minimr only: `cmake --install` into a fresh prefix;
# examples/custom-job copied out of the tree, configured against that prefix alone, built, and
# its own in-process test run; its plugin run by the installed `minimr run` with 2 workers; the
# output compared with a plain awk count over the same files.
#   tests/package/custom_job_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "${1:?usage: custom_job_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
source_dir=$(cd "${2:?usage: custom_job_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
work=$(mktemp -d /tmp/minimr-custom-job-XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
cp -r "$source_dir/examples/custom-job" "$work/src"
cd "$work/src"
# Only the prefix: no package registry, no system minimr, nothing from the source tree.
cmake -S . -B build -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
grep -q "$work/prefix/lib/cmake/minimr" build/CMakeCache.txt ||
  { echo "custom_job_test: minimr was not found in the fresh prefix"; exit 1; }
cmake --build build >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
ctest --test-dir build --output-on-failure >"$work/ctest.log" || { cat "$work/ctest.log"; exit 1; }

"$work/prefix/bin/minimr" run wordlengths.yaml -D cluster.workers=2 -D output.dir=out/lengths \
  >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
grep -q "2 workers" "$work/run.log" || { cat "$work/run.log"; exit 1; }

LC_ALL=C awk '{ gsub(/[^A-Za-z]+/, " "); for (i = 1; i <= NF; i++) n[length($i)]++ }
              END { for (l in n) print l "\t" n[l] }' /usr/share/common-licenses/* |
  sort -n >"$work/expected"
cat out/lengths/part-r-* | sort -n >"$work/actual"
if ! cmp -s "$work/expected" "$work/actual"; then
  echo "custom_job_test: the plugin's counts differ from awk's"
  diff "$work/expected" "$work/actual" | head -20
  exit 1
fi
echo "custom_job_test: passed ($(wc -l <"$work/actual") word lengths)"
