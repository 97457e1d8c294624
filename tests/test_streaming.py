"""partial_fit: a stream of batches and a bounded memory of earlier samples."""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._dask import DaskData
from sk_contrastive._pair_sources import LabelPairSource
from sk_contrastive._scaling import InputScaling
from sk_contrastive._streaming import Reservoir
from sk_contrastive._training_data import InMemoryData, TrainingData

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=600, n_features=8, n_informative=4, n_classes=4,
                               n_clusters_per_class=1, random_state=0)
    return X, y


def model(**params):
    return ContrastiveEmbedding(**{"n_components": 3, "max_iter": 15, "memory_size": 100,
                                   "random_state": 0, **params})


def stream(estimator, X, y=None, n_batches=4, **kwargs):
    for rows in np.array_split(np.arange(X.shape[0]), n_batches):
        estimator.partial_fit(X[rows], None if y is None else y[rows], **kwargs)
    return estimator


def test_a_stream_is_deterministic(data):
    X, y = data
    first = stream(model(), X, y).transform(X)
    second = stream(model(), X, y).transform(X)
    np.testing.assert_array_equal(first, second)


def test_transform_before_the_first_call_is_not_fitted(data):
    with pytest.raises(NotFittedError):
        model().transform(data[0])


def test_the_first_call_fixes_the_data_dependent_defaults(data):
    X, y = data
    estimator = ContrastiveEmbedding(max_iter=10, random_state=0)
    estimator.partial_fit(X[:100], y[:100])
    scaling, alpha = estimator._fitted_scaling, estimator.alpha_
    assert estimator.architecture_ == "linear"  # no held-out selection
    assert alpha == pytest.approx(2.5 / 100)
    assert estimator.components_.shape == (8, 8)
    estimator.partial_fit(X[100:400] * 3 + 1, y[100:400])
    assert estimator._fitted_scaling is scaling
    assert estimator.alpha_ == alpha
    assert estimator.n_iter_ <= 10


def test_classes_grow_and_keep_their_codes(data):
    X, y = data
    labels = np.array(["c", "d", "a", "b"])[y]  # new labels that sort first come later
    estimator = model(memory_size=1000)
    order = np.argsort(y, kind="stable")
    early, late = order[y[order] < 2], order[y[order] >= 2]
    estimator.partial_fit(X[early], labels[early])
    np.testing.assert_array_equal(estimator._fitted_stream.classes, ["c", "d"])
    reservoir = estimator._fitted_stream.reservoir
    kept = reservoir.X.copy()
    estimator.partial_fit(X[late], labels[late])
    stream_ = estimator._fitted_stream
    np.testing.assert_array_equal(stream_.classes, ["a", "b", "c", "d"])
    # every remembered sample keeps its label through the new coding
    rows = {tuple(row): label for row, label in zip(X, labels)}
    remembered = stream_.classes[stream_.reservoir.codes]
    assert [rows[tuple(row)] for row in stream_.reservoir.X] == list(remembered)
    assert len(kept) == np.sum(y < 2)
    assert estimator.target_type_ == "multiclass"
    assert estimator.score(X, labels) > 0.5


def test_classes_given_on_the_first_call_fix_the_labels(data):
    X, y = data
    estimator = model()
    estimator.partial_fit(X[:100], y[:100], classes=[0, 1, 2, 3])
    before = estimator.components_.copy()
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        estimator.partial_fit(X[100:110], np.full(10, 7))
    np.testing.assert_array_equal(estimator.components_, before)
    with pytest.raises(ValueError, match="not the classes of the first call"):
        estimator.partial_fit(X[100:200], y[100:200], classes=[0, 1, 2])
    estimator.partial_fit(X[100:200], y[100:200], classes=[3, 2, 1, 0])  # the same classes
    with pytest.raises(ValueError, match="not the classes of the first call"):
        model().partial_fit(X[:100], y[:100]).partial_fit(X[:100], y[:100], classes=[0, 1])
    with pytest.raises(ValueError, match="at least 2 labels"):
        model().partial_fit(X[:100], y[:100], classes=[0])
    with pytest.raises(ValueError, match="cannot be ordered"):
        model().partial_fit(X[:100], y[:100]).partial_fit(X[:10], np.array(["a"] * 10))


