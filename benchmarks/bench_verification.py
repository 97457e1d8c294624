"""Verification of pairs of unseen classes: ROC-AUC on pairs of products never seen in training.

The source text's setting, "genuine or counterfeit": is this photo of the
same product as that one? Each pair set is a set of products (classes) with a
few observations ("photos") each. Every random split (``--splits``, seeds 0,
1, ...) divides the PRODUCTS into training and test products, so that the
test pairs show only products the model has never seen; then:

- balanced training pairs (half similar: two photos of one product, half
  dissimilar: photos of two products) are drawn among the training products,
  and balanced test pairs among the test products alone;
- a StandardScaler is fitted on the training products' rows;
- each method is fitted on the training pairs (labels +1 similar, -1
  dissimilar, as arrays of shape (n_pairs, 2, n_features)) and scored by the
  ROC-AUC of its ``decision_function`` (minus the learned distance) on the
  test pairs; the ROC-AUC on its own training pairs is kept too, to show how
  much of the fit does not carry over to unseen products.

Pair sets (fixed data, the splits vary):

- A: 240 products with 6-10 photos; 8 informative features (the product's
  latent value plus photo noise) among 40 noise features.
- B: 240 products with 6-10 photos; 12 informative features whose photo
  noise ranges from 0.3 to 2.5 times their spread between products (some
  features tell products apart, some barely), among 40 noise features driven
  by 6 shared factors (correlated noise).
- C: scikit-learn's digits (no download), the 10 digits as products with
  about 180 "photos" each; 6 digits for training, 4 unseen. Not of the
  kind the others are (few classes of many photos), kept to show where a
  peer leads.
- D: set A's photos in a random orthonormal basis: the informative
  directions are mixed into all 48 features, so a diagonal metric cannot
  single them out and a full linear map is needed.

Methods: raw Euclidean distance; metric-learn's ITML, SDML (its default
``balance_param`` fails here: the largest of a ladder that fits, see
``_baselines.SDMLLargestBalance``), MMC with a full and a diagonal matrix,
at their defaults; ours: ``ContrastivePairClassifier()`` at its defaults
(with and without the training samples' product ids as ``groups`` for its
selection of the map), ``hidden_layer_sizes=(64,)``, and any setting given
with ``--ours``. Every
method that takes a seed gets the split's.

Tables: mean ± standard deviation over the splits (median fit time); each of
ours minus each peer, paired over the splits, in points of ROC-AUC, with the
95 % t interval of the mean difference and the number of splits on which
ours leads and trails.

Usage: python benchmarks/bench_verification.py [--quick] [--splits N] [--output DIR]
       [--methods NAME ...]   (rerun only these; the other rows are kept)
       [--ours 'NAME=JSON' ...]   (more settings of ours, e.g.
        --ours 'ours diagonal={"architecture": "diagonal"}'; with --methods,
        they run besides the methods named there)
"""

import argparse
import json
import time
import warnings

import numpy as np
from _baselines import metric_learn_verification_learners
from _paired import format_difference, paired_difference
from _results import result_path, write_json
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastivePairClassifier

RAW = "raw Euclidean"
DEFAULTS = "ours defaults"
# the same defaults told each training sample's product (fit's groups), as a
# user who has product ids would; without them the selection takes the
# connected components of the similar pairs as the classes
WITH_GROUPS = "ours defaults, product ids as groups"
OURS = {DEFAULTS: {}, WITH_GROUPS: {}, "ours MLP (64,)": {"hidden_layer_sizes": (64,)}}


def product_photos(rng, n_products, n_informative, n_noise, photo_noise, noise_factors=0):
    """Photos of products: ``(X, product)``, 6-10 photos per product.

    A photo's informative features are its product's latent value plus photo
    noise of standard deviation ``photo_noise`` (a scalar, or one per
    feature); its noise features are independent of the product, driven by
    ``noise_factors`` shared factors when that is positive.
    """
    product = np.repeat(np.arange(n_products), rng.integers(6, 11, n_products))
    latent = rng.standard_normal((n_products, n_informative))
    informative = latent[product] + photo_noise * rng.standard_normal(
        (len(product), n_informative))
    noise = rng.standard_normal((len(product), n_noise))
    if noise_factors:
        loadings = rng.standard_normal((noise_factors, n_noise))
        noise = rng.standard_normal((len(product), noise_factors)) @ loadings + 0.3 * noise
    return np.hstack([informative, noise]), product


