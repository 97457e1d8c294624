"""Calibrated probabilities of pairs of unseen classes: ours against CalibratedClassifierCV.

The pair sets, splits and pairs of ``bench_verification.py`` (products split
into seen and unseen ones; balanced training pairs among the seen products,
balanced test pairs among the unseen ones, labels +1 similar and -1
dissimilar). On each split, the test pairs' probability of being similar is
scored by the Brier score and the log loss (lower is better) of:

- ``ours``: ``ContrastivePairClassifier().predict_proba``, at its defaults
  (the mean of its cross-fitted maps' probabilities, each calibrated on the
  pairs of the classes it did not see);
- ``ours, fixed map``: the same with the linear map and ``pos_margin=0``
  given (nothing selected);
- ``ours, calibrated on training pairs``: the default model's map with the
  same logistic calibration fitted on its own training distances instead
  (the optimistic calibration this library avoids);
- ``CalibratedClassifierCV``: scikit-learn's
  ``CalibratedClassifierCV(ContrastivePairClassifier(...))`` at its defaults
  (5 stratified folds of pairs, sigmoid on ``decision_function``, the 5
  models averaged), of the default model and of the fixed map; and with
  ``ensemble=False`` (one model refitted on all the pairs, its sigmoid
  fitted on the 5 folds' decision values), which calibrates the same single
  map ours does.

Tables: mean ± standard deviation over the splits (median fit time), and
each method minus ours paired over the splits (points: Brier x 100).

Usage: python benchmarks/bench_probabilities.py [--quick] [--splits N] [--output DIR]
"""

import argparse
import time
import warnings

import numpy as np
from _paired import score_tables
from _results import result_path, write_json
from bench_verification import pair_sets, split_products
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastivePairClassifier

OURS = "ours"
FIXED = "ours, fixed map"
ON_TRAINING = "ours, calibrated on training pairs"
CALIBRATED_CV = "CalibratedClassifierCV(ours)"
CALIBRATED_CV_FIXED = "CalibratedClassifierCV(ours, fixed map)"
CALIBRATED_CV_SINGLE = "CalibratedClassifierCV(ours, ensemble=False)"
FIXED_MAP = {"architecture": "linear", "pos_margin": 0.0}


def on_training_pairs(model, train, train_y):
    """The probabilities of ``model``'s map with its calibration fitted on
    its training distances: a function of test pairs."""
    calibrator = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        model.pair_distance(train).reshape(-1, 1), train_y == 1)
    return lambda pairs: calibrator.predict_proba(model.pair_distance(pairs).reshape(-1, 1))


def run(quick, splits):
    rows = []
    n_pairs = 300 if quick else 1000
    for dataset, (X, product, unseen_share) in pair_sets(quick).items():
        for seed in range(splits):
            (train, train_y), (test, test_y), *_ = split_products(
                X, product, unseen_share, n_pairs, seed)
            default = ContrastivePairClassifier(random_state=seed)
            fixed = ContrastivePairClassifier(random_state=seed, **FIXED_MAP)
            methods = {OURS: default, FIXED: fixed,
                       CALIBRATED_CV: CalibratedClassifierCV(clone(default)),
                       CALIBRATED_CV_SINGLE: CalibratedClassifierCV(clone(default),
                                                                    ensemble=False),
                       CALIBRATED_CV_FIXED: CalibratedClassifierCV(clone(fixed))}
            for name, method in methods.items():
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    method.fit(train, train_y)
                seconds = time.perf_counter() - start
                rows.append(scored(dataset, seed, name, method.predict_proba, test, test_y,
                                   seconds))
                if name == OURS:
                    rows.append(scored(dataset, seed, ON_TRAINING,
                                       on_training_pairs(method, train, train_y), test,
                                       test_y, seconds))
            for row in rows[-len(methods) - 1:]:
                print(f"{dataset:<48} {seed:>2} {row['method']:<40} Brier {row['brier']:.4f} "
                      f"log loss {row['log_loss']:.4f} AUC {row['roc_auc']:.3f} "
                      f"{row['fit_seconds']:6.2f} s", flush=True)
    return rows


def scored(dataset, seed, name, predict_proba, test, test_y, seconds):
    similar = predict_proba(test)[:, 1]
    return {"dataset": dataset, "split": seed, "method": name,
            "brier": brier_score_loss(test_y, similar, pos_label=1),
            "log_loss": log_loss(test_y == 1, similar),
            "roc_auc": roc_auc_score(test_y, similar), "fit_seconds": seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 splits, 120 products, 300 training pairs")
    parser.add_argument("--splits", type=int, default=None,
                        help="random splits of the products (default 10, quick 2)")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    splits = args.splits or (2 if args.quick else 10)
    rows = run(args.quick, splits)
    write_json(args.output, "probabilities", args.quick, rows)
    tables = []
    for key, title in (("brier", "Brier score"), ("log_loss", "Log loss")):
        found = [{**row, "score": row[key]} for row in rows]
        tables.append(score_tables(
            found, OURS, f"{title} of the test pairs of unseen products (lower is better), "
            f"{splits} splits", ours_name="Ours"))
    text = "\n\n".join(tables) + "\n"
    result_path(args.output, "probabilities", args.quick, "md").write_text(text)
    print("\n" + text)


if __name__ == "__main__":
    main()
