"""Unlabelled (DrLIM) and partly labelled data."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import trustworthiness as sklearn_trustworthiness
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._pairs import pairs_from_neighbors, pairs_from_partial_labels
from sk_contrastive._scoring import trustworthiness


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit_quietly(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args)


def test_neighbor_pairs_are_input_neighbours_and_random_strangers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    pairs = pairs_from_neighbors(X, n_positives=4, n_random_negatives=6, random_state=0)
    nearest = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(return_distance=False)
    for anchor in range(60):
        mine = pairs.first == anchor
        assert set(pairs.second[mine & pairs.similar]) == set(nearest[anchor])
        strangers = pairs.second[mine & ~pairs.similar]
        assert not set(strangers) & set(nearest[anchor]) and anchor not in strangers
        assert 4 <= len(strangers) <= 6  # draws that hit a neighbour are dropped


def test_partly_labelled_pairs_never_use_a_missing_label():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y_index = rng.integers(0, 3, 80)
    y_index[::2] = -1  # half unlabelled
    pairs = pairs_from_partial_labels(X, y_index, n_positives=3, n_negatives=2,
                                      n_random_negatives=2, random_state=0)
    labelled_anchor = y_index[pairs.first] >= 0
    # labelled samples: label pairs among labelled samples only
    assert np.all(y_index[pairs.second[labelled_anchor]] >= 0)
    np.testing.assert_array_equal(
        pairs.similar[labelled_anchor],
        y_index[pairs.first[labelled_anchor]] == y_index[pairs.second[labelled_anchor]],
    )
    # unlabelled samples: similar to their input neighbours, whatever their labels
    nearest = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(return_distance=False)
    for anchor in np.flatnonzero(y_index < 0):
        mine = pairs.first == anchor
        assert set(pairs.second[mine & pairs.similar]) == set(nearest[anchor])
        assert np.sum(mine & ~pairs.similar) <= 2


def test_trustworthiness_matches_scikit_learn_in_bounded_memory():
    import sklearn

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 8))
    Z = X[:, :2] + 0.3 * rng.standard_normal((400, 2))
    expected = sklearn_trustworthiness(X, Z, n_neighbors=5)
    with sklearn.config_context(working_memory=0.05):  # chunks of ~16 rows
        assert trustworthiness(X, Z, 5) == pytest.approx(expected, rel=1e-12)


def test_unlabelled_fit_and_its_score(digits):
    X_train, X_test, y_train, y_test = digits
    model = fit_quietly(ContrastiveEmbedding(8, random_state=0), X_train)
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    assert Z_test.shape == (len(X_test), 8)
    # score(X) is the trustworthiness in the fit's internal units; digits
    # features have spreads from 0.7 to 1.4 after StandardScaler... except
    # constant pixels, so compare with the internal units directly.
    internal = model._fitted_scaling.apply(X_test)
    assert model.score(X_test) == pytest.approx(
        sklearn_trustworthiness(internal, Z_test, n_neighbors=5))
    # labels used only to evaluate: kNN in 8 dimensions beats PCA's
    pca = PCA(8).fit(X_train)
    ours = KNeighborsClassifier().fit(Z_train, y_train).score(Z_test, y_test)
    theirs = KNeighborsClassifier().fit(pca.transform(X_train), y_train).score(
        pca.transform(X_test), y_test)
    assert ours > theirs + 0.03
    assert model.score(X_test) > 0.97
    # with labels at score time only, the neighbours are those of X itself
    assert 0.8 < model.score(X_test, y_test) <= 1.0


def test_unlabelled_fit_with_an_mlp_and_blocks(digits):
    X_train, X_test, _, _ = digits
    model = fit_quietly(
        ContrastiveEmbedding(2, hidden_layer_sizes=(16,), mining_block_size=300,
                             max_iter=50, random_state=0), X_train
    )
    assert np.all(np.isfinite(model.transform(X_test)))
    assert model.score(X_test) > 0.7


def hide_labels(y, fraction, seed=0):
    rng = np.random.default_rng(seed)
    hidden = rng.random(len(y)) < fraction
    for label in np.unique(y):  # keep one label per class
        members = np.flatnonzero(y == label)
        if hidden[members].all():
            hidden[members[0]] = False
    return np.where(hidden, -1, y), ~hidden


def test_partly_labelled_digits_beat_labelled_only_and_raw_features(digits):
    X_train, X_test, y_train, y_test = digits
    y_partial, labelled = hide_labels(y_train, 0.9)

    def knn_accuracy(Z_train, Z_test):
        classifier = KNeighborsClassifier().fit(Z_train[labelled], y_train[labelled])
        return classifier.score(Z_test, y_test)

    raw = knn_accuracy(X_train, X_test)
    alone = fit_quietly(ContrastiveEmbedding(32, random_state=0),
                        X_train[labelled], y_train[labelled])
    semi = fit_quietly(ContrastiveEmbedding(32, unlabeled_label=-1, random_state=0),
                       X_train, y_partial)
    as_class = fit_quietly(ContrastiveEmbedding(32, random_state=0), X_train, y_partial)
    semi_accuracy = knn_accuracy(semi.transform(X_train), semi.transform(X_test))
    assert semi_accuracy > raw + 0.02
    assert semi_accuracy > knn_accuracy(alone.transform(X_train), alone.transform(X_test)) + 0.02
    assert semi_accuracy > knn_accuracy(as_class.transform(X_train), as_class.transform(X_test))
    # score compares with the labelled training samples only
    assert semi._fitted_reference[0].shape[0] == labelled.sum()


def test_minus_one_is_a_class_unless_unlabeled_label_says_otherwise():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = np.where(X[:, 0] > 0, 1, -1)
    plain = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y)
    assert plain._fitted_reference[1].tolist() == y.tolist()  # two classes, all kept
    y3 = y.copy()
    y3[:10] = 7
    semi = fit_quietly(ContrastiveEmbedding(2, unlabeled_label=-1, random_state=0), X, y3)
    assert set(semi._fitted_reference[1].tolist()) == {1, 7}


@pytest.mark.parametrize(
    "y,params,message",
    [
        (np.full(30, -1), {"unlabeled_label": -1}, "no labelled sample"),
        (np.r_[np.full(20, -1), np.zeros(10, int)], {"unlabeled_label": -1},
         "single labelled class 0"),
        (np.r_[np.full(20, -1), np.arange(10) % 2], {"unlabeled_label": -1,
         "pair_strategy": "random"}, "needs every sample labelled"),
        (None, {"init": "lda"}, "init='lda' needs class labels"),
        (None, {"pair_strategy": "random"}, "needs every sample labelled"),
        (np.zeros(30, int), {}, "fit\\(X\\), without y"),
    ],
)
def test_bad_partial_labels_are_named(y, params, message):
    X = np.random.default_rng(0).standard_normal((30, 3))
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(**params).fit(X, y)


def test_unlabeled_label_of_another_type_is_no_label():
    X = np.random.default_rng(0).standard_normal((30, 3))
    y = np.array(["a", "b", "c"])[np.arange(30) % 3]
    model = fit_quietly(ContrastiveEmbedding(2, unlabeled_label=-1, random_state=0), X, y)
    assert len(model._fitted_reference[1]) == 30