def test_balanced_weights_need_no_classes(data):
    X, y = data
    rows = np.flatnonzero((y != 0) | (np.arange(len(y)) % 10 == 0))  # class 0 rare
    given = stream(model(class_weight="balanced"), X[rows], y[rows], classes=np.arange(4))
    seen = stream(model(class_weight="balanced"), X[rows], y[rows])
    plain = stream(model(), X[rows], y[rows])
    # classes only rescale the balanced weights (and alpha="auto" with them)
    assert np.allclose(given.transform(X), seen.transform(X), atol=0.1 * np.abs(
        given.transform(X)).max())
    assert not np.allclose(seen.transform(X), plain.transform(X))
    with pytest.raises(ValueError, match="this stream has no labels"):
        model(class_weight="balanced").partial_fit(X[:50])


def test_the_kind_of_supervision_is_fixed_by_the_first_call(data):
    X, y = data
    labelled = model().partial_fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="stream is labelled since its first call"):
        labelled.partial_fit(X[100:200])
    unlabelled = model().partial_fit(X[:100])
    with pytest.raises(ValueError, match="stream is unlabelled since its first call"):
        unlabelled.partial_fit(X[100:200], y[100:200])
    with pytest.raises(ValueError, match="unlabelled stream has none"):
        model().partial_fit(X[:100], classes=[0, 1])


@pytest.mark.parametrize("targets", ["continuous", "multilabel", "target_type"])
def test_graded_targets_are_a_clear_error(data, targets):
    X, y = data
    estimator = model()
    if targets == "continuous":
        args = (X[:100], X[:100, 0])
    elif targets == "multilabel":
        args = (X[:100], np.eye(4, dtype=int)[y[:100]])
    else:
        estimator.set_params(target_type="continuous")
        args = (X[:100], y[:100])
    with pytest.raises(ValueError, match="partial_fit takes class labels or none"):
        estimator.partial_fit(*args)
    assert not hasattr(estimator, "n_features_in_")
    fitted = ContrastiveEmbedding(max_iter=5, random_state=0).fit(X[:100], X[:100, 0])
    with pytest.raises(ValueError, match="partial_fit takes class labels or none"):
        fitted.partial_fit(X[100:200], y[100:200])


def test_sparse_and_float32_batches(data):
    X, y = data
    X32 = X.astype(np.float32)
    estimator = stream(model(), X32, y)
    assert estimator.components_.dtype == np.float32
    estimator.partial_fit(X[:100], y[:100])  # a float64 batch is cast to the stream's dtype
    assert estimator._fitted_stream.reservoir.X.dtype == np.float32
    assert estimator.transform(X32).dtype == np.float32

    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    sparse = stream(model(), X_sparse, y)
    assert sp.issparse(sparse._fitted_stream.reservoir.X)
    sparse.partial_fit(X_sparse[:100].toarray(), y[:100])  # a dense batch joins as CSR
    assert sp.issparse(sparse._fitted_stream.reservoir.X)
    assert np.isfinite(sparse.transform(X_sparse)).all()


def test_partly_labelled_and_unlabelled_streams(data):
    X, y = data
    hidden = np.where(np.arange(len(y)) % 3 == 0, y, -1)
    partly = stream(model(unlabeled_label=-1), X, hidden)
    assert (partly._fitted_stream.reservoir.codes == -1).any()
    assert partly.score(X, y) > 0.5
    # a batch of unlabelled samples alone joins a labelled stream
    partly.partial_fit(X[:50], np.full(50, -1))
    unlabelled = stream(model(), X)
    assert unlabelled.target_type_ is None
    assert unlabelled._fitted_stream.reservoir.codes is None
    assert 0.5 < unlabelled.score(X) <= 1


