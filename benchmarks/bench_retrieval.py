"""Retrieval: our metrics against pytorch-metric-learning's, their memory, and
MAP@R on classes held out of training.

Three parts (``--part``):

- ``agreement``: ``sk_contrastive.metrics`` against pytorch-metric-learning's
  ``AccuracyCalculator`` (``k=None``: every reference ranked; Euclidean ``LpDistance``) on
  tie-free Gaussian embeddings, leave-one-out and against a gallery, float32
  and float64: the largest absolute difference of Precision@1, R-precision,
  MAP@R and MRR (PML computes in float32 on torch).
- ``memory``: ``retrieval_report`` of ``--queries`` queries (5,000) against
  ``--references`` references (1,000,000) of 32 dimensions in 1,000
  classes, in a fresh process per dtype: peak memory above the inputs
  (tracemalloc, which numpy reports its arrays to) and the time.
- ``heldout``: MAP@R, R-precision and Precision@1 on classes never seen in
  training (the protocol of Musgrave et al., 2020): each split trains on
  half the classes, chosen at random, and ranks the samples of the other
  half leave-one-out. Methods: raw (standardised) features, ours at its
  defaults, scikit-learn's NCA, metric-learn's LMNN and supervised UMAP, all
  at ``n_components`` (UMAP: its default 2 and the same as ours).

Usage: python benchmarks/bench_retrieval.py [--quick] [--part {agreement,memory,heldout,all}]
       [--splits N] [--output DIR]
"""

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np
from _baselines import metric_learn_estimators, umap_estimators
from _paired import score_tables
from _results import result_path, write_json
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive.metrics import retrieval_report

N_COMPONENTS = 16
PML_METRICS = {
    "precision_at_1": "precision_at_1",
    "r_precision": "r_precision",
    "mean_average_precision_at_r": "mean_average_precision_at_r",
    "mean_reciprocal_rank": "mean_reciprocal_rank",
}


