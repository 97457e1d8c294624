"""Capacity chosen by the data: the diagonal map, architecture="auto" and the
held-out selection of the map, pos_margin and an MLP's alpha."""

import pickle
import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from gradients import objective_gradient_error
from sklearn import config_context
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
from sk_contrastive._base import resolve_map
from sk_contrastive._diagonal import DiagonalProjection
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._pair_sources import LabelPairSource
from sk_contrastive._pairs import pairs_from_labels
from sk_contrastive._scaling import InputScaling
from sk_contrastive._threadpool import thread_runner
from sk_contrastive import _selection as selection_module
from sk_contrastive import _threadpool as threadpool_module
from sk_contrastive._selection import (
    MAX_SELECTION_SAMPLES,
    heldout_pair_splits,
    labelled_splits,
    pair_groups,
    selection_seed,
)
from sk_contrastive.datasets import make_nonlinear

# ---- the diagonal map ---------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("sparse", [False, True])
def test_diagonal_gradient_matches_finite_differences(alpha, sparse):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4)) * [1.0, 4.0, 0.25, 2.0]
    y = rng.integers(0, 3, 30)
    scaling = InputScaling.from_data(X)
    projection = DiagonalProjection(4, scaling)
    loss = ContrastiveLoss(pairs_from_labels(X, y, random_state=0), 30, margin=2.0)
    params = rng.uniform(0.5, 1.5, 4)
    data = sp.csr_matrix(scaling.apply(X)) if sparse else scaling.apply(X)
    error, gradient_norm = objective_gradient_error(params, data, projection, loss, alpha)
    assert error < 1e-6 * gradient_norm


def test_diagonal_map_weighs_features_and_transforms_like_a_linear_map():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0)  # only features 0 and 1 matter
    model = ContrastiveEmbedding(architecture="diagonal", random_state=0).fit(X, y)
    weights = np.diag(model.components_)
    assert model.components_.shape == (6, 6)
    assert np.count_nonzero(model.components_ - np.diag(weights)) == 0
    np.testing.assert_allclose(model.transform(X), X * weights, rtol=1e-12)
    # the two informative features outweigh every noise feature
    assert np.abs(weights[:2]).min() > 2 * np.abs(weights[2:]).max()
    assert model.architecture_ == "diagonal" and model.hidden_layer_sizes_ == ()
    assert model.get_feature_names_out().shape == (6,)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.transform(X), model.transform(X))


def test_diagonal_map_refuses_another_dimension_and_linear_inits():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="architecture='diagonal' weighs each of the 4"):
        ContrastiveEmbedding(2, architecture="diagonal").fit(X, y)
    with pytest.raises(ValueError, match="init='pca' does not apply"):
        ContrastiveEmbedding(architecture="diagonal", init="pca").fit(X, y)
    with pytest.raises(ValueError, match=r"shape \(n_features,\) = \(4,\)"):
        ContrastiveEmbedding(architecture="diagonal", init=np.ones(3)).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        given = ContrastiveEmbedding(
            architecture="diagonal", init=np.array([1.0, 0.0, 0.0, 1.0]), max_iter=1
        ).fit(X, y)
    assert given.components_.shape == (4, 4)


@pytest.mark.parametrize("architecture, hidden, message", [
    ("deep", "auto", "architecture must be one of"),
    ("mlp", (), "architecture='mlp' needs hidden layers"),
    ("linear", (8,), "architecture='linear' has no hidden layers"),
    ("auto", (0,), "hidden_layer_sizes must be 'auto' or a tuple"),
    ("auto", "wide", "hidden_layer_sizes must be 'auto' or a tuple"),
])
def test_invalid_architectures_name_the_problem(architecture, hidden, message):
    with pytest.raises(ValueError, match=message):
        resolve_map(architecture, hidden)
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(architecture=architecture, hidden_layer_sizes=hidden).fit(X, y)


def test_fixed_rules_where_nothing_is_chosen():
    assert resolve_map("auto", "auto") == ("linear", ())
    assert resolve_map("auto", (64,)) == ("mlp", (64,))
    assert resolve_map("mlp", "auto") == ("mlp", (64,))
    assert resolve_map("auto", ()) == ("linear", ())


# ---- the selection with class labels ---------------------------------------------


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:500]), y[:500]


def test_defaults_choose_among_the_linear_maps_on_held_out_knn(digits):
    X, y = digits
    model = ContrastiveEmbedding(random_state=0).fit(X, y)
    results = model.selection_results_
    params = results["params"]
    assert params[0] == {"architecture": "raw features"}
    # 500 samples: the linear map also with the dense pairs of small data
    assert [(p["architecture"], p["pos_margin"], p.get("n_positives"), p.get("n_negatives"))
            for p in params[1:]] == [
        ("linear", 0.0, 5, 10), ("linear", "impostor", 5, 10), ("linear", 0.0, 64, 64),
        ("diagonal", 0.0, None, None), ("diagonal", "impostor", None, None)]
    n_splits = sum(key.startswith("split") for key in results)
    assert n_splits == 5  # 500 samples: 5-fold cross-validation
    scores = np.column_stack([results[f"split{i}_test_score"] for i in range(n_splits)])
    np.testing.assert_allclose(results["mean_test_score"], scores.mean(axis=1))
    assert results["chosen"].sum() == 1
    chosen = params[int(np.flatnonzero(results["chosen"])[0])]
    best = np.max(results["mean_test_score"][1:])
    assert results["mean_test_score"][results["chosen"]][0] == best
    assert (model.architecture_, model.pos_margin_ > 0) == (
        chosen["architecture"], chosen["pos_margin"] == "impostor")
    assert results["rank_test_score"][results["chosen"]][0] == 1 or (
        results["mean_test_score"][0] >= best)


def test_a_chosen_linear_map_resumes_its_best_candidate_fit(monkeypatch):
    # the final fit of a linear map is a warm_start refit of the chosen
    # candidate's best-scoring fit too (fewer iterations than from its init)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    found = []
    real_select = selection_module._select
    monkeypatch.setattr(selection_module, "_select",
                        lambda *args: found.append(real_select(*args)) or found[-1])
    model = ContrastiveEmbedding(2, random_state=0).fit(X, y)
    (selection,) = found
    chosen = model.selection_results_["params"][
        int(np.flatnonzero(model.selection_results_["chosen"])[0])]
    assert chosen == selection.chosen
    assert chosen["architecture"] == model.architecture_ == "linear"
    start = pickle.loads(pickle.dumps(selection.start))
    assert {key: start.get_params()[key] for key in chosen} == chosen
    resumed = start.set_params(warm_start=True).fit(X, y)
    np.testing.assert_array_equal(model.transform(X), resumed.transform(X))
    given = ContrastiveEmbedding(2, random_state=0, **chosen).fit(X, y)
    assert given.selection_results_ is None
    assert not np.allclose(model.transform(X), given.transform(X))


def _two_spare_threads(monkeypatch):
    """Two spare threads, as on a 2-core machine: like the real
    ``spare_threads``, only inside ``blas_single_threaded`` (1 outside)."""
    monkeypatch.setattr(selection_module, "spare_threads",
                        lambda: 2 if threadpool_module._active_fits else 1)


