"""Spatial blocks and neighbour mining within them."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from sk_contrastive._blocks import spatial_blocks
from sk_contrastive._pairs import pairs_from_labels


@pytest.mark.parametrize("n_samples,block_size", [(10, 10), (1000, 64), (777, 100)])
def test_blocks_partition_the_samples_within_the_size_limit(n_samples, block_size):
    X = np.random.default_rng(0).standard_normal((n_samples, 5))
    blocks = spatial_blocks(X, block_size, random_state=0)
    assert all(len(block) <= block_size for block in blocks)
    np.testing.assert_array_equal(np.sort(np.concatenate(blocks)), np.arange(n_samples))
    if n_samples > block_size:
        assert min(len(block) for block in blocks) >= block_size // 2


def test_blocks_keep_clusters_together():
    X, cluster = make_blobs(n_samples=800, centers=8, cluster_std=0.3, random_state=0)
    blocks = spatial_blocks(X, 100, random_state=0)
    # Median splits may cut a cluster, but each block is mostly one cluster.
    purity = [np.bincount(cluster[block]).max() / len(block) for block in blocks]
    assert min(purity) >= 0.8 and np.mean(purity) >= 0.9


def test_blocks_are_deterministic_and_handle_duplicates():
    X = np.zeros((300, 3))  # all rows identical: no direction to split along
    a = spatial_blocks(X, 50, random_state=0)
    b = spatial_blocks(X, 50, random_state=0)
    assert [x.tolist() for x in a] == [x.tolist() for x in b]
    assert all(len(block) <= 50 for block in a)


def test_mining_within_blocks_stays_inside_each_block():
    X, y = make_blobs(n_samples=600, centers=6, n_features=4, random_state=1)
    y = y % 3
    blocks = spatial_blocks(X, 150, random_state=0)
    block_of = np.empty(600, dtype=int)
    for index, block in enumerate(blocks):
        block_of[block] = index
    pairs = pairs_from_labels(X, y, n_random_negatives=0, blocks=blocks, random_state=0)
    assert np.all(block_of[pairs.first] == block_of[pairs.second])
    np.testing.assert_array_equal(pairs.similar, y[pairs.first] == y[pairs.second])


def test_mining_within_blocks_finds_most_true_neighbours():
    X, y = make_blobs(n_samples=4000, centers=20, n_features=8, random_state=2)
    y = y % 4
    exact = pairs_from_labels(X, y, n_random_negatives=0, random_state=0)
    exact_set = set(zip(exact.first.tolist(), exact.second.tolist()))

    def recall(block_size):
        blocked = pairs_from_labels(X, y, n_random_negatives=0, random_state=0,
                                    blocks=spatial_blocks(X, block_size, random_state=0))
        return len(exact_set & set(zip(blocked.first.tolist(), blocked.second.tolist()))) / len(exact_set)

    # Blocks of an eighth of the data still find two thirds of the exact
    # neighbour pairs; half the data, nine tenths.
    assert 0.6 < recall(500) < recall(2000)
    assert recall(2000) > 0.85


def test_blocks_are_the_same_on_any_number_of_threads(monkeypatch):
    from sk_contrastive import _threadpool

    X = np.random.default_rng(0).normal(size=(3000, 6)).astype(np.float32)
    found = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(_threadpool, "spare_threads", lambda: threads)
        found.append(spatial_blocks(X, 100, random_state=0, feature_scale=np.arange(1, 7)))
    assert len(found[0]) >= 30
    for blocks in found[1:]:
        assert len(blocks) == len(found[0])
        for block, first in zip(blocks, found[0]):
            np.testing.assert_array_equal(block, first)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_split_projection_matches_the_rows_times_the_direction(dtype):
    from sk_contrastive._blocks import _projection

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 7)).astype(dtype)
    indices = rng.permutation(500)[:300]
    direction = rng.normal(size=7).astype(dtype)
    expected = X[indices].astype(np.float64) @ direction
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for stored in (X, np.asfortranarray(X)):  # compiled, and numpy's for other layouts
        projection = _projection(stored, indices, direction)
        assert projection.dtype == dtype
        np.testing.assert_allclose(projection, expected, rtol=rtol, atol=rtol)
