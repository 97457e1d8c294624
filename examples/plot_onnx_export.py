"""
Exporting a pipeline to ONNX
============================

A ``Pipeline`` of ``StandardScaler``, ``ContrastiveEmbedding`` and
``KNeighborsClassifier`` is fitted on scikit-learn's handwritten digits,
converted to ONNX by skl2onnx (``import sk_contrastive.onnx`` registers the
library's converters) and run by onnxruntime, which needs neither
scikit-learn nor this library. The script prints how often the two predict
the same digit, how far apart their embeddings are, and the time each takes
to predict the test set and one sample; the figure plots every coordinate
of the ONNX embedding against scikit-learn's.

Needs the ``onnx`` extra: ``pip install ".[onnx]"``. Run it with
``python examples/plot_onnx_export.py`` (``--quick``: a linear map of few
iterations instead of the map chosen on held-out data).
"""

import os
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sk_contrastive.onnx  # noqa: F401  (registers the converters with skl2onnx)
from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"

# %%
# Fit the pipeline in float32, the type ONNX models usually run in.
X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.3, random_state=0)
settings = dict(architecture="linear", pos_margin=0.0, max_iter=30) if QUICK else {}
pipeline = make_pipeline(
    StandardScaler(), ContrastiveEmbedding(n_components=16, random_state=0, **settings),
    KNeighborsClassifier())
pipeline.fit(X_train, y_train)
embedding = pipeline[1]
print(f"fitted map: {embedding.architecture_} {embedding.hidden_layer_sizes_ or ''}".rstrip()
      + f", test accuracy {pipeline.score(X_test, y_test):.3f}")

# %%
# Convert. The example input ``X_train[:1]`` gives the input's type and
# width. The options are skl2onnx's, for the kNN step: ``zipmap=False``
# returns the probabilities as one array rather than a dictionary per
# sample, and ``optim="cdist"`` computes the distances with onnxruntime's
# ``CDist`` operator (skl2onnx's default graph for them was 30 times
# slower here). The embedding alone (the pipeline's first two steps)
# converts the same way.
onnx_pipeline = to_onnx(pipeline, X_train[:1],
                        options={id(pipeline[-1]): {"zipmap": False, "optim": "cdist"}})
onnx_embedding = to_onnx(pipeline[:-1], X_train[:1])
OUTPUT.mkdir(exist_ok=True)
(OUTPUT / "digits_pipeline.onnx").write_bytes(onnx_pipeline.SerializeToString())
print(f"ONNX pipeline: {len(onnx_pipeline.SerializeToString()) / 1e3:.0f} kB, "
      f"outputs {[output.name for output in onnx_pipeline.graph.output]}")


def session(model):
    return onnxruntime.InferenceSession(model.SerializeToString(),
                                        providers=["CPUExecutionProvider"])


predictor, embedder = session(onnx_pipeline), session(onnx_embedding)

# %%
# onnxruntime against scikit-learn: the labels, and the embedding (its
# largest difference relative to the embedding's largest magnitude).
labels = predictor.run(None, {"X": X_test})[0]
agreement = np.mean(labels == pipeline.predict(X_test))
embedded_onnx = embedder.run(None, {"X": X_test})[0]
embedded_sklearn = pipeline[:-1].transform(X_test)
error = np.abs(embedded_onnx - embedded_sklearn).max() / np.abs(embedded_sklearn).max()
print(f"same label for {agreement:.2%} of {len(X_test)} test digits; embedding: "
      f"largest difference {error:.1e} of its largest magnitude")


def best_time(function, repeats):
    """The fastest of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


one = X_test[:1]
timings = {
    "scikit-learn": (best_time(lambda: pipeline.predict(X_test), 10),
                     best_time(lambda: pipeline.predict(one), 50)),
    "onnxruntime": (best_time(lambda: predictor.run(None, {"X": X_test}), 10),
                    best_time(lambda: predictor.run(None, {"X": one}), 50)),
}
print(f"\n{'predict':<14} {f'{len(X_test)} digits (ms)':>18} {'one digit (ms)':>15}")
for name, (batch, single) in timings.items():
    print(f"{name:<14} {1e3 * batch:>18.2f} {1e3 * single:>15.3f}")

# %%
# Every coordinate of the test digits' embedding, ONNX against scikit-learn
# (on the diagonal where they agree), and the prediction times.
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.scatter(embedded_sklearn.ravel(), embedded_onnx.ravel(), s=2, alpha=0.3)
limits = [embedded_sklearn.min(), embedded_sklearn.max()]
left.plot(limits, limits, color="tab:gray", linewidth=0.8, label="y = x")
left.set_xlabel("scikit-learn: pipeline[:-1].transform")
left.set_ylabel("onnxruntime: the converted embedding")
left.set_title(f"{embedded_sklearn.size} coordinates; largest difference {error:.0e} "
               "of the largest", fontsize=10)
left.legend(loc="upper left")
names = list(timings)
positions = np.arange(len(names))
for offset, (column, label) in enumerate([(0, f"{len(X_test)} digits"), (1, "one digit")]):
    bars = right.barh(positions + 0.4 * offset, [1e3 * timings[name][column] for name in names],
                      height=0.4, label=label)
    right.bar_label(bars, fmt="%.2f ms", padding=3)
right.set_yticks(positions + 0.2, names)
right.set_xscale("log")
right.set_xlim(right=10 * 1e3 * max(max(pair) for pair in timings.values()))  # room for labels
right.set_xlabel("predict time (ms, log scale; best of several calls)")
right.invert_yaxis()
right.legend(loc="lower right")
figure.suptitle(f"Digits pipeline in onnxruntime: {agreement:.2%} of the labels the same")
figure.tight_layout()
figure.savefig(OUTPUT / "onnx_export.png", dpi=150)