def test_the_memory_stays_bounded_over_a_long_stream():
    X, y = make_blobs(n_samples=3000, centers=3, n_features=4, random_state=0)
    estimator = ContrastiveEmbedding(n_components=2, max_iter=3, memory_size=50,
                                     random_state=0)
    stream(estimator, X, y, n_batches=30)
    reservoir = estimator._fitted_stream.reservoir
    assert reservoir.n_rows == 50
    assert reservoir.X.shape == (50, 4) and reservoir.codes.shape == (50,)
    assert reservoir.n_seen == 3000
    assert estimator._fitted_stream.n_calls == 30


def test_the_reservoir_keeps_every_sample_equally_likely():
    n_samples, capacity, batch, n_runs = 60, 10, 7, 3000
    counts = np.zeros(n_samples)
    ids = np.arange(n_samples, dtype=float)[:, None]
    for run in range(n_runs):
        random_state = np.random.RandomState(run)
        reservoir = Reservoir(None, None, None, 0, capacity)
        for start in range(0, n_samples, batch):
            rows = ids[start:start + batch]
            X, codes, weights = reservoir.with_batch(rows, None, None)
            reservoir = reservoir.offered(X, codes, weights, rows.shape[0], random_state)
            assert reservoir.n_rows == min(capacity, start + rows.shape[0])
        kept = reservoir.X[:, 0].astype(int)
        assert len(set(kept)) == capacity
        counts[kept] += 1
    expected = n_runs * capacity / n_samples  # 500
    # binomial standard deviation about 20: every sample within 5 of them
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    # early and late samples alike
    assert abs(counts[:20].mean() - counts[-20:].mean()) < 0.1 * expected


def test_a_failed_call_leaves_the_estimator_as_before(data, monkeypatch):
    X, y = data
    estimator = model().partial_fit(X[:100], y[:100])
    before = dict(vars(estimator))
    stream_ = estimator._fitted_stream
    with pytest.raises(ValueError, match="expecting 8 features"):
        estimator.partial_fit(X[100:200, :5], y[100:200])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sk_contrastive._base.minimize_lbfgs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        estimator.partial_fit(X[100:200], y[100:200])
    assert vars(estimator).keys() == before.keys()
    assert estimator._fitted_stream is stream_
    assert stream_.n_calls == 1 and stream_.reservoir.n_seen == 100
    np.testing.assert_array_equal(estimator.components_, before["components_"])
    fresh = model()
    with pytest.raises(KeyboardInterrupt):
        fresh.partial_fit(X[:100], y[:100])
    assert vars(fresh) == vars(model())


def test_the_callers_arrays_are_untouched(data):
    X, y = data
    X_sparse = sp.csr_matrix(X)
    weights = np.linspace(0, 2, len(y))
    copies = X.copy(), y.copy(), X_sparse.copy(), weights.copy()
    stream(model(), X, y, sample_weight=None)
    estimator = model()
    for rows in np.array_split(np.arange(len(y)), 3):
        estimator.partial_fit(X[rows], y[rows], sample_weight=weights[rows])
        estimator.partial_fit(X_sparse[rows].toarray(), y[rows])
    stream(model(), X_sparse, y)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(X_sparse.toarray(), copies[2].toarray())
    np.testing.assert_array_equal(weights, copies[3])


def test_zero_weights_are_no_samples(data):
    X, y = data
    weights = np.where(np.arange(100) < 40, 0.0, 1.0)
    weighted = model().partial_fit(X[:100], y[:100], sample_weight=weights)
    assert weighted._fitted_stream.reservoir.n_seen == 60
    plain = model().partial_fit(X[40:100], y[40:100])
    np.testing.assert_allclose(weighted.components_, plain.components_)


