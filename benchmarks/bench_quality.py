"""Quality table: kNN(5) accuracy and fit time of every embedding, one run.

Each data set gets one stratified 70/30 split (random_state=0), one
StandardScaler fitted on the training part, and the same n_components for
every method; kNN(5) is fitted on the embedded training set and scored on the
embedded test set. metric-learn and PyTorch columns appear when those
optional packages are installed (``pip install torch==2.13.0`` first, then
``pip install ".[benchmarks]"``, so that no CUDA build of torch is pulled).

Usage: python benchmarks/bench_quality.py [--quick] [--output DIR]
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from _baselines import metric_learn_estimators, torch_estimators
from sk_contrastive import ContrastiveEmbedding
from sk_contrastive.datasets import make_nonlinear

# metric-learn runs only up to this training size: LMNN on the 3,500-sample
# make_classification set ran for over 6 minutes here without finishing.
SLOW_BASELINE_MAX_TRAIN = 2000


def datasets(quick):
    """name -> (X, y, n_components)."""
    sets = {
        "digits": (*load_digits(return_X_y=True), 32),
        "iris": (*load_iris(return_X_y=True), 2),
        "wine": (*load_wine(return_X_y=True), 2),
        "breast_cancer": (*load_breast_cancer(return_X_y=True), 2),
        "classification 5 classes n=5000 d=50": (*make_classification(
            n_samples=5000, n_features=50, n_informative=10, n_classes=5,
            n_clusters_per_class=2, random_state=0), 16),
        "classification 3 classes n=3000 d=20": (*make_classification(
            n_samples=3000, n_features=20, n_informative=6, n_redundant=4,
            n_classes=3, class_sep=0.8, random_state=1), 8),
        "moons + 10 noise": (*make_nonlinear("moons", 2000, 10, random_state=0), 1),
        "spheres + 5 noise": (*make_nonlinear("spheres", 2000, 5, random_state=0), 2),
        "radial 6-D + 4 noise": (*make_nonlinear("radial", 2000, 4, random_state=0), 2),
    }
    if not quick:
        sets["classification 10 classes n=20000 d=64"] = (*make_classification(
            n_samples=20000, n_features=64, n_informative=16, n_classes=10,
            n_clusters_per_class=2, random_state=2), 16)
    return sets


def methods(n_components, n_classes, n_train, quick):
    found = {
        "raw": FunctionTransformer(),
        "PCA": PCA(n_components=n_components, random_state=0),
        "LDA": LinearDiscriminantAnalysis(n_components=min(n_components, n_classes - 1)),
        "sklearn NCA": NeighborhoodComponentsAnalysis(n_components=n_components, random_state=0),
        "ours linear": ContrastiveEmbedding(n_components=n_components, random_state=0),
        "ours MLP (64,)": ContrastiveEmbedding(
            n_components=n_components, hidden_layer_sizes=(64,), max_iter=300, random_state=0),
    }
    found.update(torch_estimators(n_components))
    if not quick and n_train <= SLOW_BASELINE_MAX_TRAIN:
        found.update(metric_learn_estimators(n_components))
    return found


def evaluate(method, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        method.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    knn = KNeighborsClassifier(n_neighbors=5).fit(method.transform(X_train), y_train)
    return knn.score(method.transform(X_test), y_test), fit_time


def warm_up_torch():
    """Import and run torch once so that no timed fit pays its start-up."""
    for method in torch_estimators(2).values():
        rng = np.random.default_rng(0)
        method.set_params(epochs=1).fit(rng.standard_normal((64, 4)), np.arange(64) % 2)


def run(quick):
    warm_up_torch()
    rows = []
    for name, (X, y, n_components) in datasets(quick).items():
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, stratify=y, test_size=0.3, random_state=0)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        n_classes = len(np.unique(y))
        for method_name, method in methods(n_components, n_classes, len(X_train), quick).items():
            accuracy, fit_time = evaluate(method, X_train, X_test, y_train, y_test)
            rows.append({"dataset": name, "n_train": len(X_train), "d": X.shape[1],
                         "n_components": n_components, "method": method_name,
                         "accuracy": accuracy, "fit_seconds": fit_time})
            print(f"{name:<40} {method_name:<20} {accuracy:.3f} {fit_time:8.2f} s", flush=True)
    return rows


def markdown_table(rows):
    datasets_seen = list(dict.fromkeys(row["dataset"] for row in rows))
    methods_seen = list(dict.fromkeys(row["method"] for row in rows))
    cell = {(row["dataset"], row["method"]): row for row in rows}
    lines = ["| data set (n_train, d → k) | " + " | ".join(methods_seen) + " |",
             "|---" * (len(methods_seen) + 1) + "|"]
    for dataset in datasets_seen:
        first = next(row for row in rows if row["dataset"] == dataset)
        cells = []
        for method in methods_seen:
            row = cell.get((dataset, method))
            cells.append("—" if row is None else
                         f"{row['accuracy']:.3f} ({row['fit_seconds']:.2f} s)")
        label = f"{dataset} ({first['n_train']}, {first['d']} → {first['n_components']})"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the 20,000-sample set and metric-learn")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    rows = run(args.quick)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    suffix = "quick" if args.quick else "full"
    (output / f"quality_{suffix}.json").write_text(json.dumps(rows, indent=1))
    table = markdown_table(rows)
    (output / f"quality_{suffix}.md").write_text(table + "\n")
    print("\n" + table)


if __name__ == "__main__":
    main()
