"""Streaming with ``partial_fit`` against a joint fit: the three targets of issue 26.

1. **Batches** (``--part batches``): a 24,000-sample, 8-class
   ``make_classification`` set (20 features, 10 informative), split 70/30
   (random_state = split), StandardScaler on the training part; the
   training part in 12 shuffled batches. Held-out kNN(5) accuracy of: the
   joint fit (``ContrastiveEmbedding()`` on the whole training part, its
   defaults), ``partial_fit`` over the batches (defaults: ``max_iter=100``
   per call, ``memory_size=2000``), ``partial_fit`` with a per-call cap of
   10 and 30 iterations, and ``fit`` with ``warm_start=True`` over the same
   batches. Target: partial_fit within 1 point of the joint fit.
2. **New classes** (``--part classes``): digits, split 70/30, the training
   part arriving two new classes per batch (5 batches, classes 0-1, 2-3,
   ...). kNN(5) fitted on the whole embedded training part; the score is its
   accuracy on the held-out samples of the *old* classes (0-7, those seen
   before the last batch); ``score_all`` on every class. Methods: the joint
   fit, ``partial_fit`` with the default memory (2,000, more than the 1,257
   training samples: it keeps all), with ``memory_size=300`` and 0, and
   ``warm_start`` refits. Target: the old classes within 2 points of the
   joint fit.
3. **Memory** (``--part memory``): 40 batches of 100,000 x 64 float32 (a
   mixture of 10 classes in 16 of the dimensions, 1 GB on disk) streamed from
   an ``np.memmap`` file, each batch a memmap of its own slice copied into
   memory and unmapped, into ``partial_fit(n_components=16)``, in a
   subprocess that reports its resident memory (psutil) after every batch
   and its peak (``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` would
   count the peak of the process that launched it, which Linux keeps
   across fork and exec). Targets: peak under 1.2 GB; resident
   memory after 40 batches no larger than after 10.

Tables: mean ± standard deviation over the splits (median seconds), and
partial_fit minus each other method paired over the splits.

Usage: python benchmarks/bench_streaming.py [--quick] [--splits N]
       [--part {batches,classes,memory,all}] [--batches N] [--output DIR]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _paired import score_tables
from _results import result_path, write_json
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

OURS = "partial_fit"


def _knn(model, X_train, y_train, X_test, y_test):
    Z_train = X_train if model is None else model.transform(X_train)
    Z_test = X_test if model is None else model.transform(X_test)
    return KNeighborsClassifier(5).fit(Z_train, y_train).score(Z_test, y_test)


def _streamed(model, X, y, batches, refit=False):
    for rows in batches:
        if refit:
            model.fit(X[rows], y[rows])
        else:
            model.partial_fit(X[rows], y[rows])
    return model


def _split(X, y, seed):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def run_batches(quick, splits):
    n_samples = 6000 if quick else 24000
    X, y = make_classification(n_samples=n_samples, n_features=20, n_informative=10,
                               n_classes=8, random_state=0)
    rows = []
    for seed in range(splits):
        X_train, X_test, y_train, y_test = _split(X, y, seed)
        batches = np.array_split(np.random.default_rng(seed).permutation(len(y_train)), 12)
        methods = {
            "joint fit": lambda: ContrastiveEmbedding(random_state=seed).fit(X_train, y_train),
            OURS: lambda: _streamed(ContrastiveEmbedding(random_state=seed),
                                    X_train, y_train, batches),
            "partial_fit, max_iter=30": lambda: _streamed(
                ContrastiveEmbedding(max_iter=30, random_state=seed), X_train, y_train, batches),
            "partial_fit, max_iter=10": lambda: _streamed(
                ContrastiveEmbedding(max_iter=10, random_state=seed), X_train, y_train, batches),
            "warm_start refits": lambda: _streamed(
                ContrastiveEmbedding(warm_start=True, random_state=seed),
                X_train, y_train, batches, refit=True),
        }
        for name, make in methods.items():
            model, seconds = _timed(make)
            score = _knn(model, X_train, y_train, X_test, y_test)
            rows.append({"dataset": f"make_classification {n_samples}, 12 batches",
                         "split": seed, "method": name, "score": float(score),
                         "fit_seconds": seconds, "n_iter_last": int(model.n_iter_)})
            print(f"batches {seed} {name:<26} {score:.4f} {seconds:7.2f} s", flush=True)
    return rows


def _timed(make):
    """``(make(), seconds it took)``."""
    start = time.perf_counter()
    model = make()
    return model, time.perf_counter() - start


def run_classes(quick, splits):
    X, y = load_digits(return_X_y=True)
    rows = []
    for seed in range(splits):
        X_train, X_test, y_train, y_test = _split(X, y, seed)
        order = np.random.default_rng(seed).permutation(len(y_train))
        batches = [order[y_train[order] // 2 == k] for k in range(5)]
        old = y_test < 8
        methods = {
            "joint fit": lambda: ContrastiveEmbedding(random_state=seed).fit(X_train, y_train),
            OURS: lambda: _streamed(ContrastiveEmbedding(random_state=seed),
                                    X_train, y_train, batches),
            "partial_fit, memory_size=300": lambda: _streamed(
                ContrastiveEmbedding(memory_size=300, random_state=seed),
                X_train, y_train, batches),
            "partial_fit, memory_size=0": lambda: _streamed(
                ContrastiveEmbedding(memory_size=0, random_state=seed),
                X_train, y_train, batches),
            "warm_start refits": lambda: _streamed(
                ContrastiveEmbedding(warm_start=True, random_state=seed),
                X_train, y_train, batches, refit=True),
        }
        for name, make in methods.items():
            model, seconds = _timed(make)
            score = _knn(model, X_train, y_train, X_test[old], y_test[old])
            score_all = _knn(model, X_train, y_train, X_test, y_test)
            rows.append({"dataset": "digits, 2 new classes per batch (old classes 0-7)",
                         "split": seed, "method": name, "score": float(score),
                         "score_all": float(score_all), "fit_seconds": seconds})
            print(f"classes {seed} {name:<30} old {score:.4f} all {score_all:.4f} "
                  f"{seconds:6.2f} s", flush=True)
    return rows


BATCH_ROWS, N_FEATURES, N_CLASSES = 100_000, 64, 10


def _mixture(rows, seed, batch):
    """A batch of the benchmark's mixture: 10 classes, each a Gaussian
    around its centre in 16 of the 64 dimensions."""
    centres = np.random.default_rng(seed).standard_normal((N_CLASSES, 16)) * 0.6
    rng = np.random.default_rng([seed, batch])
    y = rng.integers(0, N_CLASSES, rows)
    X = rng.standard_normal((rows, N_FEATURES)).astype(np.float32)
    X[:, :16] += centres[y].astype(np.float32)
    return X, y


STREAM_CHILD = r"""
import json, resource, sys, time, warnings
import numpy as np, psutil
from sk_contrastive import ContrastiveEmbedding
path, labels_path, n_batches, rows, features = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
warnings.simplefilter("ignore")
process = psutil.Process()
labels = np.load(labels_path, mmap_mode="r")
model = ContrastiveEmbedding(n_components=16, random_state=0)
report = {"rss_mb": [], "seconds": [], "n_iter": []}
for batch in range(n_batches):
    start = time.perf_counter()
    # a memmap of this batch's slice alone, copied and unmapped: the pages
    # of earlier batches leave the process
    window = np.memmap(path, dtype=np.float32, mode="r", shape=(rows, features),
                       offset=batch * rows * features * 4)
    X = np.array(window)
    del window
    y = np.array(labels[batch * rows:(batch + 1) * rows])
    model.partial_fit(X, y)
    del X, y
    report["seconds"].append(time.perf_counter() - start)
    report["rss_mb"].append(process.memory_info().rss / 2**20)
    report["n_iter"].append(int(model.n_iter_))
    print(f"batch {batch + 1}: {report['seconds'][-1]:.1f} s, rss "
          f"{report['rss_mb'][-1]:.0f} MB, {model.n_iter_} iterations", file=sys.stderr,
          flush=True)