def test_graded_targets_take_fewer_folds_than_class_labels():
    X, y = load_iris(return_X_y=True)
    classes = ContrastiveEmbedding(random_state=0).fit(X, y).selection_results_
    graded = ContrastiveEmbedding(random_state=0).fit(X[:, :3], X[:, 3]).selection_results_

    def n_splits(results):
        return sum(key.startswith("split") for key in results)

    assert n_splits(classes) == selection_module.N_FOLDS == 5
    assert n_splits(graded) == selection_module.N_GRADED_FOLDS == 3


@pytest.mark.parametrize("n_samples,n_features,threaded", [
    (150, 4, False),  # 600 entries
    (400, 12, False),  # 4,800
    (400, 13, True),  # 5,200
])
def test_small_data_fits_its_candidates_on_one_thread(n_samples, n_features, threaded,
                                                      monkeypatch):
    X, y = make_classification(n_samples, n_features=n_features, n_informative=2,
                               n_redundant=0, random_state=0)
    threads = []
    real_select = selection_module._select
    _two_spare_threads(monkeypatch)

    def recording(*args):
        threads.append(args[5])
        return real_select(*args)

    monkeypatch.setattr(selection_module, "_select", recording)
    ContrastiveEmbedding(2, random_state=0).fit(X, y)
    assert threads == [2 if threaded else 1]
    # so do the fits after the choice, by the data they learn from: a partly
    # labelled fit chooses on its labelled half, then checks its unlabelled
    # samples with all
    real_runner = selection_module.thread_runner
    runners = []

    def recording_runner(n_threads, name):
        runners.append(n_threads)
        return real_runner(n_threads, name)

    monkeypatch.setattr(selection_module, "thread_runner", recording_runner)
    partly = np.where(np.arange(n_samples) % 2 == 0, y, -1)
    model = ContrastiveEmbedding(2, unlabeled_label=-1, random_state=0).fit(X, partly)
    assert "unlabelled samples" in model.selection_results_["params"][-1]
    limit = selection_module.THREADED_SELECTION_FROM
    assert runners == [2 if n_samples // 2 * n_features >= limit else 1,
                       2 if threaded else 1]


@pytest.mark.parametrize("n_samples,n_features,threaded", [(200, 4, False), (500, 12, True)])
def test_the_pair_classifier_fits_its_candidates_and_calibration_maps_by_data_size(
        n_samples, n_features, threaded, monkeypatch):
    X, y = make_classification(n_samples, n_features=n_features, n_informative=4,
                               n_redundant=0, n_classes=10, n_clusters_per_class=1,
                               random_state=0)
    rng = np.random.RandomState(0)  # 800 and 6,000 entries
    first = rng.randint(0, n_samples, 2000)
    second = np.where(rng.rand(2000) < 0.5, rng.randint(0, n_samples, 2000),
                      [rng.choice(np.flatnonzero(y == y[i])) for i in first])
    pairs = np.stack([X[first], X[second]], axis=1)
    runners = []
    real_runner = selection_module.thread_runner

    def recording_runner(n_threads, name):
        runners.append(n_threads)
        return real_runner(n_threads, name)

    _two_spare_threads(monkeypatch)
    monkeypatch.setattr(selection_module, "thread_runner", recording_runner)
    model = ContrastivePairClassifier(random_state=0).fit(
        pairs, (y[first] == y[second]).astype(int), groups=np.column_stack([y[first], y[second]]))
    assert model.selection_results_ is not None
    # the selection's candidates, then the threshold's cross-fitted maps
    assert np.unique(np.concatenate([first, second])).size == n_samples
    assert runners == [2 if threaded else 1] * 2


def test_a_chosen_linear_map_starts_from_the_init_given():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = ContrastiveEmbedding(2, init="pca", random_state=0).fit(X, y)
    chosen = model.selection_results_["params"][
        int(np.flatnonzero(model.selection_results_["chosen"])[0])]
    given = ContrastiveEmbedding(2, init="pca", random_state=0, **chosen).fit(X, y)
    np.testing.assert_array_equal(model.transform(X), given.transform(X))


def test_a_chosen_mlp_resumes_its_best_candidate_fit(monkeypatch):
    # as LogisticRegressionCV refits from its folds' coefficients: the final
    # fit of an MLP is a warm_start refit, on all the data, of the chosen
    # candidate's best-scoring fit, not a fit from a new random start
    X, y = make_nonlinear("moons", n_samples=300, n_noise_features=2, random_state=0)
    X = StandardScaler().fit_transform(X)
    found = []
    real_select = selection_module._select
    monkeypatch.setattr(selection_module, "_select",
                        lambda *args: found.append(real_select(*args)) or found[-1])
    model = ContrastiveEmbedding(1, random_state=0).fit(X, y)
    (selection,) = found
    assert model.architecture_ == selection.chosen["architecture"] == "mlp"
    results = selection.results
    assert results["params"][int(np.flatnonzero(results["chosen"])[0])] == selection.chosen
    start = pickle.loads(pickle.dumps(selection.start))
    for key, value in selection.chosen.items():
        if key != "alpha":  # rescaled for all the data (see the next test)
            assert start.get_params()[key] == value
    # 5 folds of 300 samples: candidates fitted on 240
    assert start.alpha == selection.chosen["alpha"]
    assert model.alpha_ == pytest.approx(selection.chosen["alpha"] * 240 / 300)
    resumed = start.set_params(warm_start=True, alpha=model.alpha_).fit(X, y)
    np.testing.assert_array_equal(model.transform(X), resumed.transform(X))
    given = ContrastiveEmbedding(1, random_state=0, **selection.chosen).fit(X, y)
    assert given.selection_results_ is None
    assert not np.allclose(model.transform(X), given.transform(X))


@pytest.mark.parametrize("n_trained,n_fitted,resumed", [(80, 100, True), (1500, 14000, False)])
def test_a_chosen_mlp_penalty_is_rescaled_to_all_the_data(n_trained, n_fitted, resumed,
                                                          monkeypatch):
    # the loss is a mean: a penalty chosen on m samples weighs n / m times too
    # much on n; and a fit on a small subsample is no start for all the data
    chosen = {"architecture": "mlp", "hidden_layer_sizes": (64,), "pos_margin": 0.0,
              "alpha": 1e-2}
    monkeypatch.setattr(selection_module, "_select",
                        lambda *args: selection_module.Selection(chosen, {}, "candidate fit"))
    splits = [(np.arange(n_trained), np.arange(n_trained, n_trained + 20))]
    X = np.zeros((n_fitted, 5))
    found = selection_module.select_map(ContrastiveEmbedding(2), X, n_fitted, lambda: splits,
                                        None, None)
    assert found.chosen["alpha"] == pytest.approx(1e-2 * n_trained / n_fitted)
    assert (found.start == "candidate fit") == resumed
    given = selection_module.select_map(ContrastiveEmbedding(2, alpha=1e-2), X, n_fitted,
                                        lambda: splits, None, None)
    assert given.chosen["alpha"] == 1e-2
    fresh = selection_module.select_map(ContrastiveEmbedding(2), X, n_fitted, lambda: splits,
                                        None, None, resume=("linear",))
    assert fresh.start is None
    assert fresh.chosen["alpha"] == pytest.approx(1e-2 * n_trained / n_fitted)


