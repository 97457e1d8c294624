"""sample_weight: zero drops a sample exactly; integer weights repeat pairs."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._pairs import Pairs

SETTINGS = {
    "linear": ({}, True),
    "mlp": ({"hidden_layer_sizes": (6,)}, True),
    "unlabelled": ({}, False),
    "partly labelled": ({"unlabeled_label": -1}, True),
}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_weight_zero_is_dropping_the_sample_exactly(iris, setting, sparse):
    X, y = iris
    params, labelled = SETTINGS[setting]
    if setting == "partly labelled":
        y = np.where(np.arange(len(y)) % 3 == 0, -1, y)
    weights = np.ones(len(y))
    weights[np.random.default_rng(0).choice(len(y), 40, replace=False)] = 0
    kept = weights > 0
    X_fit = sp.csr_array(X) if sparse else X
    args_weighted = (X_fit, y) if labelled else (X_fit,)
    args_dropped = (X_fit[kept], y[kept]) if labelled else (X_fit[kept],)
    model = ContrastiveEmbedding(2, mining_block_size=40, random_state=0, **params)
    weighted = fit_quietly(model, *args_weighted, sample_weight=weights)
    weighted_Z = weighted.transform(X_fit)
    weighted_iter, weighted_loss = weighted.n_iter_, weighted.loss_
    dropped = fit_quietly(ContrastiveEmbedding(2, mining_block_size=40, random_state=0,
                                               **params), *args_dropped)
    np.testing.assert_array_equal(weighted_Z, dropped.transform(X_fit))
    assert weighted_iter == dropped.n_iter_ and weighted_loss == dropped.loss_


def test_integer_pair_weights_equal_repeated_pairs_in_the_loss():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((20, 3))
    first, second = rng.integers(0, 20, 50), rng.integers(0, 20, 50)
    similar = rng.random(50) < 0.4
    weight = rng.integers(1, 5, 50).astype(float)
    order = np.argsort(first, kind="stable")
    weighted = Pairs(first[order], second[order], similar[order], weight[order])
    repeat = np.repeat(np.arange(50), weight.astype(int))
    repeat = repeat[np.argsort(first[repeat], kind="stable")]
    repeated = Pairs(first[repeat], second[repeat], similar[repeat])
    value_w, gradient_w = ContrastiveLoss(weighted, 20, margin=1.5, pos_margin=0.2)(Z)
    value_r, gradient_r = ContrastiveLoss(repeated, 20, margin=1.5, pos_margin=0.2)(Z)
    assert value_w == pytest.approx(value_r, rel=1e-12)
    np.testing.assert_allclose(gradient_w, gradient_r, rtol=1e-10, atol=1e-14)


def test_sample_weights_weigh_each_pair_by_the_product(iris):
    X, y = iris
    weights = np.random.default_rng(1).uniform(0.5, 3.0, len(y))
    model = fit_quietly(ContrastiveEmbedding(2, n_mining_rounds=1, alpha=0.0, random_state=0),
                        X, y, sample_weight=weights)
    # recompute the loss of the final map over the same pairs, by hand
    from sk_contrastive._pairs import pairs_from_labels

    internal = model._fitted_scaling.apply(X)
    pairs = pairs_from_labels(internal, np.unique(y, return_inverse=True)[1],
                              n_positives=5, n_negatives=10, n_random_negatives=2,
                              random_state=np.random.RandomState(0))
    Z = model.transform(X)
    d = np.linalg.norm(Z[pairs.first] - Z[pairs.second], axis=1)
    terms = np.where(pairs.similar, d**2, np.maximum(1 - d, 0) ** 2)
    w = weights[pairs.first] * weights[pairs.second]
    assert model.loss_ == pytest.approx(np.sum(w * terms) / np.sum(w), rel=1e-6)


def test_equal_weights_are_no_weights_and_scale_does_not_matter(iris):
    X, y = iris
    plain = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y)
    equal = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y,
                        sample_weight=np.full(len(y), 3.0))
    np.testing.assert_array_equal(plain.components_, equal.components_)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    once = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y, sample_weight=weights)
    twice = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y,
                        sample_weight=4 * weights)
    np.testing.assert_allclose(once.components_, twice.components_, rtol=1e-6)


def test_weights_change_what_is_learned(iris):
    X, y = iris
    up = np.where(y == 1, 20.0, 1.0)  # versicolor's pairs count 20 to 400 times
    plain = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y)
    weighted = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y, sample_weight=up)
    assert not np.allclose(plain.components_, weighted.components_, rtol=0.05)


def test_pair_weights_zero_and_integer(iris):
    X, y = iris
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, 150, (400, 2))
    same = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
    weights = rng.integers(0, 4, 400).astype(float)

    def model():
        # a few iterations: rounding differences between a weighted sum and
        # a sum over repeats have not grown yet (this loss is not convex)
        return ContrastivePairClassifier(2, preprocessor=X, max_iter=5, random_state=0)

    kept = weights > 0
    weighted = fit_quietly(model(), pairs, same, sample_weight=weights)
    dropped_and_repeated = np.repeat(np.flatnonzero(kept), weights[kept].astype(int))
    repeated = fit_quietly(model(), pairs[dropped_and_repeated], same[dropped_and_repeated])
    # the same samples, the same loss: the same model, to rounding
    np.testing.assert_allclose(weighted.components_, repeated.components_, rtol=1e-9,
                               atol=1e-12)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-12)
    assert weighted.threshold_ == pytest.approx(repeated.threshold_, rel=1e-6)


@pytest.mark.parametrize(
    "weights,message",
    [
        (-np.ones(150), "Negative values in data passed to `sample_weight`"),
        (np.ones(10), "sample_weight.shape == \\(10,\\), expected \\(150,\\)"),
        # scikit-learn >= 1.7 checks this first, in its words; 1.6 leaves it to us
        (np.zeros(150), "at least one non-zero|leaves 0 sample\\(s\\) of positive weight"),
        (np.r_[1.0, np.zeros(149)], "leaves 1 sample\\(s\\) of positive weight"),
        (np.full(150, np.nan), "NaN"),
    ],
)
def test_bad_weights_are_named(iris, weights, message):
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(2).fit(*iris, sample_weight=weights)


def test_caller_weights_are_not_modified(iris):
    X, y = iris
    weights = np.random.default_rng(0).uniform(0, 2, 150)
    weights[:10] = 0
    before = weights.copy()
    fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, before)


def test_metadata_routing_through_a_pipeline(iris):
    X, y = iris
    weights = np.random.default_rng(0).uniform(0.1, 3, 150)
    direct = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y, sample_weight=weights)
    with sklearn.config_context(enable_metadata_routing=True):
        embedding = ContrastiveEmbedding(2, random_state=0).set_fit_request(sample_weight=True)
        pipeline = make_pipeline(embedding, KNeighborsClassifier())
        fit_quietly(pipeline, X, y, sample_weight=weights)
    np.testing.assert_array_equal(pipeline[0].components_, direct.components_)
    with sklearn.config_context(enable_metadata_routing=True):
        unrequested = make_pipeline(ContrastiveEmbedding(2, random_state=0),
                                    KNeighborsClassifier())
        with pytest.raises(sklearn.exceptions.UnsetMetadataPassedError):
            unrequested.fit(X, y, sample_weight=weights)
