"""What score keeps of the training data, and how it recognises the training rows."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

import sk_contrastive._rows as rows_module
import sk_contrastive._scoring as scoring_module
from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._rows import row_fingerprints


def fit_quietly(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args)


def leave_one_out_agreement(Z, y, k=5):
    """The 5-NN label agreement of each sample with the others (kneighbors(X=None))."""
    neighbors = NearestNeighbors(n_neighbors=k).fit(Z).kneighbors(return_distance=False)
    return np.mean(y[neighbors] == y[:, None])


@pytest.fixture(scope="module")
def shuffled():
    """Samples whose labels have nothing to do with them."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((150, 6)), rng.integers(0, 5, 150)


# ---- row fingerprints ----------------------------------------------------------------


def test_a_row_has_one_fingerprint_in_every_form(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 40)).astype(np.float32).astype(np.float64)
    X[rng.random(X.shape) < 0.7] = 0.0
    X[0] = 0.0  # an empty row
    expected = row_fingerprints(X)
    negative_zeros = np.where(X == 0, -0.0, X)
    csr = sp.csr_matrix(X)
    # explicit zeros, entries out of order and a value stored in two parts
    coo = csr.tocoo()
    data = np.r_[coo.data / 2, coo.data / 2, np.zeros(5)]
    row = np.r_[coo.row, coo.row, np.arange(5)]
    column = np.r_[coo.col, coo.col, np.arange(5)]
    order = np.lexsort((-column, row))
    indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=300))]
    unsorted = sp.csr_matrix((data[order], column[order], indptr), shape=X.shape)
    assert not unsorted.has_canonical_format
    for form in (negative_zeros, X.astype(np.float32), np.asfortranarray(X), csr,
                 csr.astype(np.float32), unsorted, sp.csr_array(X)):
        np.testing.assert_array_equal(row_fingerprints(form), expected)
    monkeypatch.setattr(rows_module, "CHUNK_ENTRIES", 50)  # a row or two at a time
    np.testing.assert_array_equal(row_fingerprints(X), expected)
    np.testing.assert_array_equal(row_fingerprints(csr), expected)


def test_different_rows_have_different_fingerprints():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 8))
    nearby = np.nextafter(X, np.inf)  # one unit in the last place apart
    swapped = X[:, ::-1]
    one_hot = np.eye(8)
    scaled = 2 * one_hot
    rows = np.vstack([X, nearby, swapped, one_hot, scaled, np.zeros((1, 8))])
    assert len(np.unique(row_fingerprints(rows))) == rows.shape[0]


# ---- score on the training data ------------------------------------------------------


def test_score_on_the_training_data_is_leave_one_out(shuffled):
    X, y = shuffled
    model = fit_quietly(ContrastiveEmbedding(3, random_state=0), X, y)
    # the same neighbours; the mean is summed in another order
    expected = pytest.approx(leave_one_out_agreement(model.transform(X), y), rel=1e-12)
    assert model.score(X, y) == expected
    # in another form of the same values, and in another order
    assert model.score(sp.csr_matrix(X), y) == expected
    order = np.random.default_rng(1).permutation(len(y))
    assert model.score(X[order], y[order]) == expected


def test_score_counts_training_rows_among_X_once(shuffled):
    X, y = shuffled
    model = fit_quietly(ContrastiveEmbedding(3, random_state=0), X, y)
    Z = model.transform(X)
    part = np.arange(40)
    expected = []
    for i in part:  # neighbours: the other rows of X[:40], then the rest of the training set
        others = np.delete(np.arange(len(y)), i)
        nearest = others[np.argsort(np.linalg.norm(Z[others] - Z[i], axis=1),
                                    kind="stable")[:5]]
        expected.append(np.mean(y[nearest] == y[i]))
    assert model.score(X[part], y[part]) == pytest.approx(np.mean(expected), rel=1e-12)


def test_score_of_a_subsampled_reference_is_leave_one_out_too(shuffled, monkeypatch):
    X, y = shuffled
    monkeypatch.setattr(scoring_module, "SCORE_REFERENCE_BYTES", 40 * (3 * 8 + 8 + 8))
    model = fit_quietly(ContrastiveEmbedding(3, random_state=0), X, y)
    reference, labels, fingerprints = model._fitted_reference
    assert reference.shape == (40, 3) and fingerprints.shape == (40,)
    # stratified: each class keeps its share of the 40
    shares = np.bincount(y, minlength=5) * 40 / len(y)
    assert np.all(np.abs(np.bincount(labels, minlength=5) - shares) < 1)
    assert model.score(X, y) == pytest.approx(
        leave_one_out_agreement(model.transform(X), y), rel=1e-12)


def test_train_and_test_scores_of_a_search_compare():
    # labels unrelated to X: every score should be near chance (0.1), train
    # scores too (before, they read 0.29 to 0.33 against 0.10)
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:600])
    y = np.random.default_rng(0).permutation(y[:600])
    # (an init from the labels, or more iterations, fits them: a true gap)
    # the pairs and pos_margin the selection chose here given: the scores, not
    # the selection, are checked
    search = GridSearchCV(ContrastiveEmbedding(8, init="pca", pos_margin=0.0, n_positives=64,
                                               n_negatives=64, random_state=0),
                          {"max_iter": [1, 3]}, cv=3, return_train_score=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    train = search.cv_results_["mean_train_score"]
    test = search.cv_results_["mean_test_score"]
    assert np.all(np.abs(train - test) < 0.05) and np.all(train < 0.15)


# ---- what fit keeps ------------------------------------------------------------------


def test_the_model_size_is_bounded_whatever_the_training_size():
    # 10,000 x 50: the embedded training set alone is 4 MB
    X, y = make_classification(10_000, 50, n_informative=10, n_classes=5, random_state=0)
    model = fit_quietly(ContrastiveEmbedding(max_iter=2, n_mining_rounds=1, random_state=0),
                        X, y)
    assert model.components_.shape == (50, 50)
    weights = model.components_.nbytes
    assert len(pickle.dumps(model)) < scoring_module.SCORE_REFERENCE_BYTES + weights + 50_000


def test_held_out_scores_rank_models_as_with_the_whole_training_set(monkeypatch):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    train, test = np.arange(0, 1797, 2), np.arange(1, 1797, 2)
    settings = [dict(n_components=2, init="random", max_iter=1), dict(n_components=2),
                dict(n_components=16)]
    # the map given: the scores, not the selection, are checked
    fixed = dict(architecture="linear", pos_margin=0.0, random_state=0)

    def held_out_scores():
        return [fit_quietly(ContrastiveEmbedding(**fixed, **params),
                            X[train], y[train]).score(X[test], y[test]) for params in settings]

    whole = held_out_scores()
    monkeypatch.setattr(scoring_module, "SCORE_REFERENCE_BYTES", 150 * (16 * 8 + 8 + 8))
    capped = held_out_scores()  # 150 of the 899 training samples kept (1,200 in 2-D)
    assert np.argsort(capped).tolist() == np.argsort(whole).tolist() == [0, 1, 2]


def test_score_after_a_fit_on_a_cluster_is_leave_one_out_on_the_training_data(shuffled):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    X, y = shuffled
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        model = fit_quietly(ContrastiveEmbedding(3, max_iter=5, random_state=0),
                            da.from_array(X, chunks=(50, 6)), da.from_array(y, chunks=50))
        assert model._fitted_reference[2].shape == (150,)
        expected = pytest.approx(leave_one_out_agreement(model.transform(X), y), rel=1e-12)
        assert model.score(X, y) == expected
        assert model.score(da.from_array(X, chunks=(50, 6)), y) == expected
