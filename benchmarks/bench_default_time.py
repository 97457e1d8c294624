"""Default fit time against scikit-learn's NCA, on digits, in one run.

Fits ``ContrastiveEmbedding()`` (defaults: the held-out selection of the map,
then the final fit), ``ContrastiveEmbedding(n_components=32)`` and
``NeighborhoodComponentsAnalysis()`` (defaults) on all of digits after a
StandardScaler, in turn, ``--repeats`` times after one warm-up each, and
prints the median fit time of each and its ratio to NCA's. The ratios, not
the seconds, are the figure to quote: the machines this runs on are shared.
Target (issue 23): the default fit takes at most a third of NCA's time.

Usage: python benchmarks/bench_default_time.py [--quick] [--repeats N] [--output DIR]
"""

import argparse
import time

import numpy as np
from _results import write_json
from sklearn.datasets import load_digits
from sklearn.neighbors import NeighborhoodComponentsAnalysis
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

METHODS = {
    "ContrastiveEmbedding()": lambda: ContrastiveEmbedding(random_state=0),
    "ContrastiveEmbedding(n_components=32)": lambda: ContrastiveEmbedding(
        n_components=32, random_state=0),
    "NCA()": lambda: NeighborhoodComponentsAnalysis(random_state=0),
}
REFERENCE = "NCA()"


def measure(repeats):
    """Median fit seconds of each method, the methods interleaved."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    seconds = {name: [] for name in METHODS}
    for repeat in range(repeats + 1):
        for name, make in METHODS.items():
            start = time.perf_counter()
            make().fit(X, y)
            if repeat:  # the first round warms up
                seconds[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(found)) for name, found in seconds.items()}
    return {
        name: {"median_seconds": medians[name],
               "ratio_to_nca": medians[name] / medians[REFERENCE],
               "seconds": seconds[name]}
        for name in METHODS
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats")
    parser.add_argument("--repeats", type=int, default=None, help="default 9")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 9)
    results = measure(repeats)
    print(f"digits (1797 x 64), medians of {repeats} fits")
    print("| fit | median s | / NCA |\n|---|---|---|")
    for name, found in results.items():
        print(f"| {name} | {found['median_seconds']:.3f} | {found['ratio_to_nca']:.2f} |")
    print("written to", write_json(args.output, "default_time", args.quick, results))


if __name__ == "__main__":
    main()
