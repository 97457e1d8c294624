"""
A large fit: its progress log, and how time grows with the data
===============================================================

A fit on 200,000 samples of 64 features (10 classes, float32) with
``verbose=1``: the log marks each mining round (how many pairs, how long
they took), prints one row per L-BFGS iteration (loss, gradient norm,
seconds since the fit started), says why each round stopped, and closes with
a summary. The figure then shows fit time against the number of samples,
split into pair building and optimisation: from the full scaling benchmark
(``benchmarks/bench_scaling.py``, up to 10 million samples) when its results
are in ``benchmarks/results``, else measured here on a few small sizes.

Run it with ``python examples/plot_large_fit.py`` (``--quick``: 20,000
samples).
"""

import json
import os
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
RESULTS = OUTPUT.parent.parent / "benchmarks" / "results" / "scaling_full.json"


def data(n_samples):
    X, y = make_classification(n_samples=n_samples, n_features=64, n_informative=16,
                               n_classes=10, n_clusters_per_class=2, random_state=0)
    return X.astype(np.float32), y


# %%
# The fit, with its log.
X, y = data(20_000 if QUICK else 200_000)
start = time.perf_counter()
model = ContrastiveEmbedding(n_components=16, verbose=1, random_state=0).fit(X, y)
logged_fit = {"n": len(X), "fit_seconds": time.perf_counter() - start,
              "pairs_seconds": float("nan"), "optimize_seconds": float("nan")}

# %%
# Fit time against the number of samples.
if RESULTS.exists() and not QUICK:
    fits = [row for row in json.loads(RESULTS.read_text())["fits"] if row["method"] == "ours"]
    source = "benchmarks/bench_scaling.py"
else:
    fits = []
    for n_samples in (2_000, 6_000, 20_000):
        if n_samples == logged_fit["n"]:  # the fit above, on these very data
            fits.append(logged_fit)
            continue
        X, y = data(n_samples)
        start = time.perf_counter()
        fitted = ContrastiveEmbedding(n_components=16, random_state=0).fit(X, y)
        fits.append({"n": n_samples, "fit_seconds": time.perf_counter() - start,
                     "pairs_seconds": float("nan"), "optimize_seconds": float("nan")})
    source = "measured here"
n = np.array([row["n"] for row in fits])
figure, axis = plt.subplots(figsize=(7, 4.2))
axis.loglog(n, [row["fit_seconds"] for row in fits], "o-", color="tab:orange",
            label="whole fit")
if not np.isnan(fits[0]["pairs_seconds"]):
    axis.loglog(n, [row["pairs_seconds"] for row in fits], "s--", color="tab:blue",
                label="building pairs (all rounds)")
    axis.loglog(n, [row["optimize_seconds"] for row in fits], "^--", color="tab:green",
                label="optimisation (all rounds)")
reference = n * np.log(n)
axis.loglog(n, reference / reference[-1] * fits[-1]["fit_seconds"], ":", color="gray",
            label="n log n, through the last point")
axis.set_xlabel("training samples (64 features, 16-D embedding, float32)")
axis.set_ylabel("seconds")
axis.set_title(f"Fit time against the number of samples ({source})")
axis.grid(True, which="both", alpha=0.3)
axis.legend(fontsize=8)
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "large_fit_scaling.png", dpi=150)
