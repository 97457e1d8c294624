"""Learning from pairs, from unlabelled and from partly labelled data.

Three tables, one run:

1. **Pair verification.** Two pair sets: pairs of digits (similar = the
   same digit) and a synthetic "genuine vs counterfeit" set (two
   observations of one product are similar; a counterfeit copies a product
   with small changes; 20 noise features hide the signal). Each method is
   fitted on the training pairs; its threshold is calibrated for accuracy on
   separate calibration pairs; the table gives the ROC-AUC and the accuracy
   on held-out test pairs, and the fit time. Methods: raw Euclidean
   distance, ContrastivePairClassifier (linear and a (64,) MLP),
   metric-learn's ITML and MMC pair learners (when installed), and, for
   digits, ContrastiveEmbedding fitted on the class labels of the training
   samples. ``--quick`` leaves MMC out (it took 93 s and 475 s on the two
   sets here).
2. **Unlabelled digits**: trustworthiness (5 neighbours) and kNN(5)
   accuracy (labels used only to evaluate) of ``ContrastiveEmbedding().fit(X)``
   against PCA with the same ``n_components``, on a held-out part.
3. **Partly labelled data** (digits and blobs with 70, 90 and 99 % of the
   labels hidden, 5 splits): kNN(5) accuracy on held-out samples, the kNN
   fitted on the labelled training samples, in the embedding of a fit on the
   labelled part alone, of ``unlabeled_label=-1``, of -1 taken as a class,
   and on raw features.

Usage: python benchmarks/bench_pairs.py [--quick] [--output DIR]
"""

import argparse
import time
import warnings

import numpy as np
from _baselines import metric_learn_pair_learners
from _results import result_path, write_json
from sklearn.datasets import load_digits, make_blobs
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import trustworthiness
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
from sk_contrastive._threshold import calibrate_distance_threshold


