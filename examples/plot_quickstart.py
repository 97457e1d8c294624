"""
Quickstart: kNN on digits before and after metric learning
==========================================================

A ``Pipeline`` of ``StandardScaler``, an embedding and
``KNeighborsClassifier`` is fitted on a stratified 70/30 split of
scikit-learn's handwritten digits (1,797 images of 64 pixels) for four
embeddings of 32 dimensions: none (raw features), PCA, scikit-learn's NCA and
``ContrastiveEmbedding``. The table gives each pipeline's test accuracy and
fit time; the figure shows both.

Run it with ``python examples/plot_quickstart.py`` (``--quick``: fewer NCA
iterations).
"""

import os
import sys
import time
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.3, random_state=0
)
embeddings = {
    "raw features": FunctionTransformer(),
    "PCA": PCA(n_components=32, random_state=0),
    "sklearn NCA": NeighborhoodComponentsAnalysis(
        n_components=32, max_iter=10 if QUICK else 50, random_state=0
    ),
    "ContrastiveEmbedding": ContrastiveEmbedding(n_components=32, random_state=0),
}

# %%
# Fit each pipeline and score it on the held-out part.
results = {}
for name, embedding in embeddings.items():
    model = make_pipeline(StandardScaler(), embedding, KNeighborsClassifier())
    start = time.perf_counter()
    model.fit(X_train, y_train)
    results[name] = (model.score(X_test, y_test), time.perf_counter() - start)

print(f"digits: {len(X_train)} training / {len(X_test)} test samples, kNN(5) "
      "after StandardScaler and a 32-dimensional embedding\n")
print(f"{'embedding':<22} {'kNN accuracy':>12} {'fit time (s)':>12}")
for name, (accuracy, seconds) in results.items():
    print(f"{name:<22} {accuracy:>12.3f} {seconds:>12.2f}")

# %%
# The same figures as a chart (with matplotlib installed: ``pip install
# ".[examples]"``; the table above needs only the library).
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("\ninstall matplotlib for the chart: pip install '.[examples]'")


def chart(results, path):
    names = list(results)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    accuracies = [results[name][0] for name in names]
    colours = ["tab:gray", "tab:gray", "tab:blue", "tab:orange"]
    bars = left.barh(names, accuracies, color=colours)
    left.bar_label(bars, fmt="%.3f", padding=3)
    left.set_xlim(min(accuracies) - 0.02, 1.0)
    left.set_xlabel("kNN(5) test accuracy")
    left.invert_yaxis()
    times = [results[name][1] for name in names]
    bars = right.barh(names, times, color=colours)
    right.bar_label(bars, fmt="%.2f s", padding=3)
    right.set_xlabel("pipeline fit time (s)")
    right.set_xlim(0, max(times) * 1.3)
    right.invert_yaxis()
    right.set_yticklabels([])
    figure.suptitle("Digits, 32-dimensional embeddings: test accuracy and fit time")
    figure.tight_layout()
    path.parent.mkdir(exist_ok=True)
    figure.savefig(path, dpi=150)


if plt is not None:
    chart(results, OUTPUT / "quickstart.png")
