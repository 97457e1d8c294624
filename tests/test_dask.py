"""Fits and searches on a Dask cluster (a LocalCluster of worker processes)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import trustworthiness
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

da = pytest.importorskip("dask.array", reason="the dev extra installs dask")
distributed = pytest.importorskip("distributed")

from joblib import parallel_config

import sk_contrastive._dask as dask_module
from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
from sk_contrastive._dask import ChunkedPairSource, DaskData
from sk_contrastive._linear import LinearProjection
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._optimize import minimize_lbfgs
from sk_contrastive._pairs import Pairs


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as connected:
            yield connected


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=3000, n_features=12, n_informative=6,
                               n_classes=3, random_state=0)
    return X.astype(np.float32), y


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


def test_fit_on_a_dask_array_never_gathers_it(client, data, monkeypatch):
    X, y = data
    X_dask = da.from_array(X, chunks=(1000, 12))
    y_dask = da.from_array(y, chunks=1000)
    gathered = []
    real_gather = client.gather

    def recording_gather(futures, *args, **kwargs):
        result = real_gather(futures, *args, **kwargs)
        for item in result if isinstance(result, list) else [result]:
            gathered.extend(part.shape for part in _arrays(item))
        return result

    monkeypatch.setattr(client, "gather", recording_gather)
    monkeypatch.setattr(dask_module, "INIT_SAMPLE_SIZE", 300)
    model = quietly(ContrastiveEmbedding(4, random_state=0).fit, X_dask, y_dask)
    monkeypatch.setattr(client, "gather", real_gather)
    # what reached the client: statistics, parameters, losses, gradients, the
    # init sample (about 100 rows a chunk) and the score's embedded sample
    # (4 columns); never more rows of X's 12 features than the init sample
    rows_of_X = [shape[0] for shape in gathered if len(shape) == 2 and shape[1] == 12]
    assert gathered and rows_of_X and max(rows_of_X) <= 100
    Z = model.transform(X_dask)
    assert isinstance(Z, da.Array) and Z.chunks[0] == X_dask.chunks[0]
    np.testing.assert_array_equal(Z.compute(), model.transform(X))
    # a fit on the cluster does not select its map: it is the linear map
    assert model.architecture_ == "linear"
    in_memory = quietly(
        ContrastiveEmbedding(4, architecture="linear", random_state=0).fit, X, y)
    assert model.score(X, y) > in_memory.score(X, y) - 0.05


def _arrays(item):
    if isinstance(item, np.ndarray):
        return [item]
    if isinstance(item, (tuple, list)):
        return [part for element in item for part in _arrays(element)]
    return []


def distributed_round(data, scale, chunks=1000):
    """The data in chunks on the cluster, one round of pairs mined at random linear
    parameters: ``(distributed data, projection, parameters, number of pairs)``."""
    X, y = data
    X_dask = da.from_array(X.astype(np.float64), chunks=(chunks, 12))
    labels = da.from_array(y.astype(np.intp), chunks=(chunks,))
    model = ContrastiveEmbedding(3, n_random_negatives=2)
    model._check_pair_params(unlabelled=False)  # resolves the pair counts
    make = model._pair_source_maker(False, False)
    distributed_data = DaskData(X_dask, ChunkedPairSource(make, labels, 1), None, 1.0, 0.0,
                                np.random.RandomState(0))
    projection = LinearProjection(12, 3, distributed_data.scaling)
    params = np.random.default_rng(0).standard_normal(projection.n_params) * scale
    n_pairs = distributed_data.build_pairs(projection, params, 0, False,
                                           np.random.RandomState(1))
    return distributed_data, projection, params, n_pairs


def test_given_the_same_pairs_the_distributed_fit_equals_the_in_memory_fit(client, data):
    distributed_data, projection, start, n_pairs = distributed_round(data, scale=0.3)
    # the same pairs, in memory: every chunk's internal rows and pairs, stacked
    states = client.gather([state for state, _ in distributed_data._states])
    offsets = np.cumsum([0] + [state.n_samples for state in states])
    X_all = np.vstack([state.X for state in states])
    pairs = Pairs(
        np.concatenate([s.loss.pairs.first + o for s, o in zip(states, offsets)]),
        np.concatenate([s.loss.pairs.second + o for s, o in zip(states, offsets)]),
        np.concatenate([s.loss.pairs.similar for s in states]),
    )
    assert pairs.n_pairs == n_pairs
    loss = ContrastiveLoss(pairs, X_all.shape[0])
    from sk_contrastive._objective import loss_and_gradient

    for params in (start, start * 2 + 0.1):
        value, gradient = distributed_data.objective(projection, params, alpha=0.01)
        expected_value, expected_gradient = loss_and_gradient(params, X_all, projection, loss,
                                                              alpha=0.01)
        assert value == pytest.approx(expected_value, rel=1e-12)
        np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-10, atol=1e-14)
    # and L-BFGS from the same start goes the same way
    on_cluster = minimize_lbfgs(lambda p: distributed_data.objective(projection, p, 0.0),
                                start, max_iter=30, tol=1e-9)
    in_memory = minimize_lbfgs(lambda p: loss_and_gradient(p, X_all, projection, loss),
                               start, max_iter=30, tol=1e-9)
    assert on_cluster.n_iter == in_memory.n_iter
    np.testing.assert_allclose(on_cluster.params, in_memory.params, rtol=1e-8, atol=1e-10)


def test_auto_pos_margin_on_the_cluster_counts_and_applies_as_in_memory(client, data):
    distributed_data, projection, params, _ = distributed_round(data, scale=1.0)
    states = client.gather([state for state, _ in distributed_data._states])
    expected = [state.impostor_free_anchors(projection, params) for state in states]
    assert distributed_data.impostor_free_anchors(projection, params) == (
        sum(free for free, _ in expected), sum(anchors for _, anchors in expected)
    )
    distributed_data.set_pos_margin(0.4)
    value, _ = distributed_data.objective(projection, params, alpha=0.0)
    for state in states:
        state.set_pos_margin(0.4)
    weights = np.array([state.pair_weight() for state in states])
    parts = [state.objective(projection, params, 0.0)[0] for state in states]
    assert value == pytest.approx(weights @ parts / weights.sum(), rel=1e-12)
    # and a whole fit picks a margin from the chunks' counts
    X, y = data
    model = quietly(ContrastiveEmbedding(3, pos_margin="auto", max_iter=20, random_state=0).fit,
                    da.from_array(X, chunks=(1000, 12)), da.from_array(y, chunks=1000))
    assert 0.0 <= model.pos_margin_ <= 0.6
    assert np.all(np.isfinite(model.components_))


def test_unlabelled_mlp_and_weighted_fits_on_the_cluster(client, data):
    X, y = data
    X_dask = da.from_array(X, chunks=(1500, 12))
    model = quietly(ContrastiveEmbedding(2, hidden_layer_sizes=(8,), max_iter=20,
                                         random_state=0).fit, X_dask)
    assert model.transform(X_dask).compute().shape == (3000, 2)
    weights = da.from_array(np.linspace(0.5, 2.0, 3000), chunks=1500)
    weighted = quietly(ContrastiveEmbedding(2, max_iter=20, random_state=0).fit,
                       X_dask, da.from_array(y, chunks=1500), sample_weight=weights)
    assert np.all(np.isfinite(weighted.components_))


def test_searches_on_the_cluster_equal_local_searches(client, data):
    X, y = data
    X, y = X[:900], y[:900]
    # the maps given: this is about the searches' tasks on the cluster, not the
    # selection (the same on any number of threads: test_selection)
    fixed = {"architecture": "linear", "pos_margin": "impostor", "random_state": 0}
    search = GridSearchCV(
        make_pipeline(ContrastiveEmbedding(2, max_iter=10, **fixed), KNeighborsClassifier()),
        {"contrastiveembedding__n_components": [2, 4]}, cv=3, n_jobs=-1,
    )
    local = quietly(search.fit, X, y).cv_results_["mean_test_score"]
    with parallel_config(backend="dask", scatter=[X, y]):
        on_cluster = quietly(search.fit, X, y).cv_results_["mean_test_score"]
    np.testing.assert_array_equal(on_cluster, local)
    # the data were scattered once, to the cluster, not sent with every task
    # (keys left by other tests' dask arrays are tuples, so the type is checked)
    assert any(isinstance(key, str) and key.startswith("ndarray-")
               for key in client.who_has())
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, 900, (600, 2))
    same = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
    classifier = ContrastivePairClassifier(2, preprocessor=X, max_iter=20, **fixed)
    local = quietly(cross_validate, classifier, pairs, same, cv=3, scoring="roc_auc")
    with parallel_config(backend="dask", scatter=[pairs, same]):
        remote = quietly(cross_validate, classifier, pairs, same, cv=3, scoring="roc_auc",
                         n_jobs=-1)
    np.testing.assert_array_equal(remote["test_score"], local["test_score"])


def test_a_dask_array_without_a_cluster_is_a_clear_error():
    code = (
        "import numpy as np, dask.array as da\n"
        "from sk_contrastive import ContrastiveEmbedding\n"
        "X = da.from_array(np.random.default_rng(0).standard_normal((50, 4)), chunks=25)\n"
        "try:\n"
        "    ContrastiveEmbedding(2).fit(X, np.arange(50) % 2)\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "needs a dask.distributed Client" in result.stdout, result.stderr


def test_the_library_imports_and_fits_without_dask():
    code = (
        "import sys\n"
        "sys.modules['dask'] = None\n"
        "sys.modules['distributed'] = None\n"
        "import numpy as np\n"
        "from sk_contrastive import ContrastiveEmbedding\n"
        "X = np.random.default_rng(0).standard_normal((50, 4))\n"
        "print(ContrastiveEmbedding(2).fit(X, np.arange(50) % 2).transform(X).shape)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "(50, 2)", result.stderr


def weights_with_zeros(layout):
    """Sample weights of the 3,000-sample set (3 chunks of 1,000) with zeros."""
    rows = np.arange(3000)
    if layout == "a whole chunk":
        return np.where(rows < 1000, 0.0, 1.0)
    if layout == "all but one of a chunk":
        return np.where(rows < 999, 0.0, 1.0)
    return np.where(rows % 3 == 0, 0.0, 1.0 + (rows % 2))  # interleaved, unequal


def fit_on_cluster(X, y, weights, chunks, **params):
    model = ContrastiveEmbedding(4, random_state=0, **params)
    X_dask = da.from_array(X, chunks=(chunks, 12))
    labelled = () if y is None else (da.from_array(y, chunks=(chunks,)),)
    weighted = {} if weights is None else {"sample_weight": da.from_array(weights, chunks=(chunks,))}
    return quietly(model.fit, X_dask, *labelled, **weighted)


@pytest.mark.parametrize("layout", ["a whole chunk", "all but one of a chunk", "interleaved"])
@pytest.mark.parametrize("labels", ["labelled", "unlabelled", "partly labelled"])
def test_samples_of_weight_zero_are_no_samples_on_the_cluster(client, data, layout, labels):
    X, y = data
    y = {"labelled": y, "unlabelled": None,
         "partly labelled": np.where(np.arange(3000) % 4 == 0, y, -1)}[labels]
    params = {"unlabeled_label": -1} if labels == "partly labelled" else {}
    weights = weights_with_zeros(layout)
    kept = weights > 0
    kept_per_chunk = tuple(int(kept[start:start + 1000].sum()) for start in (0, 1000, 2000))
    weighted = fit_on_cluster(X, y, weights, 1000, **params)
    subset = fit_on_cluster(X[kept], None if y is None else y[kept], weights[kept],
                            kept_per_chunk, **params)
    assert weighted.alpha_ == subset.alpha_ == pytest.approx(2.5 / kept.sum())
    np.testing.assert_array_equal(weighted.components_, subset.components_)
    scored = (X[:300],) if y is None else (X[:300], y[:300])
    assert weighted.score(*scored) == subset.score(*scored)


def test_zero_weights_on_the_cluster_leave_no_trace(client, data):
    X, y = data
    X = X.astype(np.float64)
    weights = np.ones(3000)
    weights[1500] = 0.0
    outlier = X.copy()
    outlier[1500, 0] = 1e300  # in a sample of weight 0: no part of the fit
    with_outlier = fit_on_cluster(outlier, y, weights, 1000)
    without = fit_on_cluster(X, y, weights, 1000)
    np.testing.assert_array_equal(with_outlier.components_, without.components_)
    with pytest.raises(ValueError, match="at least 2 classes"):
        fit_on_cluster(X, y, (y == 0).astype(float), 1000)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="sample_weight must be finite"):
            fit_on_cluster(X, y, np.r_[bad, np.ones(2999)], 1000)
    huge = fit_on_cluster(X, y, np.full(3000, 1e200), 1000)
    np.testing.assert_array_equal(huge.components_, fit_on_cluster(X, y, None, 1000).components_)


# ---- rows stored in an order: class by class, sorted by a feature -------------
# The data's first 2,000 samples fit, the last 1,000 are held out. Across seeds,
# in memory as on the cluster, one fit's held-out 5-NN accuracy moves by about
# 1 point (labelled) and 3 (partly labelled), the trustworthiness of an
# unlabelled fit by 2: the tolerances below are about twice that. Chunks that
# each held one class, or one range of a feature, fell 13 to 38 points below
# the fit in memory.


def held_out_accuracy(model, data):
    X, y = data
    knn = KNeighborsClassifier().fit(model.transform(X[:2000]), y[:2000])
    return knn.score(model.transform(X[2000:]), y[2000:])


def class_by_class(X, y):
    """The rows sorted by class, and chunks of one class each."""
    order = np.argsort(y, kind="stable")
    return X[order], y[order], tuple(int(size) for size in np.bincount(y))


def test_rows_stored_class_by_class_fit_as_well_as_in_memory(client, data):
    X, y = data[0][:2000], data[1][:2000]
    X_sorted, y_sorted, sizes = class_by_class(X, y)
    # each chunk the fit works on holds every class, and so dissimilar pairs
    distributed_data, *_ = distributed_round((X_sorted, y_sorted), scale=1.0, chunks=sizes)
    for state in client.gather([state for state, _ in distributed_data._states]):
        assert set(state.source.init_labels) == {0, 1, 2}
        assert not state.loss.pairs.similar.all()
    X_dask = da.from_array(X_sorted, chunks=(sizes, 12))
    model = quietly(ContrastiveEmbedding(4, random_state=0).fit, X_dask,
                    da.from_array(y_sorted, chunks=(sizes,)))
    # a fit on the cluster does not select its map: compare the same map
    in_memory = quietly(ContrastiveEmbedding(4, architecture="linear", random_state=0).fit, X, y)
    assert held_out_accuracy(model, data) > held_out_accuracy(in_memory, data) - 0.02
    # transform returns the rows in the caller's order
    np.testing.assert_array_equal(model.transform(X_dask).compute(), model.transform(X_sorted))


def test_unlabelled_rows_sorted_by_a_feature_fit_as_well_as_in_memory(client, data):
    X, X_held_out = data[0][:2000], data[0][2000:]
    X_sorted = X[np.argsort(X[:, 0], kind="stable")]
    model = quietly(ContrastiveEmbedding(4, random_state=0).fit,
                    da.from_array(X_sorted, chunks=(1000, 12)))
    in_memory = quietly(ContrastiveEmbedding(4, random_state=0).fit, X)

    def trust(fitted):
        return trustworthiness(X_held_out, fitted.transform(X_held_out), n_neighbors=5)

    assert trust(model) > trust(in_memory) - 0.03


def test_partly_labelled_rows_stored_class_by_class_fit_as_well_as_in_memory(client, data):
    X, y = data[0][:2000], np.where(np.arange(2000) % 2 == 0, data[1][:2000], -1)
    order = np.argsort(data[1][:2000], kind="stable")
    sizes = tuple(int(size) for size in np.bincount(data[1][:2000]))
    # the map a Dask fit takes (it selects nothing), in memory too
    fixed = dict(architecture="linear", pos_margin=0.0, unlabeled_label=-1, random_state=0)
    model = quietly(ContrastiveEmbedding(4, **fixed).fit,
                    da.from_array(X[order], chunks=(sizes, 12)),
                    da.from_array(y[order], chunks=(sizes,)))
    in_memory = quietly(ContrastiveEmbedding(4, **fixed).fit, X, y)
    assert held_out_accuracy(model, data) > held_out_accuracy(in_memory, data) - 0.05


def test_the_fit_depends_on_neither_the_order_nor_the_chunks_of_the_rows(client, data):
    X, y = data[0][:2000], data[1][:2000]
    X_sorted, y_sorted, sizes = class_by_class(X, y)

    def fit(X_fit, y_fit, chunks):
        return quietly(ContrastiveEmbedding(4, random_state=0).fit,
                       da.from_array(X_fit, chunks=(chunks, 12)),
                       da.from_array(y_fit, chunks=(chunks,)))

    sorted_fit = fit(X_sorted, y_sorted, sizes)
    np.testing.assert_array_equal(fit(X_sorted, y_sorted, sizes).components_,
                                  sorted_fit.components_)
    shuffled = np.random.default_rng(0).permutation(2000)
    shuffled_fit = fit(X[shuffled], y[shuffled], 700)
    assert held_out_accuracy(sorted_fit, data) == pytest.approx(
        held_out_accuracy(shuffled_fit, data), abs=0.02)


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=2000, n_features=12, noise=0.5, random_state=0)
    return X, y


@pytest.mark.parametrize("kind", ["continuous", "continuous-multioutput",
                                  "multilabel-indicator"])
def test_graded_targets_fit_on_the_cluster(client, friedman, kind):
    X, y = friedman
    targets = {"continuous": y,
               "continuous-multioutput": np.column_stack([y, 10 * X[:, 0]]),
               "multilabel-indicator": (X[:, :3] > 0.5).astype(int)}[kind]
    train, test = slice(0, 1500), slice(1500, None)
    chunks = (500,) if targets.ndim == 1 else (500, targets.shape[1])
    model = quietly(ContrastiveEmbedding(4, random_state=0).fit,
                    da.from_array(X[train], chunks=(500, 12)),
                    da.from_array(targets[train], chunks=chunks))
    assert model.target_type_ == kind
    assert model._fitted_reference[1].shape[1] == (1 if targets.ndim == 1 else targets.shape[1])
    # as good on held-out samples as the same fit in memory (pairs within
    # chunks of a third of the data), which learns what raw features miss
    in_memory = quietly(ContrastiveEmbedding(4, architecture="linear", pos_margin=0.0,
                                             random_state=0).fit, X[train], targets[train])
    assert model.score(X[test], targets[test]) > in_memory.score(X[test], targets[test]) - 0.05


def test_missing_graded_targets_on_the_cluster(client, friedman):
    X, y = friedman
    hidden = np.where(np.arange(len(y)) % 4 == 0, np.nan, y)
    X_dask = da.from_array(X, chunks=(700, 12))
    y_dask = da.from_array(hidden, chunks=700)
    with pytest.raises(ValueError, match="whose targets are missing"):
        ContrastiveEmbedding(4, random_state=0).fit(X_dask, y_dask)
    model = quietly(ContrastiveEmbedding(4, unlabeled_label=np.nan, random_state=0).fit,
                    X_dask, y_dask)
    assert model.target_type_ == "continuous"
    assert not np.isnan(model._fitted_reference[1]).any()
    assert model.score(X_dask, hidden) == pytest.approx(
        model.score(X[~np.isnan(hidden)], y[~np.isnan(hidden)]), abs=1e-9)


@pytest.mark.parametrize("targets,message", [
    (np.full(2000, 1.5), "same for every sample"),
    (np.r_[np.inf, np.linspace(0, 1, 1999)], "NaN or infinite"),
    (np.r_[np.full(1999, np.nan), 0.5], "1 sample"),
])
def test_graded_targets_the_cluster_cannot_learn_from_are_named(client, friedman, targets,
                                                                message):
    X, _ = friedman
    model = ContrastiveEmbedding(4, unlabeled_label=np.nan, target_type="continuous",
                                 random_state=0)
    with pytest.raises(ValueError, match=message):
        model.fit(da.from_array(X, chunks=(700, 12)), da.from_array(targets, chunks=700))


def test_errors_about_a_dask_y_name_the_whole_y(client, friedman):
    X, y = friedman
    X_dask = da.from_array(X, chunks=(700, 12))
    hidden = np.where(np.arange(2000) % 10 == 0, np.nan, y)
    with pytest.raises(ValueError, match="y holds 200 sample"):
        ContrastiveEmbedding(4).fit(X_dask, da.from_array(hidden, chunks=700))
    two = np.column_stack([y, y])
    two[[8, 1410], 1] = np.nan
    with pytest.raises(ValueError, match=r"2 sample\(s\) of y miss some.*row 8\)"):
        ContrastiveEmbedding(4, unlabeled_label=np.nan).fit(
            X_dask, da.from_array(two, chunks=(700, 2)))
    labels = (X[:, :3] > 0.5).astype(float)
    labels[5, 0] = 0.5
    with pytest.raises(ValueError, match=r"0 and 1.*shape \(2000, 3\)"):
        ContrastiveEmbedding(4, target_type="multilabel-indicator").fit(
            X_dask, da.from_array(labels, chunks=(700, 3)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ContrastiveEmbedding(4).fit(X_dask, da.from_array(y[:-5], chunks=700))
    with pytest.raises(ValueError, match=r"shape \(n_samples,\) or"):
        ContrastiveEmbedding(4).fit(X_dask, da.from_array(y.reshape(-1, 1, 1), chunks=700))
    y_dask = da.from_array(y, chunks=700)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ContrastiveEmbedding(4).fit(X_dask, y_dask[y_dask > -1])


def test_integer_labels_on_the_cluster_stay_classes(client, data):
    X, y = data
    fitted = quietly(ContrastiveEmbedding(3, max_iter=5, random_state=0).fit,
                     da.from_array(X, chunks=(1000, 12)), da.from_array(y, chunks=1000))
    assert fitted.target_type_ == "multiclass"
