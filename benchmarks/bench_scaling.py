"""Scaling: fit time (pairs vs optimisation), time per evaluation and peak memory.

Data: make_classification with d=64 features (16 informative), 10 classes,
float32, or with ``--data hard`` harder data of the same shape (3 clusters per
class in 8 rotated dimensions among 56 noise features, ``_datasets.hard_data``),
and 20,000 more samples held out; ContrastiveEmbedding
(n_components=16) with default settings. sklearn's NCA runs alongside for
sizes whose fit fits in this machine (its memory grows as n**2: 8.2 GB at
n=16,000). The data are made here and handed over in a .npy file; each fit
runs in a fresh process that loads them, so that its peak memory
(ru_maxrss: the data plus the fit) is its own. Each fit is scored by kNN(5)
on the held-out samples against at most 200,000 embedded training samples.
Also measures one loss-and-gradient evaluation against its floor
(bench_evaluation.py) at 100,000 and 1,000,000 samples.

Usage: python benchmarks/bench_scaling.py [--quick] [--max N] [--data {classification,hard}]
       [--methods {ours,nca} ...] [--output DIR]
  --quick: n up to 100,000 (a few minutes); default: up to 10,000,000.
  Results: scaling_<quick|full>.* (classification), scaling_hard_<quick|full>.* (hard).
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _datasets import hard_data
from _results import result_path, write_json
from bench_evaluation import measure as measure_evaluation

SIZES = [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000,
         10_000_000]
HELD_OUT, REFERENCE = 20_000, 200_000
QUICK_MAX = 100_000
NCA_MAX = 10_000
N_FEATURES, N_COMPONENTS = 64, 16


def make_data(n_samples, path, kind="classification"):
    """Write ``n_samples`` training and HELD_OUT test samples of ``kind`` to ``path``."""
    if kind == "hard":
        X, y = hard_data(n_samples + HELD_OUT)
    else:
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=n_samples + HELD_OUT, n_features=N_FEATURES, n_informative=16,
            n_classes=10, n_clusters_per_class=2, random_state=0)
    np.savez(path, X=X.astype(np.float32), y=y)


def fit_once(method, path):
    """Fit one method on the data in ``path``, in this process; return its measurements."""
    data = np.load(path)
    X, y = data["X"][:-HELD_OUT], data["y"][:-HELD_OUT]
    X_test, y_test = data["X"][-HELD_OUT:], data["y"][-HELD_OUT:]
    if method == "nca":
        from sklearn.neighbors import NeighborhoodComponentsAnalysis

        start = time.perf_counter()
        model = NeighborhoodComponentsAnalysis(n_components=N_COMPONENTS, random_state=0)
        model.fit(X, y)
        result = {"fit_seconds": time.perf_counter() - start}
    else:
        from _timing import fit_phases

        from sk_contrastive import ContrastiveEmbedding

        with fit_phases() as phases:
            start = time.perf_counter()
            model = ContrastiveEmbedding(n_components=N_COMPONENTS, random_state=0).fit(X, y)
            total = time.perf_counter() - start
        result = {"fit_seconds": total, "pairs_seconds": phases["pairs"],
                  "optimize_seconds": phases["optimize"],
                  "evaluations": phases["evaluations"], "n_iter": model.n_iter_,
                  "n_iter_per_round": [int(n) for n in model.n_iter_per_round_],
                  "n_pairs": model.n_pairs_,
                  "seconds_per_evaluation": phases["optimize"] / phases["evaluations"]}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from sklearn.neighbors import KNeighborsClassifier

    reference = np.random.default_rng(0).permutation(len(X))[:REFERENCE]
    knn = KNeighborsClassifier().fit(model.transform(X[reference]), y[reference])
    return {"method": method, "n": len(X), "peak_mb": peak_mb, "data_mb": X.nbytes / 2**20,
            "knn_accuracy": knn.score(model.transform(X_test), y_test), **result}


def run_point(method, path):
    completed = subprocess.run(
        [sys.executable, __file__, "--single", method, str(path)],
        capture_output=True, text=True)
    if completed.returncode:  # the fit's own error, not only its exit status
        raise RuntimeError(f"{method} on {path.name} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    ours = [row for row in rows if row["method"] == "ours"]
    nca = [row for row in rows if row["method"] == "nca"]
    n = np.array([row["n"] for row in ours])
    for key, label in [("fit_seconds", "ContrastiveEmbedding: total fit"),
                       ("pairs_seconds", "  pair construction"),
                       ("optimize_seconds", "  optimisation")]:
        axis.loglog(n, [row[key] for row in ours], "o-", label=label)
    if nca:
        axis.loglog([row["n"] for row in nca], [row["fit_seconds"] for row in nca],
                    "s--", label="sklearn NCA: total fit")
    reference = n * np.log(n)
    axis.loglog(n, reference / reference[-1] * ours[-1]["fit_seconds"], ":",
                color="gray", label="n log n (through the last point)")
    axis.set_xlabel("training samples (d=64, k=16, float32)")
    axis.set_ylabel("seconds")
    axis.set_title("Fit time against the number of samples (one process per point)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=150)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max", type=int, default=None, help="largest n to fit")
    parser.add_argument("--data", choices=["classification", "hard"], default="classification")
    parser.add_argument("--methods", nargs="+", choices=["ours", "nca"], default=["ours", "nca"],
                        help="rerun only these (the stored rows of other methods and sizes are kept)")
    parser.add_argument("--output", default="benchmarks/results")
    parser.add_argument("--single", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        print(json.dumps(fit_once(args.single[0], args.single[1])))
        return
    largest = QUICK_MAX if args.quick else (args.max or SIZES[-1])
    sizes = [n for n in SIZES if n <= largest]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"data_{n}.npz"
            make_data(n, path, args.data)
            for method in [m for m in args.methods if m == "ours" or n <= NCA_MAX]:
                row = run_point(method, path)
                rows.append(row)
                print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                  for k, v in row.items()}), flush=True)
            path.unlink()
    floors = [measure_evaluation(n, N_FEATURES, N_COMPONENTS, "float32", repeats=5)
              for n in (100_000, 1_000_000) if n <= sizes[-1]]
    for floor in floors:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in floor.items()}), flush=True)
    name = "scaling" if args.data == "classification" else "scaling_hard"
    stored = result_path(args.output, name, args.quick, "json")
    if stored.exists():  # keep the stored rows of methods and sizes not rerun
        previous = json.loads(stored.read_text())
        rerun = {(row["method"], row["n"]) for row in rows}
        kept = [row for row in previous["fits"] if (row["method"], row["n"]) not in rerun]
        rows = sorted(kept + rows, key=lambda row: (row["n"], row["method"] != "ours"))
        measured = {floor["n"] for floor in floors}
        floors = sorted([floor for floor in previous["evaluation_floor"]
                         if floor["n"] not in measured] + floors, key=lambda floor: floor["n"])
    write_json(args.output, name, args.quick, {"fits": rows, "evaluation_floor": floors})
    try:
        plot(rows, result_path(args.output, name, args.quick, "png"))
    except ImportError:
        print("install matplotlib for the plot")


if __name__ == "__main__":
    main()
