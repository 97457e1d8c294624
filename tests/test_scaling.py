"""Internal units: fits do not depend on offsets or on the units of a feature."""

import warnings

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._linear import LinearProjection
from sk_contrastive._mlp import MLPProjection
from sk_contrastive._scaling import InputScaling

LINEAR = {}
MLP = {"hidden_layer_sizes": (16,), "alpha": 1e-3}


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return X, StandardScaler().fit_transform(X), y


def fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ContrastiveEmbedding(n_components=2, random_state=0, **params).fit(X, y)


def test_scaling_centres_and_divides_by_powers_of_two():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 4)) * [1e-5, 1.0, 3e3, 1e8] + [0.0, 5e9, -7.0, 1e12]
    scaling = InputScaling.from_data(X)
    # A sum of n floats, in any order (BLAS kernels differ), is off by at most
    # (n - 1) u sum|x| (u = eps / 2): the offset and numpy's mean, each a sum
    # over n = 500 rows, agree within n eps mean|x|.
    n_eps = X.shape[0] * np.finfo(np.float64).eps
    assert np.all(np.abs(scaling.offset - X.mean(axis=0)) <= n_eps * np.abs(X).mean(axis=0))
    exponents = np.log2(scaling.scale)
    np.testing.assert_array_equal(exponents, np.round(exponents))
    ratio = X.std(axis=0) / scaling.scale
    assert np.all((ratio >= 2**-0.5) & (ratio <= 2**0.5))
    internal = scaling.apply(X)
    # Centred as closely as float64 allows: the offset's error, n u mean|x|
    # (3e-4 for the feature near 5e9, whose own entries are only resolved to
    # 5e-7), in internal units, plus the rounding of the internal mean itself.
    bound = n_eps * (np.abs(X).mean(axis=0) / scaling.scale + np.abs(internal).mean(axis=0))
    assert np.all(np.abs(internal.mean(axis=0)) <= bound)
    assert np.all((internal.std(axis=0) >= 0.7) & (internal.std(axis=0) <= 1.42))


@pytest.mark.parametrize("magnitude", [1e-300, 1e300, 1.5e308])
def test_scaling_of_extreme_magnitudes_stays_finite(magnitude):
    X = np.array([[1.0, -1.0], [0.5, 1.0], [-1.0, 0.25]]) * magnitude
    internal = InputScaling.from_data(X).apply(X)
    assert np.all(np.isfinite(internal)) and np.all(np.abs(internal) < 4)
    assert np.all(internal.std(axis=0) > 0.5)


def test_constant_and_zero_features_are_left_at_zero():
    X = np.column_stack([np.zeros(5), np.full(5, 3e7), np.arange(5.0)])
    internal = InputScaling.from_data(X).apply(X)
    np.testing.assert_array_equal(internal[:, :2], 0.0)


@pytest.mark.parametrize("value", [-0.02841, 0.1, -7.123456789])
@pytest.mark.parametrize("params", [LINEAR, MLP], ids=["linear", "mlp"])
def test_a_constant_feature_whose_mean_rounds_gets_no_weight_in_input_units(value, params):
    # the mean of 1,000 copies of these values is not the value itself: the
    # computed variance is rounding error (about 1e-28), and scaling by its
    # root gave the feature weights ~1e14 in the caller's units, so that a
    # sample with another value there (a digits pixel, constant in the rows
    # fitted on) was mapped 5e15 away
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.standard_normal((1000, 3)), np.full(1000, value)])
    y = (X[:, 0] > 0).astype(int)
    scaling = InputScaling.from_data(X)
    assert scaling.scale[3] == InputScaling.from_data(X[:5]).scale[3]  # 5 rows: exact mean
    model = fit(X, y, **params)
    weights = model.components_.T if params is LINEAR else model.coefs_[0]
    assert np.abs(weights[3]).max() <= np.abs(weights[:3]).max()
    other = X[:3].copy()
    other[:, 3] = value + 1.0
    assert np.abs(model.transform(other)).max() < 10 * np.abs(model.transform(X)).max()


@pytest.mark.parametrize("offset", [1e3, 1e5, 1e7, 1e9])
def test_linear_fit_is_invariant_to_translating_X(wine, offset):
    _, X, y = wine
    reference = fit(X, y, init="random")
    shifted = fit(X + offset, y, init="random")
    assert shifted.n_iter_ == pytest.approx(reference.n_iter_, abs=2)
    assert shifted.loss_ == pytest.approx(reference.loss_, rel=1e-4)
    np.testing.assert_allclose(shifted.components_, reference.components_, rtol=1e-3, atol=1e-4)
    # the same embedding up to a constant shift, and the same score
    difference = shifted.transform(X + offset) - reference.transform(X)
    spread = reference.transform(X).std(axis=0)
    assert np.all(np.ptp(difference, axis=0) < 1e-3 * spread)
    assert shifted.score(X + offset, y) == pytest.approx(reference.score(X, y), abs=1e-9)


@pytest.mark.parametrize("offset", [1e3, 1e5, 1e7, 1e9])
def test_mlp_trains_normally_on_translated_X(wine, offset):
    _, X, y = wine
    reference = fit(X, y, **MLP)
    shifted = fit(X + offset, y, **MLP)
    spread = shifted.transform(X + offset).std(axis=0)
    # Before, offset 1e5 collapsed the output to a spread of 1.7e-7 after 5
    # iterations. Rounding X + offset perturbs the data by up to ulp(offset) / 2
    # (6e-8 at 1e9), and the end point of a nonconvex L-BFGS fit is not a
    # rounding-level quantity: 108 fits of X plus random perturbations of 1e-13
    # to 1e-7, on two BLAS kernels, ended with spreads 0.90-1.06 times the
    # reference's, losses 0.97-1.07 times, the same score, and 55-91
    # iterations. So assert what tells a fit that trains from one that
    # collapses (a spread 1e6 times smaller; a loss 10 times larger after 5
    # iterations): the spread within a factor 2, the loss within 25 %.
    ratio = spread / reference.transform(X).std(axis=0)
    assert np.all((ratio > 0.5) & (ratio < 2.0)), ratio
    assert shifted.n_iter_ > 20
    assert shifted.loss_ == pytest.approx(reference.loss_, rel=0.25)
    assert shifted.score(X + offset, y) == pytest.approx(reference.score(X, y), abs=0.01)


