#!/usr/bin/env bash
# The .deb on a Debian machine that has never built minimr: a fresh bookworm made by debootstrap
# (minbase) in a chroot, `apt-get install ./minimr_*.deb` there (Debian's repository supplies the
# dependencies the package declares), then the installed minimr runs the pi study from the
# configs it installed. Needs root and Debian's repository.
#   tests/package/deb_test.sh BUILD_DIR [CONFIG]   CONFIG: an installed config (pi-10k.yaml)
set -euo pipefail
build=$(cd "${1:?usage: deb_test.sh BUILD_DIR [CONFIG]}" && pwd)
config=${2:-pi-10k.yaml}
mirror=${MINIMR_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if ! command -v debootstrap >/dev/null; then
  echo "deb_test: installing debootstrap"
  apt-get install -y -qq debootstrap >/dev/null
fi

echo "deb_test: cpack -G DEB in $build"
rm -f "$build"/minimr_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/minimr_*.deb)

root=$(mktemp -d /var/tmp/minimr-fresh-debian-XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  umount "$root/dev" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

echo "deb_test: debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -20 "$root.log"; exit 1; }
rm -f "$root.log"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"

cp "$deb" "$root/tmp/"
echo "deb_test: apt-get install ./$(basename "$deb") in the fresh system"
chroot "$root" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends /tmp/$(basename "$deb")" >"$root/tmp/apt.log" 2>&1 ||
  { tail -30 "$root/tmp/apt.log"; exit 1; }
echo "deb_test: the installed minimr runs the pi study ($config)"
chroot "$root" sh -c "cd /root && minimr run /usr/share/minimr/configs/$config" | tee "$root/tmp/run.log"
grep -q "^Job pidigits done" "$root/tmp/run.log"
# The installed minimr's result equals the one this build gives on the same config.
expected=$(mktemp -d)
(cd "$expected" && "$build/minimr" run "$build/../configs/$config" >/dev/null)
for part in "$expected"/out/*/part-r-*; do
  name=${part#"$expected"/}
  cmp "$part" "$root/root/$name" || { echo "deb_test: $name differs"; rm -rf "$expected"; exit 1; }
done
rm -rf "$expected"
echo "deb_test: passed"
