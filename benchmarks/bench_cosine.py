"""Cosine embeddings: metric="cosine" against the default Euclidean model.

Each split holds out 30 % of the samples, stratified (random_state 0, 1,
...); the score is the accuracy of kNN(5) fitted on the embedded training
samples. Both models are ``ContrastiveEmbedding`` at their defaults
(``n_components=None``, the map chosen on held-out data), one with
``metric="cosine"``.

Methods:

- "raw, cosine kNN": ``KNeighborsClassifier(metric="cosine")`` on the input;
- "euclidean model, euclidean kNN": the default model and kNN;
- "euclidean model, cosine kNN": the default model read with cosine kNN
  (what a retrieval system that normalises its vectors does);
- "cosine model, cosine kNN": ``metric="cosine"`` and cosine kNN (on unit
  vectors, the same neighbours as Euclidean kNN).

Sets:

- "digits": scikit-learn's 8 x 8 digits (1,797 x 64), ``StandardScaler``
  fitted on the training part;
- "topics (synthetic TF-IDF)": a generated corpus of word counts (below),
  through scikit-learn's ``TfidfTransformer(sublinear_tf=True)``, sparse;
- "scipy docstrings (TF-IDF)": real text available offline: the docstrings
  (over 300 characters, duplicates dropped, at most 120 per class) of the
  public functions of ten scipy subpackages, labelled by subpackage (fft,
  integrate, interpolate, linalg, ndimage, optimize, signal, sparse,
  special, stats), through ``CountVectorizer(stop_words="english",
  min_df=2)`` and ``TfidfTransformer(sublinear_tf=True)``, sparse. The
  texts come from the installed scipy, so its version is recorded.

The synthetic corpus (``topic_corpus``): 2,000 documents (800 with
``--quick``), 8 topics, 3,000 words whose background frequencies follow
Zipf's law (exponent 1.1). Each topic owns 40 keywords, 20 of which it
shares with the next topic. A document's length is lognormal (median 60
words); each word comes from the document's topic keywords with
probability 0.12, from the keywords of a second, random topic with
probability 0.06, and otherwise from the background: most of a document is
noise, and neighbouring topics share words, so raw kNN is far from perfect.

Usage: python benchmarks/bench_cosine.py [--quick] [--splits N] [--output DIR]
"""

import argparse
import importlib
import inspect
import time
import warnings

import numpy as np
import scipy
import scipy.sparse as sp
from _paired import paired_difference, score_tables
from _results import result_path, write_json
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

RAW = "raw, cosine kNN"
EUCLIDEAN = "euclidean model, euclidean kNN"
EUCLIDEAN_READ_AS_COSINE = "euclidean model, cosine kNN"
OURS = "cosine model, cosine kNN"
SCIPY_SUBPACKAGES = ("fft", "integrate", "interpolate", "linalg", "ndimage", "optimize",
                     "signal", "sparse", "special", "stats")
DOCSTRINGS_PER_CLASS = 120


