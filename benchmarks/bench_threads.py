"""Thread scaling: a default fit and its parallel parts on 1 and 2 threads, against a matrix product.

A fit runs its own work on the threads the caller allows BLAS
(``sk_contrastive._threadpool.spare_threads``; ``threadpool_limits`` sets
it): the neighbour search of each mining round (spatial blocks), the pair
pass of each evaluation (segments of the pairs, ``_loss._Segments``) and the
products of the linear map (chunks of rows, ``_products``). This measures,
in one run and interleaved (machines here are never quiet), the median time
of

- one whole default fit (``n_components=16``) on hard data (3 clusters per
  class in 8 mixed dimensions, 56 noise features, 10 classes, float32), with
  1 and 2 threads;
- the neighbour search of one round in a 16-dimensional start, and one pair
  pass over a default fit's pairs (17 a sample, taken block by block), with
  1 and 2 threads;
- a float32 matrix product of the same order of work, with BLAS on 1 and 2
  threads (threadpoolctl);

and prints each speed-up against the product's (the target of issue 26: at
least 0.8), and a projection of the fit's speed-up on 16 cores by Amdahl's
law from the parallel share the two fit times imply, labelled as a
projection.

Usage: python benchmarks/bench_threads.py [--quick] [--repeats N] [--n-samples N]
"""

import argparse
import time

import numpy as np
from _datasets import hard_data
from _results import write_json
from threadpoolctl import threadpool_limits

from sk_contrastive import ContrastiveEmbedding, _loss, _pairs, _threadpool
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
    order = np.concatenate(spatial_blocks(start, 2048, random_state=0))
    start, y_start = np.ascontiguousarray(start[order]), y[order]
    blocks = [np.arange(a, min(a + 2048, n_samples)) for a in range(0, n_samples, 2048)]
    pairs = _pairs.pairs_from_labels(start, y_start, n_positives=5, n_negatives=10,
                                     n_random_negatives=2, blocks=blocks, random_state=0)
    loss = _loss.ContrastiveLoss(pairs, n_samples)
    A = np.random.default_rng(2).normal(size=(1500, 1500)).astype(np.float32)

    def on_threads(n_threads, work):
        real = _threadpool.spare_threads
        _threadpool.spare_threads = lambda: n_threads
        try:
            with blas_single_threaded():
                work()
        finally:
            _threadpool.spare_threads = real

    def mining(n_threads):
        on_threads(n_threads, lambda: _pairs._nearest_rows(start, y_start, 5, 10, blocks))

    def pair_pass(n_threads):
        on_threads(n_threads, lambda: loss(start))

    def product(n_threads):
        with threadpool_limits(n_threads, user_api="blas"):
            A @ A

    def fit(n_threads):
        with threadpool_limits(n_threads, user_api="blas"):
            ContrastiveEmbedding(n_components=16, random_state=0).fit(X, y)

    parts = {"fit": (fit, 1), "mining": (mining, 1), "pair pass": (pair_pass, 3),
             "product": (product, 3)}
    seconds = {f"{name} {n} thread(s)": [] for name in parts for n in (1, 2)}
    for _ in range(repeats):  # interleaved, so that a busy spell touches all
        for name, (work, inner) in parts.items():
            for n_threads in (1, 2):
                seconds[f"{name} {n_threads} thread(s)"].append(
                    _median_seconds(lambda: work(n_threads), inner))
    medians = {name: float(np.median(found)) for name, found in seconds.items()}
    speedup = {name: medians[f"{name} 1 thread(s)"] / medians[f"{name} 2 thread(s)"]
               for name in parts}
    # Amdahl: t(2) = t(1) * (serial + parallel / 2)
    parallel_share = min(1.0, max(0.0, 2 * (1 - 1 / speedup["fit"])))
    projected = 1 / ((1 - parallel_share) + parallel_share / 16)
    return {
        "n_samples": n_samples,
        "n_pairs": pairs.n_pairs,
        "pair_segments": loss._segments.n_segments,
        "median_seconds": medians,
        "speedup_2_threads": speedup,
        "against_product": {name: speedup[name] / speedup["product"]
                            for name in parts if name != "product"},
        "parallel_share_of_fit": parallel_share,
        "projected_fit_speedup_16_cores": projected,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 samples, 2 repeats")
    parser.add_argument("--repeats", type=int, default=None, help="default 5")
    parser.add_argument("--n-samples", type=int, default=None, help="default 200,000")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    n_samples = args.n_samples or (20_000 if args.quick else 200_000)
    result = measure(n_samples, args.repeats or (2 if args.quick else 5))
    for name, seconds in result["median_seconds"].items():
        print(f"{name:<22} {seconds:8.3f} s")
    for name, ratio in result["against_product"].items():
        print(f"2 threads against 1: {name} x{result['speedup_2_threads'][name]:.2f}, "
              f"against the matrix product's x{result['speedup_2_threads']['product']:.2f}: "
              f"{ratio:.2f} (target >= 0.8)")
    print(f"parallel share of the fit (from its two times) "
          f"{100 * result['parallel_share_of_fit']:.0f} %; projection (Amdahl, not "
          f"measured) for 16 cores: x{result['projected_fit_speedup_16_cores']:.2f}")
    write_json(args.output, "threads", args.quick, result)


if __name__ == "__main__":
    main()
