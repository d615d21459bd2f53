#!/usr/bin/python3
"""What the page cache's state does to the pi study: the input dropped from the page cache and
read back in one of two ways (16 MiB reads, as bench/run's warm-up once did; 128 KiB reads, as
cat does), then the plain two-thread loop and `minimr run configs/pi-two-digit.yaml --no-report`
interleaved, five runs each, ROUNDS times over (default 4). Prints the medians and the ratio.
Run from the top of the tree, after ./setup.sh bench and one run of the pi study."""
import glob
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sorted(glob.glob(os.path.join(ROOT, "data/pi/pi150m.ascii.*")))
LOOP = [os.path.join(ROOT, "build/bench/plain_pair_count"), "2", *FILES]
MINIMR = [os.path.join(ROOT, "build/minimr"), "run", "configs/pi-two-digit.yaml", "--no-report"]
WAYS = {"read back in 16 MiB reads": 1 << 24, "read back as cat does (128 KiB reads)": 1 << 17}


def read_back(chunk):
    for path in FILES:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            while os.read(fd, chunk):
                pass
        finally:
            os.close(fd)


def seconds(argv):
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    if len(FILES) != 15:
        sys.exit("page_cache_state.py: expected the 15 files of data/pi; run the pi study first")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    times = {(way, what): [] for way in WAYS for what in ("loop", "minimr")}
    for _ in range(rounds):
        for way, chunk in WAYS.items():
            read_back(chunk)
            seconds(MINIMR)  # not counted: the first run after the drop
            for _ in range(5):
                times[(way, "loop")].append(seconds(LOOP))
                times[(way, "minimr")].append(seconds(MINIMR))
    for way in WAYS:
        loop = statistics.median(times[(way, "loop")])
        minimr = statistics.median(times[(way, "minimr")])
        print(f"{way}: loop {loop:.4f} s, minimr --no-report {minimr:.4f} s, "
              f"{minimr / loop:.3f}x the loop ({len(times[(way, 'loop')])} runs each)")


if __name__ == "__main__":
    main()
