"""
Choosing the margin
===================

With a plain linear map (``pos_margin=0``) the margin only sets the scale of
the embedding: the loss and the penalty are both quadratic in the map, so the
optimum for ``c * margin`` is ``c`` times the optimum for ``margin``, and
every margin gives the same neighbours and the same kNN accuracy. A search
over ``margin`` alone would compare rescaled copies of one model (and the fit
warns when you set it).

``pos_margin > 0`` fixes the scale: similar pairs closer than ``pos_margin``
stop pulling, and the ratio ``margin / pos_margin`` decides how far classes
are pushed apart relative to how tightly each is gathered. This example runs
a ``GridSearchCV`` over the margin of a digits pipeline ending in kNN, with
``pos_margin=1`` and without, and plots the cross-validated accuracy against
the margin: flat without ``pos_margin``, a choice with it.

Run it with ``python examples/plot_choosing_the_margin.py`` (``--quick``: fewer
margins, samples and folds).
"""

import os
import sys
import warnings
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
    X, y = X[:600], y[:600]
margins = [1.5, 3.0, 6.0] if QUICK else [1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0]
model = make_pipeline(
    StandardScaler(), ContrastiveEmbedding(n_components=16, architecture="linear", random_state=0),
    KNeighborsClassifier(),
)
cv = StratifiedKFold(3 if QUICK else 5, shuffle=True, random_state=0)

# %%
# The search, with and without ``pos_margin``.
scores = {}
for pos_margin in (1.0, 0.0):
    search = GridSearchCV(
        model,
        {"contrastiveembedding__margin": margins,
         "contrastiveembedding__pos_margin": [pos_margin]},
        cv=cv,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "margin only rescales"
        search.fit(X, y)
    scores[pos_margin] = (search.cv_results_["mean_test_score"],
                          search.cv_results_["std_test_score"])
    print(f"pos_margin={pos_margin}: best {search.best_params_} "
          f"(cross-validated accuracy {search.best_score_:.3f})")
    print("  " + "  ".join(f"margin {m}: {s:.3f}" for m, s in zip(margins, scores[pos_margin][0])))

# %%
# Cross-validated accuracy against the margin.
figure, axis = plt.subplots(figsize=(7, 4))
for pos_margin, label, colour in ((1.0, "pos_margin = 1: the margin matters", "tab:orange"),
                                  (0.0, "pos_margin = 0: rescaled copies", "tab:gray")):
    mean, std = scores[pos_margin]
    axis.plot(margins, mean, marker="o", label=label, color=colour)
    axis.fill_between(margins, mean - std, mean + std, color=colour, alpha=0.15)
axis.set_xscale("log")
axis.minorticks_off()
axis.set_xticks(margins)
axis.set_xticklabels([str(m) for m in margins])
axis.set_xlabel("margin")
axis.set_ylabel(f"{cv.get_n_splits()}-fold cross-validated kNN accuracy")
axis.set_title("Digits, 16-D linear embedding: accuracy against the margin")
axis.legend(loc="upper right", title="mean ± one standard deviation over folds",
            title_fontsize=8)
axis.grid(alpha=0.3)
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "choosing_the_margin.png", dpi=150)
best = margins[int(np.argmax(scores[1.0][0]))]
print(f"\nwith pos_margin=1 the search chooses margin={best}")
