"""Targets beyond class labels: kNN regression and multi-label kNN on learned metrics.

Each data set gets ``--splits`` random 70/30 splits (random_state 0, 1,
...; diabetes, of 442 samples, ``--small-splits``, since one split's noise
there exceeds the gaps between methods), a StandardScaler fitted on the
training part, and every method fitted
on the training part and scored on the test part through a kNN fitted on
the embedded training part: ``KNeighborsRegressor(10)`` and its R² for
continuous targets (averaged over several), ``KNeighborsClassifier(5)`` and
the samples-averaged Jaccard index for multi-label ones.

Sets (continuous):

- diabetes (scikit-learn, 442 samples, 10 features; its integer target is
  read as a quantity, see ``target_type``);
- Friedman #1 with 25 noise features (1,500 samples, 30 features);
- Friedman #1 with 95 noise features (2,000 samples, 100 features);
- "sines": y = sin(3 x0) + x1^2 / 2 on 4 informative features mixed into 40
  by a random rotation, plus 0.2 noise (2,000 samples);
- two targets: Friedman #1 and a sine of another feature, in units 1e4
  apart (1,500 samples, 30 features).

Sets (multi-label): 6 labels, each one informative feature above a
threshold, among 30 noise features (1,500 samples).

Methods: raw features; ours, ``ContrastiveEmbedding()`` at its defaults;
metric-learn's MLKR (``n_components=8``; it keeps an n x n matrix, so it
runs where n_train <= ``MLKR_MAX_TRAIN``); UMAP with ``target_metric="l2"``
(umap-learn's regression mode; 2 components and its defaults otherwise);
and on the multi-label set UMAP with ``target_metric="jaccard"``. MLKR and
UMAP take one target, so the two-target set compares ours with the raw
features alone. Optional packages are left out when they are not installed.

Partly labelled (``--part partial``): on each single-target continuous
set, ``MISSING_SHARE`` (80 %) of the training targets hidden (NaN, with
``unlabeled_label=np.nan``), and the kNN regressor fitted on the labelled
training samples alone; ours on all the training samples against ours on
the labelled part alone, and the raw features.

Tables: mean ± standard deviation over the splits (median fit time), and
ours minus each peer paired over the splits.

Usage: python benchmarks/bench_targets.py [--quick] [--splits N] [--small-splits N]
       [--part {full,partial,all}]
       [--datasets NAME ...] [--methods NAME ...] [--output DIR]
"""

import argparse
import time
import warnings

import numpy as np
from _baselines import _patch_metric_learn_for_new_sklearn
from _paired import score_tables
from _results import replace_rows, result_path, write_json
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import jaccard_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

MLKR_MAX_TRAIN = 1400
SMALL = ("diabetes",)
MISSING_SHARE = 0.8
RAW = "raw features"
OURS = "ours defaults"
LABELLED_PART = "ours, labelled part alone"
METHODS = (RAW, OURS, "metric-learn MLKR", "UMAP", LABELLED_PART)


def datasets(quick):
    """name -> (X, y, kind)."""
    rng = np.random.default_rng(0)
    n = 600 if quick else 2000
    sets = {"diabetes": (*load_diabetes(return_X_y=True), "continuous")}
    X, y = make_friedman1(n if quick else 1500, n_features=30, noise=1.0, random_state=0)
    sets["friedman1 + 25 noise"] = (X, y, "continuous")
    if not quick:
        X, y = make_friedman1(n, n_features=100, noise=1.0, random_state=1)
        sets["friedman1 + 95 noise"] = (X, y, "continuous")
    informative = rng.uniform(-1, 1, (n, 4))
    y = np.sin(3 * informative[:, 0]) + informative[:, 1] ** 2 / 2 + 0.2 * rng.normal(size=n)
    basis, _ = np.linalg.qr(rng.normal(size=(40, 40)))
    X = np.hstack([informative, rng.normal(size=(n, 36))]) @ basis
    sets["sines, rotated"] = (X, y, "continuous")
    X, y = make_friedman1(n if quick else 1500, n_features=30, noise=1.0, random_state=2)
    second = 1e4 * (np.sin(4 * X[:, 6]) + 0.2 * rng.normal(size=X.shape[0]))
    sets["two targets"] = (X, np.column_stack([y, second]), "continuous")
    informative = rng.normal(size=(n if quick else 1500, 6))
    labels = (informative + 0.5 * rng.normal(size=informative.shape) > 0.5).astype(int)
    X = np.hstack([informative, rng.normal(size=(informative.shape[0], 30))])
    sets["multi-label, 6 labels"] = (X, labels, "multilabel")
    return sets


