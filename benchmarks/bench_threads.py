"""Thread scaling: the neighbour search on 1 and 2 threads, against a matrix product.

A fit's parallel part is the neighbour search of each mining round: its
spatial blocks are searched on the threads the caller allows BLAS
(``sk_contrastive._threadpool.spare_threads``). This measures, in one run
and interleaved (machines here are never quiet), the median time of

- the neighbour search of one round, on hard data (3 clusters per class in 8
  mixed dimensions, 56 noise features, 10 classes, float32), in a
  16-dimensional start, with 1 and 2 threads;
- a float32 matrix product of the same order of work, with BLAS on 1 and 2
  threads (threadpoolctl);
- one whole default fit (``n_components=16``) on 1 thread, and the share of
  its time spent in the neighbour search;

and prints each speed-up, the neighbour search's against the product's (the
target of issue 26: at least 0.8), and a projection of the fit's speed-up on
16 cores by Amdahl's law from the measured parallel share, labelled as a
projection.

Usage: python benchmarks/bench_threads.py [--quick] [--repeats N] [--n-samples N]
"""

import argparse
import time

import numpy as np
from _datasets import hard_data
from _results import write_json
from threadpoolctl import threadpool_limits

from sk_contrastive import ContrastiveEmbedding, _pairs
from sk_contrastive._blocks import spatial_blocks
from sk_contrastive._threadpool import blas_single_threaded


def _median_seconds(run, repeats):
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def measure(n_samples, repeats):
    X, y = hard_data(n_samples)
    start = X[:, :16] @ np.random.default_rng(1).normal(size=(16, 16)).astype(np.float32)
    blocks = spatial_blocks(start, 2048, random_state=0)
    A = np.random.default_rng(2).normal(size=(1500, 1500)).astype(np.float32)
    real_spare_threads = _pairs.spare_threads

    def mining(n_threads):
        _pairs.spare_threads = lambda: n_threads
        try:
            with blas_single_threaded():
                _pairs._nearest_rows(start, y, 5, 10, blocks)
        finally:
            _pairs.spare_threads = real_spare_threads

    def product(n_threads):
        with threadpool_limits(n_threads, user_api="blas"):
            A @ A

    seconds = {f"{name} {n} thread(s)": [] for name in ("mining", "product") for n in (1, 2)}
    for _ in range(repeats):  # interleaved, so that a busy spell touches all
        for n_threads in (1, 2):
            seconds[f"mining {n_threads} thread(s)"].append(
                _median_seconds(lambda: mining(n_threads), 1))
            seconds[f"product {n_threads} thread(s)"].append(
                _median_seconds(lambda: product(n_threads), 3))
    medians = {name: float(np.median(found)) for name, found in seconds.items()}
    mining_speedup = medians["mining 1 thread(s)"] / medians["mining 2 thread(s)"]
    product_speedup = medians["product 1 thread(s)"] / medians["product 2 thread(s)"]

    with threadpool_limits(1, user_api="blas"):  # the fit and its search on one thread
        fit_start = time.perf_counter()
        ContrastiveEmbedding(n_components=16, architecture="linear", random_state=0).fit(X, y)
        fit_seconds = time.perf_counter() - fit_start
    n_rounds = 3  # the default mining rounds, each one search
    parallel_share = min(1.0, n_rounds * medians["mining 1 thread(s)"] / fit_seconds)
    efficiency = mining_speedup / 2
    projected = 1 / ((1 - parallel_share) + parallel_share / (16 * efficiency))
    return {
        "n_samples": n_samples,
        "median_seconds": medians,
        "mining_speedup_2_threads": mining_speedup,
        "product_speedup_2_threads": product_speedup,
        "mining_against_product": mining_speedup / product_speedup,
        "fit_seconds_1_thread": fit_seconds,
        "parallel_share_of_fit": parallel_share,
        "projected_fit_speedup_16_cores": projected,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 samples, 2 repeats")
    parser.add_argument("--repeats", type=int, default=None, help="default 7")
    parser.add_argument("--n-samples", type=int, default=None, help="default 200,000")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    n_samples = args.n_samples or (20_000 if args.quick else 200_000)
    result = measure(n_samples, args.repeats or (2 if args.quick else 7))
    for name, seconds in result["median_seconds"].items():
        print(f"{name:<22} {seconds:8.3f} s")
    print(f"2 threads against 1: neighbour search x{result['mining_speedup_2_threads']:.2f}, "
          f"matrix product x{result['product_speedup_2_threads']:.2f}, "
          f"ratio {result['mining_against_product']:.2f} (target >= 0.8)")
    print(f"one-thread fit {result['fit_seconds_1_thread']:.1f} s, neighbour search "
          f"{100 * result['parallel_share_of_fit']:.0f} % of it; projection (Amdahl, not "
          f"measured) for 16 cores: x{result['projected_fit_speedup_16_cores']:.2f}")
    write_json(args.output, "threads", args.quick, result)


if __name__ == "__main__":
    main()
