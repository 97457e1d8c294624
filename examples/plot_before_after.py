"""
One dataset before and after
============================

The handwritten digits (8 x 8 pixels, 64 features, 10 classes) seen in two
dimensions twice: before, the first two principal components of the
standardised pixels (what PCA keeps of the raw features); after, a
``ContrastiveEmbedding(n_components=2)`` learned from the labels of the
training part. Both are fitted on a stratified 70 % and the figure shows the
held-out 30 %, coloured by digit, with the accuracy of a kNN(5) classifier
in those two dimensions (trained on the training part, scored on the
plotted points) in each title.

``architecture`` is left ``"auto"``: the estimator chooses its map on
held-out parts of the training data, and in two dimensions the digits
usually need more than a linear map (the script prints the choice).

Sizes: the quick run (``--quick``, the one shown on this site) uses the
first 900 of the 1,797 digits (630 to train, 270 plotted); the full run
(``python examples/plot_before_after.py``) uses all of them (1,257 to train,
540 plotted).
"""

import os
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:900], y[:900]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.3, random_state=0
)

# %%
# Fit both 2-D views on the training part, and a kNN(5) in each; for
# reference, the same kNN on all 64 standardised pixels.
views = {
    "before: PCA of the standardised pixels": PCA(n_components=2, random_state=0),
    "after: ContrastiveEmbedding(n_components=2)": ContrastiveEmbedding(
        n_components=2, random_state=0
    ),
}
embedded, accuracies = {}, {}
for name, view in views.items():
    start = time.perf_counter()
    embedding = make_pipeline(StandardScaler(), view).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    Z_train, Z_test = embedding.transform(X_train), embedding.transform(X_test)
    knn = KNeighborsClassifier().fit(Z_train, y_train)
    embedded[name], accuracies[name] = Z_test, knn.score(Z_test, y_test)
    print(f"{name}: held-out kNN(5) accuracy {accuracies[name]:.3f} (fit {seconds:.1f} s)")
print(f"the map chosen in two dimensions: architecture_={views[name].architecture_!r}, "
      f"hidden_layer_sizes_={views[name].hidden_layer_sizes_}")
raw = make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(X_train, y_train)
print(f"for reference, kNN(5) on all 64 standardised pixels: {raw.score(X_test, y_test):.3f}")
print(f"({len(X_train)} training samples, {len(X_test)} held-out samples plotted)")

# %%
# The held-out samples in each view, coloured by digit.
figure, axes = plt.subplots(1, 2, figsize=(11, 5))
for axis, (name, Z_test) in zip(axes, embedded.items()):
    for digit in range(10):
        shown = y_test == digit
        axis.scatter(Z_test[shown, 0], Z_test[shown, 1], s=14, color=f"C{digit}",
                     alpha=0.8, label=str(digit))
    axis.set_title(f"{name}\nheld-out kNN(5) accuracy in 2-D: {accuracies[name]:.3f}",
                   fontsize=11)
    axis.set_xticks([])
    axis.set_yticks([])
axes[1].legend(title="digit", loc="center left", bbox_to_anchor=(1.01, 0.5),
               markerscale=1.5, frameon=False)
figure.suptitle(f"Digits: the {len(X_test)} held-out samples in two dimensions, "
                "before and after metric learning")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "before_after.png", dpi=150)
