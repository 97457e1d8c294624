"""ContrastivePairRegressor: metric learning from pairs similar to a degree."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import paired_euclidean_distances
from sklearn.model_selection import GridSearchCV

from sk_contrastive import ContrastivePairClassifier, ContrastivePairRegressor
from sk_contrastive._scoring import rank_correlation

FIXED = dict(architecture="linear", pos_margin=0.0, random_state=0)


def graded_pairs(n_samples=300, n_pairs=1200, n_features=8, seed=0):
    """Samples whose similarity is that of two of their features, among noise ones
    of a larger scale: raw distances rank the pairs poorly."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[:, 2:] *= 3.0
    pairs = rng.integers(0, n_samples, (n_pairs, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    gap = X[pairs[:, 0], :2] - X[pairs[:, 1], :2]
    return X, pairs, np.exp(-0.5 * np.sum(gap ** 2, axis=1))


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        return model.fit(*args, **kwargs)


def test_it_learns_the_order_of_unseen_pairs():
    X, pairs, y = graded_pairs()
    train, test = slice(0, 800), slice(800, None)
    model = fit_quietly(ContrastivePairRegressor(preprocessor=X, random_state=0),
                        pairs[train], y[train])
    raw = spearmanr(-paired_euclidean_distances(X[pairs[test, 0]], X[pairs[test, 1]]),
                    y[test])[0]
    assert raw < 0.6
    assert model.score(pairs[test], y[test]) > raw + 0.2
    assert model.selection_results_["params"][0] == {"architecture": "raw features"}
    assert np.all(np.abs(model.selection_results_["mean_test_score"]) <= 1)


def test_predictions_are_similarities_that_fall_with_distance():
    X, pairs, y = graded_pairs()
    model = fit_quietly(ContrastivePairRegressor(preprocessor=X, **FIXED), pairs, y)
    predicted = model.predict(pairs)
    assert predicted.min() >= 0 and predicted.max() <= 1
    order = np.argsort(model.pair_distance(pairs))
    assert np.all(np.diff(predicted[order]) <= 1e-12)
    # the calibration fits the similarities: better than their mean
    assert np.mean((predicted - y) ** 2) < 0.5 * np.var(y)


def test_pairs_of_samples_and_pairs_of_indices_fit_alike():
    X, pairs, y = graded_pairs(n_pairs=300)
    by_index = fit_quietly(ContrastivePairRegressor(preprocessor=X, **FIXED), pairs, y)
    by_sample = fit_quietly(ContrastivePairRegressor(**FIXED), X[pairs], y)
    np.testing.assert_allclose(by_sample.components_, by_index.components_,
                               rtol=1e-7, atol=1e-9)
    assert by_sample.score(X[pairs], y) == pytest.approx(by_index.score(pairs, y), abs=1e-9)


def test_labels_of_zero_and_one_fit_as_the_pair_classifier_does():
    X, pairs, y = graded_pairs(n_pairs=400)
    binary = (y > 0.5).astype(int)
    regressor = fit_quietly(ContrastivePairRegressor(preprocessor=X, **FIXED), pairs, binary)
    classifier = fit_quietly(ContrastivePairClassifier(preprocessor=X, **FIXED), pairs, binary)
    np.testing.assert_array_equal(regressor.components_, classifier.components_)
    assert regressor.n_pairs_ == len(pairs)


def test_a_graded_pair_is_a_similar_and_a_dissimilar_term():
    X, pairs, y = graded_pairs(n_pairs=200)
    y = np.round(y, 1)
    model = fit_quietly(ContrastivePairRegressor(preprocessor=X, max_iter=5, **FIXED),
                        pairs, y)
    between = np.sum((y > 0) & (y < 1))
    assert model.n_pairs_ == len(y) + between


def test_a_weight_of_two_is_the_pair_twice():
    X, pairs, y = graded_pairs(n_pairs=200)
    weights = np.where(np.arange(len(y)) % 3 == 0, 2, 1)
    weighted = fit_quietly(ContrastivePairRegressor(preprocessor=X, **FIXED), pairs, y,
                           sample_weight=weights)
    twice = np.repeat(np.arange(len(y)), weights)
    repeated = fit_quietly(ContrastivePairRegressor(preprocessor=X, **FIXED),
                           pairs[twice], y[twice])
    np.testing.assert_allclose(weighted.components_, repeated.components_, rtol=1e-5,
                               atol=1e-7)


def test_rank_correlation_is_spearmans():
    rng = np.random.default_rng(0)
    scores, y = rng.normal(size=50), np.round(rng.random(50), 1)  # ties in y
    assert rank_correlation(scores, y) == pytest.approx(spearmanr(scores, y)[0], abs=1e-12)
    weights = rng.integers(0, 4, 50)
    repeated = np.repeat(np.arange(50), weights)
    # integer weights are repeated pairs, and a weight of 0 a pair left out
    assert rank_correlation(scores, y, weights) == pytest.approx(
        spearmanr(scores[repeated], y[repeated])[0], abs=1e-12)
    assert rank_correlation(scores, np.full(50, 0.5)) == 0.0
    # constant among the pairs that weigh, whatever the others
    y_weighed_constant = np.where(weights > 0, 0.5, y)
    assert rank_correlation(scores, y_weighed_constant, weights / 7) == 0.0
    # pairs of weight 0 change nothing, wherever they rank
    kept = weights > 0
    assert rank_correlation(scores, y, weights) == pytest.approx(
        rank_correlation(scores[kept], y[kept], weights[kept]), abs=1e-12)


def test_a_search_over_its_parameters_scores_by_rank_correlation():
    X, pairs, y = graded_pairs(n_pairs=400)
    search = GridSearchCV(ContrastivePairRegressor(preprocessor=X, max_iter=50, **FIXED),
                          {"alpha": [1e-3, 1e3]}, cv=3)
    fit_quietly(search, pairs, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.abs(scores) <= 1) and scores[0] > scores[1]
    assert search.best_params_ == {"alpha": 1e-3}


def test_a_fitted_model_pickles():
    X, pairs, y = graded_pairs(n_pairs=200)
    model = fit_quietly(ContrastivePairRegressor(preprocessor=X, max_iter=5, **FIXED), pairs, y)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(pairs), model.predict(pairs))


@pytest.mark.parametrize("y,message", [
    (lambda y: y * 5, r"in \[0, 1\].*Divide scores"),
    (lambda y: y - 0.5, r"in \[0, 1\]"),
    (lambda y: np.r_[np.nan, y[1:]], "NaN or infinity"),
    (lambda y: np.full_like(y, 0.3), "single similarity"),
    (lambda y: y.astype(str), "must be numbers"),
    (lambda y: y[1:], "inconsistent numbers of samples"),
])
def test_similarities_it_cannot_learn_from_are_named(y, message):
    X, pairs, similarities = graded_pairs(n_pairs=100)
    model = ContrastivePairRegressor(preprocessor=X, **FIXED)
    with pytest.raises(ValueError, match=message):
        model.fit(pairs, y(similarities))


def test_a_failed_fit_leaves_the_model_as_it_was_and_score_checks_its_input():
    X, pairs, y = graded_pairs(n_pairs=200)
    model = fit_quietly(ContrastivePairRegressor(preprocessor=X, max_iter=5, **FIXED), pairs, y)
    before = model.predict(pairs)
    with pytest.raises(ValueError):
        model.fit(pairs, y * 2)
    np.testing.assert_array_equal(model.predict(pairs), before)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        model.score(pairs, y * 2)
    with pytest.raises(ValueError, match="non-zero|sums to 0"):  # (scikit-learn's, or ours)
        model.score(pairs, y, sample_weight=np.zeros(len(y)))


def test_when_similar_pairs_chain_every_sample_the_selection_holds_out_samples():
    from sk_contrastive._selection import heldout_pair_splits, pair_groups

    X, pairs, y = graded_pairs(n_samples=100, n_pairs=1500)
    similar = y >= 0.5
    classes = pair_groups(pairs[:, 0], pairs[:, 1], similar, 100)
    assert np.bincount(classes).max() >= 95  # one class holds (nearly) every sample
    assert heldout_pair_splits(classes[pairs[:, 0]], classes[pairs[:, 1]], similar, 0) == []
    model = fit_quietly(ContrastivePairRegressor(preprocessor=X, random_state=0), pairs, y)
    results = model.selection_results_
    assert results is not None and len(results["params"]) > 2
    assert results["mean_test_score"][1:].max() > results["mean_test_score"][0]


def test_input_a_user_may_give_is_read_or_named():
    X, pairs, y = graded_pairs(n_pairs=100)
    model = ContrastivePairRegressor(preprocessor=X, **FIXED)
    as_objects = fit_quietly(ContrastivePairRegressor(preprocessor=X, **FIXED), pairs,
                             y.astype(object))
    np.testing.assert_array_equal(as_objects.components_,
                                  fit_quietly(model, pairs, y).components_)
    with pytest.raises(ValueError, match="requires y to be passed"):
        ContrastivePairRegressor(preprocessor=X, **FIXED).fit(pairs, None)
    import scipy.sparse as sp

    with pytest.raises(ValueError, match="pairs must be a dense array"):
        ContrastivePairRegressor(**FIXED).fit(sp.csr_matrix(pairs.astype(float)), y)
