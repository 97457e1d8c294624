"""Bad input, degenerate data, side effects and memory (interrupts: test_interrupts).

Every behaviour is checked for both the linear map and the MLP.
"""

import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler

import sk_contrastive._memory as memory_module
import sk_contrastive._training_data as data_module
from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._optimize import minimize_lbfgs

MAPS = {
    "linear": {},
    "mlp": {"hidden_layer_sizes": (8,)},
}


@pytest.fixture(params=list(MAPS), ids=list(MAPS))
def make(request):
    def factory(**params):
        return ContrastiveEmbedding(
            **{"n_components": 2, "max_iter": 30, "random_state": 0,
               **MAPS[request.param], **params})
    return factory


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# ---- invalid data: clear ValueErrors -------------------------------------------


@pytest.mark.parametrize("bad,message", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_X_is_rejected(make, iris, bad, message):
    X, y = iris
    X = X.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match=message):
        make().fit(X, y)


@pytest.mark.parametrize(
    "y,message",
    [
        (np.r_[np.inf, np.linspace(0, 1, 149)], "infinity"),  # continuous
        (np.zeros(150), "at least 2 classes"),
        (np.zeros((150, 2), dtype=int), "same for every sample"),  # multi-label
        (np.arange(149) % 3, "inconsistent numbers of samples"),
    ],
)
def test_invalid_targets_are_rejected(make, iris, y, message):
    with pytest.raises(ValueError, match=message):
        make().fit(iris[0], y)


def test_fewer_than_two_samples_is_rejected(make):
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        make().fit(np.ones((1, 3)), [0])


