"""Targets beyond class labels: continuous, multi-output and multi-label y."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import jaccard_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive._pairs import pairs_from_targets
from sk_contrastive._targets import (
    QUANTILE_BANDWIDTH,
    read_targets,
    resolve_target_type,
    similarity,
    target_space,
)

# a linear map given, so that the tests about targets do not run a selection
LINEAR = dict(architecture="linear", pos_margin=0.0, random_state=0)


def fit_quietly(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


@pytest.fixture(scope="module")
def friedman():
    """A continuous target of 5 features among 20 noise ones."""
    X, y = make_friedman1(600, n_features=25, noise=0.5, random_state=0)
    return StandardScaler().fit_transform(X), y


def multilabel_data(n_samples=600, seed=0):
    """Labels each set by one informative feature, among noise features."""
    rng = np.random.default_rng(seed)
    informative = rng.normal(size=(n_samples, 4))
    Y = (informative + 0.3 * rng.normal(size=informative.shape)) > 0.3
    X = np.hstack([informative, rng.normal(size=(n_samples, 16))])
    return X, Y.astype(int)


# ---- what y is ---------------------------------------------------------------

def test_integer_quantities_are_continuous_and_ids_stay_classes():
    diabetes = load_diabetes().target.astype(int)  # 214 values, 19 % of samples alone
    with pytest.warns(UserWarning, match="read as a continuous quantity"):
        assert resolve_target_type(diabetes) == "continuous"
    assert resolve_target_type(np.repeat(np.arange(2000), 2)) == "multiclass"
    # a long tail of identities numbered in turn, a third of them alone
    ids = np.concatenate([np.arange(3000), np.random.default_rng(0).integers(0, 900, 6000)])
    assert resolve_target_type(ids) == "multiclass"
    assert resolve_target_type(np.array(["a", "b", "c", "a"])) == "multiclass"
    assert resolve_target_type(np.array([0.5, 1.5, 2.25])) == "continuous"


@pytest.mark.parametrize("y", [[1, 3], [0, 2, 3, 3, 0], [0, 0, 2, 5, 5, 7, 8, 8, 9, 9]])
def test_a_few_integer_ids_with_some_alone_stay_classes(y):
    # a small set, or a fold of classes missing some ids (a property test's find)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_target_type(np.array(y)) in ("binary", "multiclass")
    model = fit_quietly(ContrastiveEmbedding(1, max_iter=5, **LINEAR),
                        np.arange(len(y), dtype=float)[:, None], y)
    assert model.target_type_ in ("binary", "multiclass")
    assert 0.0 <= model.score(np.arange(len(y), dtype=float)[:, None], y) <= 1.0


def test_two_dimensional_targets():
    assert resolve_target_type(np.array([[0.5, 1.0], [2.0, 0.1]])) == "continuous-multioutput"
    labels = np.array([[1, 0, 1], [0, 1, 1]])
    assert resolve_target_type(labels) == "multilabel-indicator"
    assert resolve_target_type(sp.csr_matrix(labels)) == "multilabel-indicator"
    with pytest.raises(ValueError, match="multiclass-multioutput.*target_type="):
        resolve_target_type(np.array([[1, 2], [3, 5], [1, 2]]))
    assert resolve_target_type(np.array([[1, 2], [3, 5]]),
                               "continuous-multioutput") == "continuous-multioutput"


@pytest.mark.parametrize("target_type,y,message", [
    ("regression", [1.0, 2.0], "target_type='regression' is not one of"),
    ("continuous", [[1.0, 2.0], [3.0, 4.0]], "one value per sample"),
    ("continuous-multioutput", [1.0, 2.0], "2-D y"),
    ("multilabel-indicator", [[1, 2], [0, 1]], "0 and 1"),
    ("continuous", ["a", "b"], "numbers"),
])
def test_a_target_type_y_cannot_be_read_as_is_named(target_type, y, message):
    with pytest.raises(ValueError, match=message):
        resolve_target_type(np.array(y), target_type)


def test_the_fit_says_what_it_decided(friedman):
    X, y = friedman
    with pytest.warns(UserWarning, match="read as a continuous quantity"):
        model = fit_quietly(ContrastiveEmbedding(4, max_iter=5, **LINEAR), X, np.round(y * 10))
    assert model.target_type_ == "continuous"
    given = fit_quietly(ContrastiveEmbedding(4, max_iter=5, target_type="multiclass", **LINEAR),
                        X, (y > np.median(y)).astype(int))
    assert given.target_type_ == "multiclass"
    assert fit_quietly(ContrastiveEmbedding(4, max_iter=5, **LINEAR), X, None).target_type_ is None


# ---- similarity and pairs ----------------------------------------------------

def test_similarity_of_continuous_targets_is_that_of_their_quantiles():
    y = np.array([[1.0], [2.0], [3.0], [1e9]])  # an outlier is merely the largest
    space = target_space(y, "continuous")
    np.testing.assert_allclose(space.ravel(), [0.25, 0.5, 0.75, 1.0])
    s = similarity(space, "continuous", np.array([0, 2]), np.array([1, 3]))
    np.testing.assert_allclose(s, np.exp(-0.5 * (0.25 / QUANTILE_BANDWIDTH) ** 2))
    scaled = target_space(1e-6 * y + 40, "continuous")  # units do not matter
    np.testing.assert_array_equal(scaled, space)


def test_graded_pairs_are_a_similar_and_a_dissimilar_term_weighing_one():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(200, 1))
    space = target_space(y, "continuous")
    X = np.hstack([y, rng.normal(size=(200, 3))])

    def degree(first, second):
        return similarity(space, "continuous", first, second)

    from sk_contrastive._targets import target_neighbor_rows

    pairs = pairs_from_targets(X, degree, target_positives=target_neighbor_rows(
        space, "continuous", 5), n_positives=5, n_negatives=10, n_random_negatives=2,
        random_state=0)
    assert np.all(np.diff(pairs.first) >= 0)  # sorted by anchor, as the kernel needs
    assert np.all(pairs.weight > 0) and np.all(pairs.weight <= 1)
    expected = np.where(pairs.similar, 1.0, 0.0) + np.where(
        pairs.similar, -1.0, 1.0) * (1 - degree(pairs.first, pairs.second))
    np.testing.assert_allclose(pairs.weight, np.abs(expected), rtol=1e-12, atol=1e-15)
    keys = pairs.first.astype(np.int64) * 200 + pairs.second
    totals = np.bincount(np.unique(keys, return_inverse=True)[1].ravel(), weights=pairs.weight)
    # each drawing of a pair weighs 1 in all (a random partner may be drawn twice)
    np.testing.assert_allclose(totals, np.round(totals))
    assert np.mean(totals == 1) > 0.99
    # every anchor has terms that pull and terms that push, and nearly every
    # one a partner of s < 1/2 (an anchor at the median is within 0.35 of
    # half the quantiles, where s >= 1/2, so its random partners may all be)
    assert np.unique(pairs.first[pairs.similar]).size == 200
    assert np.unique(pairs.first[~pairs.similar]).size == 200
    alike = degree(pairs.first, pairs.second) >= 0.5
    assert np.unique(pairs.first[alike]).size == 200
    assert np.unique(pairs.first[~alike]).size >= 0.95 * 200


@pytest.mark.parametrize("level", [0.6, 1.0])
def test_an_unlabelled_sample_s_neighbours_are_as_similar_as_near_labelled_pairs(level):
    """An unlabelled sample's neighbour pairs take the mean degree of the
    labelled samples' nearest quarter of pairs (here every labelled pair's),
    not full similarity; its random partners stay dissimilar."""
    from sk_contrastive._pairs import pairs_from_partial_targets

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    labelled = np.arange(60) < 30
    pairs = pairs_from_partial_targets(
        X, lambda first, second: np.full(first.shape, level), labelled,
        target_positives=np.zeros((30, 0), dtype=np.intp), n_positives=3, n_negatives=2,
        n_random_negatives=2, random_state=0)
    unlabelled = ~labelled[pairs.first]
    similar_terms = unlabelled & pairs.similar
    # 3 neighbours each: a similar term of weight `level` ...
    assert similar_terms.sum() == 3 * 30
    np.testing.assert_allclose(pairs.weight[similar_terms], level)
    # ... and, below full similarity, a dissimilar one of 1 - level; plus 2
    # random partners fully dissimilar (one that is also a neighbour is
    # left out); each pair weighing 1 in all
    total = pairs.weight[unlabelled].sum()
    assert 4 * 30 <= total <= 5 * 30 and np.isclose(total, np.round(total))
    assert pairs.graded is (level < 1)


# ---- fits --------------------------------------------------------------------

@pytest.mark.parametrize("params", [LINEAR, {"random_state": 0, "max_iter": 30}],
                         ids=["linear", "defaults"])
def test_a_continuous_target_gives_a_better_knn_regression_than_raw_features(friedman, params):
    X, y = friedman
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    raw = KNeighborsRegressor(10).fit(X_train, y_train).score(X_test, y_test)
    pipeline = make_pipeline(ContrastiveEmbedding(**params), KNeighborsRegressor(10))
    ours = fit_quietly(pipeline, X_train, y_train).score(X_test, y_test)
    assert ours > raw + 0.1, (ours, raw)


def test_a_multi_label_target_gives_better_knn_labels_than_raw_features():
    X, Y = multilabel_data()
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)

    def jaccard(Z_train, Z_test):
        predicted = KNeighborsClassifier(5).fit(Z_train, Y_train).predict(Z_test)
        return jaccard_score(Y_test, predicted, average="samples", zero_division=1.0)

    model = fit_quietly(ContrastiveEmbedding(**LINEAR), X_train, sp.csr_matrix(Y_train))
    assert model.target_type_ == "multilabel-indicator"
    ours = jaccard(model.transform(X_train), model.transform(X_test))
    assert ours > jaccard(X_train, X_test) + 0.05
    dense = fit_quietly(ContrastiveEmbedding(**LINEAR), X_train, Y_train)
    np.testing.assert_allclose(dense.transform(X_test), model.transform(X_test))


def test_several_continuous_targets_in_their_own_units(friedman):
    X, y = friedman
    Y = np.column_stack([y, 1e6 * X[:, 6]])
    model = fit_quietly(ContrastiveEmbedding(**LINEAR), X, Y)
    assert model.target_type_ == "continuous-multioutput"
    rescaled = fit_quietly(ContrastiveEmbedding(**LINEAR), X, Y * [1e-3, 1e-6])
    np.testing.assert_allclose(rescaled.transform(X), model.transform(X))


@pytest.mark.parametrize("form", ["float32", "sparse X", "mlp", "weighted"])
def test_every_input_form_takes_graded_targets(friedman, form):
    X, y = friedman
    params, kwargs = dict(LINEAR, n_components=4, max_iter=30), {}
    if form == "float32":
        X = X.astype(np.float32)
    elif form == "sparse X":
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    elif form == "mlp":
        params.update(architecture="mlp", hidden_layer_sizes=(8,))
    else:
        kwargs["sample_weight"] = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    model = fit_quietly(ContrastiveEmbedding(**params), X, y, **kwargs)
    Z = model.transform(X)
    assert Z.shape == (X.shape[0], 4) and np.isfinite(Z).all()
    assert Z.dtype == (np.float32 if form == "float32" else np.float64)
    assert np.isfinite(model.score(X, y))


def test_a_weight_of_two_is_a_row_stored_twice(friedman):
    X, y = friedman[0][:200], friedman[1][:200]
    weights = np.ones(200)
    weights[:50] = 2
    weighted = fit_quietly(ContrastiveEmbedding(**LINEAR), X, y, sample_weight=weights)
    repeated = fit_quietly(ContrastiveEmbedding(**LINEAR), np.vstack([X, X[:50]]),
                           np.concatenate([y, y[:50]]))
    np.testing.assert_allclose(weighted.transform(X), repeated.transform(X), rtol=1e-7,
                               atol=1e-9)


def test_warm_start_resumes_a_graded_fit(friedman):
    X, y = friedman
    model = fit_quietly(ContrastiveEmbedding(max_iter=3, **LINEAR), X, y)
    before = model.components_.copy()
    fit_quietly(model.set_params(warm_start=True, max_iter=50), X, y)
    fresh = fit_quietly(ContrastiveEmbedding(max_iter=53, **LINEAR), X, y)
    assert not np.allclose(model.components_, before)
    assert model.score(X, y) > 0.5 and fresh.score(X, y) > 0.5


# ---- score -------------------------------------------------------------------

def test_score_is_the_leave_one_out_knn_r2(friedman):
    X, y = friedman
    model = fit_quietly(ContrastiveEmbedding(**LINEAR), X, y)
    Z = model.transform(X)
    neighbors = KNeighborsRegressor(6).fit(Z, y).kneighbors(Z, return_distance=False)
    leave_one_out = np.array([y[row[row != i][:5]].mean() for i, row in enumerate(neighbors)])
    assert model.score(X, y) == pytest.approx(r2_score(y, leave_one_out), abs=1e-12)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = fit_quietly(ContrastiveEmbedding(**LINEAR), X_train, y_train)
    knn = KNeighborsRegressor(5).fit(model.transform(X_train), y_train)
    # a held-out sample's neighbours are among the training samples and the
    # other held-out ones, so the score is at least close to a kNN's R²
    assert model.score(X_test, y_test) > knn.score(model.transform(X_test), y_test) - 0.1


def test_score_of_labels_is_the_samples_jaccard():
    X, Y = multilabel_data(200)
    model = fit_quietly(ContrastiveEmbedding(**LINEAR), X, Y)
    score = model.score(X, Y)
    assert 0.0 <= score <= 1.0
    with pytest.raises(ValueError, match="3 target column.*from 4"):
        model.score(X, Y[:, :3])


def test_a_margin_search_on_graded_targets_runs_without_errors(friedman):
    from sklearn.model_selection import GridSearchCV

    X, y = friedman
    search = GridSearchCV(ContrastiveEmbedding(4, max_iter=20, **LINEAR),
                          {"alpha": [0.0, 1.0]}, cv=3)
    fit_quietly(search, X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.cv_results_["mean_test_score"][0] > search.cv_results_["mean_test_score"][1]


# ---- errors ------------------------------------------------------------------

@pytest.mark.parametrize("y,message", [
    (np.r_[np.nan, np.arange(59.5)], r"1 sample\(s\) whose targets are missing"),
    (np.r_[np.inf, np.arange(59.5)], "NaN or infinite"),
    (np.full(60, 2.5), "same for every sample"),
    (np.repeat([[0], [1]], 30, axis=0), "single label"),
    (np.arange(61.0), "61 rows, but X has 60"),
])
def test_malformed_targets_are_named(y, message):
    X = np.random.default_rng(0).normal(size=(60, 3))
    target_type = "multilabel-indicator" if y.ndim == 2 else "continuous"
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(target_type=target_type, **LINEAR).fit(X, y)


def test_options_of_classes_are_refused_for_graded_targets(friedman):
    X, y = friedman
    with pytest.raises(ValueError, match="class_weight.*continuous targets"):
        ContrastiveEmbedding(class_weight="balanced", **LINEAR).fit(X, y)
    with pytest.raises(ValueError, match="pair_strategy='random'.*neighbors"):
        ContrastiveEmbedding(pair_strategy="random", **LINEAR).fit(X, y)


def test_a_continuous_y_no_longer_fails_as_an_unknown_label_type(friedman):
    X, y = friedman
    # before: scikit-learn's bare "Unknown label type: continuous"
    model = fit_quietly(ContrastiveEmbedding(2, max_iter=5, **LINEAR), X, y)
    assert model.transform(X).shape == (X.shape[0], 2)


def test_the_selection_on_graded_targets_converts_nothing(friedman):
    from sklearn.exceptions import DataConversionWarning

    X, y = friedman
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", DataConversionWarning)
        model = ContrastiveEmbedding(max_iter=20, alpha=1e-2, random_state=0).fit(
            X[:300], y[:300])
    results = model.selection_results_
    assert all(p["pos_margin"] == 0.0 for p in results["params"][1:])
    # the MLPs are tried although the linear maps beat the raw features
    assert results["mean_test_score"][1:3].max() > results["mean_test_score"][0] + 0.1
    assert any(p["architecture"] == "mlp" for p in results["params"])


# ---- found by trying it as users do --------------------------------------------

def test_partly_labelled_class_ids_with_gaps_stay_classes():
    X = np.random.default_rng(0).normal(size=(200, 6))
    y = np.full(200, np.nan)
    y[:15] = [100, 200, 300, 400, 500] * 2 + [600, 700, 800, 900, 1000]
    model = fit_quietly(ContrastiveEmbedding(unlabeled_label=np.nan, max_iter=5,
                                             random_state=0), X, y)
    assert model.target_type_ == "multiclass"


def test_integer_labels_read_as_quantities_warn_and_a_given_type_does_not():
    X = np.random.default_rng(0).normal(size=(100, 3))
    y = np.arange(100) * 3 % 290  # 100 values, no two alike, not consecutive
    with pytest.warns(UserWarning, match="read as a continuous quantity"):
        model = fit_quietly(ContrastiveEmbedding(max_iter=5, **LINEAR), X, y)
    assert model.target_type_ == "continuous"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fit_quietly(ContrastiveEmbedding(max_iter=5, target_type="continuous", **LINEAR), X, y)


@pytest.mark.parametrize("scored", ["strings", "minus one", "sevens", "one column"])
def test_multi_label_score_checks_its_labels(scored):
    X, Y = multilabel_data(100)
    model = fit_quietly(ContrastiveEmbedding(max_iter=5, **LINEAR), X, Y)
    wrong = {"strings": Y.astype(str), "minus one": 2 * Y - 1, "sevens": 7 * Y,
             "one column": Y[:, 0]}[scored]
    with pytest.raises(ValueError, match="needs a 2-D matrix of 0 and 1"):
        model.score(X, wrong)


def test_a_minus_one_plus_one_label_matrix_is_named_in_fit():
    X, Y = multilabel_data(100)
    with pytest.raises(ValueError, match="needs a 2-D matrix of 0 and 1"):
        ContrastiveEmbedding(**LINEAR).fit(X, 2 * Y - 1)


@pytest.mark.parametrize("scale", [1e200, 1e-300])
def test_targets_of_any_magnitude_score_and_select_alike(friedman, scale):
    X, y = friedman[0][:200], friedman[1][:200]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        # (one alpha of the MLPs: the selection is what is compared)
        scaled = fit_quietly(ContrastiveEmbedding(max_iter=20, alpha=1e-2, random_state=0),
                             X, y * scale)
    plain = fit_quietly(ContrastiveEmbedding(max_iter=20, alpha=1e-2, random_state=0), X, y)
    np.testing.assert_allclose(scaled.selection_results_["mean_test_score"],
                               plain.selection_results_["mean_test_score"], rtol=1e-9)
    assert scaled.score(X, y * scale) == pytest.approx(plain.score(X, y), rel=1e-9)


def test_a_negative_held_out_r2_needs_no_square_root_of_it():
    X = np.random.default_rng(0).normal(size=(200, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fit_quietly(ContrastiveEmbedding(target_type="continuous", max_iter=5, random_state=0),
                    X, np.arange(200) % 3)


@pytest.mark.parametrize("n_samples", [3, 8])
def test_too_few_samples_to_hold_out_fit_without_a_selection(n_samples):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n_samples, 4)), rng.normal(size=n_samples)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ContrastiveEmbedding(random_state=0).fit(X, y)
    assert model.selection_results_ is None


@pytest.mark.parametrize("y,message", [
    (np.r_[-1.0, np.linspace(0, 1, 59)], "cannot mark a missing continuous"),
    (sp.csr_matrix(np.random.default_rng(0).normal(size=(60, 2))), "needs a dense y"),
    ([["a", "b"], ["c"]] * 30, "MultiLabelBinarizer"),
])
def test_what_graded_targets_cannot_be_is_named(y, message):
    X = np.random.default_rng(0).normal(size=(60, 3))
    marker = -1.0 if message == "cannot mark a missing continuous" else None
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(unlabeled_label=marker, **LINEAR).fit(X, y)


def test_score_refuses_a_three_dimensional_y(friedman):
    X, y = friedman
    model = fit_quietly(ContrastiveEmbedding(max_iter=5, **LINEAR), X, y)
    with pytest.raises(ValueError, match="one value per sample"):
        model.score(X, y[:, None, None])


# ---- missing targets -----------------------------------------------------------

def hide(y, share, seed=0):
    """``y`` as float with the rows of ``share`` of the samples NaN, and the mask of
    those kept."""
    known = np.random.default_rng(seed).random(len(y)) >= share
    hidden = np.asarray(y, dtype=float).copy()
    hidden[~known] = np.nan
    return hidden, known


def test_missing_continuous_targets_are_unlabelled_samples(friedman):
    X, y = friedman
    hidden, known = hide(y, 0.5)
    given = hidden.copy()
    model = fit_quietly(ContrastiveEmbedding(max_iter=20, unlabeled_label=np.nan,
                                             architecture="linear", random_state=0), X, hidden)
    np.testing.assert_array_equal(hidden, given)  # the caller's y as it was
    assert model.target_type_ == "continuous"
    alone = fit_quietly(ContrastiveEmbedding(max_iter=20, architecture="linear",
                                             random_state=0), X[known], y[known])
    # and the unlabelled samples' pairs: 5 neighbours each, 2 random ones
    assert model.n_pairs_ > alone.n_pairs_ + 4 * np.sum(~known)
    # scored on the samples with a target, as scored without the others
    assert model.score(X, hidden) == pytest.approx(model.score(X[known], y[known]), abs=1e-12)


def test_unlabelled_samples_that_mislead_are_left_out(friedman):
    # among 20 noise features, neighbours in X do not share targets (R² 0.53
    # with them against 0.72 without on a larger Friedman set)
    X, y = friedman
    hidden, known = hide(y, 0.8)
    model = fit_quietly(ContrastiveEmbedding(max_iter=20, alpha=1e-2, unlabeled_label=np.nan,
                                             random_state=0), X, hidden)
    results = model.selection_results_
    assert results["params"][-1]["unlabelled samples"] == "used"
    assert not results["chosen"][-1]
    assert results["mean_test_score"][-1] <= results["mean_test_score"][results["chosen"]]
    alone = fit_quietly(ContrastiveEmbedding(max_iter=20, alpha=1e-2, random_state=0),
                        X[known], y[known])
    np.testing.assert_array_equal(model.transform(X), alone.transform(X))


@pytest.mark.parametrize("score,helps", [(0.70, True), (0.64, True), (0.60, False)])
def test_the_unlabelled_samples_are_used_unless_they_clearly_score_lower(score, helps):
    from sk_contrastive._selection import Selection, _results, with_unlabelled_samples

    params = {"architecture": "linear"}
    rows = [({"architecture": "raw features"}, [0.5, 0.5], 0.0), (params, [0.6, 0.7], 0.1)]
    selection = Selection(params, _results(rows, params), start="a fitted candidate")
    # 400 held-out samples: a standard error of about 0.024 at 0.65 (0.64 is within it)
    splits = [(np.arange(300), np.arange(300, 500))] * 2
    chosen, used = with_unlabelled_samples(
        ContrastiveEmbedding(), selection, splits, lambda model, train, test: score,
        n_entries=0)
    assert used is helps
    assert chosen.results["params"][-1] == {**params, "unlabelled samples": "used"}
    assert chosen.results["chosen"].tolist() == [False, not helps, helps]
    assert (chosen.start is None) is helps  # a final fit on other samples starts afresh
    # a warm_start refit keeps the decision without fitting again
    assert with_unlabelled_samples(ContrastiveEmbedding(), chosen, splits, None,
                                   n_entries=0)[1] is helps


@pytest.mark.parametrize("kind", ["continuous-multioutput", "multilabel-indicator"])
def test_missing_rows_of_several_columns(kind):
    if kind == "multilabel-indicator":
        X, Y = multilabel_data(200)
    else:
        X, y = make_friedman1(200, n_features=8, random_state=0)
        Y = np.column_stack([y, X[:, 0] * 3])
    hidden, known = hide(Y, 0.5)
    model = fit_quietly(ContrastiveEmbedding(max_iter=10, unlabeled_label=np.nan,
                                             **LINEAR), X, hidden)
    assert model.target_type_ == kind
    assert model.score(X, hidden) == pytest.approx(model.score(X[known], Y[known]), abs=1e-12)
    partly = hidden.copy()
    partly[np.flatnonzero(known)[0], 0] = np.nan
    with pytest.raises(ValueError, match="miss some of their targets but not all"):
        ContrastiveEmbedding(unlabeled_label=np.nan, **LINEAR).fit(X, partly)


def test_a_nullable_pandas_frame_of_targets():
    pd = pytest.importorskip("pandas")
    X, y = make_friedman1(120, n_features=8, random_state=0)
    frame = pd.DataFrame({"y": y, "x0": X[:, 0]}).astype("Float64")
    frame.iloc[::4] = pd.NA
    model = fit_quietly(ContrastiveEmbedding(max_iter=5, unlabeled_label=np.nan, **LINEAR),
                        X, frame)
    assert model.target_type_ == "continuous-multioutput"
    assert np.isfinite(model.score(X, frame))
    with pytest.raises(ValueError, match="pass unlabeled_label=np.nan"):
        ContrastiveEmbedding(**LINEAR).fit(X, frame)


@pytest.mark.parametrize("y,marker,message", [
    (np.r_[np.nan, np.linspace(0, 1, 59)], None, "pass unlabeled_label=np.nan"),
    (np.r_[np.nan, np.linspace(0, 1, 59)], -1, "cannot mark a missing continuous"),
    (np.r_[np.full(59, np.nan), 1.5], np.nan, "1 sample"),
    (np.full(60, np.nan), np.nan, "no labelled sample|no target"),
    (sp.csr_matrix(np.r_[[[np.nan, 1.0]], np.eye(2)[np.arange(59) % 2]]), np.nan,
     "sparse y cannot mark missing targets"),
])
def test_what_missing_targets_cannot_be_is_named(y, marker, message):
    X = np.random.default_rng(0).normal(size=(60, 3))
    target_type = "multilabel-indicator" if sp.issparse(y) else "auto"
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(unlabeled_label=marker, target_type=target_type,
                             **LINEAR).fit(X, y)


def test_missing_integer_quantities_are_read_from_the_others():
    y = load_diabetes().target
    hidden, _ = hide(y, 0.5)
    with pytest.warns(UserWarning, match="read as a continuous quantity"):
        assert read_targets(hidden)[0] == "continuous"
    digits_like = np.repeat(np.arange(10.0), 20)
    digits_like[::3] = np.nan
    assert read_targets(digits_like)[0] == "multiclass"
