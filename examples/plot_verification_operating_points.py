"""
Verification: probabilities and operating points
================================================

Is this photo of the same product as that one? A verification system
answers with a threshold on a distance, and is judged by its two errors:
the false accept rate (FAR, pairs of two products accepted as one) and the
false reject rate (FRR, two photos of one product rejected). Here
``ContrastivePairClassifier`` learns the distance from pairs of products
seen in training and is measured on pairs of products it never saw:

- ``calibrate_threshold(strategy="eer")`` sets the threshold where FAR and
  FRR are equal (the equal error rate) and ``strategy="tar_at_far"`` the
  one that accepts the most genuine pairs at a given FAR;
- ``verification_report`` gives the figures the field reports (accuracy,
  F1, average precision, ROC-AUC, EER, TAR at FAR);
- ``predict_proba`` gives each pair's calibrated probability of being
  genuine.

The figure shows FAR and FRR against the distance threshold with the EER
marked, and the distances of genuine and impostor pairs before (raw
features) and after training, with the margin the loss pushes impostors
beyond and the ``pos_margin_`` within which genuine pairs stop pulling.

Run it with ``python examples/plot_verification_operating_points.py``
(``--quick``: fewer products and pairs).
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import brier_score_loss
from sklearn.metrics.pairwise import paired_euclidean_distances
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastivePairClassifier
from sk_contrastive.metrics import verification_report

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
rng = np.random.default_rng(0)

# %%
# Photos of products: 8 features carry the product (plus photo noise), 20
# carry nothing. Half the products are seen in training; the pairs of
# calibration and test are of the other half only.
n_products, n_pairs = (100, 600) if QUICK else (300, 3000)
product = np.repeat(np.arange(n_products), 6)
X = np.hstack([rng.standard_normal((n_products, 8))[product]
               + 0.8 * rng.standard_normal((len(product), 8)),
               rng.standard_normal((len(product), 20))])
X = StandardScaler().fit_transform(X)
seen = product < n_products // 2


def draw_pairs(rows, n):
    """``n`` index pairs among ``rows``, shuffled: half two photos of one
    product (genuine, 1), the other half two random photos (almost all of two
    products: impostors, 0)."""
    first = rng.choice(rows, n)
    same = np.array([rng.choice(rows[(product[rows] == product[i]) & (rows != i)])
                     for i in first[: n // 2]])
    second = np.concatenate([same, rng.choice(rows, n - n // 2)])
    pairs = np.column_stack([first, second])[rng.permutation(n)]
    return pairs, (product[pairs[:, 0]] == product[pairs[:, 1]]).astype(int)


train_pairs, train_y = draw_pairs(np.flatnonzero(seen), n_pairs)
unseen_pairs, unseen_y = draw_pairs(np.flatnonzero(~seen), n_pairs)
half = n_pairs // 2
calibration = unseen_pairs[:half], unseen_y[:half]
test = unseen_pairs[half:], unseen_y[half:]

# %%
# Fit on the seen products; choose operating points on calibration pairs of
# unseen products; measure them on the test pairs.
model = ContrastivePairClassifier(preprocessor=X, random_state=0)
model.fit(train_pairs, train_y)
print(f"map: {model.architecture_}, margin {model.margin}, pos_margin_ {model.pos_margin_:.3f}")

for label, settings in (("EER", {"strategy": "eer"}),
                        ("TAR at FAR 1 %", {"strategy": "tar_at_far", "far": 0.01})):
    model.calibrate_threshold(*calibration, **settings)
    accepted = model.predict(test[0]) == 1
    print(f"{label:<15} threshold {model.threshold_:.3f} (a distance): test FAR "
          f"{np.mean(accepted[test[1] == 0]):.3f}, FRR {np.mean(~accepted[test[1] == 1]):.3f}")

report = verification_report(test[1], model.decision_function(test[0]), far=(0.01, 0.1))
print(f"test ROC-AUC {report['roc_auc']:.3f}, average precision "
      f"{report['average_precision']:.3f}, EER {report['eer']:.3f}, best accuracy "
      f"{report['accuracy']:.3f}, TAR at FAR 1 % {report['tar_at_far'][0.01]:.3f}")
brier = brier_score_loss(test[1], model.predict_proba(test[0])[:, 1])
print(f"test Brier score of predict_proba {brier:.3f} (a constant 1/2 scores 0.250)")

# %%
# FAR and FRR against the distance threshold on the test pairs, and the
# distances of genuine and impostor pairs before and after training.
distances = model.pair_distance(test[0])
thresholds = np.linspace(0, np.quantile(distances, 0.99), 300)
far = [np.mean(distances[test[1] == 0] <= t) for t in thresholds]
frr = [np.mean(distances[test[1] == 1] > t) for t in thresholds]
eer_threshold = model.calibrate_threshold(*calibration, strategy="eer").threshold_

figure, axes = plt.subplots(1, 3, figsize=(13, 4))
axes[0].plot(thresholds, far, label="FAR: impostors accepted", color="tab:red")
axes[0].plot(thresholds, frr, label="FRR: genuine pairs rejected", color="tab:blue")
axes[0].axvline(eer_threshold, color="black", linestyle="--",
                label=f"EER threshold (calibration pairs)\ntest EER {report['eer']:.3f}")
axes[0].set_xlabel("distance threshold (learned embedding)")
axes[0].set_ylabel("rate on test pairs")
axes[0].set_title("Error rates against the threshold")
axes[0].legend(fontsize=8)

raw = paired_euclidean_distances(X[test[0][:, 0]], X[test[0][:, 1]])
for axis, values, title in ((axes[1], raw, "before: raw Euclidean distance"),
                            (axes[2], distances, "after: learned distance")):
    bins = np.linspace(0, np.quantile(values, 0.995), 40)
    axis.hist(values[test[1] == 1], bins, alpha=0.6, color="tab:blue", label="genuine")
    axis.hist(values[test[1] == 0], bins, alpha=0.6, color="tab:red", label="impostor")
    axis.set_xlabel("pair distance")
    axis.set_title(title)
axes[2].axvline(model.margin, color="black", linestyle=":", label=f"margin {model.margin}")
if model.pos_margin_ > 0:
    axes[2].axvline(model.pos_margin_, color="gray", linestyle="-.",
                    label=f"pos_margin_ {model.pos_margin_:.2f}")
axes[1].set_ylabel("test pairs")
axes[2].legend(fontsize=8)
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "verification_operating_points.png", dpi=150)