def test_fit_after_partial_fit_starts_over_and_partial_fit_continues_a_fit(data):
    X, y = data
    streamed = stream(model(), X, y)
    refitted = streamed.fit(X, y)
    assert not hasattr(refitted, "_fitted_stream")
    np.testing.assert_allclose(refitted.transform(X), model().fit(X, y).transform(X))

    fitted = ContrastiveEmbedding(n_components=3, max_iter=15, random_state=0).fit(
        X[:300], y[:300])
    scaling, alpha, start = fitted._fitted_scaling, fitted.alpha_, fitted.transform(X)
    fitted.partial_fit(X[300:], y[300:])
    assert fitted._fitted_scaling is scaling and fitted.alpha_ == alpha
    moved = np.linalg.norm(fitted.transform(X) - start) / np.linalg.norm(start)
    assert 0 < moved < 0.5  # continued from the fit, not started over
    np.testing.assert_array_equal(fitted._fitted_stream.classes, np.arange(4))
    with pytest.raises(ValueError, match="stream is labelled"):
        fitted.partial_fit(X[:10])


def test_an_mlp_streams(data):
    X, y = data
    estimator = stream(model(hidden_layer_sizes=(8,)), X, y)
    assert estimator.architecture_ == "mlp" and estimator.alpha_ == pytest.approx(1e-3)
    assert estimator.score(X, y) > 0.5


def test_a_streamed_fit_comes_close_to_a_joint_fit():
    X, y = make_classification(n_samples=3000, n_features=20, n_informative=5, n_classes=4,
                               random_state=1)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]

    def accuracy(estimator):
        return KNeighborsClassifier(5).fit(estimator.transform(X_train), y_train).score(
            estimator.transform(X_test), y_test)

    joint = ContrastiveEmbedding(architecture="linear", pos_margin=0.0, max_iter=30,
                                 random_state=0).fit(X_train, y_train)
    streamed = stream(ContrastiveEmbedding(max_iter=30, random_state=0), X_train, y_train,
                      n_batches=5)
    raw = KNeighborsClassifier(5).fit(X_train, y_train).score(X_test, y_test)
    assert accuracy(streamed) > raw + 0.1
    assert accuracy(streamed) > accuracy(joint) - 0.03


def test_memory_size_is_validated(data):
    X, y = data
    with pytest.raises(ValueError, match="memory_size"):
        model(memory_size=-1).partial_fit(X[:50], y[:50])
    estimator = model().partial_fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="memory_size=10 changed"):
        estimator.set_params(memory_size=10).partial_fit(X[50:100], y[50:100])
    without = model(memory_size=0).partial_fit(X[:50], y[:50]).partial_fit(X[50:100],
                                                                             y[50:100])
    assert without._fitted_stream.reservoir.n_rows == 0
    with pytest.raises(ValueError, match="at least 2 samples"):
        model(memory_size=0).partial_fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        model().partial_fit(X[y == 0][:20], y[y == 0][:20])


def _engine_members():
    return [name for name, member in vars(TrainingData).items()
            if not name.startswith("_") and callable(member)]


def _check_conforms(data_):
    assert isinstance(data_, TrainingData)
    for name in _engine_members():
        wanted = list(inspect.signature(getattr(TrainingData, name)).parameters)[1:]
        assert list(inspect.signature(getattr(data_, name)).parameters) == wanted, name
    assert isinstance(data_.n_samples, int) and data_.n_samples > 0
    assert isinstance(data_.dtype, np.dtype)
    assert isinstance(data_.scaling, InputScaling)
    assert isinstance(data_.pos_margin, float)


def test_the_training_data_backends_follow_one_protocol(data):
    X, y = data
    assert set(_engine_members()) == {
        "init_sample", "build_pairs", "impostor_free_anchors", "set_pos_margin", "objective",
        "scale_to_margin", "largest_dissimilar_distance"}
    settings = dict(n_positives=3, n_negatives=3, n_random_negatives=1, n_rounds=1,
                    block_size=None, mining_components=None)
    rng = np.random.RandomState(0)
    in_memory = InMemoryData(X, LabelPairSource(y, strategy="neighbors", **settings),
                             InputScaling.from_data(X), None, 1.0, 0.0, rng)
    _check_conforms(in_memory)
    # a stream hands each call's training set to InMemoryData: the engine
    # sees the same backend
    seen = []
    original = InMemoryData.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self)

    InMemoryData.__init__ = recording
    try:
        model().partial_fit(X[:100], y[:100]).partial_fit(X[100:200], y[100:200])
    finally:
        InMemoryData.__init__ = original
    assert len(seen) == 2 and seen[1].n_samples == 200
    _check_conforms(seen[1])


