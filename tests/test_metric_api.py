"""metric-learn's metric API on every estimator and map."""

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier

from sk_contrastive import (
    ContrastiveEmbedding,
    ContrastivePairClassifier,
    ContrastivePairRegressor,
)

# short fits: these tests are about the fitted map, not its convergence
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MAPS = [
    {"architecture": "linear", "n_components": 2},
    {"architecture": "diagonal"},
    {"architecture": "mlp", "hidden_layer_sizes": (8,), "n_components": 2},
]


def labelled_data(seed=0, n=60):
    rng = np.random.RandomState(seed)
    y = rng.randint(3, size=n)
    X = np.hstack([np.eye(3)[y] * 2 + 0.3 * rng.normal(size=(n, 3)), rng.normal(size=(n, 2))])
    return X, y


def fitted(kind, settings):
    X, y = labelled_data()
    settings = {"max_iter": 20, "random_state": 0, **settings}
    if kind == "embedding":
        return ContrastiveEmbedding(**settings).fit(X, y), X
    pairs = np.stack([X[:-1], X[1:]], axis=1)
    same = (y[:-1] == y[1:]).astype(int)
    if kind == "classifier":
        return ContrastivePairClassifier(**settings).fit(pairs, same), X
    return ContrastivePairRegressor(**settings).fit(pairs, same * 0.8 + 0.1), X


ESTIMATORS = ["embedding", "classifier", "regressor"]


@pytest.mark.parametrize("settings", MAPS, ids=lambda s: s["architecture"])
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_pair_distance_score_and_metric_are_the_embedded_distance(kind, settings):
    model, X = fitted(kind, settings)
    pairs = np.stack([X[:10], X[10:20]], axis=1)
    Z = model.transform(X)
    expected = np.linalg.norm(Z[:10] - Z[10:20], axis=1)
    np.testing.assert_allclose(model.pair_distance(pairs), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(model.pair_score(pairs), -model.pair_distance(pairs))
    metric = model.get_metric()
    from_metric = [metric(a, b) for a, b in pairs]
    np.testing.assert_allclose(from_metric, expected, rtol=1e-12, atol=1e-12)
    # a pickled metric is the same function
    again = pickle.loads(pickle.dumps(metric))
    assert again(X[0], X[1]) == metric(X[0], X[1])


@pytest.mark.parametrize("settings", MAPS, ids=lambda s: s["architecture"])
def test_the_metric_serves_a_neighbour_search(settings):
    model, X = fitted("embedding", settings)
    _, y = labelled_data()
    by_metric = KNeighborsClassifier(3, metric=model.get_metric(), algorithm="brute").fit(X, y)
    by_embedding = KNeighborsClassifier(3).fit(model.transform(X), y)
    X_new, _ = labelled_data(seed=1, n=15)
    np.testing.assert_array_equal(
        by_metric.kneighbors(X_new, return_distance=False),
        by_embedding.kneighbors(model.transform(X_new), return_distance=False))


def test_the_metric_keeps_the_fit_it_came_from():
    model, X = fitted("embedding", MAPS[0])
    metric = model.get_metric()
    before = metric(X[0], X[1])
    X_other, y_other = labelled_data(seed=5)
    model.set_params(random_state=3).fit(X_other[:, ::-1], y_other)
    assert metric(X[0], X[1]) == before
    assert model.get_metric()(X[0], X[1]) != before


@pytest.mark.parametrize("settings", MAPS[:2], ids=lambda s: s["architecture"])
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_the_mahalanobis_matrix_of_a_linear_map_gives_its_distances(kind, settings):
    model, X = fitted(kind, settings)
    M = model.get_mahalanobis_matrix()
    assert M.shape == (X.shape[1], X.shape[1])
    np.testing.assert_allclose(M, M.T, rtol=1e-12, atol=1e-12)
    assert np.linalg.eigvalsh(M).min() >= -1e-10 * np.abs(M).max()
    differences = X[:10] - X[10:20]
    from_matrix = np.sqrt(np.einsum("pi,ij,pj->p", differences, M, differences))
    np.testing.assert_allclose(
        model.pair_distance(np.stack([X[:10], X[10:20]], axis=1)), from_matrix,
        rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_an_mlp_has_no_mahalanobis_matrix(kind):
    model, _ = fitted(kind, MAPS[2])
    assert not hasattr(model, "get_mahalanobis_matrix")
    with pytest.raises(AttributeError, match="has no attribute 'get_mahalanobis_matrix'") as found:
        model.get_mahalanobis_matrix()
    assert "not a Mahalanobis distance" in str(found.value.__cause__)


@pytest.mark.parametrize("estimator", [ContrastiveEmbedding(), ContrastivePairClassifier(),
                                       ContrastivePairRegressor()])
def test_the_api_needs_a_fit(estimator):
    pairs = np.zeros((2, 2, 3))
    for call in (lambda: estimator.pair_distance(pairs), lambda: estimator.pair_score(pairs),
                 estimator.get_metric, estimator.get_mahalanobis_matrix):
        with pytest.raises(NotFittedError):
            call()


def test_malformed_pairs_and_samples_are_named():
    model, X = fitted("embedding", MAPS[0])
    with pytest.raises(ValueError, match=r"shape \(n_pairs, 2, n_features\)"):
        model.pair_distance(X[:4])
    with pytest.raises(ValueError, match=r"shape \(n_pairs, 2, n_features\)"):
        model.pair_distance(np.stack([X[:3], X[3:6], X[6:9]], axis=1))
    with pytest.raises(ValueError, match="features"):
        model.pair_distance(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        model.pair_distance(np.full((1, 2, 5), np.nan))
    metric = model.get_metric()
    with pytest.raises(ValueError, match=r"two samples of shape \(5,\)"):
        metric(X[0], X[0][:3])
    with pytest.raises(ValueError, match="finite"):
        metric(X[0], np.full(5, np.inf))


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_cosine_map_has_chord_distances_and_no_mahalanobis_matrix(kind):
    model, X = fitted(kind, {"architecture": "linear", "n_components": 2, "metric": "cosine"})
    distances = model.pair_distance(np.stack([X[:20], X[20:40]], axis=1))
    assert np.all((distances >= 0) & (distances <= 2 + 1e-12))
    Z = model.transform(X[:20])
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-12)
    assert not hasattr(model, "get_mahalanobis_matrix")
    with pytest.raises(AttributeError) as found:
        model.get_mahalanobis_matrix()
    assert "metric='cosine'" in str(found.value.__cause__)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pair_distance_does_not_depend_on_the_other_pairs(dtype):
    # pairs of rows near the float limits beside ordinary ones: each pair is
    # measured in units of its own size (in units common to the call, rows
    # of 1e170 rounded the distance of a pair of rows of 1e3 to 0)
    model, X = fitted("embedding", {"architecture": "diagonal"})
    big = np.finfo(dtype).max ** 0.6
    ordinary = np.stack([X[:3], X[:3] * 10.0], axis=1).astype(dtype)
    extreme = np.stack([X[3:5] * big, -X[3:5] * big], axis=1).astype(dtype)
    alone = model.pair_distance(ordinary)
    together = model.pair_distance(np.concatenate([ordinary, extreme]))
    np.testing.assert_allclose(together[:3], alone, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert np.all(np.isfinite(together)) and np.all(together[3:] > 0)
