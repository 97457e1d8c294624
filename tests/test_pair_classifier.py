"""ContrastivePairClassifier: learning from pairs labelled similar or dissimilar."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastivePairClassifier
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._pairs import Pairs
from sk_contrastive._threshold import calibrate_distance_threshold

MAPS = {"linear": {}, "mlp": {"hidden_layer_sizes": (8,), "alpha": 1e-3}}
# what the selection chooses for 4 dimensions of digit_pairs
CHOSEN = {"architecture": "linear", "pos_margin": 0.0}


@pytest.fixture(scope="module")
def digit_pairs():
    """Pairs of digits: similar when both show the same digit."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:500])
    y = y[:500]
    rng = np.random.default_rng(0)
    anchors = rng.integers(0, 500, 1200)
    same = np.array([rng.choice(np.flatnonzero(y == y[a])) for a in anchors[:600]])
    other = rng.integers(0, 500, 600)
    partners = np.concatenate([same, other])
    index_pairs = np.column_stack([anchors, partners])
    labels = (y[index_pairs[:, 0]] == y[index_pairs[:, 1]]).astype(int)
    return X, index_pairs, labels


def fit_quietly(model, pairs, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(pairs, y)


def test_index_pairs_and_sample_pairs_learn_the_same_model(digit_pairs):
    X, index_pairs, y = digit_pairs
    by_index = fit_quietly(
        ContrastivePairClassifier(8, preprocessor=X, random_state=0), index_pairs, y
    )
    by_sample = fit_quietly(ContrastivePairClassifier(8, random_state=0), X[index_pairs], y)
    np.testing.assert_allclose(by_index.transform(X), by_sample.transform(X), atol=1e-6)
    np.testing.assert_allclose(by_index.threshold_, by_sample.threshold_, rtol=1e-6)
    np.testing.assert_array_equal(by_index.predict(index_pairs), by_sample.predict(X[index_pairs]))


@pytest.mark.parametrize("params", list(MAPS.values()), ids=list(MAPS))
def test_held_out_pairs_are_verified(digit_pairs, params):
    X, index_pairs, y = digit_pairs
    model = fit_quietly(
        ContrastivePairClassifier(16, preprocessor=X, random_state=0, **params),
        index_pairs[:900], y[:900],
    )
    held_out = index_pairs[900:], y[900:]
    raw = -np.linalg.norm(X[held_out[0][:, 0]] - X[held_out[0][:, 1]], axis=1)
    assert roc_auc_score(held_out[1], model.decision_function(held_out[0])) > (
        roc_auc_score(held_out[1], raw) + 0.03
    )
    assert model.score(*held_out) > 0.8


def test_loss_is_the_source_formula_over_exactly_the_given_pairs(digit_pairs):
    X, index_pairs, y = digit_pairs
    model = fit_quietly(
        ContrastivePairClassifier(4, preprocessor=X, margin=2.0, pos_margin=0.0, alpha=0.0,
                                  random_state=0),
        index_pairs, y,
    )
    d = model.pair_distance(index_pairs)
    expected = np.mean(y * d**2 + (1 - y) * np.maximum(2.0 - d, 0) ** 2)
    assert model.loss_ == pytest.approx(expected, rel=1e-6)
    assert model.n_pairs_ == len(y)


@pytest.mark.parametrize("labels", [(0, 1), (-1, 1), (False, True), (0.0, 1.0)])
def test_classes_and_predictions_keep_the_users_encoding(digit_pairs, labels):
    X, index_pairs, y = digit_pairs
    encoded = np.where(y == 1, labels[1], labels[0])
    # the map the selection chose here given: this is about the labels, not
    # the selection (which sees the pairs' degrees, 0 or 1, whatever the labels)
    model = fit_quietly(ContrastivePairClassifier(4, preprocessor=X, **CHOSEN, random_state=0),
                        index_pairs, encoded)
    np.testing.assert_array_equal(model.classes_, np.array(labels))
    predicted = model.predict(index_pairs)
    assert set(np.unique(predicted)) <= set(labels)
    assert predicted.dtype == model.classes_.dtype
    np.testing.assert_array_equal(predicted == labels[1],
                                  model.pair_distance(index_pairs) <= model.threshold_)


def test_methods_agree_with_the_embedding(digit_pairs):
    X, index_pairs, y = digit_pairs
    model = fit_quietly(ContrastivePairClassifier(4, preprocessor=X, **CHOSEN, random_state=0),
                        index_pairs, y)
    Z = model.transform(X)
    distances = np.linalg.norm(Z[index_pairs[:, 0]] - Z[index_pairs[:, 1]], axis=1)
    np.testing.assert_allclose(model.pair_distance(index_pairs), distances)
    np.testing.assert_allclose(model.decision_function(index_pairs), -distances)
    np.testing.assert_allclose(Z, X @ model.components_.T)
    assert model.score(index_pairs, y) == accuracy_score(y, model.predict(index_pairs))
    # fit calibrated the threshold for accuracy on the training pairs
    best = max(np.mean((distances <= t) == (y == 1)) for t in distances)
    assert model.score(index_pairs, y) == pytest.approx(best)


def brute_force_threshold_rates(distances, similar):
    candidates = np.concatenate([[-1.0], np.sort(distances)])
    rates = []
    for t in candidates:
        predicted = distances <= t
        tpr = np.mean(predicted[similar])
        tnr = np.mean(~predicted[~similar])
        rates.append((t, tpr, tnr))
    return rates


@pytest.mark.parametrize("min_rate", [0.5, 0.8, 0.95])
def test_rate_strategies_keep_their_rate_and_maximise_the_other(min_rate):
    rng = np.random.default_rng(0)
    similar = rng.random(300) < 0.4
    distances = np.where(similar, rng.gamma(2, 0.3, 300), rng.gamma(4, 0.4, 300))
    rates = brute_force_threshold_rates(distances, similar)
    for strategy, kept, maximised in (("max_tpr", 2, 1), ("max_tnr", 1, 2)):
        threshold = calibrate_distance_threshold(distances, similar, strategy, min_rate)
        predicted = distances <= threshold
        tpr, tnr = np.mean(predicted[similar]), np.mean(~predicted[~similar])
        achieved = (None, tpr, tnr)
        assert achieved[kept] >= min_rate
        best = max(r[maximised] for r in rates if r[kept] >= min_rate)
        assert achieved[maximised] == pytest.approx(best)


def test_f_beta_strategy_maximises_f_beta():
    from sklearn.metrics import fbeta_score

    rng = np.random.default_rng(1)
    similar = rng.random(200) < 0.3
    distances = np.where(similar, rng.gamma(2, 0.3, 200), rng.gamma(3, 0.4, 200))
    for beta in (0.5, 1.0, 2.0):
        threshold = calibrate_distance_threshold(distances, similar, "f_beta", beta=beta)
        achieved = fbeta_score(similar, distances <= threshold, beta=beta)
        best = max(fbeta_score(similar, distances <= t, beta=beta) for t in distances)
        assert achieved == pytest.approx(best)


def test_calibrate_threshold_on_held_out_pairs(digit_pairs):
    X, index_pairs, y = digit_pairs
    model = fit_quietly(ContrastivePairClassifier(8, preprocessor=X, random_state=0),
                        index_pairs[:800], y[:800])
    held_out = index_pairs[800:], y[800:]
    model.calibrate_threshold(*held_out, strategy="max_tnr", min_rate=0.95)
    predicted = model.predict(held_out[0])
    assert np.mean(predicted[held_out[1] == 1] == 1) >= 0.95
    model.calibrate_threshold(*held_out)
    assert model.score(*held_out) >= np.mean(held_out[1] == 0)
    distances = model.pair_distance(held_out[0])
    threshold = float(np.median(distances))
    np.testing.assert_array_equal(model.set_threshold(threshold).predict(held_out[0]),
                                  (distances <= threshold).astype(int))


def test_cross_validation_and_grid_search_on_both_pair_forms(digit_pairs):
    X, index_pairs, y = digit_pairs
    # the map given: this is about the two forms in scikit-learn's tools, not
    # about the selection (which test_selection covers)
    fixed = {"architecture": "linear", "pos_margin": 0.0, "max_iter": 30, "random_state": 0}
    index_model = ContrastivePairClassifier(4, preprocessor=X, **fixed)
    sample_model = ContrastivePairClassifier(4, **fixed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        by_index = cross_val_score(index_model, index_pairs, y, cv=3, scoring="roc_auc")
        by_sample = cross_val_score(sample_model, X[index_pairs], y, cv=3, scoring="roc_auc")
        np.testing.assert_allclose(by_index, by_sample, atol=1e-6)
        assert np.all(by_index > 0.8)
        # a classifier: the default cv is stratified
        accuracy = cross_val_score(index_model, index_pairs, y, cv=3)
        stratified = [
            clone(index_model).fit(index_pairs[train], y[train]).score(index_pairs[test], y[test])
            for train, test in StratifiedKFold(3).split(index_pairs, y)
        ]
        np.testing.assert_allclose(accuracy, stratified)
        search = GridSearchCV(
            ContrastivePairClassifier(preprocessor=X, architecture="linear", pos_margin=0.5,
                                      max_iter=30, random_state=0),
            {"n_components": [2, 8], "margin": [1.0, 3.0]}, cv=3, scoring="roc_auc",
        ).fit(index_pairs, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(np.unique(np.round(scores, 6))) == 4
    assert search.best_params_["n_components"] == 8


@pytest.mark.parametrize(
    "pairs,y,preprocessor,message",
    [
        (np.zeros((4, 3)), [0, 1, 0, 1], None, "shape \\(n_pairs, 2, n_features\\)"),
        (np.zeros((4, 3, 2)), [0, 1, 0, 1], None, "shape \\(n_pairs, 2, n_features\\)"),
        (np.zeros((4, 2), dtype=int), [0, 1, 0, 1], None, "preprocessor is None"),
        (np.array([[0, 5], [1, 2]]), [0, 1], np.zeros((3, 2)), "indices from 0 to 5"),
        (np.array([[0, -1], [1, 2]]), [0, 1], np.zeros((3, 2)), "indices from -1 to 2"),
        (np.array([[0.0, 1.0], [1.0, 2.0]]), [0, 1], np.zeros((3, 2)), "integer row indices"),
        (np.full((2, 2, 3), np.nan), [0, 1], None, "NaN"),
        (np.zeros((2, 2, 3)), [1, 1], None, "single pair label"),
        (np.zeros((2, 2, 3)), [0, 2], None, "1 = similar and 0 = dissimilar.*-1 = dissimilar"),
        (np.zeros((2, 2, 3)), ["a", "b"], None, "1 = similar and 0 = dissimilar"),
        (np.zeros((3, 2, 3)), [-1, 0, 1], None, "metric-learn"),
        (np.zeros((2, 2, 3)), [0, 1, 1], None, "inconsistent numbers"),
    ],
)
def test_bad_input_is_named(pairs, y, preprocessor, message):
    with pytest.raises(ValueError, match=message):
        ContrastivePairClassifier(preprocessor=preprocessor).fit(pairs, y)


def test_bad_calibration_input_is_named(digit_pairs):
    X, index_pairs, y = digit_pairs
    model = fit_quietly(ContrastivePairClassifier(2, preprocessor=X, max_iter=5,
                                                  random_state=0), index_pairs, y)
    with pytest.raises(ValueError, match="needs min_rate"):
        model.calibrate_threshold(index_pairs, y, strategy="max_tpr")
    with pytest.raises(ValueError, match="min_rate"):
        model.calibrate_threshold(index_pairs, y, strategy="max_tnr", min_rate=1.5)
    with pytest.raises(ValueError, match="strategy must be one of"):
        model.calibrate_threshold(index_pairs, y, strategy="auc")
    with pytest.raises(ValueError, match="beta"):
        model.calibrate_threshold(index_pairs, y, strategy="f_beta", beta=0)
    with pytest.raises(ValueError, match="outside classes_"):
        model.calibrate_threshold(index_pairs, y * 2)
    with pytest.raises(ValueError, match="both similar and dissimilar"):
        model.calibrate_threshold(index_pairs[y == 1], y[y == 1])
    with pytest.raises(ValueError, match="2 features"):
        model.pair_distance(np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="init='lda' needs class labels"):
        ContrastivePairClassifier(init="lda", preprocessor=X).fit(index_pairs, y)


@pytest.mark.parametrize("params", list(MAPS.values()), ids=list(MAPS))
def test_pickle_clone_and_refit(digit_pairs, params):
    X, index_pairs, y = digit_pairs
    model = fit_quietly(
        ContrastivePairClassifier(4, preprocessor=X, max_iter=20, random_state=0, **params),
        index_pairs, y,
    )
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(index_pairs), model.predict(index_pairs))
    again = fit_quietly(clone(model), index_pairs, y)
    np.testing.assert_array_equal(again.decision_function(index_pairs),
                                  model.decision_function(index_pairs))


def test_pandas_preprocessor_sets_feature_names(digit_pairs):
    import pandas as pd

    X, index_pairs, y = digit_pairs
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    model = fit_quietly(ContrastivePairClassifier(2, preprocessor=frame, max_iter=5,
                                                  random_state=0), index_pairs, y)
    assert list(model.feature_names_in_) == list(frame.columns)
    np.testing.assert_allclose(model.transform(frame), X @ model.components_.T)


def test_shared_engine_uses_the_same_loss_code():
    # the pair classifier's objective is the embedding's loss on its pairs
    pairs = Pairs(np.array([0, 1]), np.array([2, 2]), np.array([True, False]))
    Z = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.5]])
    value, _ = ContrastiveLoss(pairs, 3, margin=1.5)(Z)
    assert value == pytest.approx((0.5**2 + (1.5 - np.hypot(1, 0.5)) ** 2) / 2)


def test_an_mlp_converges_at_the_default_max_iter(digit_pairs):
    X, index_pairs, y = digit_pairs
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = ContrastivePairClassifier(
            hidden_layer_sizes=(64,), alpha=1e-3, preprocessor=X, random_state=0
        ).fit(index_pairs[:900], y[:900])
    assert model.n_iter_ > 100  # where the former default stopped it
