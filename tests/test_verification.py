"""Verification: calibrated probabilities, operating points, the report, and
scikit-learn's threshold and calibration wrappers around the pair classifier."""

import copy
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import (
    FixedThresholdClassifier,
    GridSearchCV,
    TunedThresholdClassifierCV,
    cross_val_score,
)

from sk_contrastive import ContrastivePairClassifier
from sk_contrastive._threshold import calibrate_distance_threshold
from sk_contrastive.metrics import verification_report

# the map given: nothing to select, so the fits are quick and the
# probabilities cross-fitted
FIXED = {"architecture": "diagonal", "pos_margin": 0.0, "max_iter": 50, "random_state": 0}


def product_pairs(rng, n_products, n_pairs, n_noise=6):
    """Photos of products (2 informative features among noise), and pairs:
    half of two photos of one product (label 1), half of two products (0).
    Returns the photos, index pairs, labels and each photo's product."""
    product = np.repeat(np.arange(n_products), 5)
    X = np.hstack([
        rng.standard_normal((n_products, 2))[product] + 0.5 * rng.standard_normal(
            (product.shape[0], 2)),
        rng.standard_normal((product.shape[0], n_noise)),
    ])
    first = rng.integers(0, product.shape[0], n_pairs)
    second = np.where(np.arange(n_pairs) < n_pairs // 2,
                      5 * product[first] + rng.integers(0, 5, n_pairs),
                      rng.integers(0, product.shape[0], n_pairs))
    y = (product[first] == product[second]).astype(int)
    return X, np.column_stack([first, second]), y, product


@pytest.fixture(scope="module")
def products():
    return product_pairs(np.random.default_rng(0), 60, 600)


def fitted(params, pairs, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ContrastivePairClassifier(**params).fit(pairs, y, **fit_params)


# ---- predict_proba -------------------------------------------------------------


@pytest.mark.parametrize("labels", [(0, 1), (-1, 1)])
def test_probabilities_follow_classes_and_fall_with_the_distance(products, labels):
    X, pairs, y, _ = products
    encoded = np.where(y == 1, labels[1], labels[0])
    model = fitted({**FIXED, "preprocessor": X}, pairs, encoded)
    proba = model.predict_proba(pairs)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_, labels)
    # the mean of the cross-fitted maps' calibrated probabilities, each of
    # which falls with its map's distance (column 1 is classes_[1], similar)
    assert len(model.cross_fitted_maps_) == len(model.calibrators_) > 1
    each = []
    for fold, calibrator in zip(model.cross_fitted_maps_, model.calibrators_):
        assert fold.preprocessor is None  # the estimator's own is not copied
        distances = fold.pair_distance(X[pairs])
        similar = calibrator.predict_proba(distances.reshape(-1, 1))[:, 1]
        order = np.argsort(distances)
        assert np.all(np.diff(similar[order]) <= 1e-12)
        each.append(similar)
    np.testing.assert_allclose(proba[:, 1], np.mean(each, axis=0), rtol=1e-12)
    assert np.mean(proba[encoded == labels[1], 1]) > np.mean(proba[encoded == labels[0], 1])
    np.testing.assert_allclose(np.exp(model.predict_log_proba(pairs)), proba)


def reversed_part_pairs(rng, n_per_group=60, n_groups=5):
    """3-D pairs in ``n_groups`` groups of pairs; in the last group the
    similar pairs are far apart and the dissimilar ones close."""
    n_pairs = n_per_group * n_groups
    first = rng.standard_normal((n_pairs, 4))
    similar = np.tile(np.arange(n_per_group) % 2 == 0, n_groups)
    group = np.repeat(np.arange(n_groups), n_per_group)
    reversed_part = group == n_groups - 1
    near = similar ^ reversed_part
    step = np.where(near[:, None], 0.1, 3.0) * rng.standard_normal((n_pairs, 4))
    return np.stack([first, first + step], axis=1), similar.astype(int), group


def test_a_held_out_part_that_does_not_rank_its_pairs_is_left_out():
    pairs, y, group = reversed_part_pairs(np.random.default_rng(0))
    model = fitted(FIXED, pairs, y, groups=group)
    # the fold holding out the reversed group had its similar pairs the farther
    assert len(model.cross_fitted_maps_) == len(model.calibrators_) == 4
    assert all(c[-1].coef_[0, 0] < 0 for c in model.calibrators_)
    steps = np.logspace(-3, 6, 40)[:, None] * np.ones((1, 4))
    far = np.stack([np.zeros_like(steps), steps], axis=1)
    similar = model.predict_proba(far)[:, 1]
    assert np.all(np.diff(similar) <= 1e-12) and similar[-1] < 1e-6


