"""
Two-dimensional maps side by side
=================================

Digits embedded in two dimensions by PCA, scikit-learn's NCA, the linear
``ContrastiveEmbedding``, the MLP ``ContrastiveEmbedding`` (one hidden layer
of 64 units) and, when ``umap-learn`` is installed, supervised UMAP. Each
embedding is fitted on a stratified 70 % of the digits; the panels show the
held-out 30 %, coloured by digit, with the test accuracy of kNN(5) in the 2-D
space in each title. A linear map cannot untangle ten classes in two
dimensions; the MLP can.

Run it with ``python examples/plot_2d_maps.py`` (``--quick``: fewer
iterations, and no UMAP panel: UMAP's first fit compiles its code, which
takes longer than the rest of the quick run).
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
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.3, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
iterations = 20 if QUICK else 100
methods = {
    "PCA": PCA(n_components=2, random_state=0),
    "sklearn NCA": NeighborhoodComponentsAnalysis(n_components=2, max_iter=iterations,
                                                  random_state=0),
    "ContrastiveEmbedding, linear": ContrastiveEmbedding(
        2, architecture="linear", max_iter=iterations, random_state=0),
    "ContrastiveEmbedding, MLP (64,)": ContrastiveEmbedding(
        2, hidden_layer_sizes=(64,), max_iter=iterations, random_state=0),
}
if QUICK:
    print("quick run: no UMAP panel")
else:
    try:
        import umap

        methods["supervised UMAP"] = umap.UMAP(n_components=2, random_state=0)
    except ImportError:
        print("umap-learn is not installed: no UMAP panel")

# %%
# Fit each method on the training part, embed the test part.
maps = {}
for name, method in methods.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, UserWarning, FutureWarning))
        method.fit(X_train, y_train)
    Z_train, Z_test = method.transform(X_train), method.transform(X_test)
    accuracy = KNeighborsClassifier().fit(Z_train, y_train).score(Z_test, y_test)
    maps[name] = (Z_test, accuracy)
    print(f"{name:<34} kNN test accuracy in 2-D: {accuracy:.3f}")

# %%
# The held-out digits in each map. Axis limits leave out the outermost 0.5 %
# of points, so that a few outliers do not squash a panel.
figure, axes = plt.subplots(1, len(maps), figsize=(3.4 * len(maps), 3.9))
colours = plt.get_cmap("tab10")
for axis, (name, (Z, accuracy)) in zip(axes, maps.items()):
    for digit in range(10):
        chosen = y_test == digit
        axis.scatter(Z[chosen, 0], Z[chosen, 1], s=6, color=colours(digit), label=str(digit))
    low, high = np.percentile(Z, [0.5, 99.5], axis=0)
    pad = 0.05 * (high - low)
    axis.set_xlim(low[0] - pad[0], high[0] + pad[0])
    axis.set_ylim(low[1] - pad[1], high[1] + pad[1])
    axis.set_title(f"{name}\nkNN accuracy {accuracy:.3f}", fontsize=10)
    axis.set_xticks([])
    axis.set_yticks([])
handles, labels = axes[0].get_legend_handles_labels()
figure.legend(handles, labels, title="digit", loc="center right", markerscale=3,
              frameon=False)
figure.suptitle("Digits in two dimensions: held-out samples, coloured by digit")
figure.tight_layout(rect=(0, 0, 0.95, 1))
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "2d_maps.png", dpi=150)