@pytest.mark.parametrize("params", [LINEAR, MLP], ids=["linear", "mlp"])
@pytest.mark.parametrize("power", [-20, -7, 9, 30])
def test_units_of_a_feature_that_are_a_power_of_two_change_nothing(wine, params, power):
    # Measuring one feature in units 2**power times smaller multiplies it by
    # 2**power; the internal units are then bit-for-bit the same, and the
    # fitted map absorbs the factor exactly.
    _, X, y = wine
    column = 12
    X_other_units = X.copy()
    X_other_units[:, column] *= 2.0**power
    reference = fit(X, y, **params)
    other = fit(X_other_units, y, **params)
    np.testing.assert_array_equal(other.transform(X_other_units), reference.transform(X))
    weights, weights_other = (
        (reference.components_.T, other.components_.T)
        if not params else (reference.coefs_[0], other.coefs_[0])
    )
    np.testing.assert_array_equal(weights_other[column], weights[column] * 2.0**-power)


@pytest.mark.parametrize("params", [LINEAR, MLP], ids=["linear", "mlp"])
@pytest.mark.parametrize("factor", [1e-6, 1e-3, 100.0, 1e5])
def test_one_feature_in_other_units_fits_as_well(wine, params, factor):
    # Raw wine (unstandardised: proline reaches 1,680) with proline in units
    # `factor` times smaller; proline * 100 stopped after 10 iterations at a
    # leave-one-out 5-NN accuracy of 0.961 instead of 0.994 before.
    X_raw, _, y = wine
    X_other_units = X_raw.copy()
    X_other_units[:, 12] *= factor
    reference = fit(X_raw, y, **params)
    other = fit(X_other_units, y, **params)
    assert other.score(X_other_units, y) >= reference.score(X_raw, y) - 0.02
    assert other.score(X_other_units, y) > 0.95


def test_the_penalty_weighs_the_weights_of_the_standardised_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3)) * np.array([1.0, 1.4, 0.3]) * 3.7 + 5.0
    scaling = InputScaling.from_data(X)
    np.testing.assert_allclose(scaling.spread, X.std(axis=0) / scaling.scale, atol=2.0**-21)
    assert np.all((scaling.spread >= 0.5) & (scaling.spread <= 2.0))
    assert np.ptp(scaling.spread) > 0.2  # not all powers of two: the test means something

    # internal features are the standardised ones times `spread`, so a map
    # W of the standardised features is W / spread in internal units
    standardised_map = rng.normal(size=(2, 3))
    linear = LinearProjection(3, 2, scaling)
    params = (standardised_map / scaling.spread).ravel()
    value, gradient = linear.penalty(params)
    assert value == pytest.approx(np.sum(standardised_map**2), rel=1e-12)
    np.testing.assert_allclose(
        gradient, approx_fprime(params, lambda p: linear.penalty(p)[0], 1e-7), rtol=1e-5
    )

    mlp = MLPProjection(3, (4,), 2, "relu", scaling)
    first_layer, output_layer = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    params = np.concatenate([(first_layer / scaling.spread[:, None]).ravel(), np.ones(4),
                             output_layer.ravel(), np.ones(2)])
    value, gradient = mlp.penalty(params)
    assert value == pytest.approx(np.sum(first_layer**2) + np.sum(output_layer**2), rel=1e-12)
    np.testing.assert_allclose(
        gradient, approx_fprime(params, lambda p: mlp.penalty(p)[0], 1e-7), rtol=1e-5, atol=1e-7
    )


def test_standardised_features_have_a_spread_of_one():
    X = StandardScaler().fit_transform(np.random.default_rng(1).normal(size=(300, 4)) * 7.3)
    np.testing.assert_array_equal(InputScaling.from_data(X).spread, 1.0)
    constant = InputScaling.from_data(np.ones((10, 2)))
    np.testing.assert_array_equal(constant.spread, 1.0)


@pytest.mark.parametrize("value", [1e-300, -7e-5, "one ulp apart"])
@pytest.mark.parametrize("params", [
    {"architecture": "linear", "n_components": 2}, {"hidden_layer_sizes": (16,), "alpha": 1e-3,
                                                   "n_components": 2},
    {"architecture": "diagonal"},
], ids=["linear", "mlp", "diagonal"])
def test_a_feature_constant_in_training_moves_no_new_row(value, params):
    # a constant feature's internal column is 0, so its weight was never
    # fitted; divided by its own tiny scale it put rows with another value
    # there 1e294 away (1e-300), or made the LDA start give it 1e14 (a
    # column whose one outlier is one ulp away, counted as constant)
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if value == "one ulp apart":
        column = np.full(X.shape[0], 7.0)
        column[0] = np.nextafter(7.0, 8.0)
    else:
        column = np.full(X.shape[0], value)
    X = np.column_stack([X, column])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ContrastiveEmbedding(random_state=0, **params).fit(X, y)
    new = X[:5].copy()
    new[:, -1] = 1.0
    np.testing.assert_array_equal(model.transform(new), model.transform(X[:5]))
    assert np.abs(model.transform(X)).max() < 100