def test_without_a_ranking_part_every_pair_gets_the_share_of_similar_pairs(products):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "preprocessor": X}, pairs, y)
    reference = copy.deepcopy(model.cross_fitted_maps_[0])
    distances = model.pair_distance(pairs)
    # distances that rise with similarity, on each of two parts
    folds = [(copy.deepcopy(reference), rows, -distances[rows] + distances.max())
             for rows in (np.arange(0, len(y), 2), np.arange(1, len(y), 2))]
    model._calibrate_heldout(folds, distances, y, (y == 1).astype(float), None)
    assert model.cross_fitted_maps_ == [] and len(model.calibrators_) == 1
    proba = model.predict_proba(pairs)[:, 1]
    np.testing.assert_allclose(proba, np.mean(y == 1), rtol=1e-3)


def test_probabilities_do_not_depend_on_the_storage_or_order_of_the_samples(products):
    # the splits of pairs by class number the samples by their values: the
    # same for dense and sparse samples (the linear map given: the diagonal
    # one is a candidate for dense samples only) and for any order of them
    X, pairs, y, _ = products
    linear = {"architecture": "linear", "random_state": 0}
    dense = fitted({**linear, "preprocessor": X}, pairs, y)
    sparse = fitted({**linear, "preprocessor": sp.csr_matrix(X)}, pairs, y)
    assert len(dense.cross_fitted_maps_) > 1
    # to rounding (the sparse and dense products, and another order of the
    # samples, round otherwise, as test_sparse allows for); other splits
    # moved the probabilities by up to 0.40
    np.testing.assert_allclose(sparse.predict_proba(pairs), dense.predict_proba(pairs),
                               atol=1e-4)
    order = np.random.default_rng(1).permutation(X.shape[0])
    position = np.argsort(order)  # row i of X is row position[i] of X[order]
    default = fitted({"preprocessor": X, "random_state": 0}, pairs, y)
    permuted = fitted({"preprocessor": X[order], "random_state": 0}, position[pairs], y)
    np.testing.assert_allclose(permuted.predict_proba(position[pairs]),
                               default.predict_proba(pairs), atol=1e-4)


