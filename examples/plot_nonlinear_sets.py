"""
Linear against MLP embeddings on data no linear map can untangle
================================================================

Three synthetic sets (``sk_contrastive.datasets.make_nonlinear``: two moons,
concentric spheres, a radial class boundary, each with noise features) and
digits are embedded in one or two dimensions by scikit-learn's NCA, the
linear ``ContrastiveEmbedding`` (``architecture="linear"``), an MLP
``ContrastiveEmbedding`` with one hidden layer of 64 units, and
``ContrastiveEmbedding`` with its defaults, which chooses among these maps on
held-out data (the last line says what it chose). The table gives the test
accuracy of kNN(5) in each space and the fit time; the figure shows the
held-out samples of the 2-D sets in each embedding.

Run it with ``python examples/plot_nonlinear_sets.py`` (``--quick``: smaller
sets, fewer iterations).
"""

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive.datasets import make_nonlinear

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
SIZE = 400 if QUICK else 2000
OURS = {"random_state": 0, "max_iter": 30} if QUICK else {"random_state": 0}
# name -> (X, y, embedding dimension)
DATASETS = {
    "digits": (*load_digits(return_X_y=True), 2),
    "moons + 10 noise": (*make_nonlinear("moons", SIZE, 10, random_state=0), 1),
    "spheres + 5 noise": (*make_nonlinear("spheres", SIZE, 5, random_state=0), 2),
    "radial 6-D + 4 noise": (*make_nonlinear("radial", SIZE, 4, random_state=0), 2),
}


def embeddings(n_components):
    return {
        "raw": FunctionTransformer(),
        "NCA": NeighborhoodComponentsAnalysis(
            n_components=n_components, max_iter=10 if QUICK else 50, random_state=0),
        "linear": ContrastiveEmbedding(n_components, architecture="linear", **OURS),
        "MLP (64,)": ContrastiveEmbedding(n_components, hidden_layer_sizes=(64,), **OURS),
        # the defaults choose among these on held-out data (user guide,
        # "Capacity and the selection")
        "defaults": ContrastiveEmbedding(n_components, **OURS),
    }


def evaluate(X, y, n_components):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    results = {}
    for name, embedding in embeddings(n_components).items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            embedding.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        knn = KNeighborsClassifier(n_neighbors=5).fit(embedding.transform(X_train), y_train)
        Z_test = embedding.transform(X_test)
        results[name] = (knn.score(Z_test, y_test), fit_time, Z_test, y_test, embedding)
    return results


# %%
# The table.
all_results = {}
print(f"{'data set':<22} {'dims':>4} " + " ".join(f"{name:>18}" for name in embeddings(1)))
for name, (X, y, n_components) in DATASETS.items():
    results = evaluate(X, y, n_components)
    all_results[name] = results
    cells = " ".join(f"{acc:>9.3f} ({t:>5.2f}s)" for acc, t, *_ in results.values())
    print(f"{name:<22} {n_components:>4} {cells}")
print("\ncells: kNN(5) test accuracy (embedding fit time)")
for name, (X, y, n_components) in DATASETS.items():
    chosen = all_results[name]["defaults"][4]
    print(f"defaults on {name}: {chosen.architecture_} {chosen.hidden_layer_sizes_ or ''}")

# %%
# The 2-D sets in each embedding, held-out samples coloured by class.
import matplotlib.pyplot as plt

two_d = {name: results for name, results in all_results.items() if DATASETS[name][2] == 2}
methods = ["NCA", "linear", "MLP (64,)"]
figure, axes = plt.subplots(len(two_d), len(methods),
                            figsize=(3.3 * len(methods), 3.0 * len(two_d)))
for row, (dataset, results) in enumerate(two_d.items()):
    n_classes = len(np.unique(results["raw"][3]))
    colours = plt.get_cmap("tab10") if n_classes > 3 else (
        lambda c: ("tab:blue", "tab:orange", "tab:green")[c])
    for column, method in enumerate(methods):
        accuracy, _, Z, y, _ = results[method]
        axis = axes[row, column]
        for label in range(n_classes):
            axis.scatter(Z[y == label, 0], Z[y == label, 1], s=4, color=colours(label),
                         label=str(label))
        low, high = np.percentile(Z, [0.5, 99.5], axis=0)
        axis.set_xlim(low[0], high[0])
        axis.set_ylim(low[1], high[1])
        axis.set_title(f"{dataset}: {method}\nkNN accuracy {accuracy:.3f}", fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
    axes[row, -1].legend(title="class", fontsize=7, markerscale=2, loc="center left",
                         bbox_to_anchor=(1.02, 0.5), frameon=False)
figure.suptitle("Held-out samples in 2-D: NCA, the linear map and the MLP")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "nonlinear_sets.png", dpi=150)