# this process's own peak: ru_maxrss would also count the launching process's
# (Linux keeps it across fork and exec), which wrote the 1 GB file
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
report["peak_rss_mb"] = int(status["VmHWM"].split()[0]) / 1024
report["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
report["reservoir_rows"] = model._fitted_stream.reservoir.n_rows
X_test, y_test = np.load(sys.argv[6]), np.load(sys.argv[7])
from sklearn.neighbors import KNeighborsClassifier
Z = model.transform(X_test)
half = len(y_test) // 2
report["knn_accuracy"] = KNeighborsClassifier(5).fit(Z[:half], y_test[:half]).score(
    Z[half:], y_test[half:])
report["raw_knn_accuracy"] = KNeighborsClassifier(5).fit(
    X_test[:half], y_test[:half]).score(X_test[half:], y_test[half:])
print(json.dumps(report))
"""


def run_memory(quick, n_batches):
    rows = 10_000 if quick else BATCH_ROWS
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        folder = Path(folder)
        path, labels_path = folder / "stream.f32", folder / "labels.npy"
        stream = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_batches * rows, N_FEATURES))
        labels = np.empty(n_batches * rows, dtype=np.int8)
        for batch in range(n_batches):
            X, y = _mixture(rows, 0, batch)
            stream[batch * rows:(batch + 1) * rows] = X
            labels[batch * rows:(batch + 1) * rows] = y
        stream.flush()
        del stream
        np.save(labels_path, labels)
        X_test, y_test = _mixture(20_000, 0, 10**6)
        np.save(folder / "X_test.npy", X_test)
        np.save(folder / "y_test.npy", y_test)
        start = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", STREAM_CHILD, str(path), str(labels_path), str(n_batches),
             str(rows), str(N_FEATURES), str(folder / "X_test.npy"), str(folder / "y_test.npy")],
            capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    if completed.returncode:
        raise RuntimeError(completed.stderr[-3000:])
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    report.update(n_batches=n_batches, batch_rows=rows, n_features=N_FEATURES,
                  file_gb=n_batches * rows * N_FEATURES * 4 / 1e9, total_seconds=seconds)
    rss = report["rss_mb"]
    after_10 = rss[min(9, len(rss) - 1)]
    print(f"memory: {n_batches} batches of {rows} x {N_FEATURES} float32 "
          f"({report['file_gb']:.2f} GB) in {seconds:.0f} s; peak RSS "
          f"{report['peak_rss_mb']:.0f} MB; RSS after 10 batches {after_10:.0f} MB, after "
          f"{n_batches} {rss[-1]:.0f} MB; kNN accuracy {report['knn_accuracy']:.3f} "
          f"(raw {report['raw_knn_accuracy']:.3f})", flush=True)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sets, 2 splits")
    parser.add_argument("--splits", type=int, default=None, help="default 5")
    parser.add_argument("--part", choices=["batches", "classes", "memory", "all"],
                        default="all")
    parser.add_argument("--batches", type=int, default=40, help="memory part: batches")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    splits = args.splits or (2 if args.quick else 5)
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", UserWarning)
    titles = {"batches": "Held-out kNN(5) accuracy",
              "classes": "Held-out kNN(5) accuracy on the old classes"}
    for part, runner in (("batches", run_batches), ("classes", run_classes)):
        if args.part not in (part, "all"):
            continue
        rows = runner(args.quick, splits)
        table = score_tables(rows, OURS, titles[part], ours_name="partial_fit (defaults)")
        print(table)
        write_json(args.output, f"streaming_{part}", args.quick, rows)
        result_path(args.output, f"streaming_{part}", args.quick, "md").write_text(table + "\n")
    if args.part in ("memory", "all"):
        report = run_memory(args.quick, args.batches)
        write_json(args.output, "streaming_memory", args.quick, report)


if __name__ == "__main__":
    main()
