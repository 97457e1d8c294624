"""
A search and a fit on a Dask cluster
====================================

With ``pip install ".[dask]"`` (from a clone) the library runs on an existing
Dask cluster; here a ``LocalCluster`` of two worker processes stands in for
one (connect ``Client("tcp://scheduler-address:8786")`` instead).

1. **A search**: ``GridSearchCV`` over a pipeline ending in kNN, its tasks
   run by the cluster through ``joblib.parallel_config(backend="dask")``;
   ``scatter=[X, y]`` sends the data to the workers once. It finds what the
   same search finds locally.
2. **A fit on data that live on the cluster**: a ``dask.array`` made chunk by
   chunk on the workers. Each chunk stays where it is, mines its own pairs
   and returns its loss and gradient at each step of L-BFGS, which runs here;
   ``transform`` returns a ``dask.array`` too.

The figure compares the search's scores on the cluster and locally.

Run it with ``python examples/plot_dask_cluster.py`` (``--quick``: fewer
samples).
"""

import os
import sys
import time
import warnings
from pathlib import Path

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from dask.distributed import Client, LocalCluster
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

QUICK = os.environ.get("SK_CONTRASTIVE_QUICK") == "1" or "--quick" in sys.argv
# the examples' folder (sphinx-gallery runs examples from it, without __file__)
OUTPUT = Path(globals().get("__file__", "here")).resolve().parent / "output"
warnings.simplefilter("ignore", ConvergenceWarning)


def chunk_of_blobs(block_info=None, seed=0):
    """Rows of a fixed 10-class mixture (64 features), made on a worker."""
    start, stop = block_info[None]["array-location"][0]
    centres = np.random.default_rng(seed).standard_normal((10, 16)) * 1.5
    rng = np.random.default_rng([seed, start])
    labels = rng.integers(0, 10, stop - start)
    X = rng.standard_normal((stop - start, 64)).astype(np.float32)
    X[:, :16] += centres[labels]
    return X


def labels_of_chunk(block_info=None, seed=0):
    start, stop = block_info[None]["array-location"][0]
    return np.random.default_rng([seed, start]).integers(0, 10, stop - start)


# The main guard lets worker processes start without running this script.
if __name__ == "__main__":
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)

    # %%
    # A search: locally, then on the cluster.
    X, y = load_digits(return_X_y=True)
    dims = [8, 32] if QUICK else [2, 4, 8, 16, 32]
    search = GridSearchCV(
        make_pipeline(StandardScaler(), ContrastiveEmbedding(random_state=0),
                      KNeighborsClassifier()),
        {"contrastiveembedding__n_components": dims},
        cv=3, n_jobs=-1)
    local = search.fit(X, y).cv_results_["mean_test_score"]
    with parallel_config(backend="dask", scatter=[X, y]):
        remote = search.fit(X, y).cv_results_["mean_test_score"]
    print("local  :", np.round(local, 4))
    print("cluster:", np.round(remote, 4), "(the same)" if np.array_equal(local, remote)
          else "(different!)")

    # %%
    # A fit on a Dask array that never leaves the workers.
    n_samples, rows = (40_000, 10_000) if QUICK else (400_000, 100_000)
    chunks = ((rows,) * (n_samples // rows),)
    X_big = da.map_blocks(chunk_of_blobs, dtype=np.float32, chunks=(chunks[0], (64,)))
    y_big = da.map_blocks(labels_of_chunk, dtype=np.int64, chunks=chunks)
    start = time.perf_counter()
    model = ContrastiveEmbedding(n_components=16, random_state=0, verbose=1).fit(X_big, y_big)
    print(f"fit on {n_samples:,} samples in {len(chunks[0])} chunks: "
          f"{time.perf_counter() - start:.1f} s")
    Z = model.transform(X_big)  # a dask.array, computed on the workers
    print(type(Z).__name__, Z.shape, "first rows:", np.round(Z[:2].compute(), 2))

    # %%
    # The search's scores on the cluster and locally.
    figure, axis = plt.subplots(figsize=(6, 3.6))
    axis.plot(dims, local, "o-", color="tab:gray", label="local (loky processes)")
    axis.plot(dims, remote, "x--", color="tab:orange", markersize=10,
              label="Dask cluster (2 worker processes)")
    axis.set_xscale("log", base=2)
    axis.set_xticks(dims)
    axis.set_xticklabels([str(d) for d in dims])
    axis.set_xlabel("n_components")
    axis.set_ylabel("3-fold cross-validated kNN accuracy")
    axis.set_title("GridSearchCV on digits: the same scores on the cluster")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    OUTPUT.mkdir(exist_ok=True)
    figure.savefig(OUTPUT / "dask_cluster.png", dpi=150)
    client.close()
    cluster.close()
