"""Pair construction from labels."""

import numpy as np
import pytest

from sk_contrastive._pairs import pairs_from_labels, pairs_from_partial_labels


def brute_force_nearest(X, anchor, candidates, k):
    distances = np.linalg.norm(X[candidates] - X[anchor], axis=1)
    return set(candidates[np.argsort(distances, kind="stable")[:k]])


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [12, 9, 15])
    X = rng.standard_normal((y.size, 3)) + y[:, None] * 2.0
    return X, y


def test_neighbor_pairs_are_the_nearest_same_and_other_class_samples(blobs):
    X, y = blobs
    pairs = pairs_from_labels(X, y, n_positives=3, n_negatives=2, n_random_negatives=0)
    assert np.all(np.diff(pairs.first) >= 0)
    for anchor in range(len(y)):
        mine = pairs.first == anchor
        positives = set(pairs.second[mine & pairs.similar])
        negatives = set(pairs.second[mine & ~pairs.similar])
        same = np.flatnonzero((y == y[anchor]) & (np.arange(len(y)) != anchor))
        other = np.flatnonzero(y != y[anchor])
        assert positives == brute_force_nearest(X, anchor, same, 3)
        assert negatives == brute_force_nearest(X, anchor, other, 2)


@pytest.mark.parametrize("strategy", ["neighbors", "random"])
def test_pair_labels_agree_with_classes_and_no_self_pairs(blobs, strategy):
    X, y = blobs
    pairs = pairs_from_labels(X, y, strategy=strategy, n_positives=4,
                              n_negatives=3, n_random_negatives=2, random_state=0)
    np.testing.assert_array_equal(pairs.similar, y[pairs.first] == y[pairs.second])
    assert not np.any(pairs.first == pairs.second)
    counts = np.bincount(pairs.first, minlength=len(y))
    np.testing.assert_array_equal(counts, 4 + 3 + 2)


@pytest.mark.parametrize("strategy", ["neighbors", "random"])
def test_pairs_are_determined_by_random_state(blobs, strategy):
    X, y = blobs
    a = pairs_from_labels(X, y, strategy=strategy, random_state=7)
    b = pairs_from_labels(X, y, strategy=strategy, random_state=7)
    c = pairs_from_labels(X, y, strategy=strategy, random_state=8)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a.second, c.second)


def test_random_partners_cover_every_eligible_sample(blobs):
    X, y = blobs
    pairs = pairs_from_labels(X, y, strategy="random", n_positives=200,
                              n_negatives=200, n_random_negatives=0, random_state=0)
    anchor = 0
    drawn_same = set(pairs.second[(pairs.first == anchor) & pairs.similar])
    drawn_other = set(pairs.second[(pairs.first == anchor) & ~pairs.similar])
    assert drawn_same == set(range(1, 12))
    assert drawn_other == set(range(12, len(y)))


@pytest.mark.parametrize("strategy", ["neighbors", "random"])
def test_singleton_and_small_classes(strategy):
    X = np.arange(8, dtype=float).reshape(-1, 1)
    y = np.array([0, 1, 1, 2, 2, 2, 2, 2])
    pairs = pairs_from_labels(X, y, strategy=strategy, n_positives=5,
                              n_negatives=5, n_random_negatives=1, random_state=0)
    positives_of = np.bincount(pairs.first[pairs.similar], minlength=8)
    # a singleton has no similar partner; a pair class offers only one
    assert positives_of[0] == 0
    assert positives_of[1] == (1 if strategy == "neighbors" else 5)
    np.testing.assert_array_equal(pairs.similar, y[pairs.first] == y[pairs.second])


def test_two_samples():
    pairs = pairs_from_labels(np.array([[0.0], [1.0]]), [0, 1], random_state=0)
    np.testing.assert_array_equal(np.unique(pairs.first), [0, 1])
    assert not pairs.similar.any()


def test_string_labels_match_integer_labels(blobs):
    X, y = blobs
    names = np.array(["a", "b", "c"])[y]
    a = pairs_from_labels(X, y, random_state=0)
    b = pairs_from_labels(X, names, random_state=0)
    np.testing.assert_array_equal(a.second, b.second)


def test_unknown_strategy_is_rejected(blobs):
    with pytest.raises(ValueError, match="pair strategy"):
        pairs_from_labels(*blobs, strategy="all")


def test_partly_labelled_pairs_without_a_labelled_sample():
    # a chunk of a Dask fit can hold only unlabelled samples
    X = np.random.default_rng(0).normal(size=(5, 3))
    pairs = pairs_from_partial_labels(X, np.full(5, -1), n_positives=2, n_negatives=3,
                                      n_random_negatives=2, random_state=0)
    assert pairs.similar.sum() == 10  # each sample's 2 nearest neighbours
    assert set(np.unique(pairs.first)) == set(range(5))