def test_a_pair_classifier_mlp_starts_afresh():
    # resumed final fits scored below fresh ones on unseen products
    pairs, labels, _ = product_pairs(0, n_products=40, n_pairs=300, noise=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ContrastivePairClassifier(hidden_layer_sizes=(8,), random_state=0).fit(
            pairs, labels)
        assert model.selection_results_ is not None
        fresh = ContrastivePairClassifier(hidden_layer_sizes=(8,), alpha=model.alpha_,
                                          random_state=0).fit(pairs, labels)
    assert fresh.selection_results_ is None
    for fitted, expected in zip(model.coefs_, fresh.coefs_):
        np.testing.assert_array_equal(fitted, expected)


def test_a_given_value_turns_its_selection_off():
    # iris: small data (dense pairs a candidate), and as many dimensions as
    # features (the diagonal map a candidate where nothing fixes the map)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    fixed = ContrastiveEmbedding(architecture="linear", pos_margin=0.0, n_positives=5,
                                 n_negatives=10, random_state=0)
    assert fixed.fit(X, y).selection_results_ is None
    # on small data the pairs left "auto" are still chosen
    pairs_only = ContrastiveEmbedding(architecture="linear", pos_margin=0.0, random_state=0)
    assert [(p["n_positives"], p["n_negatives"])
            for p in pairs_only.fit(X, y).selection_results_["params"][1:]] == [(5, 10), (64, 64)]
    pos_only = ContrastiveEmbedding(architecture="linear", n_positives=5, random_state=0)
    pos_only.fit(X, y)
    assert [p["pos_margin"] for p in pos_only.selection_results_["params"][1:]] == [
        0.0, "impostor"]
    assert (pos_only.n_positives_, pos_only.n_negatives_) == (5, 10)
    assert {p["architecture"] for p in pos_only.selection_results_["params"][1:]} == {
        "linear"}
    # a named linear init fixes the map too
    named = ContrastiveEmbedding(init="pca", random_state=0).fit(X, y)
    assert named.architecture_ == "linear"
    assert {p["architecture"] for p in named.selection_results_["params"][1:]} == {"linear"}


def test_no_selection_without_labels_or_a_split():
    X, y = load_iris(return_X_y=True)
    assert ContrastiveEmbedding(random_state=0).fit(X).selection_results_ is None
    single = y.copy()
    single[0] = 7  # a class of one sample: no stratified split exists
    assert labelled_splits(single, 0) == []
    assert ContrastiveEmbedding(random_state=0).fit(X, single).selection_results_ is None


def test_partly_labelled_data_choose_on_their_labelled_samples():
    X, y = load_iris(return_X_y=True)
    partly = np.where(np.arange(150) % 3 == 0, -1, y)
    model = ContrastiveEmbedding(unlabeled_label=-1, random_state=0).fit(X, partly)
    results = model.selection_results_
    labelled = partly >= 0
    alone = ContrastiveEmbedding(random_state=0).fit(X[labelled], y[labelled])
    # the same candidates, but no dense pairs (a partly labelled fit's
    # unlabelled samples would take their 64 nearest neighbours as similar
    # partners), and the chosen map with the unlabelled samples
    rows = [i for i, p in enumerate(alone.selection_results_["params"])
            if p.get("n_positives") != 64]
    assert len(rows) == len(alone.selection_results_["params"]) - 1
    n_rows = len(rows)
    assert results["params"][:n_rows] == [alone.selection_results_["params"][i] for i in rows]
    chosen = results["params"][int(np.argmax(results["mean_test_score"][1:n_rows])) + 1]
    assert results["params"][n_rows] == {**chosen, "unlabelled samples": "used"}
    assert len(results["params"]) == n_rows + 1 and results["chosen"].sum() == 1
    assert model.architecture_ == chosen["architecture"]


def test_a_map_that_cannot_keep_the_raw_neighbours_escalates_to_an_mlp():
    X, y = make_nonlinear("moons", n_samples=500, n_noise_features=2, random_state=0)
    X = StandardScaler().fit_transform(X)
    model = ContrastiveEmbedding(n_components=1, random_state=0).fit(X, y)
    results = model.selection_results_
    raw, linear = results["mean_test_score"][0], results["mean_test_score"][1:3].max()
    assert linear < raw  # one linear direction cannot unfold the moons
    widths = {p["hidden_layer_sizes"] for p in results["params"] if p["architecture"] == "mlp"}
    assert widths == {(64,), (128, 64)}
    assert model.architecture_ == "mlp" and model.hidden_layer_sizes_ in widths
    # 5 folds of 500 samples: the chosen penalty, rescaled from 400 samples to 500
    assert model.alpha_ / 0.8 == pytest.approx(results["params"][
        int(np.flatnonzero(results["chosen"])[0])]["alpha"])
    knn = KNeighborsClassifier().fit(model.transform(X[:350]), y[:350])
    assert knn.score(model.transform(X[350:]), y[350:]) > linear


@pytest.mark.parametrize("linear, middle, weakest_fitted", [
    (0.6, 0.5, False),  # 1e-2 clearly below 1e-1: 1e-3 is not fitted
    # not clearly below (moons, n_components=1, scored 0.840, 0.828 and
    # 0.988 at 1e-1, 1e-2 and 1e-3): 1e-3 is fitted, and chosen
    (0.6, 0.79, True),
    # 1e-1 and 1e-2 both clearly below the linear map, but weakening helped
    (0.9, 0.85, True),
    # weakening clearly hurt, but no MLP beat the linear map yet: held back by
    # its penalty (radial data in 2-D: 0.634, 0.607, 0.926; the linear map 0.653)
    (0.9, 0.7, True),
])
def test_a_weaker_penalty_is_tried_only_while_weakening_did_not_clearly_hurt(
        linear, middle, weakest_fitted):
    base = {"architecture": "auto", "hidden_layer_sizes": "auto", "pos_margin": 0.0,
            "alpha": "auto"}
    candidates = selection_module.Candidates(
        first=[{**base, "architecture": "linear", "hidden_layer_sizes": ()}],
        escalation=[{**base, "architecture": "mlp", "hidden_layer_sizes": (64,),
                     "alpha": alpha} for alpha in (1e-3, 1e-2, 1e-1)],
    )
    scores = {(): linear, 1e-1: 0.8, 1e-2: middle, 1e-3: 0.95}
    splits = [(np.arange(100), np.arange(100, 400))]  # one standard error: 0.023 at 0.8

    def fit_and_score(model, train, test):
        params = model.params
        return scores[params["alpha"] if params["hidden_layer_sizes"] else ()]

    chosen, results, _, _ = selection_module._select(
        _Scored(**base, verbose=0, callback=None, warm_start=False), candidates, splits,
        fit_and_score, lambda train, test: 0.99, 1)
    alphas = [p["alpha"] for p in results["params"] if p.get("architecture") == "mlp"]
    assert alphas == ([1e-1, 1e-2, 1e-3] if weakest_fitted else [1e-1, 1e-2])
    assert chosen["alpha"] == (1e-3 if weakest_fitted else 1e-1)