def pair_sets(quick):
    """name -> (X, product, share of products held out as unseen)."""
    n_products = 120 if quick else 240
    return {
        "A: 8 informative + 40 noise": (*product_photos(
            np.random.default_rng(1), n_products, 8, 40, photo_noise=0.9), 0.5),
        "B: 12 unequal informative + 40 correlated noise": (*product_photos(
            np.random.default_rng(2), n_products, 12, 40,
            photo_noise=np.geomspace(0.3, 2.5, 12), noise_factors=6), 0.5),
        "C: digits, 6 seen / 4 unseen": (*load_digits(return_X_y=True), 0.4),
        "D: 8 informative directions mixed into 48 features": (*mixed(product_photos(
            np.random.default_rng(4), n_products, 8, 40, photo_noise=0.9),
            np.random.default_rng(5)), 0.5),
    }


def mixed(photos, rng):
    """The photos of ``product_photos`` in a random orthonormal basis: the
    same distances, but every feature now mixes informative and noise
    directions, so no weighting of features can single them out."""
    X, product = photos
    basis, _ = np.linalg.qr(rng.standard_normal((X.shape[1], X.shape[1])))
    return X @ basis, product


def draw_pairs(rng, product, n_pairs):
    """``n_pairs`` row pairs, half of two photos of one product (label +1),
    half of photos of two different products (-1)."""
    rows = {value: np.flatnonzero(product == value) for value in np.unique(product)}
    n_similar = n_pairs // 2
    similar = np.array([rng.choice(rows[value], 2, replace=False)
                        for value in rng.choice(list(rows), n_similar)])
    first, second = rng.integers(0, len(product), (2, 4 * n_pairs))
    apart = product[first] != product[second]
    dissimilar = np.column_stack([first[apart], second[apart]])[:n_pairs - n_similar]
    labels = np.repeat([1, -1], [n_similar, len(dissimilar)])
    return np.vstack([similar, dissimilar]), labels


def split_products(X, product, unseen_share, n_pairs, seed):
    """The training and test pairs of one split, as (pairs of samples, labels),
    the numbers of seen and unseen products, and the product of each sample of
    the training pairs (shape (n_pairs, 2))."""
    rng = np.random.default_rng(seed)
    products = rng.permutation(np.unique(product))
    unseen = np.isin(product, products[:round(unseen_share * len(products))])
    scaler = StandardScaler().fit(X[~unseen])
    X_train, X_test = scaler.transform(X[~unseen]), scaler.transform(X[unseen])
    train_pairs, train_labels = draw_pairs(rng, product[~unseen], n_pairs)
    test_pairs, test_labels = draw_pairs(rng, product[unseen], 2 * n_pairs)
    return ((X_train[train_pairs], train_labels), (X_test[test_pairs], test_labels),
            len(np.unique(product[~unseen])), len(np.unique(product[unseen])),
            product[~unseen][train_pairs])


class RawDistance:
    """Euclidean distance of the standardised features; nothing to learn."""

    def fit(self, pairs, y):
        return self

    def decision_function(self, pairs):
        return -np.linalg.norm(pairs[:, 0] - pairs[:, 1], axis=1)


def methods(quick, seed, ours):
    found = {RAW: RawDistance()}
    found.update(metric_learn_verification_learners(quick, random_state=seed))
    for name, params in ours.items():
        found[name] = ContrastivePairClassifier(random_state=seed, **params)
    return found


def run(quick, splits, ours, only=None):
    """Every method on every split; with ``only``, just the methods named there."""
    rows = []
    n_pairs = 300 if quick else 1000
    for dataset, (X, product, unseen_share) in pair_sets(quick).items():
        for seed in range(splits):
            (train, train_y), (test, test_y), n_seen, n_unseen, groups = split_products(
                X, product, unseen_share, n_pairs, seed)
            for name, method in methods(quick, seed, ours).items():
                if only is not None and name not in only:
                    continue
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    method.fit(train, train_y,
                               **({"groups": groups} if name == WITH_GROUPS else {}))
                seconds = time.perf_counter() - start
                rows.append({
                    "dataset": dataset, "split": seed, "method": name,
                    "roc_auc": roc_auc_score(test_y, method.decision_function(test)),
                    "train_roc_auc": roc_auc_score(train_y, method.decision_function(train)),
                    "fit_seconds": seconds, "n_features": X.shape[1],
                    "n_train_pairs": len(train_y), "n_test_pairs": len(test_y),
                    "n_seen_products": n_seen, "n_unseen_products": n_unseen,
                    **({"params": repr(ours[name])} if name in ours else {}),
                    **({"balance_param": method.balance_param_}
                       if hasattr(method, "balance_param_") else {})})
                print(f"{dataset:<48} {seed:>2} {name:<28} AUC {rows[-1]['roc_auc']:.3f} "
                      f"(train {rows[-1]['train_roc_auc']:.3f}) {seconds:7.2f} s", flush=True)
    return rows


