"""
Streaming a file too large to load: ``partial_fit`` over ``np.memmap`` batches
==============================================================================

A float32 file of samples on disk (here written first: a mixture of 10
classes in 16 of 64 dimensions) is read one batch at a time through
``np.memmap`` and streamed into
:meth:`~sk_contrastive.ContrastiveEmbedding.partial_fit`. Each call trains
on its batch and on a bounded memory of earlier samples (``memory_size``,
reservoir sampling), warm-started from the map so far; the first call fixes
the internal units, ``n_components`` and ``alpha``. Each batch is a memmap
of its own slice, copied into memory and unmapped, so that the pages of
earlier batches leave the process: resident memory stays that of one batch
and the memory, however long the file.

The figure shows the held-out kNN accuracy of the embedding after each
batch, and the resident memory of the process.

Run it with ``python examples/plot_streaming.py`` (``--quick``: a small
file of 8 batches of 5,000 samples; else 20 batches of 100,000, 512 MB).
"""

import os
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
N_BATCHES, ROWS = (8, 5_000) if QUICK else (20, 100_000)
N_FEATURES = 64
CENTRES = np.random.default_rng(0).standard_normal((10, 16)) * 0.6


def mixture(n_samples, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n_samples)
    X = rng.standard_normal((n_samples, N_FEATURES)).astype(np.float32)
    X[:, :16] += CENTRES[y].astype(np.float32)
    return X, y


def resident_mb():
    """This process's resident memory (Linux; NaN elsewhere)."""
    try:
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    except OSError:
        return float("nan")
    return int(status["VmRSS"].split()[0]) / 1024


# %%
# The file on disk, written batch by batch (labels beside it).
folder = Path(tempfile.mkdtemp())
path = folder / "samples.f32"
labels = np.empty(N_BATCHES * ROWS, dtype=np.int8)
with open(path, "wb") as file:
    for batch in range(N_BATCHES):
        X, y = mixture(ROWS, seed=batch + 1)
        X.tofile(file)
        labels[batch * ROWS:(batch + 1) * ROWS] = y
print(f"{path.stat().st_size / 1e6:.0f} MB on disk: {N_BATCHES} batches of {ROWS} x "
      f"{N_FEATURES} float32")

# %%
# The stream: one memmap per batch, copied and unmapped.
X_test, y_test = mixture(10_000, seed=0)
half = len(y_test) // 2
model = ContrastiveEmbedding(n_components=16, memory_size=2000, random_state=0)
accuracy, memory = [], []
for batch in range(N_BATCHES):
    window = np.memmap(path, dtype=np.float32, mode="r", shape=(ROWS, N_FEATURES),
                       offset=batch * ROWS * N_FEATURES * 4)
    X = np.array(window)  # this batch in memory; the file stays on disk
    del window
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.partial_fit(X, labels[batch * ROWS:(batch + 1) * ROWS])
    Z = model.transform(X_test)
    accuracy.append(KNeighborsClassifier(5).fit(Z[:half], y_test[:half]).score(
        Z[half:], y_test[half:]))
    memory.append(resident_mb())
    print(f"batch {batch + 1:2d}: {model.n_iter_:3d} iterations, held-out kNN accuracy "
          f"{accuracy[-1]:.3f}, resident memory {memory[-1]:.0f} MB")
raw = KNeighborsClassifier(5).fit(X_test[:half], y_test[:half]).score(
    X_test[half:], y_test[half:])
print(f"raw features: {raw:.3f}; memory kept: {model.memory_size} samples")
path.unlink()
folder.rmdir()

# %%
# Accuracy and resident memory, batch by batch.
figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
batches = np.arange(1, N_BATCHES + 1)
left.plot(batches, accuracy, "o-", color="tab:orange", label="partial_fit")
left.axhline(raw, color="gray", linestyle=":", label="raw features")
left.set_xlabel("batches seen")
left.set_ylabel("held-out kNN(5) accuracy")
left.legend(fontsize=8)
right.plot(batches, memory, "s-", color="tab:blue")
right.set_ylim(0, max(np.nanmax(memory), 1) * 1.3)
right.set_xlabel("batches seen")
right.set_ylabel("resident memory (MB)")
figure.suptitle(f"Streaming {N_BATCHES} x {ROWS:,} samples from a file")
figure.tight_layout()
OUTPUT.mkdir(exist_ok=True)
figure.savefig(OUTPUT / "streaming.png", dpi=150)
