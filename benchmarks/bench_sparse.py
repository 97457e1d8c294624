"""Sparse input: a fit far too large to densify, and sparse against dense.

1. **Large**: ``ContrastiveEmbedding(n_components=16)`` on a 200,000 x
   1,000,000 CSR matrix at 0.01 % density (20 M stored values; the dense
   form would take 1.6 TB in float64), 10 classes whose samples favour their
   own columns. The fit runs in its own process: wall time, peak resident
   memory (``ru_maxrss``), and kNN accuracy on 20,000 held-out rows.
2. **Moderate, the same data both ways**: 5,000 x 2,000 at 1 % density.
   (a) Same internal space for both forms (rows with both signs, so column
   means are exactly 0; ``mining_components=64``, ``init="random"``): the
   largest difference between the sparse and the dense embedding, relative
   to the largest coordinate. (b) Defaults on ordinary sparse data: kNN
   accuracy and fit time, sparse against densified.

Usage: python benchmarks/bench_sparse.py [--quick] [--output DIR]
       (--quick: the large matrix at 20,000 x 100,000)
"""

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from _results import write_json
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier

from sk_contrastive import ContrastiveEmbedding


def class_sparse_data(n_samples, n_features, density, n_classes=10, seed=0,
                      dtype=np.float32):
    """Sparse rows whose stored columns come, 30 % of the time, from a band
    of columns owned by their class, else from anywhere."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    per_row = max(1, int(round(density * n_features)))
    rows = np.repeat(np.arange(n_samples), per_row)
    band = n_features // (4 * n_classes)
    own = rng.random(rows.shape[0]) < 0.3
    columns = np.where(
        own,
        y[rows] * band + rng.integers(0, band, rows.shape[0]),
        rng.integers(0, n_features, rows.shape[0]),
    )
    values = rng.uniform(0.5, 1.5, rows.shape[0]).astype(dtype)
    X = sp.csr_array((values, (rows, columns)), shape=(n_samples, n_features))
    X.sum_duplicates()
    return X, y


def large_fit(n_samples, n_features):
    """Run in a child process: fit, then report time, memory and accuracy."""
    X, y = class_sparse_data(n_samples + 20_000, n_features, 1e-4)
    X_train, X_test, y_train, y_test = X[:n_samples], X[n_samples:], y[:n_samples], y[n_samples:]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ContrastiveEmbedding(16, max_iter=30, random_state=0).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    knn = KNeighborsClassifier().fit(model.transform(X_train), y_train)
    raw = KNeighborsClassifier().fit(X_train[:20_000], y_train[:20_000])
    return {
        "n_samples": n_samples, "n_features": n_features, "stored_values": int(X_train.nnz),
        "sparse_megabytes": (X_train.data.nbytes + X_train.indices.nbytes
                             + X_train.indptr.nbytes) / 2**20,
        "dense_float64_gigabytes": n_samples * n_features * 8 / 2**30,
        "fit_seconds": seconds, "iterations": int(model.n_iter_),
        "peak_resident_megabytes": peak / 1024,
        "resident_before_fit_megabytes": before / 1024,
        "knn_accuracy": knn.score(model.transform(X_test), y_test),
        "raw_knn_accuracy_20000_train": raw.score(X_test, y_test),
    }


def same_space_difference():
    half, y_half = class_sparse_data(2500, 2000, 0.01, dtype=np.float64)
    X, y = sp.vstack([half, -half]).tocsr(), np.concatenate([y_half, y_half])
    params = dict(n_components=16, mining_components=64, init="random", random_state=0)
    models = {}
    for form, data in (("sparse", X), ("dense", X.toarray())):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            models[form] = (ContrastiveEmbedding(**params).fit(data, y), data,
                            time.perf_counter() - start)
    Z_sparse = models["sparse"][0].transform(X)
    Z_dense = models["dense"][0].transform(X.toarray())
    return {
        "largest_difference_relative": float(np.abs(Z_sparse - Z_dense).max()
                                             / np.abs(Z_dense).max()),
        "iterations": [int(models[f][0].n_iter_) for f in ("sparse", "dense")],
        "fit_seconds": {f: models[f][2] for f in models},
    }


def defaults_both_ways():
    X, y = class_sparse_data(6000, 2000, 0.01, dtype=np.float64)
    train, test = slice(0, 5000), slice(5000, None)
    found = {}
    for form, data in (("sparse", X), ("dense", X.toarray())):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = ContrastiveEmbedding(16, random_state=0).fit(data[train], y[train])
        seconds = time.perf_counter() - start
        knn = KNeighborsClassifier().fit(model.transform(data[train]), y[train])
        found[form] = {"fit_seconds": seconds,
                       "knn_accuracy": knn.score(model.transform(data[test]), y[test])}
    raw = KNeighborsClassifier().fit(X[train], y[train])
    found["raw features"] = {"knn_accuracy": raw.score(X[test], y[test])}
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default="benchmarks/results")
    parser.add_argument("--large-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.large_child:
        print(json.dumps(large_fit(*args.large_child)))
        return
    shape = (20_000, 100_000) if args.quick else (200_000, 1_000_000)
    child = subprocess.run(
        [sys.executable, __file__, "--large-child", *map(str, shape)],
        capture_output=True, text=True)
    if child.returncode:
        sys.exit(f"the large fit failed:\n{child.stderr[-3000:]}")
    results = {"large": json.loads(child.stdout.strip().splitlines()[-1]),
               "same_space": same_space_difference(),
               "defaults": defaults_both_ways()}
    print(json.dumps(results, indent=1))
    write_json(args.output, "sparse", args.quick, results)


if __name__ == "__main__":
    main()