def test_the_copies_do_not_keep_the_preprocessor(products, tmp_path):
    X, pairs, y, _ = products
    big = np.vstack([X] + [X + 100.0] * 40)
    model = fitted({**FIXED, "preprocessor": big}, pairs, y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    assert path.stat().st_size < 1.5 * big.nbytes
    # a new gallery: the probabilities read the same samples as the distances
    new = big[::-1].copy()
    model.set_params(preprocessor=new)
    np.testing.assert_allclose(model.predict_proba(pairs), model.predict_proba(new[pairs]))
    np.testing.assert_allclose(model.decision_function(pairs),
                               model.decision_function(new[pairs]))


def test_log_probabilities_of_far_pairs_are_finite(products):
    X, pairs, y, _ = products
    model = fitted(FIXED, X[pairs], y)
    far = np.stack([X[:3], X[:3] + 1e6], axis=1)
    assert np.all(model.predict_proba(far)[:, 1] == 0.0)  # rounded to 0
    log_proba = model.predict_log_proba(far)
    assert np.all(np.isfinite(log_proba)) and np.all(log_proba[:, 1] < -1e3)
    np.testing.assert_allclose(log_proba[:, 0], 0.0, atol=1e-12)


def test_calibration_is_cross_fitted_where_a_split_exists(products):
    X, pairs, y, product = products
    selected = fitted({"preprocessor": X, "random_state": 0}, pairs, y)
    assert selected.selection_results_ is not None
    assert selected.calibrated_on_ == "cross-fit"
    fixed = fitted({**FIXED, "preprocessor": X}, pairs, y)
    assert fixed.selection_results_ is None
    assert fixed.calibrated_on_ == "cross-fit"
    # two similar pairs of one class: no held-out split of classes exists
    tiny = fitted(FIXED, np.array([[[0.0, 0], [0.1, 0]], [[0.0, 0], [3, 4]],
                                   [[1.0, 1], [1.1, 1]]]), [1, 0, 1])
    assert tiny.calibrated_on_ == "training pairs"
    assert tiny.cross_fitted_maps_ == [] and len(tiny.calibrators_) == 1
    assert np.all(np.isfinite(tiny.predict_proba(np.zeros((2, 2, 2)))))


def test_probabilities_are_not_optimistic_where_the_map_learns_noise():
    # features independent of the products: the pairs of unseen products
    # carry no signal, so the probabilities must stay near the share of
    # similar pairs, though the map separates its training pairs
    rng = np.random.default_rng(1)
    product = np.repeat(np.arange(40), 3)
    X = rng.standard_normal((product.shape[0], 30))
    pairs = np.vstack([
        [[3 * p, 3 * p + 1] for p in range(40)] + [[3 * p + 1, 3 * p + 2] for p in range(40)],
        np.column_stack([3 * np.arange(40), 3 * ((np.arange(40) + 7) % 40)]),
        np.column_stack([3 * np.arange(40) + 2, 3 * ((np.arange(40) + 13) % 40) + 1]),
    ])
    y = (product[pairs[:, 0]] == product[pairs[:, 1]]).astype(int)
    model = fitted({"architecture": "linear", "pos_margin": 0.0, "max_iter": 200,
                    "preprocessor": X, "random_state": 0}, pairs, y)
    training_auc = roc_auc_score(y, model.decision_function(pairs))
    assert training_auc > 0.9  # the map learnt its pairs
    proba = model.predict_proba(pairs)[:, 1]
    # a calibration on the training distances would put the similar
    # pairs near 1 and the dissimilar near 0; here the probabilities are
    # a flat guess, around the share of similar pairs (1/2)
    assert np.mean(proba[y == 1]) - np.mean(proba[y == 0]) < 0.25
    assert brier_score_loss(y, proba) < 0.25 + 0.05


@pytest.mark.parametrize("scoring", ["neg_log_loss", "neg_brier_score"])
def test_probability_scorers_work_in_cross_validation_and_search(products, scoring):
    X, pairs, y, _ = products
    model = ContrastivePairClassifier(**FIXED, preprocessor=X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model, pairs, y, cv=3, scoring=scoring)
        search = GridSearchCV(model, {"alpha": [0.01, 0.1]}, cv=3, scoring=scoring).fit(
            pairs, y)
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    measure = log_loss if scoring == "neg_log_loss" else brier_score_loss
    proba = search.predict_proba(pairs)
    assert search.score(pairs, y) == pytest.approx(
        -measure(y, proba if scoring == "neg_log_loss" else proba[:, 1]))


def test_probabilities_leave_the_callers_arrays_alone(products):
    X, pairs, y, _ = products
    X_before, pairs_before = X.copy(), pairs.copy()
    model = fitted({**FIXED, "preprocessor": X}, pairs, y)
    model.predict_proba(pairs)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(pairs, pairs_before)


# ---- operating points ----------------------------------------------------------


def far_and_frr(distances, similar, threshold):
    accepted = distances <= threshold
    return np.mean(accepted[~similar]), np.mean(~accepted[similar])


@pytest.mark.parametrize("seed", range(4))
def test_eer_threshold_equalises_false_accepts_and_rejects(seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(30, 400)
    similar = rng.random(n) < rng.uniform(0.1, 0.9)
    distances = np.where(similar, rng.gamma(2, 0.3, n), rng.gamma(4, 0.4, n))
    threshold = calibrate_distance_threshold(distances, similar, "eer")
    far, frr = far_and_frr(distances, similar, threshold)
    smaller = min(similar.sum(), (~similar).sum())
    # passing one pair moves FAR or FRR by 1 / its kind's count, so some
    # threshold comes within half of the larger step, and this one is the best
    assert abs(far - frr) <= max(0.02, 1 / smaller)
    assert abs(far - frr) <= 1 / (2 * smaller) + 1e-12
    best = min(abs(np.subtract(*far_and_frr(distances, similar, t)))
               for t in np.concatenate([[-1.0], distances]))
    assert abs(far - frr) == pytest.approx(best)


def test_eer_on_a_fitted_model(products):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "preprocessor": X}, pairs[:400], y[:400])
    model.calibrate_threshold(pairs[400:], y[400:], strategy="eer")
    far, frr = far_and_frr(model.pair_distance(pairs[400:]), y[400:] == 1, model.threshold_)
    smaller = min(np.sum(y[400:] == 1), np.sum(y[400:] == 0))
    assert abs(far - frr) <= max(0.02, 1 / smaller)


