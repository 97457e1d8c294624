"""Unlabelled (DrLIM) and partly labelled data."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import trustworthiness as sklearn_trustworthiness
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._pairs import pairs_from_neighbors, pairs_from_partial_labels
from sk_contrastive._scoring import trustworthiness


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit_quietly(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args)


def test_neighbor_pairs_are_input_neighbours_and_random_strangers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    pairs = pairs_from_neighbors(X, n_positives=4, n_random_negatives=6, random_state=0)
    nearest = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(return_distance=False)
    for anchor in range(60):
        mine = pairs.first == anchor
        assert set(pairs.second[mine & pairs.similar]) == set(nearest[anchor])
        strangers = pairs.second[mine & ~pairs.similar]
        assert not set(strangers) & set(nearest[anchor]) and anchor not in strangers
        assert 4 <= len(strangers) <= 6  # draws that hit a neighbour are dropped


def test_partly_labelled_pairs_never_use_a_missing_label():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y_index = rng.integers(0, 3, 80)
    y_index[::2] = -1  # half unlabelled
    pairs = pairs_from_partial_labels(X, y_index, n_positives=3, n_negatives=2,
                                      n_random_negatives=2, random_state=0)
    labelled_anchor = y_index[pairs.first] >= 0
    # labelled samples: label pairs among labelled samples only
    assert np.all(y_index[pairs.second[labelled_anchor]] >= 0)
    np.testing.assert_array_equal(
        pairs.similar[labelled_anchor],
        y_index[pairs.first[labelled_anchor]] == y_index[pairs.second[labelled_anchor]],
    )
    # unlabelled samples: similar to their input neighbours, whatever their labels
    nearest = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(return_distance=False)
    for anchor in np.flatnonzero(y_index < 0):
        mine = pairs.first == anchor
        assert set(pairs.second[mine & pairs.similar]) == set(nearest[anchor])
        assert np.sum(mine & ~pairs.similar) <= 2


def test_trustworthiness_matches_scikit_learn_in_bounded_memory():
    import sklearn

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 8))
    Z = X[:, :2] + 0.3 * rng.standard_normal((400, 2))
    expected = sklearn_trustworthiness(X, Z, n_neighbors=5)
    with sklearn.config_context(working_memory=0.05):  # chunks of ~16 rows
        assert trustworthiness(X, Z, 5) == pytest.approx(expected, rel=1e-12)


def test_unlabelled_fit_and_its_score(digits):
    X_train, X_test, y_train, y_test = digits
    model = fit_quietly(ContrastiveEmbedding(8, random_state=0), X_train)
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    assert Z_test.shape == (len(X_test), 8)
    # score(X) is the trustworthiness in the fit's internal units; digits
    # features have spreads from 0.7 to 1.4 after StandardScaler... except
    # constant pixels, so compare with the internal units directly.
    internal = model._fitted_scaling.apply(X_test)
    assert model.score(X_test) == pytest.approx(
        sklearn_trustworthiness(internal, Z_test, n_neighbors=5))
    # labels used only to evaluate: kNN in 8 dimensions beats PCA's
    pca = PCA(8).fit(X_train)
    ours = KNeighborsClassifier().fit(Z_train, y_train).score(Z_test, y_test)
    theirs = KNeighborsClassifier().fit(pca.transform(X_train), y_train).score(
        pca.transform(X_test), y_test)
    assert ours > theirs + 0.03
    assert model.score(X_test) > 0.97
    # with labels at score time only, the neighbours are those of X itself
    assert 0.8 < model.score(X_test, y_test) <= 1.0


def test_unlabelled_fit_with_an_mlp_and_blocks(digits):
    X_train, X_test, _, _ = digits
    model = fit_quietly(
        ContrastiveEmbedding(2, hidden_layer_sizes=(16,), mining_block_size=300,
                             max_iter=50, random_state=0), X_train
    )
    assert np.all(np.isfinite(model.transform(X_test)))
    assert model.score(X_test) > 0.7


def hide_labels(y, fraction, seed=0):
    rng = np.random.default_rng(seed)
    hidden = rng.random(len(y)) < fraction
    for label in np.unique(y):  # keep one label per class
        members = np.flatnonzero(y == label)
        if hidden[members].all():
            hidden[members[0]] = False
    return np.where(hidden, -1, y), ~hidden


def test_partly_labelled_digits_beat_labelled_only_and_raw_features(digits):
    X_train, X_test, y_train, y_test = digits
    y_partial, labelled = hide_labels(y_train, 0.9)

    def knn_accuracy(Z_train, Z_test):
        classifier = KNeighborsClassifier().fit(Z_train[labelled], y_train[labelled])
        return classifier.score(Z_test, y_test)

    raw = knn_accuracy(X_train, X_test)
    # with the pairs a partly labelled fit learns from (the labelled part
    # alone, 125 samples, may choose the dense pairs)
    alone = fit_quietly(ContrastiveEmbedding(32, n_positives=5, n_negatives=10, random_state=0),
                        X_train[labelled], y_train[labelled])
    semi = fit_quietly(ContrastiveEmbedding(32, unlabeled_label=-1, random_state=0),
                       X_train, y_partial)
    as_class = fit_quietly(ContrastiveEmbedding(32, random_state=0), X_train, y_partial)
    semi_accuracy = knn_accuracy(semi.transform(X_train), semi.transform(X_test))
    assert semi_accuracy > raw + 0.02
    assert semi_accuracy > knn_accuracy(alone.transform(X_train), alone.transform(X_test)) + 0.02
    assert semi_accuracy > knn_accuracy(as_class.transform(X_train), as_class.transform(X_test))
    # score compares with the labelled training samples only
    assert semi._fitted_reference[0].shape[0] == labelled.sum()


def test_minus_one_is_a_class_unless_unlabeled_label_says_otherwise():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = np.where(X[:, 0] > 0, 1, -1)
    plain = fit_quietly(ContrastiveEmbedding(2, random_state=0), X, y)
    assert plain._fitted_reference[1].tolist() == y.tolist()  # two classes, all kept
    y3 = y.copy()
    y3[:10] = 7
    semi = fit_quietly(ContrastiveEmbedding(2, unlabeled_label=-1, random_state=0), X, y3)
    assert set(semi._fitted_reference[1].tolist()) == {1, 7}


@pytest.mark.parametrize(
    "y,params,message",
    [
        (np.full(30, -1), {"unlabeled_label": -1}, "no labelled sample"),
        (np.r_[np.full(20, -1), np.zeros(10, int)], {"unlabeled_label": -1},
         "single labelled class 0"),
        (np.r_[np.full(20, -1), np.arange(10) % 2], {"unlabeled_label": -1,
         "pair_strategy": "random"}, "needs every sample labelled"),
        (None, {"init": "lda"}, "init='lda' needs class labels"),
        (None, {"pair_strategy": "random"}, "needs every sample labelled"),
        (np.zeros(30, int), {}, "fit\\(X\\), without y"),
    ],
)
def test_bad_partial_labels_are_named(y, params, message):
    X = np.random.default_rng(0).standard_normal((30, 3))
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(**params).fit(X, y)


def test_unlabeled_label_of_another_type_is_no_label():
    X = np.random.default_rng(0).standard_normal((30, 3))
    y = np.array(["a", "b", "c"])[np.arange(30) % 3]
    model = fit_quietly(ContrastiveEmbedding(2, unlabeled_label=-1, random_state=0), X, y)
    assert len(model._fitted_reference[1]) == 30


# ---- missing labels: NaN, None and pandas.NA --------------------------------

MISSING_EVERY = 3  # samples 0, 3, 6, ... have no label


def missing_label_data():
    X, y = load_digits(return_X_y=True)
    keep = y < 3
    X, y = StandardScaler().fit_transform(X[keep][:90]), y[keep][:90]
    missing = np.arange(len(y)) % MISSING_EVERY == 0
    return X, y, missing


def with_missing(form, y, missing):
    """``y`` (class codes 0, 1, 2) with its ``missing`` labels in ``form``."""
    names = np.array(["a", "b", "c"])  # sorted as the codes: same classes, same order
    if form == "float NaN":
        return np.where(missing, np.nan, y)
    if form == "float32 NaN":
        return np.where(missing, np.nan, y).astype(np.float32)
    if form == "object None":
        return np.where(missing, None, names[y].astype(object))
    if form == "object NaN":
        return np.where(missing, np.nan, names[y].astype(object))
    if form == "list of ints with None":
        return [None if gone else int(label) for label, gone in zip(y, missing)]
    if form == "list of strings with None":
        return [None if gone else str(label) for label, gone in zip(names[y], missing)]
    pd = pytest.importorskip("pandas")
    if form == "Series of strings with NaN":
        return pd.Series(names[y]).where(~missing)
    if form == "Series of dtype string with pd.NA":
        series = pd.Series(names[y], dtype="string")
        series[missing] = pd.NA
        return series
    if form == "Categorical with NaN":
        categories = pd.Categorical(names[y])
        categories[missing] = np.nan
        return categories
    if form == "Series of Categorical with NaN":
        return pd.Series(names[y], dtype="category").where(~missing)
    if form in ("Int64", "Float64"):
        values = pd.array(y, dtype=form)
        values[missing] = pd.NA
        return pd.Series(values)
    raise AssertionError(form)


MISSING_FORMS = [
    "float NaN", "float32 NaN", "object None", "object NaN", "list of ints with None",
    "list of strings with None", "Series of strings with NaN",
    "Series of dtype string with pd.NA", "Categorical with NaN",
    "Series of Categorical with NaN", "Int64", "Float64",
]


@pytest.fixture(scope="module")
def fitted_with_sentinel():
    """The fit with the missing labels marked -1, made once: the tests only read it."""
    X, y, missing = missing_label_data()
    return fit_quietly(ContrastiveEmbedding(2, unlabeled_label=-1, random_state=0),
                       X, np.where(missing, -1, y))


@pytest.fixture(scope="module")
def fitted_on_every_label():
    """A fit on all the labels for each unlabeled_label, made once: the tests only score."""
    X, y, _ = missing_label_data()
    return {marker: fit_quietly(ContrastiveEmbedding(2, unlabeled_label=marker, random_state=0),
                                X, y)
            for marker in (None, -1, "unknown")}


@pytest.mark.parametrize("form", MISSING_FORMS)
def test_missing_labels_are_unlabelled_samples_with_unlabeled_label_nan(form,
                                                                        fitted_with_sentinel):
    X, y, missing = missing_label_data()
    sentinel = np.where(missing, -1, y)
    expected = fitted_with_sentinel
    y_missing = with_missing(form, y, missing)
    model = fit_quietly(ContrastiveEmbedding(2, unlabeled_label=np.nan, random_state=0),
                        X, y_missing)
    np.testing.assert_array_equal(model.components_, expected.components_)
    assert model.n_pairs_ == expected.n_pairs_
    # score compares the labelled samples only, with the labelled training samples
    assert model.score(X, y_missing) == expected.score(X, sentinel)


@pytest.mark.parametrize("form", MISSING_FORMS)
@pytest.mark.parametrize("unlabeled_label", [None, -1, "unknown"])
def test_missing_labels_without_a_missing_marker_say_how_to_mark_them(form, unlabeled_label,
                                                                      fitted_on_every_label):
    X, y, missing = missing_label_data()
    model = ContrastiveEmbedding(2, unlabeled_label=unlabeled_label, random_state=0)
    message = f"y holds {missing.sum()} missing label.*unlabeled_label=np.nan"
    with pytest.raises(ValueError, match=message):
        model.fit(X, with_missing(form, y, missing))
    fitted = fitted_on_every_label[unlabeled_label]
    with pytest.raises(ValueError, match=message):
        fitted.score(X, with_missing(form, y, missing))


def test_every_missing_value_marks_the_missing_labels():
    pd = pytest.importorskip("pandas")
    X, y, missing = missing_label_data()
    expected = fit_quietly(ContrastiveEmbedding(2, unlabeled_label=np.nan, random_state=0),
                           X, with_missing("object None", y, missing))
    for marker in (float("nan"), np.float32("nan"), pd.NA, pd.NaT):
        for form in ("float NaN", "Series of dtype string with pd.NA"):
            model = fit_quietly(
                ContrastiveEmbedding(2, unlabeled_label=marker, random_state=0),
                X, with_missing(form, y, missing))
            np.testing.assert_array_equal(model.components_, expected.components_)


def test_score_leaves_out_the_samples_unlabeled_label_marks(digits):
    X_train, X_test, y_train, y_test = digits
    model = fit_quietly(ContrastiveEmbedding(8, unlabeled_label=np.nan, random_state=0),
                        X_train, y_train)
    hidden = np.arange(len(y_test)) % 4 == 0
    weights = np.random.default_rng(0).random(len(y_test))
    labelled_only = model.score(X_test[~hidden], y_test[~hidden], weights[~hidden])
    y_hidden = np.where(hidden, np.nan, y_test)
    assert model.score(X_test, y_hidden, weights) == pytest.approx(labelled_only, rel=1e-12)
    with pytest.raises(ValueError, match="no labelled sample to score"):
        model.score(X_test, np.full(len(y_test), np.nan))


def test_missing_labels_need_no_pandas():
    code = (
        "import sys\n"
        "class NoPandas:\n"  # as if pandas were not installed
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] == 'pandas':\n"
        "            raise ImportError('no pandas')\n"
        "sys.meta_path.insert(0, NoPandas())\n"
        "import numpy as np\n"
        "from sk_contrastive import ContrastiveEmbedding\n"
        "X = np.random.default_rng(0).standard_normal((60, 4))\n"
        "y = [None if i % 3 == 0 else 'ab'[i % 2] for i in range(60)]\n"
        "model = ContrastiveEmbedding(2, unlabeled_label=np.nan, max_iter=5).fit(X, y)\n"
        "print(model.transform(X).shape, 0 <= model.score(X, y) <= 1, 'pandas' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "(60, 2) True False", result.stderr


def test_missing_labels_of_a_dask_y():
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    X, y, missing = missing_label_data()
    X_dask = da.from_array(X, chunks=(30, X.shape[1]))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        def fit(labels, **params):
            model = ContrastiveEmbedding(2, random_state=0, **params)
            return fit_quietly(model, X_dask, da.from_array(labels, chunks=30))

        expected = fit(np.where(missing, -1, y), unlabeled_label=-1)
        model = fit(np.where(missing, np.nan, y), unlabeled_label=np.nan)
        np.testing.assert_array_equal(model.components_, expected.components_)
        with pytest.raises(ValueError, match=f"y holds {missing.sum()} missing label"):
            fit(np.where(missing, np.nan, y))
        with pytest.raises(ValueError, match="missing labels of a Dask y must be NaN"):
            fit(with_missing("object None", y, missing), unlabeled_label=np.nan)
