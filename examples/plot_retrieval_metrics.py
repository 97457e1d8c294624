"""
Retrieval metrics against the dimension of the embedding
========================================================

A kNN classifier needs each sample's nearest neighbours to share its class;
retrieval needs the *whole* class to rank ahead of the others. The two can
part ways, and most of all on classes the model never saw. This example
fits ``ContrastiveEmbedding`` on the digits 0 to 4 at several
``n_components`` and measures, with :mod:`sk_contrastive.metrics`, the
Precision@1, R-precision and MAP@R of held-out samples of those digits and
of the digits 5 to 9, which training never showed (the protocol of Musgrave
et al., "A Metric Learning Reality Check", 2020). Each test set is ranked
leave-one-out.

Run it with ``python examples/plot_retrieval_metrics.py`` (``--quick``: fewer
dimensions and samples).
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive.metrics import retrieval_report

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"

X, y = load_digits(return_X_y=True)
seen = y < 5
X_seen, X_seen_test, y_seen, y_seen_test = train_test_split(
    X[seen], y[seen], test_size=0.3, stratify=y[seen], random_state=0)
X_unseen, y_unseen = X[~seen], y[~seen]
if QUICK:
    X_seen, y_seen = X_seen[:300], y_seen[:300]
scaler = StandardScaler().fit(X_seen)
dimensions = [2, 8] if QUICK else [2, 4, 8, 16, 32]
metrics = {"precision_at_1": "Precision@1", "r_precision": "R-precision",
           "mean_average_precision_at_r": "MAP@R"}

# %%
# Fit at each dimension; score the held-out samples of the seen digits and the
# unseen digits. The raw standardised pixels are the reference line.
rows = {"seen digits (held-out samples)": (X_seen_test, y_seen_test),
        "unseen digits 5-9": (X_unseen, y_unseen)}
raw = {name: retrieval_report(scaler.transform(X_test), y_test)
       for name, (X_test, y_test) in rows.items()}
found = {name: {metric: [] for metric in metrics} for name in rows}
for n_components in dimensions:
    model = ContrastiveEmbedding(n_components=n_components, random_state=0)
    model.fit(scaler.transform(X_seen), y_seen)
    for name, (X_test, y_test) in rows.items():
        report = retrieval_report(model.transform(scaler.transform(X_test)), y_test)
        for metric in metrics:
            found[name][metric].append(report[metric])
    print(f"n_components={n_components:>2}: " + "  ".join(
        f"{name.split(' ')[0]} MAP@R {found[name]['mean_average_precision_at_r'][-1]:.3f} "
        f"P@1 {found[name]['precision_at_1'][-1]:.3f}" for name in rows))
for name in rows:
    print(f"raw pixels, {name}: MAP@R {raw[name]['mean_average_precision_at_r']:.3f} "
          f"P@1 {raw[name]['precision_at_1']:.3f}")

# %%
# Each metric against the dimension; dotted lines: the raw pixels.
figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
colours = {"precision_at_1": "tab:blue", "r_precision": "tab:orange",
           "mean_average_precision_at_r": "tab:green"}
for axis, name in zip(axes, rows):
    for metric, label in metrics.items():
        axis.plot(dimensions, found[name][metric], marker="o", color=colours[metric],
                  label=label)
        axis.axhline(raw[name][metric], color=colours[metric], linestyle=":", linewidth=1)
    axis.set_xscale("log", base=2)
    axis.set_xticks(dimensions)
    axis.set_xticklabels([str(d) for d in dimensions])
    axis.set_xlabel("n_components")
    axis.set_title(name)
    axis.grid(alpha=0.3)
axes[0].set_ylabel("leave-one-out score")
axes[0].legend(loc="lower right", title="dotted: raw pixels", title_fontsize=8)
figure.suptitle("Digits: trained on 0-4; retrieval on held-out samples and on unseen digits")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "retrieval_metrics.png", dpi=150)
