"""
Sparse records: one-hot categories and TF-IDF text in a pipeline
================================================================

Generates product records (a brand, a country of origin, a free-text
description) of 8 product types, encodes them with a ``ColumnTransformer``
(``OneHotEncoder`` on the categories, ``TfidfVectorizer`` on the text: a
sparse matrix of a few thousand columns), embeds them with
``ContrastiveEmbedding`` and classifies the product type with kNN. It prints
the test accuracy and fit time against kNN on the raw sparse features, the
same embedding fitted on the densified matrix, and scikit-learn's NCA (which
only takes dense input).

Run it with ``python examples/plot_sparse_records.py`` (``--quick``: fewer
records, no NCA).
"""

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
N_TYPES = 8


def make_records(n_records, random_state=0):
    """Records as a 2-D object array (brand, country, description) and types.

    Each product type favours a few brands and ~25 words of its own; every
    description also draws from a shared vocabulary of 600 filler words, and
    brands and countries are often off-type, so no single column decides.
    """
    rng = np.random.default_rng(random_state)
    types = rng.integers(0, N_TYPES, n_records)
    brands = np.array([f"brand{i}" for i in range(60)])
    countries = np.array([f"country{i}" for i in range(12)])
    own_words = [[f"w{t}_{j}" for j in range(25)] for t in range(N_TYPES)]
    filler = np.array([f"filler{j}" for j in range(600)])
    records = np.empty((n_records, 3), dtype=object)
    for i, kind in enumerate(types):
        typical_brand = rng.random() < 0.5
        records[i, 0] = brands[kind * 6 + rng.integers(0, 6)] if typical_brand else (
            rng.choice(brands))
        records[i, 1] = rng.choice(countries)
        n_own = rng.integers(1, 4)
        words = list(rng.choice(own_words[kind], n_own)) + list(rng.choice(filler, 12))
        # a typical word of another type, now and then
        words += list(rng.choice(own_words[rng.integers(0, N_TYPES)], rng.integers(0, 3)))
        rng.shuffle(words)
        records[i, 2] = " ".join(words)
    return records, types


def encoder(dense=False):
    return ColumnTransformer(
        [("categories", OneHotEncoder(handle_unknown="ignore"), [0, 1]),
         ("description", TfidfVectorizer(), 2)],
        sparse_threshold=0.0 if dense else 1.0,
    )


# %%
# The records, their sparse encoding, and four pipelines ending in kNN.
records, types = make_records(2000 if QUICK else 8000)
X_train, X_test, y_train, y_test = train_test_split(
    records, types, stratify=types, test_size=0.3, random_state=0)
n_features = encoder().fit(X_train).transform(X_train).shape[1]
print(f"{len(X_train)} training records, {n_features} sparse features "
      f"(one-hot + TF-IDF), {N_TYPES} product types\n")
pipelines = {
    "kNN on the sparse features": make_pipeline(encoder(), KNeighborsClassifier()),
    "ContrastiveEmbedding, sparse": make_pipeline(
        encoder(), ContrastiveEmbedding(n_components=16, random_state=0),
        KNeighborsClassifier()),
    "ContrastiveEmbedding, densified": make_pipeline(
        encoder(dense=True), ContrastiveEmbedding(n_components=16, random_state=0),
        KNeighborsClassifier()),
}
if not QUICK:
    pipelines["sklearn NCA, densified"] = make_pipeline(
        encoder(dense=True),
        NeighborhoodComponentsAnalysis(n_components=16, max_iter=50, random_state=0),
        KNeighborsClassifier())

print(f"{'pipeline':<34} {'kNN accuracy':>12} {'fit time (s)':>12}")
results = {}
for name, pipeline in pipelines.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    results[name] = pipeline.score(X_test, y_test), seconds
    print(f"{name:<34} {results[name][0]:>12.3f} {seconds:>12.2f}")

# %%
# Accuracy and fit time side by side.
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

names = list(results)
colours = ["tab:gray", "tab:orange", "tab:blue", "tab:purple"][: len(names)]
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
bars = left.barh(names, [results[name][0] for name in names], color=colours)
left.bar_label(bars, fmt="%.3f", padding=3)
left.set_xlim(0, 1.1)
left.set_xlabel("kNN(5) test accuracy (product type)")
left.invert_yaxis()
bars = right.barh(names, [results[name][1] for name in names], color=colours)
right.bar_label(bars, fmt="%.2f s", padding=3)
right.set_xscale("log")
# decades only: minor-tick labels of a short log axis overprint each other
right.xaxis.set_minor_formatter(NullFormatter())
right.set_xlim(right=4 * max(seconds for _, seconds in results.values()))  # room for labels
right.set_xlabel("pipeline fit time (s, log scale)")
right.invert_yaxis()
right.set_yticklabels([])
figure.suptitle(f"Product records: {n_features} sparse features (one-hot brand and "
                "country, TF-IDF description)")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "sparse_records.png", dpi=150)