def topic_corpus(n_documents, n_topics=8, n_words=3000, n_keywords=40, seed=0):
    """Word counts of a synthetic topic corpus (see the module docstring):
    ``(counts, topics)``, a CSR matrix of shape (n_documents, n_words) and
    the topic of each document."""
    rng = np.random.default_rng(seed)
    background = 1.0 / np.arange(1, n_words + 1) ** 1.1
    background /= background.sum()
    words = rng.permutation(n_words)
    keywords = [np.concatenate([words[k * n_keywords // 2 : (k + 1) * n_keywords // 2],
                                words[(k + 1) * n_keywords // 2 : (k + 2) * n_keywords // 2]])
                for k in range(n_topics)]
    topics = rng.integers(0, n_topics, n_documents)
    rows = []
    for topic in topics:
        length = max(5, int(rng.lognormal(np.log(60), 0.5)))
        other = rng.integers(0, n_topics)
        source = rng.choice(3, length, p=[0.12, 0.06, 0.82])
        drawn = np.concatenate([
            rng.choice(keywords[topic], int(np.sum(source == 0))),
            rng.choice(keywords[other], int(np.sum(source == 1))),
            rng.choice(n_words, int(np.sum(source == 2)), p=background),
        ])
        rows.append(np.bincount(drawn, minlength=n_words))
    return sp.csr_matrix(np.vstack(rows).astype(np.float64)), topics


def scipy_docstrings():
    """``(texts, labels)``: docstrings of scipy's public functions by subpackage."""
    texts, labels, seen = [], [], set()
    for label, name in enumerate(SCIPY_SUBPACKAGES):
        module = importlib.import_module(f"scipy.{name}")
        found = []
        for public in sorted(getattr(module, "__all__", dir(module))):
            doc = inspect.getdoc(getattr(module, public, None)) if not public.startswith(
                "_") else None
            if doc and len(doc) > 300 and doc not in seen:
                seen.add(doc)
                found.append(doc)
        rng = np.random.default_rng(label)
        if len(found) > DOCSTRINGS_PER_CLASS:
            found = [found[i] for i in sorted(rng.choice(len(found), DOCSTRINGS_PER_CLASS,
                                                         replace=False))]
        texts += found
        labels += [label] * len(found)
    return texts, np.array(labels)


def datasets(quick):
    """name -> (X, y, prepare(X_train, X_test) -> (X_train, X_test))."""
    X, y = load_digits(return_X_y=True)

    def standardised(train, test):
        scaler = StandardScaler().fit(train)
        return scaler.transform(train), scaler.transform(test)

    def tfidf(train, test):
        transformer = TfidfTransformer(sublinear_tf=True).fit(train)
        return transformer.transform(train), transformer.transform(test)

    counts, topics = topic_corpus(800 if quick else 2000)
    texts, subpackages = scipy_docstrings()
    words = CountVectorizer(stop_words="english", min_df=2).fit_transform(texts)
    return {
        "digits": (X, y, standardised),
        "topics (synthetic TF-IDF)": (counts, topics, tfidf),
        "scipy docstrings (TF-IDF)": (words.astype(np.float64).tocsr(), subpackages, tfidf),
    }


def knn_accuracy(Z_train, y_train, Z_test, y_test, metric):
    knn = KNeighborsClassifier(metric=metric).fit(Z_train, y_train)
    return float(knn.score(Z_test, y_test))


def run(quick, n_splits):
    rows = []
    for dataset, (X, y, prepare) in datasets(quick).items():
        print(f"{dataset}: {X.shape[0]} x {X.shape[1]}, {np.unique(y).size} classes",
              flush=True)
        for seed in range(n_splits):
            train, test = train_test_split(np.arange(X.shape[0]), test_size=0.3,
                                           stratify=y, random_state=seed)
            X_train, X_test = prepare(X[train], X[test])
            y_train, y_test = y[train], y[test]
            scores = {RAW: (knn_accuracy(X_train, y_train, X_test, y_test, "cosine"), 0.0)}
            for metric in ("euclidean", "cosine"):
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model = ContrastiveEmbedding(metric=metric, random_state=seed).fit(
                        X_train, y_train)
                seconds = time.perf_counter() - start
                Z_train, Z_test = model.transform(X_train), model.transform(X_test)
                if metric == "euclidean":
                    scores[EUCLIDEAN] = (
                        knn_accuracy(Z_train, y_train, Z_test, y_test, "euclidean"), seconds)
                    scores[EUCLIDEAN_READ_AS_COSINE] = (
                        knn_accuracy(Z_train, y_train, Z_test, y_test, "cosine"), seconds)
                else:
                    scores[OURS] = (
                        knn_accuracy(Z_train, y_train, Z_test, y_test, "cosine"), seconds)
                print(f"  {seed} {metric:<9} map {model.architecture_}"
                      f"{model.hidden_layer_sizes_ or ''} {seconds:6.2f} s", flush=True)
            for name, (value, seconds) in scores.items():
                rows.append({"dataset": dataset, "split": seed, "method": name,
                             "score": value, "fit_seconds": seconds})
                print(f"{dataset:<28} {seed} {name:<32} {value:.4f}", flush=True)
    return rows


def targets(rows):
    """The issue's targets, from the paired differences over the splits."""
    lines = ["", "Targets: cosine model with cosine kNN against the Euclidean model with "
             "Euclidean kNN (points, paired over the splits)", ""]
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        scores = {name: {row["split"]: row["score"] for row in rows
                         if row["dataset"] == dataset and row["method"] == name}
                  for name in (OURS, EUCLIDEAN)}
        difference = paired_difference(scores[OURS], scores[EUCLIDEAN])
        lines.append(f"- {dataset}: {difference['mean']:+.2f} "
                     f"(≥ -0.5: {'met' if difference['mean'] >= -0.5 else 'missed'}; "
                     f"ahead: {'yes' if difference['mean'] > 0 else 'no'})")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller corpus, 3 splits")
    parser.add_argument("--splits", type=int, default=None, help="default 10")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    rows = run(args.quick, args.splits or (3 if args.quick else 10))
    table = score_tables(rows, OURS, "Held-out kNN(5) accuracy",
                         ours_name="Cosine model with cosine kNN")
    table += "\n" + targets(rows) + f"\n\nscipy {scipy.__version__} (docstring corpus)\n"
    print(table)
    write_json(args.output, "cosine", args.quick, rows)
    result_path(args.output, "cosine", args.quick, "md").write_text(table)


if __name__ == "__main__":
    main()
