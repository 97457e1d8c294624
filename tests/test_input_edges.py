"""Edge and bad input found by a new user's review: each case failed before
its fix (a collapsed fit, a raw numpy error, NaN accepted, a score outside
[0, 1]) and must now give the right value or a named error."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5))
    y = np.repeat([0, 1, 2], 20)
    pairs = rng.integers(0, 60, (200, 2))
    return X, y, pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)


def fit_without_warnings(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(*args)


# ---- magnitudes ------------------------------------------------------------------


@pytest.mark.parametrize("factor,dtype", [(1e160, np.float64), (1e300, np.float64),
                                          (1e-160, np.float64), (1e20, np.float32)])
def test_default_init_fits_data_of_any_magnitude(wine, factor, dtype):
    X, y = wine
    reference = ContrastiveEmbedding(random_state=0).fit(X, y)
    scaled = (X * factor).astype(dtype)
    model = fit_without_warnings(ContrastiveEmbedding(random_state=0), scaled, y)
    assert model.n_iter_ > 5
    Z = model.transform(scaled)
    assert np.all(np.isfinite(Z))
    assert np.unique(Z, axis=0).shape[0] == X.shape[0]  # not collapsed
    assert model.score(scaled, y) == pytest.approx(reference.score(X, y), abs=0.01)


@pytest.mark.parametrize("X,dtype", [(1e-310, np.float64), (1e-40, np.float32)])
def test_features_too_small_for_any_map_are_named(wine, X, dtype):
    data, y = wine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Multiply X by a constant"):
            ContrastiveEmbedding(random_state=0).fit((data * X).astype(dtype), y)


def test_score_of_large_inputs_is_that_of_the_same_inputs_scaled_down(small):
    X, y, _, _ = small
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    assert model.score(X[:10] * 1e154) == pytest.approx(model.score(X[:10]))
    far = np.full((3, 5), 1e308) * np.array([[1.0], [-1.0], [0.5]])
    for labels in (None, [0, 1, 2]):
        assert 0.0 <= model.score(far, labels) <= 1.0


def test_pair_distance_of_finite_pairs_near_the_largest_float_is_finite(small):
    X, _, pairs, labels = small
    model = ContrastivePairClassifier(n_components=2, random_state=0).fit(X[pairs], labels)
    far = np.stack([np.full((1, 5), 1e200), np.full((1, 5), -1e200)], axis=1)
    near = far / 1e200
    assert model.pair_distance(far)[0] == pytest.approx(1e200 * model.pair_distance(near)[0])


# ---- parameters --------------------------------------------------------------------


@pytest.mark.parametrize("params,message", [
    ({"margin": 1e-300}, "margin"),
    ({"margin": np.nan}, "margin must be a finite"),
    ({"margin": np.inf}, "margin"),
    ({"pos_margin": np.nan}, "pos_margin must be a finite"),
    ({"alpha": np.nan}, "alpha must be a finite"),
    ({"alpha": np.inf}, "alpha must be a finite"),
    ({"tol": np.nan}, "tol must be a finite"),
    ({"n_positives": 65}, "n_positives"),
    ({"n_negatives": 65}, "n_negatives"),
])
def test_out_of_range_parameters_are_named(small, params, message):
    X, y, _, _ = small
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(**params).fit(X, y)


@pytest.mark.parametrize("params,message", [
    ({"n_components": True}, "n_components must be an integer, not a bool"),
    ({"max_iter": True}, "max_iter must be an integer, not a bool"),
    ({"warm_start": "yes"}, "warm_start must be True or False"),
])
def test_parameters_of_the_wrong_type_are_named(small, params, message):
    X, y, _, _ = small
    with pytest.raises(TypeError, match=message):
        ContrastiveEmbedding(**params).fit(X, y)


@pytest.mark.parametrize("init,error", [
    (np.array([["a"] * 5] * 2), ValueError),
    (np.eye(2, 5) * (1 + 1j), ValueError),
    (sp.csr_matrix(np.eye(2, 5)), TypeError),
])
def test_bad_init_arrays_are_named(small, init, error):
    X, y, _, _ = small
    with pytest.raises(error, match="init|Complex|convert"):
        ContrastiveEmbedding(n_components=2, init=init).fit(X, y)


def test_a_huge_alpha_stops_with_a_named_error_and_no_numpy_warning(small):
    X, y, _, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="non-finite.*alpha"):
            ContrastiveEmbedding(alpha=1e300).fit(X, y)


def test_constant_data_leaks_no_numpy_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for X in (np.ones((30, 4)), sp.csr_matrix((30, 4))):
            ContrastiveEmbedding(random_state=0).fit(X, np.arange(30) % 2)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


# ---- labels and weights --------------------------------------------------------------


@pytest.mark.parametrize("labels", [["a", 1, 2.0], ["a", "b", b"c"]])
def test_labels_of_mixed_types_are_named(small, labels):
    X, _, _, _ = small
    y = np.array(labels * 20, dtype=object)
    with pytest.raises(ValueError, match="mixes labels of types"):
        ContrastiveEmbedding().fit(X, y)


def test_score_rejects_negative_or_all_zero_weights_and_2d_labels(small):
    X, y, _, _ = small
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="Negative values"):
        model.score(X[:3], y[:3], sample_weight=[1, -0.9, 0])
    with pytest.raises(ValueError, match="non-zero|sums to 0"):
        model.score(X[:3], y[:3], sample_weight=[0, 0, 0])
    with pytest.raises(ValueError, match="1d array"):
        model.score(X, np.c_[y, y])


# ---- the pair classifier ---------------------------------------------------------------


@pytest.fixture(scope="module")
def pair_model(small):
    X, _, pairs, labels = small
    return ContrastivePairClassifier(n_components=2, preprocessor=X, random_state=0).fit(
        pairs, labels)


@pytest.mark.parametrize("kwargs,message", [
    ({"strategy": "max_tpr", "min_rate": np.nan}, "min_rate must be a finite"),
    ({"strategy": "f_beta", "beta": np.nan}, "beta must be a finite"),
    ({"strategy": "f_beta", "beta": np.inf}, "beta"),
    ({"strategy": "f_beta", "beta": 1e200}, "beta"),
])
def test_calibration_parameters_are_checked(small, pair_model, kwargs, message):
    _, _, pairs, labels = small
    with pytest.raises(ValueError, match=message):
        pair_model.calibrate_threshold(pairs, labels, **kwargs)


def test_calibration_weights_are_scale_free_and_need_both_kinds(small, pair_model):
    _, _, pairs, labels = small
    model = pair_model
    plain = model.calibrate_threshold(pairs, labels).threshold_
    huge = model.calibrate_threshold(pairs, labels, sample_weight=np.full(200, 1e308))
    assert huge.threshold_ == pytest.approx(plain)
    with pytest.raises(ValueError, match="positive weight; these pairs are all dissimilar"):
        model.calibrate_threshold(pairs, labels, sample_weight=(labels == 0) * 1.0)
    with pytest.raises(ValueError, match="threshold must be a finite"):
        model.set_threshold(np.nan)


def test_object_pair_labels_are_refused_with_a_clear_message(small):
    X, _, pairs, labels = small
    with pytest.raises(ValueError, match="not an array of dtype object.*astype"):
        ContrastivePairClassifier(preprocessor=X).fit(pairs, labels.astype(object))


def test_bad_pair_inputs_are_named(small):
    X, _, pairs, labels = small
    with pytest.raises(ValueError, match="0 features"):
        ContrastivePairClassifier().fit(np.zeros((4, 2, 0)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="4 features, but preprocessor has 5"):
        ContrastivePairClassifier(preprocessor=X).fit(X[pairs][..., :4], labels)
    with pytest.raises(TypeError, match="preprocessor must be an array"):
        ContrastivePairClassifier(preprocessor=lambda rows: X[rows]).fit(pairs, labels)
    with pytest.raises(ValueError, match="preprocessor: .*NaN"):
        ContrastivePairClassifier(preprocessor=np.where(X > 2, np.nan, X)).fit(pairs, labels)


def test_float32_and_odd_real_parameters_work_as_python_floats(small):
    X, y, _, _ = small
    plain = ContrastiveEmbedding(n_components=2, margin=1e20, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        single = ContrastiveEmbedding(n_components=2, margin=np.float32(1e20),
                                      random_state=0).fit(X, y)
    assert np.isfinite(single.loss_) and single.n_iter_ == plain.n_iter_
    with pytest.raises(ValueError, match="margin must be a finite"):
        ContrastiveEmbedding(pos_margin=10**400).fit(X, y)
    from fractions import Fraction
    assert ContrastiveEmbedding(n_components=2, margin=Fraction(1, 2)).fit(X, y).n_iter_ > 0


def test_an_mlp_margin_outside_its_range_is_named(small):
    X, y, _, _ = small
    for margin in (0.01, 1e4):
        with pytest.raises(ValueError, match="outside .* for an MLP"):
            ContrastiveEmbedding(hidden_layer_sizes=(8,), margin=margin).fit(X, y)


def test_score_with_pandas_output_and_mismatched_label_types(small):
    X, y, _, _ = small
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    expected = model.score(X, y), model.score(X)
    model.set_output(transform="pandas")
    assert (model.score(X, y), model.score(X)) == expected
    with pytest.raises(ValueError, match="are strings, but those seen in fit are numbers"):
        model.score(X, y.astype(str))


def test_huge_weights_are_taken_relative_to_the_largest(small):
    X, y, pairs, labels = small
    weights = np.r_[np.full(30, 2.0), np.ones(30)]
    reference = ContrastiveEmbedding(n_components=2, alpha=0.01, random_state=0).fit(X, y, weights)
    huge = ContrastiveEmbedding(n_components=2, alpha=0.01, random_state=0).fit(X, y, weights * 1e154)
    np.testing.assert_allclose(huge.selection_results_["mean_test_score"],
                               reference.selection_results_["mean_test_score"], rtol=1e-8)
    np.testing.assert_allclose(huge.transform(X), reference.transform(X), rtol=1e-8)
    assert huge.score(X, y, sample_weight=np.full(60, 1e307)) == pytest.approx(huge.score(X, y))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ContrastivePairClassifier(preprocessor=X).fit(pairs[:199], labels,
                                                      sample_weight=np.ones(200))


# ---- the new options of issue 12, from a second review ------------------------


def test_an_mlp_on_one_sparse_feature_keeps_its_random_start(wine):
    # no layout direction exists (a TruncatedSVD gives none of one column): fitting
    # the network to an all-zero layout blew the output layer up by 1e6
    X, y = wine
    X_one = sp.csr_matrix(X[:, 1:2])
    common = {"n_components": 2, "hidden_layer_sizes": (8,), "max_iter": 60, "random_state": 0}
    auto = ContrastiveEmbedding(**common).fit(X_one, y)
    drawn = ContrastiveEmbedding(init="random", **common).fit(X_one, y)
    np.testing.assert_allclose(auto.transform(X_one), drawn.transform(X_one))
    assert auto.loss_ < 1.0


@pytest.mark.parametrize("margin", [1e8, 1e100])
def test_a_large_margin_scales_the_named_start_instead_of_replacing_it(wine, margin):
    X, y = wine
    reference = ContrastiveEmbedding(2, random_state=0).fit(X, y).transform(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaled = ContrastiveEmbedding(2, margin=margin, random_state=0).fit(X, y).transform(X)
    assert not any("maps every dissimilar" in str(w.message) for w in caught)
    np.testing.assert_allclose(scaled / margin, reference, rtol=1e-6, atol=1e-9)


def test_tiny_sample_weights_give_no_numpy_warning(wine):
    X, y = wine
    weight = np.where(np.arange(len(y)) % 2 == 0, 1e-300, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = ContrastiveEmbedding(2, random_state=0).fit(X, y, sample_weight=weight)
    assert np.all(np.isfinite(model.components_))


NUMBER_OR_AUTO = {
    "pos_margin": "a float in \\[0, margin\\), 'impostor'",
    "alpha": "a float >= 0",
    "n_random_negatives": "an integer >= 0",
}


@pytest.mark.parametrize("name", list(NUMBER_OR_AUTO))
@pytest.mark.parametrize("value", [None, [0.5], np.array([0.5]), True, np.True_, b"auto"])
def test_a_number_or_auto_parameter_of_another_type_names_both_forms(wine, name, value):
    X, y = wine
    with pytest.raises(TypeError, match=f"{name} must be {NUMBER_OR_AUTO[name]} or 'auto'"):
        ContrastiveEmbedding(2, **{name: value}).fit(X, y)


@pytest.mark.parametrize("name", list(NUMBER_OR_AUTO))
@pytest.mark.parametrize("value", ["Auto", "auto ", ""])
def test_a_number_or_auto_parameter_given_another_string_names_both_forms(wine, name, value):
    X, y = wine
    with pytest.raises(ValueError, match=f"{name} must be {NUMBER_OR_AUTO[name]} or 'auto'"):
        ContrastiveEmbedding(2, **{name: value}).fit(X, y)


def test_negative_zero_parameters_are_zero(wine):
    X, y = wine
    model = ContrastiveEmbedding(2, alpha=-0.0, pos_margin=-0.0).fit(X, y)
    assert str(model.alpha_) == str(model.pos_margin_) == "0.0"


@pytest.mark.parametrize("value", [2.0, np.float32(3)])
def test_a_float_number_of_random_negatives_names_both_forms(wine, value):
    X, y = wine
    with pytest.raises(TypeError, match="n_random_negatives must be an integer >= 0 or 'auto'"):
        ContrastiveEmbedding(2, n_random_negatives=value).fit(X, y)


@pytest.mark.parametrize("params", [{"n_random_negatives": 10**400},
                                    {"hidden_layer_sizes": (10**400,)}])
def test_absurd_sizes_are_a_memory_error_not_an_overflow(wine, params):
    X, y = wine
    with pytest.raises(ValueError, match=r"would need about 10\^\d+ GiB"):
        ContrastiveEmbedding(2, **params).fit(X, y)


def test_score_of_a_float32_embedding_of_subnormal_size():
    # the power of two that brings 1e-40 to 1 is beyond float32: the scaling
    # overflowed to inf and score raised scikit-learn's "Input X contains infinity"
    from sk_contrastive._scoring import neighbor_label_agreement

    Z = np.array([[1e-40], [1.1e-40], [-1e-40], [-1.2e-40]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert neighbor_label_agreement(Z, np.array([0, 0, 1, 1]), n_neighbors=1) == 1.0
