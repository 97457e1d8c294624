"""metric="cosine": the map's output on the unit sphere, distances as chords."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from gradients import objective_gradient_error
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler, normalize

from sk_contrastive import (
    ContrastiveEmbedding,
    ContrastivePairClassifier,
    ContrastivePairRegressor,
)
from sk_contrastive._diagonal import DiagonalProjection
from sk_contrastive._linear import LinearProjection
from sk_contrastive._loss import ContrastiveLoss, auto_pos_margin
from sk_contrastive._mlp import MLPProjection
from sk_contrastive._pairs import pairs_from_labels
from sk_contrastive._unit_norm import UnitNormProjection, unit_rows


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def classes():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    return X, y


@pytest.fixture(scope="module")
def documents():
    """Sparse non-negative rows (word counts of 3 topics), a few of them empty."""
    rng = np.random.default_rng(0)
    n_samples, n_words = 240, 60
    y = rng.integers(0, 3, n_samples)
    topic_words = rng.dirichlet(np.full(n_words, 0.3), size=3)
    counts = np.vstack([rng.multinomial(12, 0.6 * topic_words[k] + 0.4 / n_words)
                        for k in y]).astype(np.float64)
    counts[:4] = 0  # empty documents
    return sp.csr_matrix(counts), y


def inner_maps():
    return [LinearProjection(5, 3), DiagonalProjection(5), MLPProjection(5, (6,), 3, "tanh")]


@pytest.mark.parametrize("inner", inner_maps(), ids=["linear", "diagonal", "mlp"])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_through_the_normalisation_matches_finite_differences(inner, alpha, sparse):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5))
    y = rng.integers(0, 3, 30)
    loss = ContrastiveLoss(pairs_from_labels(X, y, random_state=0), 30, margin=1.2,
                           pos_margin=0.2)
    projection = UnitNormProjection(inner)
    params = rng.standard_normal(projection.n_params)
    error, gradient_norm = objective_gradient_error(
        params, sp.csr_matrix(X) if sparse else X, projection, loss, alpha)
    assert gradient_norm > 0
    assert error < 1e-5 * gradient_norm


def test_a_zero_row_stays_zero_and_passes_no_gradient():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 4))
    X[0] = 0  # the linear map sends it to 0 whatever its weights
    y = rng.integers(0, 2, 20)
    loss = ContrastiveLoss(pairs_from_labels(X, y, random_state=0), 20, margin=1.0)
    projection = UnitNormProjection(LinearProjection(4, 3))
    params = rng.standard_normal(projection.n_params)
    U, cache = projection.forward(params, X)
    np.testing.assert_array_equal(U[0], 0.0)
    np.testing.assert_allclose(np.linalg.norm(U[1:], axis=1), 1.0)
    gradient = projection.backward(params, X, cache, np.ones_like(U))
    assert np.all(np.isfinite(gradient))
    error, gradient_norm = objective_gradient_error(params, X, projection, loss, 0.0)
    assert error < 1e-5 * gradient_norm


def test_unit_rows_keeps_nan_for_the_optimiser_to_report():
    U, norms = unit_rows(np.array([[np.nan, 1.0], [1e-320, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    assert np.isnan(U[0]).all()
    # a subnormal row lands on the sphere; only a row of zeros stays one
    np.testing.assert_array_equal(U[1:], [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(norms[1:, 0], [1e-320, 2.0, 0.0])


@pytest.mark.parametrize("architecture", ["linear", "diagonal", "mlp"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_output_has_unit_norm(classes, architecture, dtype):
    X, y = classes
    model = quietly(ContrastiveEmbedding(metric="cosine", architecture=architecture,
                                         max_iter=30, random_state=0).fit,
                    X.astype(dtype), y)
    Z = model.transform(X.astype(dtype))
    assert Z.dtype == dtype
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-5)
    distances = pairwise_distances(Z)
    assert distances.max() <= 2.0 + 1e-5
    # the chord distance is a function of the cosine
    cosine = Z @ Z.T
    np.testing.assert_allclose(distances**2, 2 - 2 * cosine, atol=1e-4)


def test_transform_normalises_the_map_applied_to_x_as_given(classes):
    # uncentred data: the fit must not normalise centred rows that
    # transform would not see
    X, y = classes
    X = X + 5.0
    model = quietly(ContrastiveEmbedding(metric="cosine", architecture="linear",
                                         max_iter=30, random_state=0).fit, X, y)
    np.testing.assert_allclose(model.transform(X), normalize(X @ model.components_.T),
                               rtol=1e-10)


def test_margin_must_be_a_chord_distance(classes):
    X, y = classes
    with pytest.raises(ValueError, match="chord distances"):
        ContrastiveEmbedding(metric="cosine", margin=2.5).fit(X, y)
    with pytest.raises(ValueError, match="chord distances"):
        ContrastivePairClassifier(metric="cosine", margin=3.0).fit(
            np.stack([X[:20], X[20:40]], axis=1), np.arange(20) % 2)
    with pytest.raises(ValueError, match="metric must be one of"):
        ContrastiveEmbedding(metric="manhattan").fit(X, y)
    # the largest chord distance is allowed; so is a small margin for an
    # MLP, whose units the sphere fixes
    quietly(ContrastiveEmbedding(metric="cosine", margin=2.0, architecture="linear",
                                 max_iter=5).fit, X, y)
    quietly(ContrastiveEmbedding(metric="cosine", margin=0.05, hidden_layer_sizes=(8,),
                                 max_iter=5).fit, X, y)


def test_the_margin_matters_on_the_sphere_even_for_a_linear_map(classes):
    X, y = classes
    fits = []
    for margin in (0.5, 1.5):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # no "only rescales" warning
            fits.append(quietly(ContrastiveEmbedding(
                metric="cosine", margin=margin, pos_margin=0.0, architecture="linear",
                max_iter=50, random_state=0).fit, X, y))
    small, large = (pairwise_distances(model.transform(X)) for model in fits)
    different = y[:, None] != y[None, :]
    assert np.median(large[different]) > np.median(small[different])


def test_a_linear_cosine_map_has_no_penalty_and_says_so(classes):
    X, y = classes
    model = quietly(ContrastiveEmbedding(metric="cosine", architecture="linear",
                                         max_iter=20).fit, X, y)
    assert model.alpha_ == 0.0
    with pytest.warns(UserWarning, match="alpha=0.1 has no effect"):
        model = quietly(ContrastiveEmbedding(metric="cosine", architecture="diagonal",
                                             alpha=0.1, max_iter=20).fit, X, y)
    assert model.alpha_ == 0.0
    mlp = quietly(ContrastiveEmbedding(metric="cosine", hidden_layer_sizes=(8,),
                                       max_iter=20).fit, X, y)
    assert mlp.alpha_ > 0


def test_the_selection_scores_the_normalised_output(classes):
    X, y = classes
    model = quietly(ContrastiveEmbedding(metric="cosine", random_state=0).fit, X, y)
    results = model.selection_results_
    assert results is not None and results["chosen"].sum() == 1
    assert np.all((results["mean_test_score"] > 0.3) & (results["mean_test_score"] <= 1))
    assert model.architecture_ in ("linear", "diagonal", "mlp")
    np.testing.assert_allclose(np.linalg.norm(model.transform(X), axis=1), 1.0)
    # a warm refit under the other metric selects again
    euclidean = quietly(ContrastiveEmbedding(random_state=0).fit, X, y)
    assert euclidean._selected_for != model._selected_for


@pytest.mark.parametrize("margin", [1.0, 1.5])
def test_the_selection_relaxes_the_similar_pairs_from_the_start(documents, margin):
    # the impostor rule raises pos_margin only after a first round at 0, which
    # a cosine linear map (no penalty) cannot undo: its candidate is the
    # rule's largest pos_margin, fixed from the start
    X, y = documents
    model = quietly(ContrastiveEmbedding(metric="cosine", margin=margin,
                                         random_state=0).fit, X, y)
    results = model.selection_results_
    relaxed = auto_pos_margin(1, 1, margin)
    assert 0 < relaxed < margin
    linear = [p["pos_margin"] for p in results["params"]
              if p.get("architecture") == "linear" and p.get("n_positives") != 64]
    assert linear == [0.0, relaxed]
    chosen = results["params"][int(np.flatnonzero(results["chosen"])[0])]
    assert model.pos_margin_ == chosen["pos_margin"]
    # Euclidean fits keep the rule, which their penalty makes effective
    euclidean = quietly(ContrastiveEmbedding(random_state=0).fit, X.toarray(), y)
    assert "impostor" in [p.get("pos_margin") for p in euclidean.selection_results_["params"]]


def test_sparse_documents_with_empty_rows(documents):
    X, y = documents
    model = quietly(ContrastiveEmbedding(metric="cosine", random_state=0).fit, X, y)
    Z = model.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:4], 0.0)  # empty documents stay at the origin
    np.testing.assert_allclose(np.linalg.norm(Z[4:], axis=1), 1.0)
    # sparse and dense rows embed alike
    np.testing.assert_allclose(model.transform(X.toarray()), Z, atol=1e-10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    model = quietly(ContrastiveEmbedding(metric="cosine", random_state=0).fit,
                    X_train, y_train)
    knn = KNeighborsClassifier().fit(model.transform(X_train), y_train)
    chance = np.bincount(y_test).max() / y_test.shape[0]
    assert knn.score(model.transform(X_test), y_test) > chance + 0.2


def test_sample_weight_and_graded_targets(classes):
    X, y = classes
    weight = np.where(y == 0, 2.0, 1.0)
    weighted = quietly(ContrastiveEmbedding(metric="cosine", architecture="linear",
                                            random_state=0).fit, X, y, sample_weight=weight)
    copies = np.repeat(np.arange(X.shape[0]), weight.astype(int))
    repeated = quietly(ContrastiveEmbedding(metric="cosine", architecture="linear",
                                            random_state=0).fit, X[copies], y[copies])
    np.testing.assert_allclose(weighted.transform(X), repeated.transform(X), atol=1e-8)
    target = X[:, 0] + 0.1 * X[:, 1]
    graded = quietly(ContrastiveEmbedding(metric="cosine", architecture="linear",
                                          random_state=0).fit, X, target)
    assert graded.target_type_ == "continuous"
    np.testing.assert_allclose(np.linalg.norm(graded.transform(X), axis=1), 1.0)
    assert graded.score(X, target) > 0


def test_pickle_and_warm_start(classes):
    X, y = classes
    model = quietly(ContrastiveEmbedding(metric="cosine", hidden_layer_sizes=(8,),
                                         max_iter=20, random_state=0).fit, X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    assert restored.metric == "cosine"
    before = model.transform(X)
    model.set_params(warm_start=True, max_iter=5)
    quietly(model.fit, X, y)
    after = model.transform(X)
    # the refit continues from the previous map: a small move, still on the sphere
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0)
    assert np.median(np.linalg.norm(after - before, axis=1)) < 0.5


def test_pair_estimators_measure_chords(classes):
    X, y = classes
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, X.shape[0], (400, 2))
    same = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
    # fixed maps: the selection under the norm is test_the_selection_scores_the_normalised_output's
    classifier = quietly(ContrastivePairClassifier(metric="cosine", architecture="linear",
                                                   preprocessor=X, random_state=0).fit,
                         pairs, same)
    distances = classifier.pair_distance(pairs)
    assert distances.min() >= 0 and distances.max() <= 2 + 1e-9
    assert 0 <= classifier.threshold_ <= 2
    assert classifier.score(pairs, same) > 0.6
    embedded = classifier.transform(X)
    np.testing.assert_allclose(
        distances, np.linalg.norm(embedded[pairs[:, 0]] - embedded[pairs[:, 1]], axis=1),
        atol=1e-10)
    degree = np.exp(-np.abs(X[pairs[:, 0], 0] - X[pairs[:, 1], 0]))
    regressor = quietly(ContrastivePairRegressor(metric="cosine", architecture="linear",
                                                 preprocessor=X, random_state=0).fit,
                        pairs, degree)
    assert regressor.pair_distance(pairs).max() <= 2 + 1e-9
    assert regressor.score(pairs, degree) > 0


def test_digits_cosine_knn_keeps_up_with_the_euclidean_model():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, test_size=0.3,
                                                        random_state=1)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    scores = {}
    for metric in ("euclidean", "cosine"):
        model = quietly(ContrastiveEmbedding(n_components=32, metric=metric,
                                             random_state=0).fit, X_train, y_train)
        knn = KNeighborsClassifier(metric=metric).fit(model.transform(X_train), y_train)
        scores[metric] = knn.score(model.transform(X_test), y_test)
    # one split: within its binomial noise (540 test samples)
    assert scores["cosine"] > scores["euclidean"] - 0.015


def test_cosine_fit_on_a_dask_cluster(classes):
    dask_array = pytest.importorskip("dask.array", reason="the dev extra installs dask")
    distributed = pytest.importorskip("distributed")
    X, y = classes
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            X_dask = dask_array.from_array(X + 3.0, chunks=(150, 8))
            model = quietly(ContrastiveEmbedding(metric="cosine", random_state=0).fit,
                            X_dask, dask_array.from_array(y, chunks=150))
            Z = model.transform(X_dask).compute()
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0)
    # uncentred on the cluster too: transform is the normalised map of X as given
    np.testing.assert_allclose(Z, normalize((X + 3.0) @ model.components_.T), rtol=1e-10)


@pytest.mark.parametrize("scale, dtype", [(1e200, np.float64), (1e-200, np.float64),
                                          (1e30, np.float32), (1e-30, np.float32)])
def test_rows_far_from_unit_scale_land_on_the_sphere(scale, dtype):
    # their squares overflow or underflow: they used to become rows of zeros
    X, y = load_iris(return_X_y=True)
    model = ContrastiveEmbedding(metric="cosine", n_components=3, architecture="linear",
                                 random_state=0).fit(X, y)
    expected = model.transform(X[:5])
    found = model.transform((X[:5] * scale).astype(dtype))
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(found, expected, rtol=1e-4, atol=1e-5)
    opposite = model.pair_distance(np.stack([X[:3] * scale, -X[:3] * scale], axis=1))
    np.testing.assert_allclose(opposite, 2.0, rtol=1e-6)
