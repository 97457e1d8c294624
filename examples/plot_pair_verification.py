"""
Pair verification: genuine or counterfeit?
==========================================

When what you hold are pairs labelled similar or dissimilar, not classes,
``ContrastivePairClassifier`` learns the embedding from the pairs themselves
(the Siamese setting of the contrastive loss). Here each pair shows two
observations of a product: a genuine pair shows the same product twice, a
counterfeit pair a product and a close copy of it. Eight features carry the
product's identity; twenty noise features, three times as spread, hide it
from a raw Euclidean distance.

The classifier is fitted on half the pairs; its threshold is calibrated on a
quarter, for accuracy and, as a fraud check would, for catching at least 99 %
of the counterfeits (``strategy="max_tpr"`` keeps the rate of dissimilar pairs
rejected at ``min_rate`` while recognising as many genuine pairs as possible);
the last quarter measures ROC-AUC and accuracy. The figure shows both ROC
curves with the calibrated operating points.

Run it with ``python examples/plot_pair_verification.py`` (``--quick``:
fewer pairs).
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastivePairClassifier

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
rng = np.random.default_rng(0)

# %%
# Observations of products, and pairs of them: the rows of ``X`` and an
# integer array of row indices, the form metric-learn's pair learners take.
n_pairs, n_products = (1000 if QUICK else 4000), 600
products = rng.standard_normal((n_products, 8))
copies = products + 0.6 * rng.standard_normal(products.shape)


def observe(latent):
    return np.hstack([latent + 0.15 * rng.standard_normal(latent.shape),
                      3.0 * rng.standard_normal((latent.shape[0], 20))])


chosen = rng.integers(0, n_products, n_pairs)
genuine = rng.random(n_pairs) < 0.5
X = StandardScaler().fit_transform(np.vstack([
    observe(products[chosen]),
    observe(np.where(genuine[:, None], products[chosen], copies[chosen])),
]))
pairs = np.column_stack([np.arange(n_pairs), np.arange(n_pairs, 2 * n_pairs)])
y = genuine.astype(int)  # 1 = similar (genuine), 0 = dissimilar (counterfeit)
train, calibration, test = np.split(rng.permutation(n_pairs), [n_pairs // 2,
                                                              3 * n_pairs // 4])

# %%
# Fit on the training pairs; calibrate the threshold on held-out pairs.
model = ContrastivePairClassifier(n_components=8, preprocessor=X, random_state=0)
model.fit(pairs[train], y[train])
raw_distance = np.linalg.norm(X[pairs[:, 0]] - X[pairs[:, 1]], axis=1)
print(f"test ROC-AUC: learned {roc_auc_score(y[test], model.decision_function(pairs[test])):.3f}"
      f", raw Euclidean {roc_auc_score(y[test], -raw_distance[test]):.3f}")
operating_points = {}
for label, settings in (("accuracy", {"strategy": "accuracy"}),
                        ("catch 99 % of counterfeits",
                         {"strategy": "max_tpr", "min_rate": 0.99})):
    model.calibrate_threshold(pairs[calibration], y[calibration], **settings)
    predicted = model.predict(pairs[test])
    true_positive = np.mean(predicted[y[test] == 1] == 1)
    false_positive = np.mean(predicted[y[test] == 0] == 1)
    operating_points[label] = (false_positive, true_positive)
    print(f"threshold for {label}: {model.threshold_:.3f}, test accuracy "
          f"{model.score(pairs[test], y[test]):.3f}, genuine accepted {true_positive:.3f}, "
          f"counterfeits let through {false_positive:.3f}")

# %%
# ROC curves on the test pairs, with the two calibrated operating points.
figure, axis = plt.subplots(figsize=(5.5, 5))
for scores, label, colour in ((model.decision_function(pairs[test]), "learned (8-D)",
                               "tab:orange"),
                              (-raw_distance[test], "raw Euclidean (28-D)", "tab:gray")):
    fpr, tpr, _ = roc_curve(y[test], scores)
    axis.plot(fpr, tpr, color=colour,
              label=f"{label}, AUC {roc_auc_score(y[test], scores):.3f}")
for (label, (fpr, tpr)), marker in zip(operating_points.items(), ("o", "s")):
    axis.plot(fpr, tpr, marker, color="black", markersize=7,
              label=f"threshold for {label}")
axis.plot([0, 1], [0, 1], ":", color="lightgray")
axis.set_xlabel("counterfeits let through (false positive rate)")
axis.set_ylabel("genuine pairs accepted (true positive rate)")
axis.set_title("Genuine against counterfeit pairs (test)")
axis.legend(loc="lower right", fontsize=8)
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "pair_verification.png", dpi=150)
