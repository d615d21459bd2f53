#!/usr/bin/env bash
# Would compressing spills and the shuffle pay? Builds a 16 MB sample of map output as word count
# writes it (word_corpus text, cut into 16 MiB-of-records buffers, each combined and sorted, in
# minimr's record format: varint key length, key, varint value length, value), then measures
# with the zstd and lz4 command-line tools' own benchmark mode (-b: in memory, one thread) their
# ratio and speeds, beside what the same bytes cost uncompressed: a write to the page cache and a
# read back (dd, 1 MiB blocks).
#   bench/shuffle_compression.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/minimr-compression-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
build/bench/word_corpus "$work/corpus" 60000000 1 5000000 3
python3 - "$work/corpus/part0.txt" "$work/sample" <<'PY'
import collections, sys
def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7f) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)
out = open(sys.argv[2], "wb")
written = 0
budget = 16 << 20
with open(sys.argv[1], "rb") as f:
    counts, used = collections.Counter(), 0
    for line in f:
        for word in line.split():
            counts[word] += 1
            used += len(word) + 1 + 24
            if used >= budget:
                for w in sorted(counts):
                    v = str(counts[w]).encode()
                    rec = varint(len(w)) + w + varint(len(v)) + v
                    out.write(rec)
                    written += len(rec)
                counts, used = collections.Counter(), 0
        if written >= 16_000_000:
            break
PY
ls -l "$work/sample" | awk '{print "sample: " $5 " bytes of map output records"}'
uptime
for level in 1 3; do zstd -b$level -i3 "$work/sample" 2>&1 | tr '\r' '\n' | tail -1; done
lz4 -b1 -i3 "$work/sample" 2>&1 | tr '\r' '\n' | tail -1
sync
echo "uncompressed, through the page cache:"
dd if="$work/sample" of="$work/copy" bs=1M 2>&1 | tail -1
dd if="$work/copy" of=/dev/null bs=1M 2>&1 | tail -1
