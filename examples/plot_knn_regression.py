"""
kNN regression on a learned metric
==================================

A continuous ``y`` makes pairs similar to a degree: two samples whose
targets lie within about a tenth of the target's distribution of each other
are mostly similar, two samples drawn at random dissimilar (the contrastive
loss takes such a graded label; see the user guide, "Targets
beyond class labels"). ``ContrastiveEmbedding().fit(X, y)`` then learns a
metric for ``KNeighborsRegressor``, as it does for ``KNeighborsClassifier``
from class labels.

The data: Friedman's benchmark function of 5 features, hidden among 25
features of noise. The left panel shows the test targets predicted by
kNN(10) on the raw features and on the learned embedding; the right panel
the learned feature weights of a diagonal map, which single out the 5
features the target depends on.

Run it with ``python examples/plot_knn_regression.py`` (``--quick``:
fewer samples).
"""

import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = make_friedman1(600 if QUICK else 2000, n_features=30, noise=1.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

# %%
# Raw features against the learned metric, each in front of kNN(10).
models = {
    "raw features": make_pipeline(StandardScaler(), KNeighborsRegressor(10)),
    "ContrastiveEmbedding()": make_pipeline(
        StandardScaler(), ContrastiveEmbedding(random_state=0), KNeighborsRegressor(10)),
}
predictions = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    predictions[name] = model.predict(X_test)
    print(f"{name:<24} test R² {model.score(X_test, y_test):.3f}")
embedding = models["ContrastiveEmbedding()"][1]
print(f"y read as {embedding.target_type_!r}; the selection chose the "
      f"{embedding.architecture_} map")

# %%
# A diagonal map weighs each feature: the weights show what the metric uses.
diagonal = make_pipeline(
    StandardScaler(), ContrastiveEmbedding(architecture="diagonal", random_state=0))
diagonal.fit(X_train, y_train)
weights = np.abs(np.diag(diagonal[1].components_))
print("largest weights on features", sorted(np.argsort(weights)[-5:].tolist()))

# %%
# The figure.
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
low, high = y_test.min(), y_test.max()
for (name, predicted), marker in zip(predictions.items(), ("x", "o")):
    r2 = 1 - np.sum((y_test - predicted) ** 2) / np.sum((y_test - y_test.mean()) ** 2)
    left.scatter(y_test, predicted, s=10, marker=marker, alpha=0.6,
                 label=f"{name} (R² {r2:.2f})")
left.plot([low, high], [low, high], "k:", linewidth=1)
left.set_xlabel("true target")
left.set_ylabel("kNN(10) prediction")
left.set_title("Test targets, Friedman #1 + 25 noise features", fontsize=10)
left.legend(fontsize=8)
right.bar(np.arange(weights.size), weights,
          color=["tab:orange" if j < 5 else "tab:gray" for j in range(weights.size)])
right.set_xlabel("feature (the first 5 are the informative ones)")
right.set_ylabel("|weight| of the diagonal map")
right.set_title("What the learned metric weighs", fontsize=10)
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "knn_regression.png", dpi=150)
