#!/usr/bin/env bash
# Sets minimr up on a Debian machine: installs the Debian packages it needs (only those missing;
# silent when all are there), then configures and builds it with a CMake preset.
#   ./setup.sh            the optimized build, in build/
#   ./setup.sh sanitize   AddressSanitizer + UndefinedBehaviorSanitizer, in build-sanitize/
#   ./setup.sh fuzz       the libFuzzer targets (clang 14, ASan + UBSan), in build-fuzz/
#   ./setup.sh bench      the optimized build, and the peers bench/run compares minimr with
#                         (IPython-parallel, numpy, Dask: Debian's, for /usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")"
preset=${1:-release}

packages=(
  g++ cmake make ccache
  libboost-dev libboost-serialization-dev libboost-program-options-dev
  libboost-iostreams-dev libboost-filesystem-dev libboost-system-dev
  libyaml-cpp-dev libssl-dev nettle-dev nlohmann-json3-dev libgmp-dev zlib1g-dev
  libgnuplot-iostream-dev gnuplot-nox
  libgtest-dev libbenchmark-dev
  dpkg-dev file
)
if [ "$preset" = fuzz ]; then
  # clang, its libFuzzer and sanitizer runtimes, and llvm-symbolizer for readable findings.
  packages+=(clang-14 libclang-rt-14-dev llvm-14)
fi
if [ "$preset" = bench ]; then
  preset=release
  packages+=(python3-ipyparallel python3-numpy python3-dask python3-distributed)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cmake --preset "$preset" >"$log" 2>&1; then
  cat "$log"
  exit 1
fi
if ! cmake --build --preset "$preset" -j "$(nproc)" >"$log" 2>&1; then
  grep -E -B2 -A6 "error:|Error [0-9]" "$log" | head -80
  echo "setup: the build failed; the full log: cmake --build --preset $preset"
  exit 1
fi
echo "setup: minimr is built ($preset preset)."
