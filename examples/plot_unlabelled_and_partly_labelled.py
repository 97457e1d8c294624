"""
Unlabelled and partly labelled data
===================================

**No labels.** ``ContrastiveEmbedding().fit(X)`` learns as DrLIM does
(Hadsell, Chopra & LeCun 2006): each sample is similar to its nearest
neighbours in the input space and dissimilar to random other samples.
``score(X)`` is then the trustworthiness of the embedding (how many embedded
neighbours are true neighbours). The left panels compare PCA with a DrLIM
map of digits in two dimensions; the labels only colour the points and
measure kNN accuracy.

**Some labels.** With ``unlabeled_label=-1`` (the convention of
scikit-learn's ``semi_supervised`` module), samples labelled ``-1`` belong to
no class: they take pairs from the neighbourhood graph, labelled samples
take pairs from their labels. The right panel hides 70 to 99 % of the digits'
training labels and compares the kNN accuracy (the kNN knows the labelled
samples only) on raw features, after a fit on the labelled part alone, and
after a fit on everything with ``unlabeled_label=-1``.

Run it with ``python examples/plot_unlabelled_and_partly_labelled.py``
(``--quick``: fewer fractions).
"""

import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import trustworthiness
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.3, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# No labels: PCA against DrLIM-style fits, in two dimensions.
maps = {
    "PCA": PCA(2, random_state=0),
    "fit(X), linear": ContrastiveEmbedding(2, random_state=0),
    "fit(X), MLP (64,)": ContrastiveEmbedding(2, hidden_layer_sizes=(64,), random_state=0),
}
unlabelled = {}
for name, model in maps.items():
    model.fit(X_train)
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    unlabelled[name] = (
        Z_test,
        trustworthiness(X_test, Z_test, n_neighbors=5),
        KNeighborsClassifier().fit(Z_train, y_train).score(Z_test, y_test),
    )
    print(f"{name:<20} trustworthiness {unlabelled[name][1]:.3f}, "
          f"kNN accuracy {unlabelled[name][2]:.3f} (labels used only to evaluate)")

# %%
# Some labels: hide a fraction of the training labels.
fractions = [0.7, 0.99] if QUICK else [0.7, 0.8, 0.9, 0.95, 0.99]
curves = {"raw features": [], "labelled part alone": [], "unlabeled_label=-1": []}
rng = np.random.default_rng(0)
for hidden in fractions:
    hide = rng.random(len(y_train)) < hidden
    for digit in range(10):  # keep one label of each digit
        hide[np.flatnonzero(y_train == digit)[0]] = False
    labelled = ~hide

    def knn(Z_train, Z_test):
        return KNeighborsClassifier().fit(Z_train[labelled], y_train[labelled]).score(
            Z_test, y_test)

    alone = ContrastiveEmbedding(32, random_state=0).fit(X_train[labelled], y_train[labelled])
    semi = ContrastiveEmbedding(32, unlabeled_label=-1, random_state=0).fit(
        X_train, np.where(hide, -1, y_train))
    curves["raw features"].append(knn(X_train, X_test))
    curves["labelled part alone"].append(knn(alone.transform(X_train), alone.transform(X_test)))
    curves["unlabeled_label=-1"].append(knn(semi.transform(X_train), semi.transform(X_test)))
    print(f"{int(hidden * 100)} % hidden ({labelled.sum()} labels): " + ", ".join(
        f"{name} {values[-1]:.3f}" for name, values in curves.items()))

# %%
# The maps and the curves.
figure = plt.figure(figsize=(13, 4))
grid = figure.add_gridspec(1, 4, width_ratios=[1, 1, 1, 1.3])
colours = plt.get_cmap("tab10")
for index, (name, (Z, trust, accuracy)) in enumerate(unlabelled.items()):
    axis = figure.add_subplot(grid[0, index])
    for digit in range(10):
        chosen = y_test == digit
        axis.scatter(Z[chosen, 0], Z[chosen, 1], s=5, color=colours(digit), label=str(digit))
    low, high = np.percentile(Z, [0.5, 99.5], axis=0)
    axis.set_xlim(low[0], high[0])
    axis.set_ylim(low[1], high[1])
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(f"{name}\ntrustworthiness {trust:.3f}, kNN {accuracy:.3f}", fontsize=9)
handles, labels = figure.axes[0].get_legend_handles_labels()
figure.legend(handles, labels, title="digit", fontsize=8, markerscale=2, ncol=10,
              loc="lower center", bbox_to_anchor=(0.37, 0.0), frameon=False)
axis = figure.add_subplot(grid[0, 3])
for (name, values), style in zip(curves.items(), ("o:", "s--", "D-")):
    axis.plot([100 * f for f in fractions], values, style, label=name)
axis.set_xlabel("training labels hidden (%)")
axis.set_ylabel("kNN test accuracy")
axis.set_title("Partly labelled digits (32-D)", fontsize=9)
axis.legend(fontsize=8)
axis.grid(alpha=0.3)
figure.suptitle("Digits without labels (left, 2-D) and with few labels (right)")
figure.tight_layout(rect=(0, 0.1, 1, 1))
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "unlabelled_and_partly_labelled.png", dpi=150)
