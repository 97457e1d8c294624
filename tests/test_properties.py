"""Property-based tests over random shapes, dtypes, labels and parameters."""

import warnings

import numpy as np
from gradients import objective_gradient_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._linear import LinearProjection
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._mlp import ACTIVATIONS, MLPProjection
from sk_contrastive._pairs import pairs_from_labels

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def datasets(draw):
    n_samples = draw(st.integers(2, 30))
    n_features = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, bool]))
    magnitude = draw(st.sampled_from([1e-200, 1e-3, 1.0, 1e4, 1e200]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    if draw(st.booleans()):  # duplicate rows
        X[n_samples // 2 :] = X[: n_samples - n_samples // 2]
    if dtype is bool:
        X = X > 0
    elif dtype is np.int64:
        X = np.round(X * 3).astype(np.int64)
    else:
        if dtype is np.float32:  # stay inside float32's range
            magnitude = float(np.clip(magnitude, 1e-30, 1e30))
        X = (X * magnitude).astype(dtype)
    n_classes = draw(st.integers(1, 4))
    labels = draw(st.sampled_from(["int", "str"]))
    y = rng.integers(0, n_classes, n_samples)
    if labels == "str":
        y = np.array(["a", "b", "c", "d"])[y]
    return X, y


@st.composite
def parameters(draw, n_features):
    hidden = draw(st.sampled_from([(), (4,), (3, 2)]))
    params = {
        "n_components": draw(st.integers(0, n_features + 1)),
        "hidden_layer_sizes": hidden,
        "activation": draw(st.sampled_from(sorted(ACTIVATIONS))),
        "margin": draw(st.sampled_from([-1.0, 0.0, 0.5, 1.0, 10.0])),
        "pos_margin": draw(st.sampled_from([0.0, 0.2])),
        "pair_strategy": draw(st.sampled_from(["neighbors", "random"])),
        "n_positives": draw(st.integers(0, 6)),
        "n_negatives": draw(st.integers(0, 6)),
        "n_random_negatives": draw(st.integers(0, 3)),
        "n_mining_rounds": draw(st.integers(1, 2)),
        "alpha": draw(st.sampled_from(["auto", 0.0, 1e-2])),
        "init": draw(st.sampled_from(["auto", "pca", "lda", "identity", "random"])),
        "mining_block_size": draw(st.sampled_from([None, 2, 8, 2048])),
        "max_iter": 5,
        "random_state": 0,
    }
    return params


def parameters_are_valid(params, X, y):
    n_samples, n_features = X.shape
    n_classes = len(np.unique(y))
    k = params["n_components"]
    hidden = params["hidden_layer_sizes"]
    init = params["init"]
    return (
        n_classes >= 2
        and k >= 1
        and (k <= n_features or hidden)
        and params["margin"] > 0
        and params["pos_margin"] < params["margin"]
        and params["n_positives"] >= 1
        and params["n_negatives"] + params["n_random_negatives"] >= 1
        and (init in ("auto", "random") or not hidden)
        and not (init == "pca" and not hidden and k > min(n_samples, n_features))
        and not (init == "lda" and not hidden and k > min(n_features, n_classes - 1))
        and (params["mining_block_size"] is None or params["mining_block_size"] >= 2)
    )


@SETTINGS
@given(data=st.data())
def test_fit_transform_is_finite_or_raises_value_error(data):
    X, y = data.draw(datasets())
    params = data.draw(parameters(X.shape[1]))
    model = ContrastiveEmbedding(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if not parameters_are_valid(params, X, y):
            try:
                model.fit(X, y)
            except ValueError:
                return
            raise AssertionError(f"invalid input was accepted: {params}")
        Z = model.fit(X, y).transform(X)
    assert Z.shape == (X.shape[0], params["n_components"])
    assert Z.dtype == (np.float32 if X.dtype == np.float32 else np.float64)
    assert np.all(np.isfinite(Z))
    assert np.isfinite(model.loss_)
    assert 0.0 <= model.score(X, y) <= 1.0


@SETTINGS
@given(
    n_samples=st.integers(3, 25),
    n_features=st.integers(1, 6),
    n_components=st.integers(1, 4),
    hidden=st.sampled_from([(), (5,), (4, 3)]),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    margin=st.floats(0.1, 5.0),
    pos_margin=st.sampled_from([0.0, 0.3]),
    alpha=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**16),
)
def test_gradient_matches_finite_differences(
    n_samples, n_features, n_components, hidden, activation, margin, pos_margin, alpha, seed
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = rng.integers(0, 3, n_samples)
    if hidden:
        projection = MLPProjection(n_features, hidden, n_components, activation)
        params = projection.initial_params("random", random_state=seed)
        params += 0.1 * rng.standard_normal(params.shape)
    else:
        n_components = min(n_components, n_features)
        projection = LinearProjection(n_features, n_components)
        params = rng.standard_normal(projection.n_params)
    pairs = pairs_from_labels(X, y, random_state=seed)
    loss = ContrastiveLoss(pairs, n_samples, margin, pos_margin)

    # Hinges and relu have kinks: a random point is almost surely away from
    # them, and finite differences with a small step agree there.
    error, gradient_norm = objective_gradient_error(
        params, X, projection, loss, alpha, epsilon=1e-7)
    assert error <= 1e-4 * max(1.0, gradient_norm)