def test_a_user_given_alpha_escalates_to_one_mlp_per_width():
    base = {"architecture": "auto", "hidden_layer_sizes": "auto", "pos_margin": 0.0,
            "alpha": 0.01}
    candidates = selection_module.Candidates(
        first=[{**base, "architecture": "linear", "hidden_layer_sizes": ()}],
        escalation=[{**base, "architecture": "mlp", "hidden_layer_sizes": (64,)}],
    )
    splits = [(np.arange(100), np.arange(100, 400))]

    def fit_and_score(model, train, test):
        return 0.9 if model.params["hidden_layer_sizes"] else 0.6

    chosen, results, _, _ = selection_module._select(
        _Scored(**base, verbose=0, callback=None, warm_start=False), candidates, splits,
        fit_and_score, lambda train, test: 0.99, 1)
    assert [p.get("architecture") for p in results["params"]] == [
        "raw features", "linear", "mlp"]
    assert chosen == candidates.escalation[0]


class _Scored:
    """A stand-in estimator whose held-out score is a function of its map."""

    def __init__(self, **params):
        self.params = params

    def get_params(self, deep=False):
        return dict(self.params)


@pytest.mark.parametrize("scores,tried", [
    # (64,) beats the linear map with its weaker penalty: (128, 64) is tried and chosen
    ({"linear": 0.6, (64,): 0.8, ((64,), 1e-2): 0.75, (128, 64): 0.9}, [(64,), (128, 64)]),
    # (64,) does not: (128, 64) is never fitted
    ({"linear": 0.6, (64,): 0.5, (128, 64): 0.9}, [(64,)]),
    # (64,) beats it with its strongest penalty only: it has capacity to spare
    ({"linear": 0.6, (64,): 0.8, (128, 64): 0.9, ((64,), 1e-2): 0.85}, [(64,)]),
])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_a_wider_mlp_is_tried_only_while_width_helps(scores, tried, n_threads):
    base = {"architecture": "auto", "hidden_layer_sizes": "auto", "pos_margin": 0.0,
            "alpha": "auto"}
    candidates = selection_module.Candidates(
        first=[{**base, "architecture": "linear", "hidden_layer_sizes": ()}],
        escalation=[{**base, "architecture": "mlp", "hidden_layer_sizes": widths,
                     "alpha": alpha} for widths in [(64,), (128, 64)] for alpha in (1e-3, 1e-2)],
    )
    splits = [(np.arange(10), np.arange(10, 20))]

    def fit_and_score(model, train, test):
        params = model.params
        widths = params["hidden_layer_sizes"] or "linear"
        return scores.get((widths, params["alpha"]), scores[widths])

    chosen, results, start, _ = selection_module._select(
        _Scored(**base, verbose=0, callback=None, warm_start=False), candidates, splits,
        fit_and_score, lambda train, test: 0.9, n_threads)
    fitted = [p["hidden_layer_sizes"] for p in results["params"] if p.get("architecture") == "mlp"]
    assert list(dict.fromkeys(fitted)) == tried and len(fitted) == 2 * len(tried)
    fitted_scores = {(p["hidden_layer_sizes"], p["alpha"]): s for p, s in zip(
        results["params"], results["mean_test_score"]) if p.get("architecture") == "mlp"}
    # the first of equal scores, the strongest penalty first
    best = max(sorted(fitted_scores, key=lambda key: -key[1]), key=fitted_scores.get)
    assert chosen["hidden_layer_sizes"] == (best[0] if fitted_scores[best] > 0.6 else ())
    assert start.params["hidden_layer_sizes"] == chosen["hidden_layer_sizes"]


def _mlps(widths, alphas=(1e-3, 1e-2, 1e-1)):
    base = {"architecture": "mlp", "pos_margin": 0.0}
    return [{**base, "hidden_layer_sizes": found, "alpha": alpha}
            for found in widths for alpha in alphas]


_LINEAR = {"architecture": "linear", "hidden_layer_sizes": (), "pos_margin": 0.0,
           "alpha": "auto"}
# 5 folds of 100 held-out samples: the largest standard error on a fold is 0.05
_FOLDS = [(np.arange(100), np.arange(100, 200))] * 5


def _select_scored(scores, candidates, splits, always_escalate=False, n_threads=1, raw=0.5):
    """``_select`` over a stand-in whose score on split k is ``scores(params, k)``
    (the raw features' ``raw``); returns the selection and the (params, split)
    fits in the order they ran."""
    fits = []
    lock = threading.Lock()

    def fit_and_score(model, train, test):
        params = {key: model.params[key] for key in ("architecture", "hidden_layer_sizes",
                                                     "alpha")}
        split = next(k for k, (_, held_out) in enumerate(splits) if held_out is test)
        with lock:
            fits.append((params, split))
        return scores(params, split)

    found = selection_module._select(
        _Scored(verbose=0, callback=None, warm_start=False), candidates, splits,
        fit_and_score, lambda train, test: raw, n_threads, always_escalate)
    return found, fits


@pytest.mark.parametrize("n_threads", [1, 2])
def test_candidates_race_over_the_folds(n_threads):
    # on the first fold, 0.8 is the best: 0.75 is within two standard errors
    # (0.1) and goes on, 0.6 is not and is dropped after that fold alone
    first = {(): 0.8, 1e-1: 0.75, 1e-2: 0.6, 1e-3: 0.6}
    later = {(): 0.7, 1e-1: 0.85, 1e-2: 0.95, 1e-3: 0.95}

    def scores(params, split):
        key = params["alpha"] if params["hidden_layer_sizes"] else ()
        return (first if split == 0 else later)[key]

    candidates = selection_module.Candidates(first=[_LINEAR], escalation=_mlps([(64,)]))
    splits = [(train, held_out.copy()) for train, held_out in _FOLDS]
    (chosen, results, _, _), fits = _select_scored(scores, candidates, splits,
                                                   always_escalate=True, n_threads=n_threads)
    alphas = [p.get("alpha") for p in results["params"]]
    assert alphas[1:] == ["auto", 1e-1, 1e-2, 1e-3]
    assert [len([f for f in fits if f[0]["alpha"] == alpha]) for alpha in alphas[1:]] == [
        5, 5, 1, 1]
    np.testing.assert_array_equal(results["dropped"], [False, False, False, True, True])
    assert np.isnan(results["split1_test_score"][3:]).all()
    np.testing.assert_allclose(results["split0_test_score"][3:], 0.6)  # the fold fitted
    # no mean or spread of one fold beside those of five (GridSearchCV's NaN)
    assert np.isnan(results["mean_test_score"][3:]).all()
    assert np.isnan(results["std_test_score"][3:]).all()
    # the dropped rank below every candidate fitted on all the folds
    np.testing.assert_array_equal(results["rank_test_score"], [3, 2, 1, 4, 4])
    assert chosen["alpha"] == 1e-1 and results["chosen"][2]
    # the fits of the folds after the first start once every first fold is scored
    last_first_fold = max(i for i, (_, split) in enumerate(fits) if split == 0)
    assert all(split > 0 for _, split in fits[last_first_fold + 1:])


