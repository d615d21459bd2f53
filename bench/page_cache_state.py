#!/usr/bin/python3
"""What the page cache's state does to the pi study: the input dropped from the page cache and
read back in one of two ways (16 MiB reads, as bench/run's warm-up once did; 128 KiB reads, as
it does now), then the plain two-thread loop and `minimr run configs/pi-two-digit.yaml
--no-report` (its output in a directory of its own) interleaved, five runs each; ROUNDS times
over (default 4), the two ways in turn. Prints the medians and the ratio. Needs ./setup.sh bench
and the pi study's input (data/pi, made by its first run)."""
import glob
import os
import statistics
import subprocess
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sorted(glob.glob(os.path.join(ROOT, "data/pi/pi150m.ascii.*")))
LOOP = [os.path.join(ROOT, "build/bench/plain_pair_count"), "2", *FILES]
MINIMR = [os.path.join(ROOT, "build/minimr"), "run", "configs/pi-two-digit.yaml", "--no-report"]
WAYS = {"read back in 16 MiB reads": 1 << 24, "read back in 128 KiB reads": 1 << 17}


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
    if rounds < 1:
        sys.exit("page_cache_state.py: ROUNDS must be at least 1")
    out = tempfile.mkdtemp(prefix="minimr-page-cache-")
    minimr_argv = MINIMR + ["-D", "output.dir=" + os.path.join(out, "pi")]
    times = {(way, what): [] for way in WAYS for what in ("loop", "minimr")}
    try:
        for round_number in range(rounds):
            ways = list(WAYS.items())
            for way, chunk in ways if round_number % 2 == 0 else reversed(ways):
                read_back(chunk)
                seconds(minimr_argv)  # not counted: the first run after the drop
                for _ in range(5):
                    times[(way, "loop")].append(seconds(LOOP))
                    times[(way, "minimr")].append(seconds(minimr_argv))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    for way in WAYS:
        loop = statistics.median(times[(way, "loop")])
        minimr = statistics.median(times[(way, "minimr")])
        print(f"{way}: loop {loop:.4f} s, minimr --no-report {minimr:.4f} s, "
              f"{minimr / loop:.3f}x the loop ({len(times[(way, 'loop')])} runs each)")


if __name__ == "__main__":
    main()
