"""Fits and searches on a Dask cluster against the same work in memory.

On a LocalCluster of 2 worker processes (one thread each):

1. **Overhead**: one loss-and-gradient evaluation of the distributed fit
   (parameters out, each chunk's loss and gradient back, summed on the
   client) against the in-memory evaluation at n = 1,000,000 (d = 64,
   k = 16, float32, default pairs), medians over repeats; the ratio is the
   price (or, with two workers on two cores, the gain) of the cluster.
2. **Larger than a worker**: a default fit on a Dask array several times
   larger than one worker's memory limit (workers limited to
   ``--worker-memory`` each, the array made on the workers and never held
   whole anywhere): fit time, iterations, and each worker's peak resident
   memory, read from the workers themselves.
3. **Searches**: a GridSearchCV over ``n_components`` of a pipeline ending in
   kNN, under ``joblib.parallel_config(backend="dask", scatter=[X, y])``,
   against the same search run locally: both tables of scores.
4. **Pairs within chunks**: held-out kNN accuracy of a fit in memory against
   fits on the same rows in 2, 8 and 32 chunks, in random order and sorted by
   their first principal component: what mining within chunks costs, and
   that the order of the rows does not matter (the fit deals them at random
   into its chunks).

Usage: python benchmarks/bench_dask.py [--quick] [--output DIR]
       (--quick: 200,000 samples and a smaller array)
"""

import argparse
import json
import resource
import time
import warnings

import numpy as np
from _results import write_json
from bench_evaluation import median_time
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def blobs_chunk(block_info=None, n_features=64, n_classes=10, seed=0):
    """One chunk of a fixed mixture: each class a Gaussian around its own
    centre in 16 dimensions, plus noise features; made where it is needed."""
    location = block_info[None]["array-location"][0]
    rows = location[1] - location[0]
    centres = np.random.default_rng(seed).standard_normal((n_classes, 16)) * 1.5
    rng = np.random.default_rng([seed, location[0]])
    y = rng.integers(0, n_classes, rows)
    X = rng.standard_normal((rows, n_features)).astype(np.float32)
    X[:, :16] += centres[y]
    return X


def blobs_labels(block_info=None, n_classes=10, seed=0):
    location = block_info[None]["array-location"][0]
    rng = np.random.default_rng([seed, location[0]])
    return rng.integers(0, n_classes, location[1] - location[0])


def lazy_blobs(n_samples, chunk_rows, n_features=64):
    """A Dask array and its labels, generated chunk by chunk on the workers."""
    import dask.array as da

    chunks = (chunk_rows,) * (n_samples // chunk_rows) + (
        (n_samples % chunk_rows,) if n_samples % chunk_rows else ())
    X = da.map_blocks(blobs_chunk, dtype=np.float32, chunks=(chunks, (n_features,)),
                      n_features=n_features)
    y = da.map_blocks(blobs_labels, dtype=np.int64, chunks=(chunks,))
    return X, y


def evaluation_overhead(client, n_samples, repeats=5):
    from sk_contrastive import ContrastiveEmbedding
    from sk_contrastive._dask import ChunkedPairSource, DaskData
    from sk_contrastive._linear import LinearProjection
    from sk_contrastive._scaling import InputScaling
    from sk_contrastive._training_data import InMemoryData

    X_dask, y_dask = lazy_blobs(n_samples, n_samples // 2)
    X, y = X_dask.compute(), y_dask.compute()
    make = ContrastiveEmbedding(16)._pair_source_maker(False, False)
    on_cluster = DaskData(X_dask, ChunkedPairSource(make, y_dask.astype(np.intp), 1), None,
                          1.0, 0.0, np.random.RandomState(0))
    in_memory = InMemoryData(X, make(y.astype(np.intp)), InputScaling.from_data(X), None,
                             1.0, 0.0, np.random.RandomState(0))
    times = {}
    # BLAS on one thread here, as during a fit (the workers' BLAS is on one
    # thread too: Dask's nanny sets OPENBLAS_NUM_THREADS=1)
    with threadpool_limits(limits=1, user_api="blas"):
        for name, data in (("cluster", on_cluster), ("memory", in_memory)):
            projection = LinearProjection(64, 16, data.scaling)
            params = np.random.default_rng(0).standard_normal(projection.n_params) * 0.1
            data.build_pairs(projection, params, 0, False, np.random.RandomState(1))
            times[name] = median_time(lambda: data.objective(projection, params, 0.0),
                                      repeats)
    return {"n_samples": n_samples, "chunks": 2,
            "evaluation_ms_cluster": 1e3 * times["cluster"],
            "evaluation_ms_memory": 1e3 * times["memory"],
            "ratio_cluster_to_memory": times["cluster"] / times["memory"]}


def worker_peak_megabytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def larger_than_a_worker(client, n_samples, chunk_rows, worker_memory):
    from sk_contrastive import ContrastiveEmbedding

    X, y = lazy_blobs(n_samples, chunk_rows)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ContrastiveEmbedding(16, random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    return {"n_samples": n_samples, "array_megabytes": X.nbytes / 2**20,
            "worker_memory_limit_megabytes": worker_memory / 2**20,
            "fit_seconds": seconds, "iterations": int(model.n_iter_),
            "worker_peak_megabytes": client.run(worker_peak_megabytes)}


def searches(client):
    from joblib import parallel_config

    from sk_contrastive import ContrastiveEmbedding

    X, y = load_digits(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), ContrastiveEmbedding(random_state=0),
                      KNeighborsClassifier()),
        {"contrastiveembedding__n_components": [2, 8, 16, 32]}, cv=5, n_jobs=-1)
    start = time.perf_counter()
    local = search.fit(X, y).cv_results_["mean_test_score"]
    local_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with parallel_config(backend="dask", scatter=[X, y]):
        on_cluster = search.fit(X, y).cv_results_["mean_test_score"]
    return {"local": local.tolist(), "cluster": on_cluster.tolist(),
            "equal": bool(np.array_equal(local, on_cluster)),
            "local_seconds": local_seconds, "cluster_seconds": time.perf_counter() - start}