@pytest.mark.parametrize("far", [0.0, 0.01, 0.1, 0.5])
def test_tar_at_far_is_max_tpr_at_one_minus_far(products, far):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "preprocessor": X}, pairs[:400], y[:400])
    held_out = pairs[400:], y[400:]
    tar_at_far = model.calibrate_threshold(*held_out, strategy="tar_at_far",
                                           far=far).threshold_
    max_tpr = model.calibrate_threshold(*held_out, strategy="max_tpr",
                                        min_rate=1 - far).threshold_
    assert tar_at_far == max_tpr
    accepted = model.set_threshold(tar_at_far).predict(held_out[0]) == 1
    assert np.mean(accepted[held_out[1] == 0]) <= far


def test_operating_point_arguments_are_not_confused(products):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "preprocessor": X}, pairs, y)
    with pytest.raises(ValueError, match="false accept rate.*far=1-r"):
        model.calibrate_threshold(pairs, y, strategy="tar_at_far", far=0.99)
    with pytest.raises(ValueError, match="takes far.*not min_rate"):
        model.calibrate_threshold(pairs, y, strategy="tar_at_far", min_rate=0.99)
    with pytest.raises(ValueError, match="far must be a false accept rate"):
        model.calibrate_threshold(pairs, y, strategy="tar_at_far")
    with pytest.raises(ValueError, match="does not take it"):
        model.calibrate_threshold(pairs, y, strategy="accuracy", far=0.01)


def test_a_decision_function_value_is_refused_as_threshold(products):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "preprocessor": X}, pairs, y)
    score = model.decision_function(pairs[:1])[0]
    with pytest.raises(ValueError, match="a distance.*decision_function returns minus"):
        model.set_threshold(score)
    before = model.threshold_
    with pytest.raises(ValueError):
        model.set_threshold(-1e-9)
    assert model.threshold_ == before
    assert model.set_threshold(-score).threshold_ == -score


# ---- the report ----------------------------------------------------------------


@pytest.fixture(scope="module")
def scored_pairs():
    rng = np.random.default_rng(3)
    similar = rng.random(500) < 0.3
    distances = np.where(similar, rng.gamma(2, 0.3, 500), rng.gamma(4, 0.4, 500))
    return similar.astype(int), -distances


def test_report_matches_scikit_learn_and_brute_force(scored_pairs):
    y, score = scored_pairs
    report = verification_report(y, score, far=(0.01, 0.1))
    assert report["roc_auc"] == roc_auc_score(y, score)
    assert report["average_precision"] == average_precision_score(y, score)
    # thresholds are scores: similar where score >= threshold
    candidates = np.concatenate([score, [np.inf]])
    assert report["accuracy"] == accuracy_score(y, score >= report["accuracy_threshold"])
    assert report["accuracy"] == pytest.approx(
        max(accuracy_score(y, score >= t) for t in candidates))
    assert report["f1"] == f1_score(y, score >= report["f1_threshold"])
    assert report["f1"] == pytest.approx(max(f1_score(y, score >= t) for t in candidates))
    for far, tar in report["tar_at_far"].items():
        accepted = score >= report["tar_at_far_threshold"][far]
        assert np.mean(accepted[y == 0]) <= far
        assert tar == np.mean(accepted[y == 1])
        assert tar == pytest.approx(max(np.mean(score[y == 1] >= t) for t in candidates
                                        if np.mean(score[y == 0] >= t) <= far))
    accepted = score >= report["eer_threshold"]
    far, frr = np.mean(accepted[y == 0]), np.mean(~accepted[y == 1])
    assert report["eer"] == pytest.approx((far + frr) / 2)
    assert abs(far - frr) <= max(0.02, 1 / np.sum(y == 1))


def test_report_thresholds_are_the_models_thresholds_negated(products):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "preprocessor": X}, pairs[:400], y[:400])
    report = verification_report(y[400:], model.decision_function(pairs[400:]))
    model.calibrate_threshold(pairs[400:], y[400:], strategy="eer")
    assert model.threshold_ == -report["eer_threshold"]


