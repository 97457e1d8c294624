"""The loss module and the full objective: values, gradients, edge cases."""

import numpy as np
import pytest
from gradients import objective_gradient_error
from scipy.optimize import check_grad

from sk_contrastive._linear import LinearProjection
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._pairs import Pairs, pairs_from_labels


def source_formula(Z, pairs, margin):
    """Hadsell et al.'s loss in this library's convention (y=1 similar), as
    Keras writes it, verbatim: K.mean(y*d**2 + (1-y)*max(margin-d, 0)**2)."""
    d = np.linalg.norm(Z[pairs.first] - Z[pairs.second], axis=1)
    s = pairs.similar.astype(float)
    return np.mean(s * np.square(d) + (1 - s) * np.square(np.maximum(margin - d, 0)))


def random_pairs(n_samples, n_pairs, rng):
    first = np.sort(rng.integers(0, n_samples, n_pairs))
    second = rng.integers(0, n_samples, n_pairs)
    return Pairs(first, second, rng.random(n_pairs) < 0.4)


@pytest.mark.parametrize("margin", [0.1, 1.0, 7.5])
@pytest.mark.parametrize("n_samples,n_components", [(5, 1), (30, 3), (60, 8)])
def test_default_loss_is_the_source_formula(margin, n_samples, n_components):
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((n_samples, n_components))
    pairs = random_pairs(n_samples, 4 * n_samples, rng)
    value, _ = ContrastiveLoss(pairs, n_samples, margin=margin)(Z)
    assert value == pytest.approx(source_formula(Z, pairs, margin), rel=1e-12)


@pytest.mark.parametrize("margin,pos_margin", [(1.0, 0.0), (3.0, 0.0), (2.0, 0.5)])
@pytest.mark.parametrize("n_samples,n_components", [(7, 1), (25, 4), (40, 9)])
def test_embedding_gradient_matches_finite_differences(
    margin, pos_margin, n_samples, n_components
):
    rng = np.random.default_rng(1)
    pairs = random_pairs(n_samples, 5 * n_samples, rng)
    loss = ContrastiveLoss(pairs, n_samples, margin=margin, pos_margin=pos_margin)
    shape = (n_samples, n_components)

    def value(z):
        return loss(z.reshape(shape))[0]

    def gradient(z):
        return loss(z.reshape(shape))[1].ravel()

    z0 = rng.standard_normal(n_samples * n_components) * margin / 2
    assert check_grad(value, gradient, z0) < 1e-5 * np.linalg.norm(gradient(z0))


@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("strategy", ["neighbors", "random"])
@pytest.mark.parametrize("n_features,n_components", [(4, 2), (10, 10), (12, 3)])
def test_objective_gradient_matches_finite_differences(
    alpha, strategy, n_features, n_components
):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, n_features))
    y = rng.integers(0, 3, 40)
    pairs = pairs_from_labels(X, y, strategy=strategy, random_state=0)
    projection = LinearProjection(n_features, n_components)
    loss = ContrastiveLoss(pairs, X.shape[0], margin=2.0)
    params = rng.standard_normal(projection.n_params) * 0.3

    error, gradient_norm = objective_gradient_error(params, X, projection, loss, alpha)
    assert error < 1e-5 * gradient_norm


def test_coincident_and_at_margin_pairs_give_finite_values():
    Z = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    # similar at distance 0, dissimilar at distance 0, dissimilar exactly at the margin
    pairs = Pairs(np.array([0, 0, 3]), np.array([1, 3, 2]), np.array([True, False, False]))
    value, gradient = ContrastiveLoss(pairs, 4, margin=1.0)(Z)
    assert np.isfinite(value) and np.all(np.isfinite(gradient))
    assert value == pytest.approx((0 + 1 + 0) / 3)
    # Coincident points have no direction to push along: the subgradient 0;
    # a pair exactly at the margin is on the flat side of the hinge.
    np.testing.assert_array_equal(gradient, 0.0)


def test_pos_margin_stops_pulling_close_similar_pairs():
    Z = np.array([[0.0], [0.3], [2.0]])
    pairs = Pairs(np.array([0, 0]), np.array([1, 2]), np.array([True, True]))
    value, gradient = ContrastiveLoss(pairs, 3, pos_margin=0.5)(Z)
    assert value == pytest.approx((1.5**2) / 2)
    assert gradient[1, 0] == 0.0 and gradient[2, 0] > 0


def test_no_pairs_gives_zero_loss_and_gradient():
    empty = Pairs(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, bool))
    value, gradient = ContrastiveLoss(empty, 3)(np.ones((3, 2)))
    assert value == 0.0
    np.testing.assert_array_equal(gradient, np.zeros((3, 2)))


def test_float32_embedding_is_evaluated_in_float32():
    rng = np.random.default_rng(4)
    Z = rng.standard_normal((20, 3))
    pairs = random_pairs(20, 60, rng)
    loss = ContrastiveLoss(pairs, 20)
    value64, gradient64 = loss(Z)
    value32, gradient32 = loss(Z.astype(np.float32))
    assert gradient32.dtype == np.float32
    assert value32 == pytest.approx(value64, rel=1e-5)
    np.testing.assert_allclose(gradient32, gradient64, rtol=1e-4, atol=1e-6)

