"""Fits leave no process-wide state behind, however many run at once."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_config
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_info

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._threadpool import blas_single_threaded


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=600, n_features=30, n_informative=10, n_classes=5, random_state=0
    )


def thread_limits():
    return [(info["filepath"], info["num_threads"]) for info in threadpool_info()]


def fit(X, y, seed):
    model = ContrastiveEmbedding(n_components=8, n_mining_rounds=3, max_iter=30,
                                 random_state=seed)
    return model.fit(X, y).transform(X)  # defaults: the map is the selection's choice


def test_concurrent_fits_restore_thread_limits_and_match_sequential_fits(data):
    X, y = data
    before = thread_limits()
    sequential = [fit(X, y, seed) for seed in range(6)]
    assert thread_limits() == before
    for _ in range(2):  # the race left BLAS on 1 thread in 4 runs out of 4
        with ThreadPoolExecutor(3) as pool:
            concurrent = list(pool.map(lambda seed: fit(X, y, seed), range(6)))
        assert thread_limits() == before
        for a, b in zip(sequential, concurrent):
            np.testing.assert_array_equal(a, b)


def test_a_fit_on_any_thread_holds_blas_to_one_thread():
    # threadpoolctl 3.8 lets only the thread that first set an OpenBLAS limit
    # change it again: after a fit on the main thread, a fit on another thread
    # ran BLAS on every core (and OpenBLAS 0.3.21 then rounds otherwise).
    def blas_limits_during_a_fit():
        with blas_single_threaded():
            return {info["num_threads"] for info in threadpool_info()
                    if info["user_api"] == "blas"}

    before = thread_limits()
    assert blas_limits_during_a_fit() == {1}
    for _ in range(2):
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(blas_limits_during_a_fit).result() == {1}
        assert thread_limits() == before
    assert blas_limits_during_a_fit() == {1}
    assert thread_limits() == before


def test_joblib_threads_and_nested_parallelism_restore_thread_limits(data):
    X, y = data
    before = thread_limits()

    def nested(seed):
        return Parallel(n_jobs=2, backend="threading")(
            delayed(fit)(X, y, seed + offset) for offset in (0, 10)
        )

    with parallel_config(backend="threading", n_jobs=3):
        results = Parallel()(delayed(nested)(seed) for seed in range(3))
    assert thread_limits() == before
    np.testing.assert_array_equal(results[1][0], fit(X, y, 1))


def test_spare_threads_follow_the_blas_limit_of_the_caller():
    from threadpoolctl import threadpool_limits

    from sk_contrastive._threadpool import spare_threads

    blas = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    with blas_single_threaded():
        assert spare_threads() == min(blas)
        with blas_single_threaded():  # another fit running: the cores are taken
            assert spare_threads() == 1
    with threadpool_limits(1), blas_single_threaded():
        assert spare_threads() == 1


@pytest.mark.parametrize("n_threads", [2, 3])
def test_the_neighbour_search_finds_the_same_pairs_on_any_number_of_threads(
        data, monkeypatch, n_threads):
    from sk_contrastive import _pairs, _threadpool

    X, y = data
    blocks = [np.arange(start, min(start + 64, X.shape[0])) for start in range(0, 600, 64)]
    found = {}
    for threads in (1, n_threads):
        monkeypatch.setattr(_threadpool, "spare_threads", lambda: threads)
        found[threads] = _pairs._nearest_rows(X, y, 5, 7, blocks)
    for serial, parallel in zip(found[1], found[n_threads]):
        np.testing.assert_array_equal(serial, parallel)
    assert (found[1][0] >= 0).mean() > 0.9 and (found[1][1] >= 0).all()


def test_a_fit_mining_in_blocks_is_the_same_on_any_number_of_threads(data, monkeypatch):
    """The neighbour search and the pair pass in segments (taken on threads
    where more than ``2 * SEGMENT_PAIRS`` pairs are) give the same fit."""
    from sk_contrastive import _loss, _threadpool

    X, y = data
    monkeypatch.setattr(_loss, "SEGMENT_PAIRS", 1000)
    segmented = []
    monkeypatch.setattr(_loss._Segments, "loss_gradient", _recording(
        _loss._Segments.loss_gradient, segmented))
    embeddings = {}
    for threads in (1, 2, 3):
        monkeypatch.setattr(_threadpool, "spare_threads", lambda: threads)
        model = ContrastiveEmbedding(n_components=8, architecture="linear", max_iter=20,
                                     mining_block_size=100, random_state=0)
        embeddings[threads] = model.fit(X, y).transform(X)
    assert segmented
    np.testing.assert_array_equal(embeddings[1], embeddings[2])
    np.testing.assert_array_equal(embeddings[1], embeddings[3])


def _recording(method, calls):
    def recorded(self, *args):
        calls.append(self.n_segments)
        return method(self, *args)
    return recorded