def test_a_batch_races_against_the_candidates_fitted_before():
    # the linear map's 0.9 on the first fold is the best: an MLP clearly below
    # it there is dropped, though it is the best of its own batch
    def scores(params, split):
        return 0.9 if not params["hidden_layer_sizes"] else 0.7

    candidates = selection_module.Candidates(first=[_LINEAR], escalation=_mlps([(64,)]))
    splits = [(train, held_out.copy()) for train, held_out in _FOLDS]
    (chosen, results, _, _), fits = _select_scored(scores, candidates, splits,
                                                   always_escalate=True)
    assert results["dropped"][2:].all() and chosen == _LINEAR


def test_the_race_keeps_what_a_small_fold_cannot_tell_apart():
    # 12 held-out samples: R² below 0 on the first fold, where the binomial
    # error of the score itself is 0; two errors of 1/2 (0.29) keep the
    # candidates within them, and the best over the folds is chosen
    def scores(params, split):
        if split == 0:
            return {(): -0.9, 1e-1: -2.0, 1e-2: -0.7, 1e-3: -1.5}[
                params["alpha"] if params["hidden_layer_sizes"] else ()]
        return 0.4 if not params["hidden_layer_sizes"] else 0.2

    candidates = selection_module.Candidates(first=[_LINEAR], escalation=_mlps([(64,)]))
    splits = [(np.arange(48), np.arange(48, 60) + 12 * k) for k in range(5)]
    (chosen, results, _, _), _ = _select_scored(scores, candidates, splits,
                                                always_escalate=True)
    np.testing.assert_array_equal(results["dropped"], [False, False, True, False, True])
    assert chosen == _LINEAR


def test_the_race_keeps_the_best_linear_map_whatever_the_mlps_scored():
    # graded targets: the first width races with the linear maps; an MLP far
    # ahead on a small first fold must still beat the linear map on every fold
    def scores(params, split):
        if split == 0:
            return -0.5 if not params["hidden_layer_sizes"] else 0.3
        return 0.4 if not params["hidden_layer_sizes"] else 0.2

    candidates = selection_module.Candidates(first=[_LINEAR], escalation=_mlps([(64,)]))
    splits = [(np.arange(48), np.arange(48, 60) + 12 * k) for k in range(5)]
    (chosen, results, _, _), _ = _select_scored(scores, candidates, splits,
                                                always_escalate=True)
    assert not results["dropped"][1]
    assert chosen == _LINEAR


def test_ties_among_given_mlp_penalties_go_to_the_strongest(monkeypatch):
    candidates = selection_module.map_candidates(
        ContrastiveEmbedding(hidden_layer_sizes=(8,)), 150, 4, True)
    assert [p["alpha"] for p in candidates.first] == [1e-1, 1e-2, 1e-3]
    X, y = load_iris(return_X_y=True)

    def heldout_scorer(self, X, y, sample_weight, extra_rows=None, agreement=True):
        def fit_and_score(model, train, test):
            model.fit(X[train], y[train])
            return 0.8
        return fit_and_score

    monkeypatch.setattr(ContrastiveEmbedding, "_heldout_scorer", heldout_scorer)
    model = ContrastiveEmbedding(n_components=2, hidden_layer_sizes=(8,), max_iter=5,
                                 random_state=0).fit(X, y)
    results = model.selection_results_
    assert results["params"][int(np.argmax(results["chosen"]))]["alpha"] == 1e-1


def test_graded_targets_fit_the_first_width_with_the_linear_maps():
    # always escalating, the first width's penalties race with the linear
    # maps: all three are fitted though weakening clearly hurt
    scores = {(): 0.6, 1e-1: 0.8, 1e-2: 0.7, 1e-3: 0.75}
    candidates = selection_module.Candidates(first=[_LINEAR], escalation=_mlps([(64,)]))
    splits = [(np.arange(100), np.arange(100, 400))]
    (_, results, _, _), fits = _select_scored(
        lambda params, split: scores[params["alpha"] if params["hidden_layer_sizes"] else ()],
        candidates, splits, always_escalate=True)
    assert sorted(map(str, [p["alpha"] for p, _ in fits])) == ["0.001", "0.01", "0.1", "auto"]
    assert not results["dropped"].any()
    # where the linear maps must first fall behind the raw features, 1e-3 is skipped
    (_, results, _, _), fits = _select_scored(
        lambda params, split: scores[params["alpha"] if params["hidden_layer_sizes"] else ()],
        candidates, splits, raw=0.99)
    assert [p["alpha"] for p, _ in fits] == ["auto", 1e-2, 1e-1]  # each batch longest first


@pytest.mark.parametrize("narrower, tried", [(1e-3, [1e-3, 1e-2]), (1e-2, [1e-2, 1e-1])])
def test_a_wider_mlp_tries_the_narrower_penalty_and_the_next_stronger(narrower, tried):
    def scores(params, split):
        if not params["hidden_layer_sizes"]:
            return 0.5
        if params["hidden_layer_sizes"] == (64,):
            return 0.8 if params["alpha"] == narrower else 0.7
        return 0.9

    candidates = selection_module.Candidates(first=[_LINEAR],
                                             escalation=_mlps([(64,), (128, 64)]))
    splits = [(np.arange(100), np.arange(100, 400))]
    (chosen, _, _, _), fits = _select_scored(scores, candidates, splits, always_escalate=True)
    assert sorted(p["alpha"] for p, _ in fits if p["hidden_layer_sizes"] == (128, 64)) == tried
    # of equal scores, the stronger penalty
    assert chosen["hidden_layer_sizes"] == (128, 64) and chosen["alpha"] == tried[1]


def test_no_escalation_where_a_linear_map_keeps_the_raw_neighbours():
    X, y = load_iris(return_X_y=True)
    results = ContrastiveEmbedding(n_components=2, random_state=0).fit(
        StandardScaler().fit_transform(X), y).selection_results_
    raw, best_linear = results["mean_test_score"][0], results["mean_test_score"][1:].max()
    # within one binomial standard error of the raw score over iris's 150 held-out samples
    assert best_linear >= raw - np.sqrt(raw * (1 - raw) / 150)
    assert all(p["architecture"] != "mlp" for p in results["params"])


def test_no_escalation_with_as_many_features_as_samples():
    # a linear map separates any labelling of so few samples: an MLP could only
    # overfit more (60 x 5000 noise escalated to six MLPs, 5 folds each: 360 s)
    X = np.random.default_rng(0).standard_normal((40, 50))
    y = np.repeat([0, 1], 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    assert [p["architecture"] for p in model.selection_results_["params"]] == [
        "raw features", "linear", "linear", "linear"]  # the last with dense pairs


def test_selection_fits_a_bounded_subsample():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 10 * MAX_SELECTION_SAMPLES)
    splits = labelled_splits(y, 0)
    assert len(splits) == 1
    train, test = splits[0]
    assert train.shape[0] + test.shape[0] == MAX_SELECTION_SAMPLES
    assert np.intersect1d(train, test).size == 0