def agreement(quick):
    """Largest |ours - PML| of each metric over the cases."""
    import torch
    from pytorch_metric_learning.distances import LpDistance
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
    from pytorch_metric_learning.utils.inference import CustomKNN

    calculator = AccuracyCalculator(
        include=tuple(PML_METRICS.values()), k=None,  # every reference
        knn_func=CustomKNN(LpDistance(normalize_embeddings=False)))
    rng = np.random.default_rng(0)
    n = 500 if quick else 3000
    rows = []
    for dtype in (np.float32, np.float64):
        for gallery in (False, True):
            X = rng.normal(size=(n, 16)).astype(dtype)
            y = rng.integers(30, size=n)
            X[:, 0] += y / 3  # some structure, so that the metrics are not all small
            kwargs = {}
            pml_kwargs = {"reference": None, "reference_labels": None}
            queries, labels = X, y
            if gallery:
                queries, labels = X[: n // 5], y[: n // 5]
                kwargs = {"X_reference": X[n // 5:], "y_reference": y[n // 5:]}
                pml_kwargs = {"reference": torch.from_numpy(X[n // 5:]),
                              "reference_labels": torch.from_numpy(y[n // 5:]),
                              "ref_includes_query": False}
            ours = retrieval_report(queries, labels, k=1, **kwargs)
            theirs = calculator.get_accuracy(torch.from_numpy(queries), torch.from_numpy(labels),
                                             **pml_kwargs)
            for name, pml_name in PML_METRICS.items():
                key = "precision_at_1" if name == "precision_at_1" else name
                rows.append({"dtype": np.dtype(dtype).name, "gallery": gallery, "metric": name,
                             "ours": ours[key], "pml": float(theirs[pml_name]),
                             "difference": abs(ours[key] - float(theirs[pml_name]))})
                print(f"{rows[-1]['dtype']:<8} gallery={gallery!s:<5} {name:<28} "
                      f"ours {ours[key]:.7f} pml {float(theirs[pml_name]):.7f}", flush=True)
    return rows


MEMORY_CHILD = """
import sys, time, tracemalloc
import numpy as np
from sk_contrastive.metrics import retrieval_report
n_queries, n_references, dtype = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
y_reference = rng.integers(1000, size=n_references)
X_reference = rng.normal(size=(n_references, 32)).astype(dtype)
X_reference[:, 0] += y_reference / 100
y = rng.integers(1000, size=n_queries)
X = rng.normal(size=(n_queries, 32)).astype(dtype)
X[:, 0] += y / 100
tracemalloc.start()
start = time.perf_counter()
report = retrieval_report(X, y, k=(1, 10), X_reference=X_reference, y_reference=y_reference)
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
print(repr({"seconds": seconds, "peak_mb": peak / 2**20, **report}))
"""


def memory(n_queries, n_references):
    rows = []
    for dtype in ("float32", "float64"):
        found = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, str(n_queries), str(n_references), dtype],
            capture_output=True, text=True, check=True)
        result = eval(found.stdout.strip().splitlines()[-1])  # a dict literal we printed
        rows.append({"dtype": dtype, "n_queries": n_queries, "n_references": n_references,
                     **result})
        print(f"{dtype}: {n_queries} queries x {n_references} references: "
              f"peak {result['peak_mb']:.0f} MB above the inputs, {result['seconds']:.1f} s, "
              f"MAP@R {result['mean_average_precision_at_r']:.4f}", flush=True)
    return rows


class Raw(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def heldout_sets(quick):
    """name -> (X, y)."""
    X, y = load_digits(return_X_y=True)
    sets = {"digits (10 classes)": (X, y)}
    X, y = make_classification(
        n_samples=800 if quick else 1600, n_features=40, n_informative=12,
        n_redundant=4, n_classes=40, n_clusters_per_class=1, class_sep=2.0, random_state=0)
    sets["make_classification (40 classes)"] = (X, y)
    return sets


def heldout_methods(seed):
    methods = {
        "raw features": Raw(),
        "ours defaults": ContrastiveEmbedding(n_components=N_COMPONENTS, random_state=seed),
        "NCA": NeighborhoodComponentsAnalysis(n_components=N_COMPONENTS, random_state=seed),
    }
    learners = metric_learn_estimators(N_COMPONENTS, random_state=seed)
    if "metric-learn LMNN" in learners:
        methods["metric-learn LMNN"] = learners["metric-learn LMNN"]
    for name, method in umap_estimators(N_COMPONENTS, random_state=seed).items():
        methods[f"{name} ({N_COMPONENTS}-D)"] = method
    return methods


def heldout(quick, splits):
    rows = []
    for dataset, (X, y) in heldout_sets(quick).items():
        classes = np.unique(y)
        for seed in range(splits):
            seen = np.random.default_rng(seed).permutation(classes)[: classes.shape[0] // 2]
            train = np.isin(y, seen)
            scaler = StandardScaler().fit(X[train])
            X_train, X_test = scaler.transform(X[train]), scaler.transform(X[~train])
            for name, method in heldout_methods(seed).items():
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("ignore", UserWarning)
                    warnings.simplefilter("ignore", FutureWarning)
                    make_pipeline(method).fit(X_train, y[train])
                seconds = time.perf_counter() - start
                report = retrieval_report(method.transform(X_test), y[~train], k=1)
                for metric in ("mean_average_precision_at_r", "r_precision", "precision_at_1"):
                    rows.append({"dataset": dataset, "split": seed, "method": name,
                                 "metric": metric, "score": report[metric],
                                 "fit_seconds": seconds})
                print(f"{dataset:<34} {seed} {name:<26} MAP@R "
                      f"{report['mean_average_precision_at_r']:.3f} P@1 "
                      f"{report['precision_at_1']:.3f} {seconds:6.2f} s", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=("agreement", "memory", "heldout", "all"),
                        default="all")
    parser.add_argument("--splits", type=int, default=None)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--references", type=int, default=1_000_000)
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    splits = args.splits or (2 if args.quick else 10)
    results = {}
    if args.part in ("agreement", "all"):
        results["agreement"] = agreement(args.quick)
        largest = max(row["difference"] for row in results["agreement"])
        print(f"largest |ours - PML|: {largest:.2e}")
    if args.part in ("memory", "all"):
        results["memory"] = memory(args.queries if not args.quick else 500,
                                   args.references if not args.quick else 20_000)
    if args.part in ("heldout", "all"):
        results["heldout"] = heldout(args.quick, splits)
        tables = []
        for metric in ("mean_average_precision_at_r", "r_precision", "precision_at_1"):
            rows = [row for row in results["heldout"] if row["metric"] == metric]
            tables.append(score_tables(rows, "ours defaults",
                                       f"{metric} on held-out classes", ours_name="Ours"))
        text = "\n\n".join(tables)
        result_path(args.output, f"retrieval_{args.part}", args.quick, "md").write_text(text)
        print(text)
    print(write_json(args.output, f"retrieval_{args.part}", args.quick,
                     json.loads(json.dumps(results, default=float))))


if __name__ == "__main__":
    main()
