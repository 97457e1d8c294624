"""The MLP projection: backprop, and everything the linear model offers."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from gradients import objective_gradient_error
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.preprocessing import StandardScaler

import sk_contrastive._mlp as mlp_module
from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._linear import linear_layout
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._mlp import ACTIVATIONS, MLPProjection
from sk_contrastive._pairs import pairs_from_labels
from sk_contrastive.datasets import make_nonlinear


@pytest.fixture(scope="module")
def moons():
    X, y = make_nonlinear("moons", n_samples=300, n_noise_features=3, random_state=0)
    return StandardScaler().fit_transform(X), y


def mlp(**params):
    defaults = dict(n_components=2, hidden_layer_sizes=(16,), max_iter=60, random_state=0)
    return ContrastiveEmbedding(**{**defaults, **params})


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [(7,), (6, 5)])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_backprop_matches_finite_differences(activation, hidden, alpha):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = rng.integers(0, 3, 30)
    projection = MLPProjection(4, hidden, 3, activation)
    loss = ContrastiveLoss(pairs_from_labels(X, y, random_state=0), 30, margin=2.0)
    params = projection.initial_params("random", random_state=1)
    params += 0.1 * rng.standard_normal(params.shape)  # non-zero biases too

    error, gradient_norm = objective_gradient_error(params, X, projection, loss, alpha)
    assert error < 1e-5 * gradient_norm


def test_penalty_applies_to_weights_not_biases():
    projection = MLPProjection(2, (3,), 1, "tanh")
    params = np.ones(projection.n_params)
    norm, gradient = projection.penalty(params)
    n_weights = 2 * 3 + 3 * 1
    assert norm == n_weights
    biases = np.concatenate([layer[1] for layer in projection.layers(gradient)])
    np.testing.assert_array_equal(biases, 0.0)


def test_initialisation_is_seeded_glorot_or_he():
    relu = MLPProjection(50, (40,), 5, "relu")
    tanh = MLPProjection(50, (40,), 5, "tanh")
    a = relu.initial_params("random", random_state=0)
    np.testing.assert_array_equal(a, relu.initial_params("random", random_state=0))
    # "auto" without data to lay out is the same draw
    np.testing.assert_array_equal(a, relu.initial_params("auto", random_state=0))
    first_relu = relu.layers(a)[0][0]
    first_tanh = tanh.layers(tanh.initial_params("random", random_state=0))[0][0]
    assert np.abs(first_relu).max() <= np.sqrt(6 / 50)  # He
    assert np.abs(first_tanh).max() <= np.sqrt(6 / 90)  # Glorot
    assert np.abs(first_relu).max() > np.sqrt(6 / 90)
    np.testing.assert_array_equal(relu.layers(a)[0][1], 0.0)


def test_auto_start_fits_the_network_to_the_linear_layout(monkeypatch):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:500])
    y = y[:500]
    projection = MLPProjection(64, (32,), 2, "relu")
    layout = linear_layout(X, y, 2)
    random_start = projection.forward(projection.initial_params("random", random_state=0), X)[0]
    auto = projection.initial_params("auto", X, y, random_state=0)
    fitted = projection.forward(auto, X)[0]
    # the output starts close to the discriminant layout, not at a random projection
    assert np.mean((fitted - layout) ** 2) < 0.05 * np.mean(layout**2)
    assert np.mean((random_start - layout) ** 2) > 0.5 * np.mean(layout**2)
    np.testing.assert_array_equal(auto, projection.initial_params("auto", X, y, random_state=0))
    # past LAYOUT_SAMPLES rows the layout and the fit use a seeded sample of them
    monkeypatch.setattr(mlp_module, "LAYOUT_SAMPLES", 100)
    seen = []
    monkeypatch.setattr(mlp_module, "linear_layout",
                        lambda X, y, *args: seen.append((X.shape, y.shape)) or linear_layout(
                            X, y, *args))
    sampled = projection.initial_params("auto", X, y, random_state=0)
    assert seen == [((100, 64), (100,))]
    np.testing.assert_array_equal(sampled, projection.initial_params("auto", X, y, random_state=0))


def test_linear_layout_discriminant_then_principal_coordinates():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:400])
    y = y[:400]
    layout = linear_layout(X, y, 12)
    lda = LinearDiscriminantAnalysis(n_components=9).fit_transform(X, y)
    pca = PCA(3).fit_transform(X)
    expected = np.hstack([lda, pca])
    np.testing.assert_allclose(layout, expected / expected.std(), atol=1e-8)
    # unlabelled samples do not count as a class; without labels, or sparse: principal only
    partly = np.where(np.arange(400) % 2 == 0, y, -1)
    lda_partly = LinearDiscriminantAnalysis(n_components=9).fit(X[partly >= 0], y[partly >= 0])
    first = linear_layout(X, partly, 9)
    np.testing.assert_allclose(first, lda_partly.transform(X) / lda_partly.transform(X).std(),
                               atol=1e-8)
    np.testing.assert_allclose(np.abs(linear_layout(X, None, 2)),
                               np.abs(PCA(2).fit_transform(X) / PCA(2).fit_transform(X).std()),
                               atol=1e-8)
    assert linear_layout(sp.csr_matrix(X), y, 3).shape == (400, 3)
    # more columns than LDA and PCA give (two of each here): the rest are 0
    wide = linear_layout(X[:, [10, 20]], y, 5)
    assert np.all(wide[:, 4:] == 0) and np.all(np.std(wide[:, :4], axis=0) > 0)
    # constant data: no direction at all, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(linear_layout(np.zeros((50, 4)), np.arange(50) % 2, 2) == 0)


def test_mlp_beats_linear_and_nca_in_a_small_embedding():
    X, y = make_nonlinear("moons", n_samples=800, n_noise_features=10, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    def accuracy(model):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        knn = KNeighborsClassifier().fit(model.transform(X_train), y_train)
        return knn.score(model.transform(X_test), y_test)

    nca = accuracy(NeighborhoodComponentsAnalysis(n_components=1, random_state=0))
    linear = accuracy(ContrastiveEmbedding(n_components=1, architecture="linear", random_state=0))
    network = accuracy(ContrastiveEmbedding(
        n_components=1, hidden_layer_sizes=(32,), max_iter=150, random_state=0))
    assert network > max(nca, linear) + 0.05
    assert network > 0.9


def test_fitted_attributes_follow_mlpclassifier(moons):
    X, y = moons
    model = mlp(hidden_layer_sizes=(8, 6), n_components=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert [W.shape for W in model.coefs_] == [(5, 8), (8, 6), (6, 3)]
    assert [b.shape for b in model.intercepts_] == [(8,), (6,), (3,)]
    assert not hasattr(model, "components_")
    H = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    H = np.maximum(H @ model.coefs_[1] + model.intercepts_[1], 0)
    np.testing.assert_allclose(model.transform(X), H @ model.coefs_[2] + model.intercepts_[2])


def test_mlp_may_embed_in_more_dimensions_than_features(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Z = mlp(n_components=8, max_iter=5).fit_transform(X, y)
    assert Z.shape == (len(X), 8)


@pytest.mark.parametrize("init", ["pca", "lda", "identity", np.eye(2, 5)])
def test_linear_only_inits_are_rejected_for_an_mlp(moons, init):
    with pytest.raises(ValueError, match="for an MLP"):
        mlp(init=init).fit(*moons)


@pytest.mark.parametrize("hidden", [(0,), (3.5,), "64", (True,)])
def test_invalid_hidden_layer_sizes(moons, hidden):
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        mlp(hidden_layer_sizes=hidden).fit(*moons)


def test_unknown_activation(moons):
    with pytest.raises(ValueError, match="activation"):
        mlp(activation="gelu").fit(*moons)


def test_deterministic_and_pickles(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = mlp().fit(X, y)
        b = mlp().fit(X, y)
    for W_a, W_b in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(W_a, W_b)
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.transform(X), a.transform(X))


def test_warm_start_resumes_the_network(moons):
    X, y = moons
    # Random pairs do not depend on the embedding: each fit is the same problem.
    # alpha given: the selection of an MLP's alpha is not what this test is about
    params = dict(pair_strategy="random", n_mining_rounds=1, max_iter=30, alpha=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = mlp(warm_start=True, **params).fit(X, y)
        first_loss = model.loss_
        model.fit(X, y)
        cold = mlp(**params).fit(X, y)
    # 30 more iterations from where it stopped, not 30 from the start again.
    assert cold.loss_ == first_loss
    assert model.loss_ < 0.9 * first_loss
    # A different architecture cannot resume: it starts afresh.
    model.set_params(hidden_layer_sizes=(4,), max_iter=2)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.coefs_[0].shape == (5, 4)


def test_callback_verbose_and_convergence_warning(moons, capsys):
    X, y = moons
    seen = []
    model = mlp(max_iter=3, verbose=1, callback=lambda p, i: seen.append((p.size, i)))
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model.fit(X, y)
    n_params = 5 * 16 + 16 + 16 * 2 + 2
    assert seen == [(n_params, i) for i in range(1, model.n_iter_ + 1)]
    rows = [line for line in capsys.readouterr().out.splitlines()
            if re.match(r"\[ContrastiveEmbedding\]\s+\d+\s", line)]
    assert len(rows) == model.n_iter_ == 3 * model.n_mining_rounds


def test_float32_and_pandas_output(moons):
    import pandas as pd  # a test dependency (the [tests] extra), not a runtime one

    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = mlp().fit(X.astype(np.float32), y)
        assert all(W.dtype == np.float32 for W in model.coefs_)
        assert model.transform(X.astype(np.float32)).dtype == np.float32
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
        Z = mlp().set_output(transform="pandas").fit(frame, y).transform(frame)
    assert list(Z.columns) == ["contrastiveembedding0", "contrastiveembedding1"]


def test_score_and_margin_search_with_pos_margin(moons):
    X, y = moons
    search = GridSearchCV(
        # alpha given: this is about the score and the margin, not the selection
        mlp(n_components=1, pos_margin=0.5, alpha=1e-3, max_iter=40),
        {"margin": [1.0, 3.0]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((0 <= scores) & (scores <= 1))
    assert scores[0] != scores[1]
