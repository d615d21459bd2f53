#!/usr/bin/python3
"""The pi study's two-digit counts as the peers compute them, on clusters of this machine.

Run with Debian's python3 (python3-ipyparallel, python3-numpy, python3-dask,
python3-distributed), not a python of one's own:

  pi_peers.py METHOD --runs N [--engines K] FILE...

METHOD is one of
  ipp-seed   the seed's method: IPython's pidigits.py (readlines, a per-character generator,
             a numpy array of 100 counters) over a DirectView's map_sync, summed
  ipp-numpy  the same cluster, vectorised as a numpy user writes it (np.frombuffer, the digit
             bytes, np.bincount(10*a+b))
  dask       the numpy function on a dask.distributed LocalCluster, one thread per worker

The cluster is started once (its start-up is timed apart), the function shipped to it, and
then each run maps one task per file over the cluster and sums the counts. Each run's map
time is what is compared with minimr's job on a running cluster. Prints one JSON object:
{"method", "engines", "startup_seconds", "runs": [seconds...], "runs_one_engine": [...],
 "pairs": pairs counted, "digits": digits read}.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time


# --- the seed's code, as IPython's docs/examples/parallel/pi/pidigits.py has it ---------------
def txt_file_to_digits(filename, the_type=str):
    with open(filename, "r") as f:
        for line in f.readlines():
            for c in line:
                if c != "\n" and c != " ":
                    yield the_type(c)


def two_digit_freqs(digits, normalize=False):
    import numpy as np

    freqs = np.zeros(100, dtype="i4")
    last = next(digits)
    this = next(digits)
    for d in digits:
        index = int(last + this)
        freqs[index] += 1
        last = this
        this = d
    if normalize:
        freqs = freqs / freqs.sum()
    return freqs


def compute_two_digit_freqs(filename):
    d = txt_file_to_digits(filename)
    return two_digit_freqs(d)


# --- what a numpy user writes instead ------------------------------------------------------------
def numpy_two_digit_freqs(filename):
    """Counts of the digit pairs inside one file (as the seed: none across files), and its
    digit count."""
    import numpy as np

    with open(filename, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    digits = raw[(raw >= 48) & (raw <= 57)] - 48
    pairs = 10 * digits[:-1].astype(np.int32) + digits[1:]
    return np.bincount(pairs, minlength=100).astype(np.int64), int(digits.size)


def seed_with_digit_count(filename):
    freqs = compute_two_digit_freqs(filename)
    # The seed drops the file's last pair: its digits are its pairs plus two.
    return freqs.astype("i8"), int(freqs.sum()) + 2


def summed(results):
    import numpy as np

    total = np.zeros(100, dtype=np.int64)
    digits = 0
    for freqs, n in results:
        total += freqs
        digits += n
    return total, digits


def run_ipyparallel(function, files, runs, engines, one_engine_runs):
    import ipyparallel as ipp

    home = tempfile.mkdtemp(prefix="pi-peers-ipython-")
    os.environ["IPYTHONDIR"] = home  # a profile of our own: two runs never meet
    start = time.perf_counter()
    cluster = ipp.Cluster(n=engines, profile="pi_peers", log_level=40)
    client = cluster.start_and_connect_sync()
    client.wait_for_engines(engines, timeout=120)
    view = client[:]
    view.block = True
    # Defined on the engines, as the seed's `v.run('pidigits.py')` does.
    view.push({"txt_file_to_digits": txt_file_to_digits, "two_digit_freqs": two_digit_freqs,
               "compute_two_digit_freqs": compute_two_digit_freqs})
    startup = time.perf_counter() - start
    try:
        times, single = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            total, digits = summed(view.map_sync(function, files))
            times.append(time.perf_counter() - t0)
        for _ in range(one_engine_runs):
            t0 = time.perf_counter()
            client[0].map_sync(function, files)
            single.append(time.perf_counter() - t0)
        return startup, times, single, int(total.sum()), digits
    finally:
        client.close()
        cluster.stop_cluster_sync()
        shutil.rmtree(home, ignore_errors=True)


def run_dask(files, runs, engines, one_engine_runs):
    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=engines, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    client.wait_for_workers(engines)
    startup = time.perf_counter() - start
    try:
        times, single = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            futures = client.map(numpy_two_digit_freqs, files, pure=False)
            total, digits = summed(client.gather(futures))
            times.append(time.perf_counter() - t0)
        first = sorted(client.scheduler_info()["workers"])[0]
        for _ in range(one_engine_runs):
            t0 = time.perf_counter()
            futures = client.map(numpy_two_digit_freqs, files, pure=False, workers=[first])
            client.gather(futures)
            single.append(time.perf_counter() - t0)
        return startup, times, single, int(total.sum()), digits
    finally:
        client.close()
        cluster.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("method", choices=["ipp-seed", "ipp-numpy", "dask"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one-engine-runs", type=int, default=0,
                        help="runs on one engine of the same cluster, for the speed-up")
    parser.add_argument("--engines", type=int, default=2)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    for path in args.files:
        if not os.path.isfile(path):
            sys.exit(f"pi_peers.py: no such file: {path}")
    if args.runs < 1 or args.engines < 1 or args.one_engine_runs < 0:
        sys.exit("pi_peers.py: --runs and --engines must be at least 1")
    if args.method == "dask":
        result = run_dask(args.files, args.runs, args.engines, args.one_engine_runs)
    else:
        function = seed_with_digit_count if args.method == "ipp-seed" else numpy_two_digit_freqs
        result = run_ipyparallel(function, args.files, args.runs, args.engines,
                                 args.one_engine_runs)
    startup, times, single, pairs, digits = result
    print(json.dumps({"method": args.method, "engines": args.engines,
                      "startup_seconds": startup, "runs": times, "runs_one_engine": single,
                      "pairs": pairs, "digits": digits}))


if __name__ == "__main__":
    main()