def pairs_within_chunks(n_samples):
    """Held-out kNN accuracy and fit time: in memory, and in chunks of random
    or spatially sorted rows."""
    import dask.array as da
    from sklearn.datasets import make_classification
    from sklearn.decomposition import PCA

    from sk_contrastive import ContrastiveEmbedding

    X, y = make_classification(n_samples=n_samples + 20_000, n_features=64, n_informative=16,
                               n_classes=10, n_clusters_per_class=2, random_state=0)
    X = X.astype(np.float32)
    X, y, X_test, y_test = X[:n_samples], y[:n_samples], X[n_samples:], y[n_samples:]
    reference = np.random.default_rng(0).permutation(n_samples)[:100_000]

    def fit_and_score(X_fit, y_fit):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = ContrastiveEmbedding(16, random_state=0).fit(X_fit, y_fit)
        seconds = time.perf_counter() - start
        knn = KNeighborsClassifier().fit(model.transform(X[reference]), y[reference])
        embedded = model.transform(X_test)
        embedded = embedded.compute() if hasattr(embedded, "compute") else embedded
        return {"knn_accuracy": knn.score(embedded, y_test), "fit_seconds": seconds}

    found = {"in memory": fit_and_score(X, y)}
    by_first_component = np.argsort(PCA(1, random_state=0).fit_transform(X).ravel(),
                                    kind="stable")
    for n_chunks in (2, 8, 32):
        rows = n_samples // n_chunks
        for order_name, order in (("random rows", np.arange(n_samples)),
                                  ("sorted by PC 1", by_first_component)):
            found[f"{n_chunks} chunks, {order_name}"] = fit_and_score(
                da.from_array(X[order], chunks=(rows, X.shape[1])),
                da.from_array(y[order], chunks=rows))
    return found


def main():
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker-memory", type=float, default=0.75,
                        help="each worker's memory limit in GB (default 0.75)")
    parser.add_argument("--output", default="benchmarks/results")
    args = parser.parse_args()
    results = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        results["overhead"] = evaluation_overhead(client, 200_000 if args.quick else 1_000_000)
        print(json.dumps(results["overhead"]), flush=True)
        results["searches"] = searches(client)
        print(json.dumps(results["searches"]), flush=True)
        results["pairs_within_chunks"] = pairs_within_chunks(
            40_000 if args.quick else 400_000)
        print(json.dumps(results["pairs_within_chunks"]), flush=True)
    memory = int(args.worker_memory * 2**30)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      memory_limit=memory, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        n_samples = 1_000_000 if args.quick else 12_000_000
        # chunks of 100,000 rows (24 MB): a worker holds about 300 MB before
        # any data (Python, numpy, scipy, scikit-learn, distributed), and with
        # 250,000-row chunks under a 512 MB limit the nanny restarted workers
        results["larger_than_a_worker"] = larger_than_a_worker(
            client, n_samples, 100_000, memory)
        print(json.dumps(results["larger_than_a_worker"]), flush=True)
    write_json(args.output, "dask", args.quick, results)


if __name__ == "__main__":
    main()
