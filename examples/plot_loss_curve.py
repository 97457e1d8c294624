"""
The loss per iteration
======================

``ContrastiveEmbedding`` minimises its objective (the contrastive loss over
the training pairs plus ``alpha`` times the squared norm of the weights) with
L-BFGS, in ``n_mining_rounds`` rounds: each round mines its pairs (the first
in the input space, the later ones in the embedding learned so far) and
continues the optimisation from where the last round stopped. The fitted
estimator keeps the objective after each iteration (``loss_curve_``, as
scikit-learn's ``MLPClassifier`` does) and the iterations of each round
(``n_iter_per_round_``). This example plots the objective against the
iteration for a linear map and for an MLP, fitted on the handwritten digits
with ``pos_margin=0`` (so that the only change between rounds is the pairs).
``verbose=1`` prints the same per iteration as the fit runs.

Within a round the objective falls monotonically, as L-BFGS guarantees. At
the start of a later round it can jump up: the new pairs are the nearest
other-class partners *in the embedding just learned*, the ones the map has
not yet pushed apart, so the same map can score worse on them. Objectives of
different rounds are therefore sums over different pairs; only within a
round do they compare. The curve's first value of a round is after one step
on the new pairs, so where that step already recovers the jump, none shows.

Sizes: the quick run (``--quick``, the one shown on this site) fits on the
first 600 of the 1,797 digits; the full run
(``python examples/plot_loss_curve.py``) on all of them.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:600], y[:600]
X = StandardScaler().fit_transform(X)
models = {
    "linear map, 64 -> 16": ContrastiveEmbedding(
        n_components=16, architecture="linear", pos_margin=0, random_state=0
    ),
    "MLP, 64 -> (64,) -> 16": ContrastiveEmbedding(
        n_components=16, architecture="mlp", hidden_layer_sizes=(64,), pos_margin=0,
        alpha=1e-3, random_state=0,
    ),
}

# %%
# Fit each map; ``loss_curve_`` holds the objective after each iteration,
# ``n_iter_per_round_`` how many of them each mining round ran.
for name, model in models.items():
    model.fit(X, y)
    print(f"{name}: {len(X)} samples, {model.n_iter_} iterations "
          f"(per round: {', '.join(map(str, model.n_iter_per_round_))}), "
          f"final objective loss_ = {model.loss_:.5f}")
    starts = np.cumsum(model.n_iter_per_round_)[:-1]
    for k, start in enumerate(starts, 2):
        print(f"    round {k} opens at {model.loss_curve_[start]:.5f} "
              f"after {model.loss_curve_[start - 1]:.5f}")

# %%
# The objective against the iteration, one panel per map; the dashed lines
# mark where a mining round starts on new pairs.
figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for axis, (name, model) in zip(axes, models.items()):
    objectives = model.loss_curve_
    iterations = np.arange(1, model.n_iter_ + 1)
    bounds = np.concatenate([[0], np.cumsum(model.n_iter_per_round_)])
    for k, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        axis.plot(iterations[start:stop], objectives[start:stop], marker=".",
                  color=f"C{k}",
                  label=f"round {k + 1}: {stop - start} iterations")
        if k > 0:
            axis.axvline(start + 0.5, color="gray", linestyle="--", linewidth=1)
    axis.set_yscale("log")
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axis.yaxis.set_major_formatter(plain)
    # label the minor ticks only where the curve spans less than a decade
    axis.yaxis.set_minor_formatter(
        plain if max(objectives) < 10 * min(objectives) else NullFormatter()
    )
    axis.set_xlabel("L-BFGS iteration (counted across rounds)")
    axis.set_ylabel("objective: loss + alpha * ||weights||²")
    axis.set_title(name)
    axis.legend(loc="upper right", title="dashed: pairs mined again", title_fontsize=8)
    axis.grid(alpha=0.3, which="both")
figure.suptitle(f"Digits ({len(X)} samples, pos_margin=0): the objective per iteration")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "loss_curve.png", dpi=150)