def test_report_labels_weights_and_warnings(scored_pairs):
    y, score = scored_pairs
    plain = verification_report(y, score)
    as_strings = verification_report(np.where(y == 1, "same", "other"), score,
                                     pos_label="same")
    assert as_strings == plain
    doubled = verification_report(y, score, sample_weight=np.full(len(y), 2.0))
    # weights near the largest float: their sums must not overflow
    huge = verification_report(y, score, sample_weight=np.full(len(y), 1e308))
    for found in (doubled, huge):
        for key, value in plain.items():
            assert found[key] == pytest.approx(value), key
    for key, value in plain.items():
        if isinstance(value, dict):
            assert doubled[key] == pytest.approx(value)
        else:
            assert doubled[key] == pytest.approx(value), key
    with pytest.warns(UserWarning, match="pass minus them"):
        verification_report(y, -score)  # distances, not scores


@pytest.mark.parametrize("y_true, y_score, kwargs, message", [
    ([0, 1, 1], [0.1, np.nan, 0.3], {}, "y_score.*NaN"),
    ([0, 1, 1], [0.1, 0.2], {}, "inconsistent numbers"),
    ([0, 1, 2], [0.1, 0.2, 0.3], {}, "two labels"),
    ([1, 1, 1], [0.1, 0.2, 0.3], {}, "two labels"),
    ([0, 1, 1], [0.1, 0.2, 0.3], {"pos_label": 2}, "pos_label=2"),
    ([0, 1, 1], [0.1, 0.2, 0.3], {"far": 0.9}, "far=0.9"),
    ([0, 1, 1], [0.1, 0.2, 0.3], {"sample_weight": [1, -1, 1]}, "Negative values.*sample_weight"),
    ([1, "a", 1, "a"], [0.1, 0.2, 0.3, 0.4], {}, "mixes labels of types"),
    (np.array([1, "a", 1, "a"], dtype=object), [0.1, 0.2, 0.3, 0.4], {}, "mixes labels"),
])
def test_report_names_bad_input(y_true, y_score, kwargs, message):
    with pytest.raises(ValueError, match=message):
        verification_report(y_true, y_score, **kwargs)


def test_report_leaves_the_callers_arrays_alone(scored_pairs):
    y, score = scored_pairs
    y_before, score_before = y.copy(), score.copy()
    verification_report(y, score)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(score, score_before)


# ---- scikit-learn's wrappers ---------------------------------------------------


@pytest.mark.parametrize("form", ["samples", "indices"])
def test_scikit_learn_threshold_and_calibration_wrappers(products, form):
    X, pairs, y, _ = products
    model = ContrastivePairClassifier(**FIXED, preprocessor=X if form == "indices" else None)
    data = pairs if form == "indices" else X[pairs]  # (n_pairs, 2) or (n_pairs, 2, 8)
    train, test = slice(0, 400), slice(400, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted_model = model.fit(data[train], y[train])
        # a threshold on decision_function is minus a distance
        fixed = FixedThresholdClassifier(fitted_model, threshold=-fitted_model.threshold_,
                                         response_method="decision_function")
        fixed.fit(data[train], y[train])
        tuned = TunedThresholdClassifierCV(model, scoring="balanced_accuracy", cv=3,
                                           random_state=0).fit(data[train], y[train])
        calibrated = CalibratedClassifierCV(model, cv=3).fit(data[train], y[train])
    np.testing.assert_array_equal(fixed.predict(data[test]), fitted_model.predict(data[test]))
    assert np.isfinite(tuned.best_threshold_)
    assert set(np.unique(tuned.predict(data[test]))) <= {0, 1}
    assert tuned.best_score_ > 0.5
    proba = calibrated.predict_proba(data[test])
    assert proba.shape == (len(y[test]), 2)
    assert roc_auc_score(y[test], proba[:, 1]) > 0.7


def test_probabilities_need_a_fit(products):
    _, pairs, _, _ = products
    for method in ("predict_proba", "predict_log_proba"):
        with pytest.raises(NotFittedError):
            getattr(ContrastivePairClassifier(), method)(pairs[:3])


def test_a_cosine_threshold_beyond_the_largest_chord_is_refused(products):
    X, pairs, y, _ = products
    model = fitted({**FIXED, "metric": "cosine", "preprocessor": X}, pairs[:400], y[:400])
    model.set_threshold(2.0)  # every pair similar: allowed, and said as a distance
    with pytest.raises(ValueError, match="largest chord distance"):
        model.set_threshold(2.5)