def test_wrong_feature_count_and_empty_batch_at_transform(make, iris):
    X, y = iris
    model = fit_quietly(make(), X, y)
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:, :3])
    with pytest.raises(ValueError, match="0 sample"):
        model.transform(X[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.score(X, y[:-1])


def test_transform_before_fit(make, iris):
    with pytest.raises(NotFittedError):
        make().transform(iris[0])


# ---- degenerate but valid data: finite output -----------------------------------


def degenerate_cases():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    y = np.arange(40) % 3
    duplicated = np.vstack([X[:20], X[:20]])
    with_constant = X.copy()
    with_constant[:, 2] = 7.0
    scales = X * np.array([1e-8, 1.0, 1e8, 1e3, 1e-3])
    return {
        "singleton class": (X, np.r_[np.zeros(39, int), 1]),
        "classes smaller than n_positives": (X[:9], np.array([0, 0, 1, 1, 1, 2, 2, 3, 3])),
        "two samples": (X[:2], np.array([0, 1])),
        "duplicate rows": (duplicated, np.arange(40) % 2),
        "duplicate rows with different labels": (duplicated, np.r_[np.zeros(20, int), np.ones(20, int)]),
        "constant feature": (with_constant, y),
        "all-zero features": (np.zeros((40, 5)), y),
        "wildly different scales": (scales, y),
        "very large magnitudes": (X * 1e300, y),
        "very small magnitudes": (X * 1e-300, y),
        "more features than samples": (rng.standard_normal((12, 50)), np.arange(12) % 2),
        "integer X": (rng.integers(-5, 5, (40, 5)), y),
        "boolean X": (rng.random((40, 5)) > 0.5, y),
    }


@pytest.mark.parametrize("case", list(degenerate_cases()))
def test_degenerate_data_gives_finite_output(make, case):
    X, y = degenerate_cases()[case]
    model = fit_quietly(make(), X, y)
    Z = model.transform(X)
    assert Z.shape == (len(X), 2)
    assert np.all(np.isfinite(Z))
    assert np.isfinite(model.loss_)
    assert 0.0 <= model.score(X, y) <= 1.0


def test_read_only_and_memory_mapped_X(make, iris, tmp_path):
    X, y = iris
    read_only = X.copy()
    read_only.flags.writeable = False
    expected = fit_quietly(make(), X, y).transform(X)
    np.testing.assert_allclose(fit_quietly(make(), read_only, y).transform(read_only), expected)
    path = tmp_path / "X.dat"
    mapped = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    mapped[:] = X
    mapped.flush()
    mapped = np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)
    np.testing.assert_allclose(fit_quietly(make(), mapped, y).transform(mapped), expected)


@pytest.mark.parametrize("factor", [2.0**400, 2.0**-400])
def test_extreme_magnitudes_fit_as_well_as_moderate_ones(make, iris, factor):
    X, y = iris
    moderate = fit_quietly(make(), X, y)
    extreme = fit_quietly(make(), X * factor, y)
    assert extreme.score(X * factor, y) == pytest.approx(moderate.score(X, y), abs=0.03)


# ---- no side effects ------------------------------------------------------------


def test_inputs_are_not_modified(make, iris):
    X, y = iris
    X_before, y_before = X.copy(), y.copy()
    model = fit_quietly(make(mining_block_size=50), X, y)  # reorders internally
    model.transform(X)
    model.score(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_refit_replaces_all_fitted_state(iris):
    X, y = iris
    model = fit_quietly(ContrastiveEmbedding(hidden_layer_sizes=(8,), max_iter=10), X, y)
    assert hasattr(model, "coefs_")
    model.set_params(hidden_layer_sizes=())
    fit_quietly(model, X[:, :3], y)
    assert not hasattr(model, "coefs_") and not hasattr(model, "intercepts_")
    assert model.components_.shape == (3, 3) and model.n_features_in_ == 3


def test_transform_is_row_wise_and_thread_safe(make, iris):
    X, y = iris
    model = fit_quietly(make(), X, y)
    expected = model.transform(X)
    np.testing.assert_allclose(model.transform(X[10:20]), expected[10:20])
    results = [None] * 8

    def work(index):
        results[index] = model.transform(X)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_repeated_fits_are_identical(make, iris):
    X, y = iris
    first = fit_quietly(make(), X, y).transform(X)
    model = make()
    for _ in range(2):
        np.testing.assert_array_equal(fit_quietly(model, X, y).transform(X), first)


# ---- memory safety --------------------------------------------------------------


@pytest.mark.parametrize(
    "X_shape,params,named",
    [
        # the case: a 5000 x 5000 map, whose L-BFGS history alone is 6 GB
        ((60, 5000), {"n_components": 5000}, "n_components"),
        ((20000, 10), {"n_components": 2, "hidden_layer_sizes": (4000,)}, "hidden_layer_sizes"),
        ((20000, 10), {"n_components": 2, "n_random_negatives": 4000}, "n_random_negatives"),
    ],
)
def test_memory_of_the_whole_fit_is_checked_before_allocating(
    monkeypatch, X_shape, params, named
):
    monkeypatch.setattr(memory_module, "available_memory_bytes", lambda: 2**30)
    X = np.random.default_rng(0).standard_normal(X_shape)
    y = np.arange(X_shape[0]) % 3
    with pytest.raises(ValueError, match=f"GiB.*lower [^;]*{named}"):
        ContrastiveEmbedding(**params).fit(X, y)


def test_memory_error_is_a_value_error_under_an_address_space_limit(tmp_path):
    # A real limit (ulimit -v), in a child process: the check must see it and
    # refuse before scipy or numpy fail to allocate (they raised a bare
    # MemoryError: "cannot allocate 4.66 GiB").
    script = tmp_path / "limited.py"
    script.write_text(
        "import resource, numpy as np\n"
        "from sk_contrastive import ContrastiveEmbedding\n"
        "with open('/proc/self/statm') as f:\n"
        "    size = int(f.read().split()[0]) * resource.getpagesize()\n"
        "limit = size + 3 * 2**30\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "X = np.random.RandomState(0).randn(60, 5000); y = np.repeat([0, 1, 2], 20)\n"
        "try:\n"
        "    ContrastiveEmbedding(n_components=5000).fit(X, y)\n"
        "except ValueError as error:\n"
        "    print('ValueError:', error)\n"
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert "ValueError:" in result.stdout and "n_components" in result.stdout, (
        result.stdout + result.stderr
    )


def test_default_n_components_is_at_most_the_number_of_samples():
    # 60 samples in 500 dimensions span at most 60 directions: the default
    # map keeps that many instead of a 500 x 500 matrix.
    X = np.random.default_rng(0).standard_normal((60, 500))
    y = np.repeat([0, 1, 2], 20)
    model = fit_quietly(ContrastiveEmbedding(random_state=0), X, y)
    assert model.components_.shape == (60, 500)
    assert model.transform(X).shape == (60, 60)


# ---- collapsed embeddings ---------------------------------------------------------


def test_a_collapsed_start_is_left_with_a_warning(iris):
    X, y = iris
    model = ContrastiveEmbedding(init=np.zeros((2, 4)), random_state=0)
    with pytest.warns(UserWarning, match="same point.*init='random' instead"):
        model.fit(X, y)
    # before: 0 iterations, every dissimilar pair at distance 0
    assert model.n_iter_ > 5
    assert model.score(X, y) > 0.9
    assert np.all(model.transform(X).std(axis=0) > 0.01)


def test_a_collapsed_result_is_never_reported_as_converged(iris):
    X, y = iris
    # a penalty this strong shrinks every weight of the MLP to nothing
    model = ContrastiveEmbedding(2, hidden_layer_sizes=(8,), alpha=1e6, random_state=0)
    with pytest.warns(ConvergenceWarning, match="collapsed"):
        model.fit(X, y)


# ---- parameters that would do nothing -----------------------------------------------


def test_no_similar_pairs_and_inverted_margins_are_rejected(iris):
    with pytest.raises(ValueError, match="n_positives == 0, must be >= 1"):
        ContrastiveEmbedding(n_positives=0).fit(*iris)
    for pos_margin in (1.0, 2.0):
        with pytest.raises(ValueError, match="pos_margin=.* must be smaller than margin"):
            ContrastiveEmbedding(margin=1.0, pos_margin=pos_margin).fit(*iris)


# ---- non-finite loss ------------------------------------------------------------


def test_non_finite_loss_stops_with_advice():
    def explodes(x):
        return (np.inf if x[0] > 0.5 else float(x @ x)), 2 * x - 10

    with pytest.raises(ValueError, match="non-finite.*alpha or init"):
        minimize_lbfgs(explodes, np.zeros(2), max_iter=50, tol=1e-9)


def test_non_finite_loss_never_leaves_nan_components(make, iris, monkeypatch):
    real = data_module.loss_and_gradient

    def nan_after_a_while(params, *args, **kwargs):
        value, gradient = real(params, *args, **kwargs)
        nan_after_a_while.calls += 1
        return (np.nan if nan_after_a_while.calls > 5 else value), gradient

    nan_after_a_while.calls = 0
    monkeypatch.setattr(data_module, "loss_and_gradient", nan_after_a_while)
    model = make()
    with pytest.raises(ValueError, match="non-finite"):
        model.fit(*iris)
    assert not hasattr(model, "components_") and not hasattr(model, "coefs_")
    with pytest.raises(NotFittedError):
        model.transform(iris[0])