def test_a_margin_search_with_defaults_selects_without_a_warning(digits):
    X, y = digits
    pipeline = make_pipeline(
        ContrastiveEmbedding(n_components=8, random_state=0), KNeighborsClassifier())
    search = GridSearchCV(pipeline, {"contrastiveembedding__margin": [0.25, 4.0]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]


def test_selection_is_quiet_and_the_final_fit_still_warns(digits):
    X, y = digits
    with pytest.warns(UserWarning) as caught:
        ContrastiveEmbedding(max_iter=1, random_state=0).fit(X, y)
    messages = [str(w.message) for w in caught if "max_iter" in str(w.message)]
    assert len(messages) == 1


def test_a_random_state_generator_is_left_where_it_was():
    generator = np.random.RandomState(3)
    state = generator.get_state()[1].copy()
    seed = selection_seed(generator)
    np.testing.assert_array_equal(generator.get_state()[1], state)
    assert seed == selection_seed(np.random.RandomState(3))
    assert selection_seed(5) == 5 and selection_seed(None) is None


def test_warm_start_keeps_the_chosen_map(digits):
    X, y = digits
    # few iterations: the choice, not its quality, is kept
    model = ContrastiveEmbedding(n_components=1, max_iter=10, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = model.fit(X, y).architecture_
    results = model.selection_results_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        second = model.fit(X, y)
    assert second.architecture_ == first and second.selection_results_ is results


# ---- the selection with pairs: ROC-AUC on pairs of held-out classes ---------------


def product_pairs(seed, n_products=80, n_pairs=600, informative=4, noise=20):
    """Pairs of "photos" of products: informative features among noise ones.

    Returns ``pairs`` (n_pairs, 2, n_features), labels (1 similar), and the
    product of each sample of a pair (n_pairs, 2)."""
    rng = np.random.default_rng(seed)
    product = np.repeat(np.arange(n_products), 6)
    X = np.hstack([
        rng.standard_normal((n_products, informative))[product]
        + 0.8 * rng.standard_normal((product.size, informative)),
        rng.standard_normal((product.size, noise)),
    ])
    similar = rng.integers(0, 2, n_pairs).astype(bool)
    first = rng.integers(0, product.size, n_pairs)
    second = np.where(similar, 6 * product[first] + (first + rng.integers(1, 6, n_pairs)) % 6,
                      rng.integers(0, product.size, n_pairs))
    labels = (product[first] == product[second]).astype(int)
    return (np.stack([X[first], X[second]], axis=1), labels,
            np.column_stack([product[first], product[second]]))


def test_connected_components_of_the_similar_pairs_are_the_classes():
    first, second = np.array([0, 1, 3, 4]), np.array([1, 2, 4, 0])
    similar = np.array([True, True, False, True])
    groups = pair_groups(first, second, similar, 6)
    assert groups[0] == groups[1] == groups[2] == groups[4]
    assert len({groups[0], groups[3], groups[5]}) == 3


def test_held_out_pairs_join_held_out_classes_only():
    pairs, labels, products = product_pairs(0)
    splits = heldout_pair_splits(products[:, 0], products[:, 1], labels == 1, 0)
    assert len(splits) == 5
    for train, test in splits:
        train_classes = np.unique(products[train])
        assert np.intersect1d(train_classes, np.unique(products[test])).size == 0
        assert 0 < labels[test].mean() < 1


def test_pair_defaults_choose_a_map_that_generalises_to_unseen_products():
    pairs, labels, products = product_pairs(0)
    test_pairs, test_labels, _ = product_pairs(1)  # other products altogether
    model = ContrastivePairClassifier(random_state=0).fit(pairs, labels, groups=products)
    assert model.architecture_ == "diagonal"
    linear = ContrastivePairClassifier(
        architecture="linear", pos_margin=0.0, random_state=0).fit(pairs, labels)

    def auc(fitted):
        return roc_auc_score(test_labels, fitted.decision_function(test_pairs))

    assert auc(model) > auc(linear)
    derived = ContrastivePairClassifier(random_state=0).fit(pairs, labels)
    assert derived.selection_results_ is not None


def test_pair_groups_per_pair_and_their_shape():
    pairs, labels, products = product_pairs(0, n_pairs=200)
    per_pair = ContrastivePairClassifier(architecture="linear", random_state=0)
    per_pair.fit(pairs, labels, groups=products[:, 0])
    assert per_pair.selection_results_ is not None
    with pytest.raises(ValueError, match=r"groups must have shape \(n_pairs,\)"):
        ContrastivePairClassifier().fit(pairs, labels, groups=products[:10])
    with pytest.raises(ValueError, match="groups must not contain NaN"):
        ContrastivePairClassifier().fit(
            pairs, labels, groups=np.where(products == 0, np.nan, products))


def test_groups_reach_fit_through_metadata_routing():
    pairs, labels, products = product_pairs(0, n_pairs=300)
    with config_context(enable_metadata_routing=True):
        model = ContrastivePairClassifier(architecture="linear", random_state=0)
        model.set_fit_request(groups=True)
        search = GridSearchCV(model, {"margin": [0.5, 2.0]}, cv=GroupKFold(3),
                              scoring="roc_auc")
        search.fit(pairs, labels, groups=products[:, 0])
    assert search.best_estimator_.selection_results_ is not None


def test_verbose_names_the_diagonal_map_and_its_parameters(capsys):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ContrastiveEmbedding(architecture="diagonal", verbose=1, max_iter=3).fit(X, y)
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "[ContrastiveEmbedding] Map: 4 -> 4 (diagonal), 4 parameters"


# ---- found by a review: the selection with unusual settings -------------------


def test_a_margin_no_mlp_takes_leaves_the_mlps_out():
    X, y = make_nonlinear("moons", n_samples=300, n_noise_features=8, random_state=0)
    X = StandardScaler().fit_transform(X)
    model = ContrastiveEmbedding(1, margin=0.05, random_state=0).fit(X, y)
    assert model.architecture_ == "linear"
    assert {p["architecture"] for p in model.selection_results_["params"]} <= {
        "raw features", "linear"}


def test_candidates_weigh_classes_once(monkeypatch):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    seen = []
    real_fit = ContrastiveEmbedding.fit

    def recording_fit(self, X, y=None, sample_weight=None):
        seen.append((self.class_weight, None if sample_weight is None else
                     sorted({float(w) for w in np.round(sample_weight / sample_weight.max(), 6)})))
        return real_fit(self, X, y, sample_weight)

    monkeypatch.setattr(ContrastiveEmbedding, "fit", recording_fit)
    ContrastiveEmbedding(2, class_weight={0: 10.0}, random_state=0).fit(X, y)
    outer, *candidates = seen
    assert outer == ({0: 10.0}, None) and candidates
    # each candidate: no class_weight of its own, the weights 1:10 once (iris's
    # duplicate rows are merged into samples of weight 2: 0.2); twice was 1:100
    assert all(weight is None and min(ratios) == 0.1 for weight, ratios in candidates)


def test_a_warm_start_refit_on_other_features_selects_anew():
    wine_X, wine_y = load_wine(return_X_y=True)
    iris_X, iris_y = load_iris(return_X_y=True)
    model = ContrastiveEmbedding(random_state=0, warm_start=True)
    model.fit(StandardScaler().fit_transform(wine_X), wine_y)
    iris = StandardScaler().fit_transform(iris_X)
    model.fit(iris, iris_y)
    fresh = ContrastiveEmbedding(random_state=0).fit(iris, iris_y)
    np.testing.assert_array_equal(model.selection_results_["mean_test_score"],
                                  fresh.selection_results_["mean_test_score"])
    # and after n_components changes
    model.set_params(n_components=2).fit(iris, iris_y)
    assert all(p["architecture"] != "diagonal" for p in model.selection_results_["params"])


def test_groups_that_cannot_be_sorted_are_named():
    X, y = load_iris(return_X_y=True)
    pairs = np.random.default_rng(0).integers(0, 150, (60, 2))
    similar = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
    groups = y[pairs].astype(object)
    groups[0, 0] = None
    with pytest.raises(ValueError, match="groups must be values of one kind"):
        ContrastivePairClassifier(preprocessor=X).fit(pairs, similar, groups=groups)


@pytest.mark.parametrize("scale", [2.0**-1000, 2.0**1000])
def test_the_raw_features_score_the_same_at_any_scale(scale):
    # powers of two: the data are the same up to scale, exactly, and their
    # squared distances underflow (2**-2000) or overflow (2**2000)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    plain = ContrastiveEmbedding(2, random_state=0).fit(X, y).selection_results_
    scaled = ContrastiveEmbedding(2, random_state=0).fit(X * scale, y).selection_results_
    # squared distances of 1e-300 underflowed to 0: the raw row scored 0.333 on
    # iris. (Not equal to the last digit: with duplicate rows merged, the
    # samples' order, and so the folds, follow their values.)
    assert scaled["mean_test_score"][0] == pytest.approx(plain["mean_test_score"][0], abs=0.03)
    # and pairs' raw distances, with the defaults: the diagonal candidate's
    # penalty overflowed at these scales (digits' all-zero pixels kept a scale
    # of 1 against the others' 2**1000) and the fit raised

    X, y = load_digits(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[:300]), y[:300]
    pairs = np.random.default_rng(0).integers(0, 300, (600, 2))
    similar = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
    results = [ContrastivePairClassifier(preprocessor=data, random_state=0).fit(
        pairs, similar, groups=y[pairs]).selection_results_ for data in (X, X * scale)]
    assert results[1]["mean_test_score"][0] == pytest.approx(
        results[0]["mean_test_score"][0], abs=0.03)
    diagonal = [ContrastivePairClassifier(preprocessor=data, architecture="diagonal",
                                          pos_margin=0.0, random_state=0).fit(pairs, similar)
                for data in (X, X * scale)]
    np.testing.assert_allclose(diagonal[1].decision_function(pairs),
                               diagonal[0].decision_function(pairs), rtol=1e-9)


def test_features_whose_spreads_differ_by_1e160_fit_with_the_defaults():
    # the diagonal candidate's penalty factor, the inverse square of the
    # spreads' ratio, overflowed and the fit raised "lower alpha or init"
    X, y = load_iris(return_X_y=True)
    X[:, 0] *= 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = ContrastiveEmbedding(random_state=0).fit(X, y)
        diagonal = ContrastiveEmbedding(architecture="diagonal", random_state=0).fit(X, y)
    assert np.all(np.isfinite(model.transform(X)))
    assert np.all(np.isfinite(diagonal.transform(X)))


def test_a_warm_start_refit_takes_an_alpha_given_since():
    X, y = make_nonlinear("moons", n_samples=300, n_noise_features=2, random_state=0)
    X = StandardScaler().fit_transform(X)
    model = ContrastiveEmbedding(1, hidden_layer_sizes=(8,), warm_start=True, random_state=0)
    model.fit(X, y)
    assert model.alpha_ != 1e-3  # chosen and rescaled to all 300 samples
    model.set_params(alpha=1e-3).fit(X, y)
    assert model.alpha_ == 1e-3


# ---- candidates fitted in parallel ---------------------------------------------


@pytest.mark.parametrize("kind", ["embedding", "pair classifier"])
def test_the_selection_is_the_same_on_any_number_of_threads(kind, monkeypatch):
    # a generator given as random_state is copied for each candidate, as
    # scikit-learn's clone copies it: shared, the candidates' draws would
    # depend on the order in which their threads ran
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if kind == "embedding":
        make = lambda: ContrastiveEmbedding(random_state=np.random.RandomState(0))  # noqa: E731
        fit_args = (X, y)
    else:
        pairs = np.random.default_rng(0).integers(0, X.shape[0], (400, 2))
        make = lambda: ContrastivePairClassifier(  # noqa: E731
            preprocessor=X, random_state=np.random.RandomState(0))
        fit_args = (pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int))
    found = {}
    for n_threads in (1, 2):
        monkeypatch.setattr(selection_module, "spare_threads", lambda: n_threads)
        found[n_threads] = make().fit(*fit_args).selection_results_
    assert len(found[1]["params"]) > 2
    assert found[1]["params"] == found[2]["params"]
    for key in found[1]:
        if key.startswith("split") or key in ("mean_test_score", "chosen"):
            np.testing.assert_array_equal(found[1][key], found[2][key])


def test_an_exception_in_a_candidate_cancels_the_candidates_not_started():
    started = []

    def task(index):
        started.append(index)
        if index == 0:
            raise ValueError("candidate 0 failed")
        time.sleep(0.02)
        return index

    with pytest.raises(ValueError, match="candidate 0 failed"):
        with thread_runner(2, "selection") as run:
            run(task, [(index,) for index in range(50)])
    assert 0 in started and len(started) < 50
    assert not [thread for thread in threading.enumerate()
                if thread.name.startswith("sk_contrastive-selection")]


def test_a_candidate_of_another_dimension_is_not_resumed():
    # n_components left to the library is at most the samples: a candidate
    # fitted on 4/5 of 60 wide samples maps to 48 dimensions, the final fit
    # to 60, so the final fit starts from its init instead
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 100)), np.repeat([0, 1, 2], 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ContrastiveEmbedding(max_iter=2, n_mining_rounds=1, random_state=0).fit(X, y)
    assert model.selection_results_ is not None
    assert model.components_.shape == (60, 100)
    assert model.transform(X).shape == (60, 60)


# ---- the held-out criterion of class labels and the dense pairs of small data ----


def test_class_labels_are_scored_by_the_agreement_of_held_out_neighbours():
    # on a line: the 5 nearest training samples of each held-out one are known
    Z_train = np.arange(10.0)[:, None]
    y_train = np.array([0] * 5 + [1] * 5)
    Z_test = np.array([[0.0], [4.4], [9.0]])
    y_test = np.array([0, 0, 1])
    # 4.4's neighbours are 4, 5, 3, 6 and 2: three of five share its class,
    # though kNN's vote classifies all three held-out samples right
    assert selection_module.KNN_NEIGHBORS == 5
    score = selection_module.heldout_knn_score("multiclass", Z_train, y_train, Z_test, y_test)
    assert score == pytest.approx((1 + 3 / 5 + 1) / 3)
    weighted = selection_module.heldout_knn_score(
        "multiclass", Z_train, y_train, Z_test, y_test, sample_weight=np.array([1.0, 3.0, 0.0]))
    assert weighted == pytest.approx((1 + 3 * 3 / 5) / 4)
    # string labels, and the scale of the embedding does not matter
    text = np.array(["a", "b"])
    assert selection_module.heldout_knn_score(
        "binary", Z_train * 1e-200, text[y_train], Z_test * 1e-200, text[y_test]
    ) == pytest.approx(score)


def _pair_counts_of_sources(monkeypatch):
    """The (n_positives, n_negatives) of every label pair source made, in order."""
    seen = []
    real_init = LabelPairSource.__init__

    def recording_init(self, labels, **settings):
        seen.append((settings["n_positives"], settings["n_negatives"]))
        real_init(self, labels, **settings)

    monkeypatch.setattr(LabelPairSource, "__init__", recording_init)
    return seen


def _prefer_dense_pairs(monkeypatch):
    """Make the selection's held-out score favour the dense pairs' candidate."""
    def heldout_scorer(self, X, y, sample_weight, extra_rows=None, agreement=True):
        def fit_and_score(model, train, test):
            model.fit(X[train], y[train])
            return 0.9 if model.n_positives == 64 else 0.8
        return fit_and_score

    monkeypatch.setattr(ContrastiveEmbedding, "_heldout_scorer", heldout_scorer)


def test_a_chosen_dense_candidate_fits_with_the_dense_pairs(monkeypatch):
    X, y = load_iris(return_X_y=True)

    _prefer_dense_pairs(monkeypatch)
    seen = _pair_counts_of_sources(monkeypatch)
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    chosen = model.selection_results_["params"][int(model.selection_results_["chosen"].argmax())]
    assert (chosen["architecture"], chosen["n_positives"], chosen["n_negatives"]) == (
        "linear", 64, 64)
    assert (model.n_positives_, model.n_negatives_) == (64, 64)
    assert seen[-1] == (64, 64)  # the final fit's pairs
    # each fit makes two sources, its memory check's and its own, and each
    # candidate fitted once per fold, selecting nothing of its own
    n_candidates = len(model.selection_results_["params"]) - 1  # not the raw features
    assert len(seen) == 2 * (1 + 5 * n_candidates)


def test_the_dense_pairs_are_kept_within_one_heldout_sample_of_the_best():
    nearest, impostor = (
        {"architecture": "linear", "pos_margin": pos_margin, "n_positives": 5, "n_negatives": 10}
        for pos_margin in (0.0, "impostor"))
    dense = {**nearest, "n_positives": 64, "n_negatives": 64}
    settings = [nearest, impostor, dense]
    choice = selection_module._first_choice
    # 100 held-out samples: a lead of less than 0.01 over the dense pairs is a tie
    assert choice(settings, [0.900, 0.910, 0.9001], 100) == 2
    assert choice(settings, [0.900, 0.910, 0.8999], 100) == 1
    assert choice(settings, [0.900, 0.910, 0.9001], 1000) == 1
    assert choice(settings, [0.900, 0.890, 0.950], 100) == 2
    # without the dense pairs, the best, ties to the earlier
    assert choice([nearest, impostor], [0.905, 0.905], 100) == 0
    assert choice([nearest, impostor], [0.900, 0.901], 100) == 1


@pytest.mark.parametrize("lead, chosen_pairs", [(0.5, (64, 64)), (2.0, (5, 10))])
def test_a_lead_of_less_than_one_heldout_sample_keeps_the_dense_pairs(
        monkeypatch, lead, chosen_pairs):
    X, y = load_iris(return_X_y=True)  # 5 folds: 150 held-out samples in all

    def heldout_scorer(self, X, y, sample_weight, extra_rows=None, agreement=True):
        def fit_and_score(model, train, test):
            model.fit(X[train], y[train])
            nearest = model.n_positives == 5 and model.pos_margin == 0.0
            return 0.8 + lead / 150 if nearest else 0.8
        return fit_and_score

    monkeypatch.setattr(ContrastiveEmbedding, "_heldout_scorer", heldout_scorer)
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    assert (model.n_positives_, model.n_negatives_) == chosen_pairs


@pytest.mark.parametrize("setting", [
    {"n_positives": 5},  # a given count fixes the pairs
    {"n_negatives": 20},
    {"pair_strategy": "random"},
])
def test_no_dense_candidate_where_the_pairs_are_given(setting):
    X, y = load_iris(return_X_y=True)
    model = ContrastiveEmbedding(n_components=2, random_state=0, **setting).fit(X, y)
    assert all(p.get("n_positives") != 64 for p in model.selection_results_["params"])
    expected = (setting.get("n_positives", 5), setting.get("n_negatives", 10))
    assert (model.n_positives_, model.n_negatives_) == expected


def test_no_dense_candidate_from_600_samples_on():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for n_samples, dense in ((599, True), (600, False)):
        candidates = selection_module.map_candidates(
            ContrastiveEmbedding(n_components=8), n_samples, 64, True, dense_pairs=True)
        assert any(p.get("n_positives") == 64 for p in candidates.first) == dense


def test_graded_targets_try_no_dense_pairs():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = X[:, 0] + 0.1 * rng.normal(size=120)
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    assert model.target_type_ == "continuous"
    assert all(p.get("n_positives") != 64 for p in model.selection_results_["params"])
    assert (model.n_positives_, model.n_negatives_) == (5, 10)


@pytest.mark.parametrize("name, value, error", [
    ("n_positives", "all", ValueError), ("n_negatives", "dense", ValueError),
    ("n_positives", 0, ValueError), ("n_negatives", 65, ValueError),
    ("n_positives", 2.5, TypeError),
])
def test_pair_counts_take_auto_or_an_integer_in_range(name, value, error):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(error, match=name):
        ContrastiveEmbedding(**{name: value}).fit(X, y)


def test_partial_fit_after_fit_keeps_the_chosen_pairs(monkeypatch):
    X, y = load_iris(return_X_y=True)

    _prefer_dense_pairs(monkeypatch)
    model = ContrastiveEmbedding(n_components=2, random_state=0).fit(X, y)
    assert (model.n_positives_, model.n_negatives_) == (64, 64)
    seen = _pair_counts_of_sources(monkeypatch)
    model.partial_fit(X[::3], y[::3])
    # the stream goes on with the pairs of the fit it continues, as with its alpha_
    assert (model.n_positives_, model.n_negatives_) == (64, 64)
    assert seen and all(counts == (64, 64) for counts in seen)
    # a count given since is taken
    model.set_params(n_negatives=7).partial_fit(X[1::3], y[1::3])
    assert (model.n_positives_, model.n_negatives_) == (64, 7)
