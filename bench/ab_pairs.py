#!/usr/bin/env python3
"""Two minimr builds on the pi study, paired: `A run configs/pi-two-digit.yaml ARGS` and the same
with B, one after the other (the order alternating), PAIRS times after a warm-up run of each.
Prints both medians and the median of the paired differences (B - A), and in how many pairs B was
faster. On a machine whose speed drifts from minute to minute, a pair sees the same minute;
medians of separate runs do not.

usage: bench/ab_pairs.py A_MINIMR B_MINIMR PAIRS [ARGS...]    (ARGS default: --no-report)
  e.g. bench/ab_pairs.py /tmp/before/bin/minimr build/bin/minimr 41
       bench/ab_pairs.py /tmp/before/bin/minimr build/bin/minimr 31 -D output.plots=svg

A build's minimr must stay beside its lib/ (copy bin/ and lib/ of a build tree together). Both
write the job file's output.dir in turn; the input is the study's (generated on first use), in the
page cache as it is: bench/run first makes that the same for each of its runs, so compare this
script's pairs with each other, not its medians with bench/run's. Exit status: 0, 1 if a run
failed (its stderr is shown), 2 for wrong arguments.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOB = "configs/pi-two-digit.yaml"


def fail(message, status=2):
    print(f"bench/ab_pairs.py: {message}", file=sys.stderr)
    sys.exit(status)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0)
    if len(sys.argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    builds = [os.path.abspath(b) for b in sys.argv[1:3]]
    for b in builds:
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            fail(f"{b}: not an executable minimr")
    try:
        pairs = int(sys.argv[3])
    except ValueError:
        fail(f"PAIRS must be a whole number, not '{sys.argv[3]}'")
    if pairs < 1:
        fail(f"PAIRS must be at least 1, not {pairs}")
    args = sys.argv[4:] or ["--no-report"]

    def run(binary):
        start = time.perf_counter()
        done = subprocess.run([binary, "run", JOB, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            fail(f"{binary} run {JOB} {' '.join(args)} exited with {done.returncode}:\n"
                 f"{done.stderr}", status=1)
        return seconds

    for b in builds:
        run(b)  # warm-up: the input generated if missing, the page cache and the output in place
    a, b = [], []
    for i in range(pairs):
        if i % 2:
            b.append(run(builds[1]))
            a.append(run(builds[0]))
        else:
            a.append(run(builds[0]))
            b.append(run(builds[1]))
    differences = [y - x for x, y in zip(a, b)]
    print(f"A {builds[0]}: median {statistics.median(a) * 1000:.1f} ms")
    print(f"B {builds[1]}: median {statistics.median(b) * 1000:.1f} ms")
    print(f"B - A, median of {pairs} pairs: {statistics.median(differences) * 1000:+.1f} ms; "
          f"B faster in {sum(d < 0 for d in differences)} of {pairs}")


if __name__ == "__main__":
    main()
