"""Graded pairs: ContrastivePairRegressor against binarised labels and raw distances.

Each set is items (feature vectors) and pairs of items rated similar to a
degree in [0, 1]. Each split deals the items at random, 70 % to training and
30 % held out (random_state 0, 1, ...); training pairs join two training
items, held-out pairs two held-out items, so every score is on pairs of
items never seen. The score is Spearman's rank correlation of each pair's
closeness (minus its distance) with its rating, the measure of
semantic-similarity benchmarks.

Sets:

- "rated items": 600 items of 20 features, of which 3 decide the rating;
  ratings 0 to 5 from a Gaussian of their distance there, plus rater noise
  (standard deviation 0.5), rounded, divided by 5;
- "diabetes": the 442 patients of scikit-learn's diabetes set, 10 features;
  a pair is as similar as their disease progression (a Gaussian of the
  difference of its quantiles, bandwidth 0.1);
- "friedman": 1,000 items of Friedman #1 with 25 noise features (30
  features), similar as their targets are (as for diabetes).

Methods: the raw Euclidean distance; ``ContrastivePairClassifier`` on the
ratings binarised at 1/2 (what a user without a graded learner does);
``ContrastivePairRegressor`` on the ratings. Both at their defaults,
``preprocessor`` the items, fitted on 4,000 training pairs (half of them
drawn among each item's nearest by rating, so that similar pairs are not
rare), scored on 2,000 held-out pairs drawn uniformly.

Usage: python benchmarks/bench_graded_pairs.py [--quick] [--splits N] [--output DIR]
"""

import argparse
import time
import warnings

import numpy as np
from _paired import score_tables
from _results import result_path, write_json
from scipy.stats import rankdata, spearmanr
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import paired_euclidean_distances
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastivePairClassifier, ContrastivePairRegressor

RAW = "raw distance"
BINARISED = "pair classifier, ratings ≥ 1/2"
OURS = "pair regressor"
N_TRAIN_PAIRS = 4000
N_TEST_PAIRS = 2000


def datasets(quick):
    """name -> (X, rating(first, second) -> s in [0, 1])."""
    rng = np.random.default_rng(0)
    n_items = 300 if quick else 600
    X = rng.standard_normal((n_items, 20))
    noise = np.random.default_rng(1)

    def rated(first, second):
        gap = np.linalg.norm(X[first, :3] - X[second, :3], axis=1)
        score = 5 * np.exp(-gap ** 2 / 4) + noise.normal(0, 0.5, len(first))
        return np.clip(np.round(score), 0, 5) / 5

    sets = {"rated items": (X, rated)}
    for name, (features, target) in {
        "diabetes": load_diabetes(return_X_y=True),
        "friedman": make_friedman1(500 if quick else 1000, n_features=30, noise=1.0,
                                   random_state=0),
    }.items():
        quantile = rankdata(target) / len(target)
        sets[name] = (features, lambda a, b, q=quantile: np.exp(-0.5 * ((q[a] - q[b]) / 0.1) ** 2))
    return sets


def pairs_among(items, rating, n_pairs, rng, near_share):
    """``n_pairs`` pairs of distinct ``items``: ``near_share`` of them each
    item with one of its 10 most similar by rating, the rest uniform."""
    n_near = int(near_share * n_pairs)
    first = rng.choice(items, n_pairs)
    second = rng.choice(items, n_pairs)
    if n_near:
        candidates = rng.choice(items, (n_near, 50))
        similarity = rating(np.repeat(first[:n_near], 50), candidates.ravel()).reshape(n_near, 50)
        similarity[candidates == first[:n_near, None]] = -1
        top = np.argsort(-similarity, axis=1)[:, :10]
        second[:n_near] = candidates[np.arange(n_near), top[np.arange(n_near),
                                                            rng.integers(0, 10, n_near)]]
    kept = first != second
    pairs = np.column_stack([first[kept], second[kept]])
    return pairs, rating(pairs[:, 0], pairs[:, 1])


def run(quick, splits):
    rows = []
    for dataset, (X, rating) in datasets(quick).items():
        for seed in range(splits):
            rng = np.random.default_rng(seed)
            order = rng.permutation(len(X))
            train_items, test_items = np.split(order, [int(0.7 * len(X))])
            X_scaled = StandardScaler().fit(X[train_items]).transform(X)
            train, y_train = pairs_among(train_items, rating, N_TRAIN_PAIRS, rng, 0.5)
            test, y_test = pairs_among(test_items, rating, N_TEST_PAIRS, rng, 0.0)
            scores = {RAW: (spearmanr(-paired_euclidean_distances(
                X_scaled[test[:, 0]], X_scaled[test[:, 1]]), y_test)[0], 0.0)}
            for name, model, labels in [
                (BINARISED, ContrastivePairClassifier(preprocessor=X_scaled, random_state=seed),
                 (y_train >= 0.5).astype(int)),
                (OURS, ContrastivePairRegressor(preprocessor=X_scaled, random_state=seed),
                 y_train),
            ]:
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("ignore", UserWarning)
                    model.fit(train, labels)
                seconds = time.perf_counter() - start
                scores[name] = (spearmanr(-model.pair_distance(test), y_test)[0], seconds)
            for name, (value, seconds) in scores.items():
                rows.append({"dataset": dataset, "split": seed, "method": name,
                             "score": float(value), "fit_seconds": seconds})
                print(f"{dataset:<12} {seed} {name:<32} {value:.3f} {seconds:6.2f} s", flush=True)
    return rows


def markdown(rows):
    return score_tables(rows, OURS, "Held-out Spearman rank correlation on pairs of unseen "
                        "items", ours_name="Pair regressor")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sets, 2 splits")
    parser.add_argument("--splits", type=int, default=None, help="default 10")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    rows = run(args.quick, args.splits or (2 if args.quick else 10))
    table = markdown(rows)
    print(table)
    write_json(args.output, "graded_pairs", args.quick, rows)
    result_path(args.output, "graded_pairs", args.quick, "md").write_text(table + "\n")


if __name__ == "__main__":
    main()