def test_dask_data_follows_the_protocol(data):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    from sk_contrastive._dask import ChunkedPairSource

    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster):
            settings = dict(n_positives=3, n_negatives=3, n_random_negatives=1, n_rounds=1,
                            block_size=None, mining_components=None)
            import functools

            make = functools.partial(LabelPairSource, strategy="neighbors", **settings)
            source = ChunkedPairSource(make, da.from_array(y, chunks=300), n_rounds=1)
            on_cluster = DaskData(da.from_array(X, chunks=(300, 8)), source, None, 1.0, 0.0,
                                  np.random.RandomState(0))
            _check_conforms(on_cluster)


@pytest.mark.parametrize("sparse", [False, True])
def test_a_feature_constant_in_the_first_batch_is_learnt_once_it_varies(sparse):
    # the only informative feature is 0 throughout the first batch (a word
    # no document of the first batch holds): kept at the first batch's units
    # it had weight 0 for the whole stream
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 1000)
    X = np.abs(rng.randn(1000, 5)) * (rng.rand(1000, 5) < 0.6)
    X[:, 0] = (3 * y + 0.3 * rng.rand(1000)) * (np.arange(1000) >= 100)
    X = sp.csr_matrix(X) if sparse else X
    estimator = model(n_components=None, max_iter=30, memory_size=200)
    stream(estimator, X[:900], y[:900], n_batches=9)
    assert np.all(estimator._fitted_scaling.varies)
    assert np.any(estimator.components_[:, 0] != 0)
    knn = KNeighborsClassifier().fit(estimator.transform(X[100:900]), y[100:900])
    assert knn.score(estimator.transform(X[900:]), y[900:]) > 0.9


@pytest.mark.parametrize("change", [
    {"n_components": 2}, {"architecture": "diagonal"}, {"architecture": "mlp"},
    {"metric": "cosine"}, {"memory_size": 10},
])
def test_the_map_cannot_change_during_the_stream(data, change):
    X, y = data
    estimator = model().partial_fit(X[:100], y[:100])
    (name, value), = change.items()
    with pytest.raises(ValueError, match=f"{name}={value!r} changed during the stream"):
        estimator.set_params(**change).partial_fit(X[100:200], y[100:200])


def test_an_mlp_stream_keeps_its_layers(data):
    X, y = data
    estimator = model(hidden_layer_sizes=(8,)).partial_fit(X[:100], y[:100])
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(4,\) changed"):
        estimator.set_params(hidden_layer_sizes=(4,)).partial_fit(X[100:200], y[100:200])


def test_a_stream_after_fit_keeps_the_fitted_map(data):
    X, y = data
    fitted = model(architecture="linear").fit(X[:200], y[:200])
    with pytest.raises(ValueError, match="architecture='mlp', but the fitted map"):
        fitted.set_params(architecture="mlp").partial_fit(X[200:300], y[200:300])
    assert fitted.architecture_ == "linear"  # the failed call changed nothing


def test_an_unsorted_sparse_matrix_of_the_caller_stays_as_it_is(data):
    X, y = data
    S = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    for row in range(S.shape[0]):  # each row's entries in reverse column order
        start, stop = S.indptr[row], S.indptr[row + 1]
        S.indices[start:stop] = S.indices[start:stop][::-1].copy()
        S.data[start:stop] = S.data[start:stop][::-1].copy()
    S.has_sorted_indices = False
    indices, values = S.indices.copy(), S.data.copy()
    model().partial_fit(S, y)
    model(architecture="linear").fit(S, y)
    np.testing.assert_array_equal(S.indices, indices)
    np.testing.assert_array_equal(S.data, values)