def scores(rows, dataset, method, key="roc_auc"):
    return {row["split"]: row[key] for row in rows
            if row["dataset"] == dataset and row["method"] == method}


def is_ours(method):
    return method.startswith("ours")


def markdown(rows):
    datasets = list(dict.fromkeys(row["dataset"] for row in rows))
    methods_seen = list(dict.fromkeys(row["method"] for row in rows))
    lines = ["| method | " + " | ".join(datasets) + " |", "|---" * (len(datasets) + 1) + "|"]
    for method in methods_seen:
        cells = []
        for dataset in datasets:
            found = [row for row in rows if row["dataset"] == dataset and row["method"] == method]
            if not found:
                cells.append("—")
                continue
            test = [row["roc_auc"] for row in found]
            train = np.mean([row["train_roc_auc"] for row in found])
            seconds = np.median([row["fit_seconds"] for row in found])
            cells.append(f"{np.mean(test):.3f} ± {np.std(test):.3f} (train {train:.3f}; "
                         f"{seconds:.2f} s)")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    peers = [method for method in methods_seen if not is_ours(method)]
    lines += ["", "Ours minus each peer, paired over the splits (points of ROC-AUC): mean "
              "[95 % t interval] (splits ahead ↑, behind ↓)", "",
              "| pair set | ours | " + " | ".join(peers) + " |",
              "|---|---|" + "---|" * len(peers)]
    for dataset in datasets:
        for method in (method for method in methods_seen if is_ours(method)):
            ours = scores(rows, dataset, method)
            if not ours:
                continue
            cells = [format_difference(paired_difference(ours, scores(rows, dataset, peer)))
                     if scores(rows, dataset, peer) else "—" for peer in peers]
            lines.append(f"| {dataset} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_ours(entries):
    """``["NAME=JSON", ...]`` -> {NAME: params}."""
    found = {}
    for entry in entries:
        name, separator, params = entry.partition("=")
        if not separator or not is_ours(name):
            raise SystemExit(f"--ours takes 'ours NAME=JSON_PARAMS' (a name starting with "
                             f"'ours'); got {entry!r}")
        found[name] = json.loads(params)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 splits, 120 products, 300 training pairs, no full MMC")
    parser.add_argument("--splits", type=int, default=None,
                        help="random splits of the products (default 10, quick 2)")
    parser.add_argument("--output", default="benchmarks/results")
    parser.add_argument("--methods", nargs="+", metavar="NAME",
                        help="rerun only these methods (names as in the table) and "
                             "replace their rows in the existing results")
    parser.add_argument("--ours", action="append", default=[], metavar="NAME=JSON",
                        help="one more setting of ContrastivePairClassifier, e.g. "
                             "'ours diagonal={\"architecture\": \"diagonal\"}' (repeatable)")
    args = parser.parse_args()
    splits = args.splits or (2 if args.quick else 10)
    extra = parse_ours(args.ours)
    only = None if args.methods is None else set(args.methods) | set(extra)
    rows = run(args.quick, splits, {**OURS, **extra}, only)
    if only is not None:
        kept = json.loads(result_path(args.output, "verification", args.quick,
                                      "json").read_text())
        rows = [row for row in kept if row["method"] not in only] + rows
        order = {name: index for index, name in enumerate(dict.fromkeys(
            [RAW] + [row["method"] for row in kept + rows]))}
        rows.sort(key=lambda row: (order[row["method"]], row["dataset"], row["split"]))
    write_json(args.output, "verification", args.quick, rows)
    table = (f"Test ROC-AUC on pairs of unseen products, mean ± standard deviation over "
             f"{splits} splits of the products (mean training ROC-AUC; median fit time)\n\n"
             f"{markdown(rows)}\n")
    result_path(args.output, "verification", args.quick, "md").write_text(table)
    print("\n" + table)


if __name__ == "__main__":
    main()