class Raw(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


class UMAPTarget(TransformerMixin, BaseEstimator):
    """UMAP with a target metric, fitted on (X, y)."""

    def __init__(self, target_metric="l2", random_state=0):
        self.target_metric = target_metric
        self.random_state = random_state

    def fit(self, X, y):
        import umap

        self.umap_ = umap.UMAP(n_components=2, target_metric=self.target_metric,
                               random_state=self.random_state).fit(X, y)
        return self

    def transform(self, X):
        return self.umap_.transform(X)


def methods(kind, n_train, n_targets, seed):
    """The methods that take this kind of target (MLKR and UMAP's regression
    take one target)."""
    found = {RAW: Raw(), OURS: ContrastiveEmbedding(random_state=seed)}
    if kind == "continuous" and n_targets > 1:
        return found
    try:
        import metric_learn
    except ImportError:
        metric_learn = None
    if metric_learn is not None and kind == "continuous" and n_train <= MLKR_MAX_TRAIN:
        _patch_metric_learn_for_new_sklearn(metric_learn)
        found["metric-learn MLKR"] = metric_learn.MLKR(n_components=8, random_state=seed)
    try:
        import umap  # noqa: F401
    except ImportError:
        return found
    found["UMAP"] = UMAPTarget("l2" if kind == "continuous" else "jaccard", seed)
    return found


def score(kind, Z_train, y_train, Z_test, y_test):
    if kind == "continuous":
        return KNeighborsRegressor(10).fit(Z_train, y_train).score(Z_test, y_test)
    predicted = KNeighborsClassifier(5).fit(Z_train, y_train).predict(Z_test)
    return jaccard_score(y_test, predicted, average="samples", zero_division=1.0)


def chosen_sets(quick, names):
    """The data sets named (all where ``names`` is None)."""
    found = datasets(quick)
    unknown = set(names or ()) - set(found)
    if unknown:
        raise SystemExit(f"unknown data sets {sorted(unknown)}; choose among {list(found)}")
    return {name: data for name, data in found.items() if names is None or name in names}


def _n_splits(dataset, splits, small_splits):
    """The splits of ``dataset``: ``small_splits`` for the small sets (where
    given), else ``splits``."""
    return small_splits if dataset in SMALL and small_splits is not None else splits


def run(quick, splits, names=None, method_names=None, small_splits=None):
    rows = []
    for dataset, (X, y, kind) in chosen_sets(quick, names).items():
        for seed in range(_n_splits(dataset, splits, small_splits)):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.3, random_state=seed)
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            n_targets = 1 if y.ndim == 1 else y.shape[1]
            for name, method in methods(kind, len(X_train), n_targets, seed).items():
                if method_names is not None and name not in method_names:
                    continue
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("ignore", UserWarning)
                    method.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                value = score(kind, method.transform(X_train), y_train,
                              method.transform(X_test), y_test)
                rows.append({"dataset": dataset, "split": seed, "method": name,
                             "score": float(value), "fit_seconds": seconds,
                             "n_train": len(X_train), "kind": kind,
                             **({"target_type_": method.target_type_,
                                 "architecture_": method.architecture_}
                                if name == OURS else {})})
                print(f"{dataset:<24} {seed} {name:<20} {value:.3f} {seconds:7.2f} s",
                      flush=True)
    return rows


def run_partly_labelled(quick, splits, names=None, method_names=None, small_splits=None):
    """Rows of the partly labelled comparison: ours given every training
    sample (ours defaults), ours on the labelled part alone, raw features;
    each scored by a kNN regressor fitted on the labelled part."""
    rows = []
    for dataset, (X, y, kind) in chosen_sets(quick, names).items():
        if kind != "continuous" or y.ndim > 1:
            continue
        for seed in range(_n_splits(dataset, splits, small_splits)):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.3, random_state=seed)
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            known = np.random.default_rng(seed).random(len(y_train)) >= MISSING_SHARE
            hidden = np.where(known, y_train, np.nan)
            fits = {
                RAW: (Raw(), X_train[known], y_train[known]),
                LABELLED_PART: (ContrastiveEmbedding(random_state=seed),
                                X_train[known], y_train[known]),
                OURS: (ContrastiveEmbedding(unlabeled_label=np.nan, random_state=seed),
                       X_train, hidden),
            }
            for name, (method, X_fit, y_fit) in fits.items():
                if method_names is not None and name not in method_names:
                    continue
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("ignore", UserWarning)
                    method.fit(X_fit, y_fit)
                seconds = time.perf_counter() - start
                value = score(kind, method.transform(X_train[known]), y_train[known],
                              method.transform(X_test), y_test)
                used = None
                if name == OURS and method.selection_results_ is not None:
                    used = bool(method.selection_results_["chosen"][-1])
                rows.append({"dataset": dataset, "split": seed, "method": name,
                             "score": float(value), "fit_seconds": seconds,
                             "n_train": len(X_train), "n_labelled": int(known.sum()),
                             "kind": kind, "unlabelled_used": used})
                print(f"{dataset:<24} {seed} {name:<26} {value:.3f} {seconds:7.2f} s"
                      f"{'' if used is None else f'  unlabelled used: {used}'}", flush=True)
    return rows


def markdown(rows):
    return score_tables(
        rows, OURS, "Test score (kNN-regression R², or samples Jaccard for multi-label)",
        label=lambda dataset, found: f"{dataset} ({found[0]['n_train']})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sets, 2 splits")
    parser.add_argument("--splits", type=int, default=None, help="default 5")
    parser.add_argument("--small-splits", type=int, default=None,
                        help=f"random splits of {', '.join(SMALL)} (default 20, quick 2)")
    parser.add_argument("--part", choices=["full", "partial", "all"], default="all",
                        help="every target known, 80 %% hidden, or both")
    parser.add_argument("--datasets", nargs="+", metavar="NAME", help="default: all")
    parser.add_argument("--methods", nargs="+", metavar="NAME", choices=METHODS,
                        help="default: all")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    splits = args.splits or (2 if args.quick else 5)
    small_splits = args.small_splits if args.small_splits is not None else (
        2 if args.quick else 20)
    if min(splits, small_splits) < 1:
        parser.error("--splits and --small-splits need at least 1 split")
    parts = {"full": ("targets", run), "partial": ("targets_partly_labelled", run_partly_labelled)}
    for part, (name, runner) in parts.items():
        if args.part not in (part, "all"):
            continue
        rows = runner(args.quick, splits, args.datasets, args.methods, small_splits)
        if args.datasets or args.methods:
            rows = replace_rows(args.output, name, args.quick, rows, args.methods, args.datasets)
        table = markdown(rows)
        print(table)
        write_json(args.output, name, args.quick, rows)
        result_path(args.output, name, args.quick, "md").write_text(table + "\n")


if __name__ == "__main__":
    main()