def digit_pairs(rng, n_pairs):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    anchors = rng.integers(0, len(y), n_pairs)
    same = np.array([rng.choice(np.flatnonzero(y == y[a])) for a in anchors[: n_pairs // 2]])
    partners = np.concatenate([same, rng.integers(0, len(y), n_pairs - n_pairs // 2)])
    pairs = np.column_stack([anchors, partners])
    return X, y, pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)


def counterfeit_pairs(rng, n_pairs, n_products=600, n_informative=8, n_noise=20):
    """Observations of products: genuine pairs show one product twice, a
    counterfeit pair shows a product and a close copy of it."""
    products = rng.standard_normal((n_products, n_informative))
    fakes = products + 0.6 * rng.standard_normal(products.shape)

    def observe(latent):
        informative = latent + 0.15 * rng.standard_normal(latent.shape)
        noise = 3.0 * rng.standard_normal((latent.shape[0], n_noise))
        return np.hstack([informative, noise])

    chosen = rng.integers(0, n_products, n_pairs)
    genuine = rng.random(n_pairs) < 0.5
    first = observe(products[chosen])
    second = observe(np.where(genuine[:, None], products[chosen], fakes[chosen]))
    X = np.vstack([first, second])
    pairs = np.column_stack([np.arange(n_pairs), np.arange(n_pairs, 2 * n_pairs)])
    return StandardScaler().fit_transform(X), None, pairs, genuine.astype(int)


def split_pairs(pairs, y, rng):
    order = rng.permutation(len(y))
    train, calibrate, test = np.split(order, [len(y) // 2, 3 * len(y) // 4])
    return (pairs[train], y[train]), (pairs[calibrate], y[calibrate]), (pairs[test], y[test])


def verification_rows(quick):
    rows = []
    rng = np.random.default_rng(0)
    n_pairs = 2000
    sets = {
        "digit pairs (64 features)": (digit_pairs(rng, n_pairs), 16),
        "genuine vs counterfeit (8 informative + 20 noise)": (counterfeit_pairs(rng, n_pairs), 8),
    }
    for name, ((X, labels, pairs, y), n_components) in sets.items():
        train, calibrate, test = split_pairs(pairs, y, rng)

        def euclidean(p):
            return np.linalg.norm(X[p[:, 0]] - X[p[:, 1]], axis=1)

        distance_functions = {"raw Euclidean": (euclidean, 0.0)}
        for label, params in (("ours pairs linear", {}),
                              ("ours pairs MLP (64,)", {"hidden_layer_sizes": (64,),
                                                        "max_iter": 300})):
            model = ContrastivePairClassifier(n_components, preprocessor=X, random_state=0,
                                              **params)
            distance_functions[label] = _timed_fit(model, *train, model.pair_distance)
        for label, learner in metric_learn_pair_learners(X, quick).items():
            signed = np.where(train[1] == 1, 1, -1)
            distance_functions[label] = _timed_fit(
                learner, train[0], signed, lambda p, m=learner: -m.decision_function(p))
        if labels is not None:
            # class labels of the samples the training pairs use
            seen = np.unique(train[0])
            embedding = ContrastiveEmbedding(n_components, random_state=0)
            start = time.perf_counter()
            _quietly(embedding.fit, X[seen], labels[seen])
            seconds = time.perf_counter() - start
            Z = embedding.transform(X)
            distance_functions["ours ContrastiveEmbedding (class labels)"] = (
                lambda p: np.linalg.norm(Z[p[:, 0]] - Z[p[:, 1]], axis=1), seconds)
        for method, (distance, seconds) in distance_functions.items():
            threshold = calibrate_distance_threshold(distance(calibrate[0]), calibrate[1] == 1)
            test_distance = distance(test[0])
            rows.append({
                "dataset": name, "method": method,
                "roc_auc": roc_auc_score(test[1], -test_distance),
                "accuracy": float(np.mean((test_distance <= threshold) == (test[1] == 1))),
                "fit_seconds": seconds,
            })
            print(f"{name:<50} {method:<42} AUC {rows[-1]['roc_auc']:.3f} "
                  f"acc {rows[-1]['accuracy']:.3f} {seconds:7.2f} s", flush=True)
    return rows


def _timed_fit(model, pairs, y, distance):
    start = time.perf_counter()
    _quietly(model.fit, pairs, y)
    return distance, time.perf_counter() - start


def _quietly(function, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args)


def digits_split(seed):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def unlabelled_rows():
    rows = []
    X_train, X_test, y_train, y_test = digits_split(0)
    for n_components in (2, 8, 32):
        methods = {
            "PCA": PCA(n_components, random_state=0),
            "ours linear, fit(X)": ContrastiveEmbedding(n_components, random_state=0),
            "ours MLP (64,), fit(X)": ContrastiveEmbedding(
                n_components, hidden_layer_sizes=(64,), max_iter=300, random_state=0),
        }
        for method, model in methods.items():
            start = time.perf_counter()
            _quietly(model.fit, X_train)
            seconds = time.perf_counter() - start
            Z_train, Z_test = model.transform(X_train), model.transform(X_test)
            rows.append({
                "n_components": n_components, "method": method,
                "trustworthiness": float(trustworthiness(X_test, Z_test, n_neighbors=5)),
                "knn_accuracy": KNeighborsClassifier().fit(Z_train, y_train).score(Z_test, y_test),
                "fit_seconds": seconds,
            })
            print(f"unlabelled digits k={n_components:<3} {method:<24} "
                  f"trust {rows[-1]['trustworthiness']:.4f} "
                  f"kNN {rows[-1]['knn_accuracy']:.3f} {seconds:6.2f} s", flush=True)
    return rows


def blobs_split(seed):
    X, y = make_blobs(n_samples=1500, n_features=10, centers=5, cluster_std=3.5,
                      random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def partly_labelled_rows(quick):
    rows = []
    n_splits = 2 if quick else 5
    for name, split, n_components in (("digits", digits_split, 32), ("blobs", blobs_split, 4)):
        for hidden in (0.7, 0.9, 0.99):
            found = {}
            for seed in range(n_splits):
                X_train, X_test, y_train, y_test = split(seed)
                rng = np.random.default_rng(seed)
                hide = rng.random(len(y_train)) < hidden
                for label in np.unique(y_train):  # one label per class at least
                    members = np.flatnonzero(y_train == label)
                    if hide[members].all():
                        hide[members[0]] = False
                labelled, y_partial = ~hide, np.where(hide, -1, y_train)

                def knn(Z_train, Z_test):
                    classifier = KNeighborsClassifier().fit(
                        Z_train[labelled], y_train[labelled])
                    return classifier.score(Z_test, y_test)

                models = {
                    "labelled part alone": (ContrastiveEmbedding(n_components, random_state=0),
                                            (X_train[labelled], y_train[labelled])),
                    "unlabeled_label=-1": (ContrastiveEmbedding(
                        n_components, unlabeled_label=-1, random_state=0),
                        (X_train, y_partial)),
                    "-1 as a class": (ContrastiveEmbedding(n_components, random_state=0),
                                      (X_train, y_partial)),
                }
                found.setdefault("raw features", []).append(knn(X_train, X_test))
                for method, (model, data) in models.items():
                    _quietly(model.fit, *data)
                    found.setdefault(method, []).append(
                        knn(model.transform(X_train), model.transform(X_test)))
            for method, accuracies in found.items():
                rows.append({"dataset": name, "hidden": hidden, "method": method,
                             "mean": float(np.mean(accuracies)),
                             "std": float(np.std(accuracies)), "n_splits": n_splits})
            print(f"{name} {int(hidden * 100)}% hidden: " + ", ".join(
                f"{method} {np.mean(a):.3f}" for method, a in found.items()), flush=True)
    return rows


def markdown(verification, unlabelled, partial):
    lines = ["| pair set | method | test ROC-AUC | test accuracy (calibrated) | fit (s) |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['dataset']} | {r['method']} | {r['roc_auc']:.3f} | {r['accuracy']:.3f} "
              f"| {r['fit_seconds']:.2f} |" for r in verification]
    lines += ["", "| n_components | method | trustworthiness | kNN accuracy | fit (s) |",
              "|---|---|---|---|---|"]
    lines += [f"| {r['n_components']} | {r['method']} | {r['trustworthiness']:.4f} "
              f"| {r['knn_accuracy']:.3f} | {r['fit_seconds']:.2f} |" for r in unlabelled]
    methods = list(dict.fromkeys(r["method"] for r in partial))
    lines += ["", "| data set | labels hidden | " + " | ".join(methods) + " |",
              "|---|---|" + "---|" * len(methods)]
    cells = {(r["dataset"], r["hidden"], r["method"]): r for r in partial}
    for dataset, hidden in dict.fromkeys((r["dataset"], r["hidden"]) for r in partial):
        values = [cells[(dataset, hidden, m)] for m in methods]
        lines.append(f"| {dataset} | {int(hidden * 100)} % | " + " | ".join(
            f"{v['mean']:.3f} ± {v['std']:.3f}" for v in values) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs and splits")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    verification = verification_rows(args.quick)
    unlabelled = unlabelled_rows()
    partial = partly_labelled_rows(args.quick)
    write_json(args.output, "pairs", args.quick, {
        "verification": verification, "unlabelled": unlabelled, "partly_labelled": partial})
    table = markdown(verification, unlabelled, partial)
    result_path(args.output, "pairs", args.quick, "md").write_text(table + "\n")
    print("\n" + table)


if __name__ == "__main__":
    main()
