"""
The effect of pos_margin and alpha
==================================

Two parameters shape a linear ``ContrastiveEmbedding`` beyond its pairs:
``pos_margin``, the distance below which similar pairs stop pulling, and
``alpha``, the weight of the squared norm of ``components_`` added to the
mean loss (``"auto"``: ``2.5 / n_samples``). This example runs a 5-fold
``GridSearchCV`` over both, with ``architecture="linear"`` and
``n_components=16`` given (so that the estimator's own selection does not
replace them) and the default ``margin=1``, on a digits pipeline ending in
kNN(5), and shows the cross-validated accuracy as a heatmap.

Why not search ``margin`` too? With ``pos_margin=0`` the loss and the
penalty are both quadratic in the map, so the optimum for ``c * margin`` is
exactly ``c`` times the optimum for ``margin``: every margin gives the same
neighbours and the same kNN accuracy (a fit with ``pos_margin=0`` and a
margin other than 1 warns). Only ``alpha`` moves that row. With
``pos_margin > 0`` the same argument, scaling ``margin`` and ``pos_margin``
together, shows that only the ratio ``margin / pos_margin`` matters: how far
classes are pushed apart relative to how tightly each is gathered. Fixing
``margin=1`` and varying ``pos_margin`` (which must stay below it) therefore
covers every margin. The last row is ``pos_margin="impostor"``, the rule
that sets ``pos_margin`` in each mining round from the share of samples
without an impostor (see the user guide, "The margin and the scale").

What the full run measured: ``alpha=1`` (some 600 times ``"auto"``) shrinks
the map and costs 8 to 10 points in every row; from 1e-4 to 1e-1 the
accuracy moves by less than the spread of the folds. In each column up to
``alpha=0.1`` every positive ``pos_margin`` scores 0.1 to 0.7 point above
``pos_margin=0`` (0.977 to 0.980 against 0.979 to 0.984), about one standard
deviation of the folds, and the positive values differ among themselves by
less than that: the best cell is a near tie, and the quick run's differs.

Sizes: the quick run (``--quick``, the one shown on this site) uses the
first 900 of the 1,797 digits, 3 folds, ``pos_margin`` in 0, 0.5 and
``"impostor"`` and ``alpha`` in 1e-4, 1e-2 and 1; the full run
(``python examples/plot_margin_and_penalty.py``) uses all the digits, 5
folds, ``pos_margin`` in 0, 0.25, 0.5, 0.75 and ``"impostor"`` and ``alpha``
in 1e-4, 1e-3, 1e-2, 1e-1 and 1.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
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
pos_margins = [0.0, 0.5, "impostor"] if QUICK else [0.0, 0.25, 0.5, 0.75, "impostor"]
alphas = [1e-4, 1e-2, 1.0] if QUICK else [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
n_folds = 3 if QUICK else 5
model = make_pipeline(
    StandardScaler(),
    ContrastiveEmbedding(n_components=16, architecture="linear", random_state=0),
    KNeighborsClassifier(),
)

# %%
# The search: every pair of ``pos_margin`` and ``alpha`` on the same folds.
search = GridSearchCV(
    model,
    {"contrastiveembedding__pos_margin": pos_margins,
     "contrastiveembedding__alpha": alphas},
    cv=StratifiedKFold(n_folds, shuffle=True, random_state=0),
    refit=False,
)
search.fit(X, y)
# cv_results_ lists the candidates with the last parameter (by name, here
# pos_margin) varying fastest: one row per alpha, transposed to one per pos_margin
mean = search.cv_results_["mean_test_score"].reshape(len(alphas), len(pos_margins)).T
std = search.cv_results_["std_test_score"].reshape(len(alphas), len(pos_margins)).T
n_train = len(X) * (n_folds - 1) // n_folds
print(f"digits: {len(X)} samples, {n_folds}-fold cross-validated kNN(5) accuracy "
      f"(alpha='auto' would be 2.5 / {n_train} = {2.5 / n_train:.1e} on a training fold)\n")
print(f"{'pos_margin':>12} " + " ".join(f"{f'alpha={alpha:g}':>14}" for alpha in alphas))
for i, pos_margin in enumerate(pos_margins):
    print(f"{pos_margin!s:>12} " + " ".join(
        f"{mean[i, j]:>7.3f} ± {std[i, j]:.3f}" for j in range(len(alphas))))
print(f"\nbest: {search.best_params_} (accuracy {search.best_score_:.3f})")

# %%
# The same numbers as a heatmap; the best cell is framed.
figure, axis = plt.subplots(figsize=(1.6 * len(alphas) + 3, 4.8))
image = axis.imshow(mean, cmap="viridis", aspect="auto")
for i in range(len(pos_margins)):
    for j in range(len(alphas)):
        # dark text on the light end of the colour map, light text elsewhere
        light = (mean[i, j] - mean.min()) > 0.6 * (mean.max() - mean.min())
        axis.text(j, i, f"{mean[i, j]:.3f}\n± {std[i, j]:.3f}", ha="center",
                  va="center", fontsize=9, color="black" if light else "white")
best_i, best_j = np.unravel_index(np.argmax(mean), mean.shape)
axis.add_patch(plt.Rectangle((best_j - 0.5, best_i - 0.5), 1, 1, fill=False,
                             edgecolor="red", linewidth=2.5))
axis.set_xticks(range(len(alphas)), [f"{alpha:g}" for alpha in alphas])
axis.set_yticks(range(len(pos_margins)),
                [f'"{p}"' if isinstance(p, str) else f"{p:g}" for p in pos_margins])
axis.set_xlabel("alpha (weight of ||components_||²)")
axis.set_ylabel("pos_margin (margin = 1)")
axis.set_title(f"Digits, 16-D linear embedding: {n_folds}-fold kNN(5) accuracy "
               "(framed: the best)",
               fontsize=11)
figure.colorbar(image, ax=axis, label="mean cross-validated accuracy")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "margin_and_penalty.png", dpi=150)
