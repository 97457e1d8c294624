"""ContrastiveEmbedding as a scikit-learn transformer."""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def knn_accuracy(transformer, X_train, X_test, y_train, y_test):
    knn = KNeighborsClassifier(n_neighbors=5).fit(transformer.transform(X_train), y_train)
    return knn.score(transformer.transform(X_test), y_test)


def test_digits_knn_accuracy_at_least_that_of_nca(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    nca = NeighborhoodComponentsAnalysis(n_components=32, random_state=0)
    ours = ContrastiveEmbedding(n_components=32, random_state=0)
    nca_accuracy = knn_accuracy(nca.fit(X_train, y_train), *digits_split)
    our_accuracy = knn_accuracy(ours.fit(X_train, y_train), *digits_split)
    assert our_accuracy >= nca_accuracy
    assert our_accuracy > 0.97


def test_pipeline_in_grid_search(iris):
    X, y = iris
    pipeline = Pipeline([
        ("scale", StandardScaler()),
        # the map the selection chose given: this is about the pipeline
        ("embed", ContrastiveEmbedding(n_components=2, architecture="linear",
                                       pos_margin="impostor", max_iter=30, random_state=0)),
        ("knn", KNeighborsClassifier(n_neighbors=3)),
    ])
    search = GridSearchCV(
        pipeline, {"embed__n_negatives": [1, 5], "knn__n_neighbors": [3, 5]}, cv=3
    ).fit(X, y)
    assert search.best_score_ > 0.9
    assert search.predict(X).shape == y.shape


def test_fit_is_deterministic_given_random_state(iris):
    X, y = iris
    for strategy, init in [("neighbors", "auto"), ("random", "random")]:
        a = ContrastiveEmbedding(2, pair_strategy=strategy, init=init, random_state=3).fit(X, y)
        b = ContrastiveEmbedding(2, pair_strategy=strategy, init=init, random_state=3).fit(X, y)
        np.testing.assert_array_equal(a.components_, b.components_)
        assert a.score(X, y) == b.score(X, y)


def test_pickle_round_trip(iris):
    X, y = iris
    model = ContrastiveEmbedding(2, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    assert restored.n_iter_ == model.n_iter_


def test_pandas_output_and_feature_names(iris):
    import pandas as pd  # a test dependency (the [tests] extra), not a runtime one
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_l", "sepal_w", "petal_l", "petal_w"])
    model = ContrastiveEmbedding(3, random_state=0).set_output(transform="pandas")
    Z = model.fit(frame, y).transform(frame)
    expected = ["contrastiveembedding0", "contrastiveembedding1", "contrastiveembedding2"]
    assert list(Z.columns) == expected
    assert list(model.get_feature_names_out()) == expected
    assert list(model.feature_names_in_) == list(frame.columns)
    np.testing.assert_allclose(Z.to_numpy(), X @ model.components_.T)


def test_warm_start_continues_from_previous_solution(iris):
    X, y = iris
    # Random pairs do not depend on the embedding, so a warm refit solves the
    # very problem the first fit solved, starting at its solution.
    params = dict(pair_strategy="random", n_mining_rounds=1, tol=1e-9, max_iter=500)
    model = ContrastiveEmbedding(2, architecture="linear", pos_margin=0.0, warm_start=True,
                                 random_state=0, **params).fit(X, y)
    first_components, first_n_iter = model.components_.copy(), model.n_iter_
    model.fit(X, y)
    assert model.n_iter_ < first_n_iter / 4
    np.testing.assert_allclose(model.components_, first_components, rtol=1e-3, atol=1e-4)

    # warm_start=False ignores the previous solution.
    model.set_params(warm_start=False, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert not np.allclose(model.components_, first_components, rtol=0.1)


def test_callback_sees_every_iteration_and_can_stop_the_fit(iris):
    X, y = iris
    seen = []

    def record(params, n_iter):
        assert params.shape == (2 * 4,)
        seen.append(n_iter)

    model = ContrastiveEmbedding(2, callback=record, random_state=0).fit(X, y)
    assert seen == list(range(1, model.n_iter_ + 1))

    def stop_after_two(params, n_iter):
        if n_iter == 2:
            raise StopIteration

    model = ContrastiveEmbedding(2, callback=stop_after_two, random_state=0).fit(X, y)
    assert model.n_iter_ == 2


def test_verbose_log_marks_rounds_times_and_closes_with_a_summary(iris, capsys):
    X, y = iris
    model = ContrastiveEmbedding(2, architecture="linear", pos_margin=0.0, n_positives=5,
                                 n_negatives=10, verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("[ContrastiveEmbedding] ") for line in lines)
    assert lines[0].endswith("Map: 4 -> 2 (linear), 8 parameters")
    assert "Estimated peak memory: " in lines[1]
    lines = lines[2:]
    # iris holds one row twice: 149 distinct samples, 17 pairs each
    assert re.search(r"Round 1/3: 2,533 pairs \(17.0 per sample\) in \d+\.\d\d s", lines[0])
    assert "Iteration" in lines[1] and "Loss" in lines[1] and "Time (s)" in lines[1]
    rows = [line for line in lines if re.match(r"\[ContrastiveEmbedding\]\s+\d+\s", line)]
    assert len(rows) == model.n_iter_
    numbers = [row.split()[1:] for row in rows]
    assert [int(n[0]) for n in numbers] == list(range(1, model.n_iter_ + 1))
    seconds = [float(n[3]) for n in numbers]
    assert seconds == sorted(seconds)  # one clock for the whole fit, across rounds
    assert float(numbers[-1][1]) == pytest.approx(model.loss_, rel=1e-5)
    round_ends = [line for line in lines if re.search(r"Round \d/3: converged after \d+", line)]
    assert len(round_ends) == 3
    assert any("Round 2/3: 2,533 pairs" in line for line in lines)
    assert re.search(
        rf"Done in \d+\.\d\d s \(start \d+\.\d\d s, pairs \d+\.\d\d s, "
        rf"optimisation \d+\.\d\d s\): "
        rf"{model.n_iter_} iterations, 2,533 pairs, final loss", lines[-1]
    )
    assert not any("CONVERGENCE" in line or "ABNORMAL" in line for line in lines)


@pytest.mark.parametrize("verbose", [0, 1])
def test_iteration_limit_warns_once_naming_the_rounds(iris, verbose):
    X, y = iris
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ContrastiveEmbedding(2, max_iter=2, verbose=verbose, random_state=0).fit(X, y)
    limit = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(limit) == 1
    assert "max_iter=2 in mining rounds 1, 2 and 3 of 3" in str(limit[0].message)
    assert model.n_iter_ == 2 * model.n_mining_rounds


def test_a_single_round_at_the_limit_warns_without_round_numbers(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"max_iter=2 before converging \(final"):
        ContrastiveEmbedding(2, max_iter=2, n_mining_rounds=1, random_state=0).fit(X, y)


def test_no_warning_when_converged(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = ContrastiveEmbedding(2, max_iter=500, random_state=0).fit(X, y)
    assert model.n_iter_ < 500


def test_string_labels_give_the_same_model_as_integers(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    a = ContrastiveEmbedding(2, random_state=0).fit(X, y)
    b = ContrastiveEmbedding(2, random_state=0).fit(X, names)
    np.testing.assert_allclose(a.components_, b.components_)
    assert a.score(X, y) == b.score(X, names)


def test_float32_is_fitted_and_returned_in_float32(iris):
    X, y = iris
    model32 = ContrastiveEmbedding(2, random_state=0).fit(X.astype(np.float32), y)
    model64 = ContrastiveEmbedding(2, random_state=0).fit(X, y)
    assert model32.components_.dtype == np.float32
    assert model32.transform(X.astype(np.float32)).dtype == np.float32
    assert model64.transform(X).dtype == np.float64
    assert model32.score(X, y) == pytest.approx(model64.score(X, y), abs=0.05)


@pytest.mark.parametrize("init", ["auto", "pca", "lda", "identity", "random"])
def test_every_init_fits(iris, init):
    X, y = iris
    model = ContrastiveEmbedding(2, init=init, random_state=0).fit(X, y)
    assert model.score(X, y) > 0.85


def test_array_init_is_the_starting_point(iris):
    X, y = iris
    start = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    model = ContrastiveEmbedding(init=start, max_iter=1, n_mining_rounds=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.components_.shape == (2, 4)
    # one L-BFGS step from `start` moves along the negative gradient only a bit
    assert np.linalg.norm(model.components_ - start) < np.linalg.norm(start)


@pytest.mark.parametrize(
    "params,message",
    [
        ({"n_components": 0}, "n_components"),
        ({"n_components": 5}, "n_components=5 must be at most n_features=4"),
        ({"margin": 0.0}, "margin"),
        ({"margin": -1.0}, "margin"),
        ({"pos_margin": -0.1}, "pos_margin"),
        ({"pair_strategy": "all"}, "pair_strategy"),
        ({"n_positives": -1}, "n_positives"),
        ({"n_negatives": 0, "n_random_negatives": 0}, "n_negatives"),
        ({"alpha": -1.0}, "alpha"),
        ({"init": "svd"}, "init"),
        ({"init": np.ones((3, 4)), "n_components": 2}, r"init array has shape \(3, 4\)"),
        ({"init": "lda", "n_components": 3}, "init='lda' can give at most"),
        ({"max_iter": 0}, "max_iter"),
        ({"mining_block_size": 1}, "mining_block_size"),
        ({"n_mining_rounds": 0}, "n_mining_rounds"),
        ({"tol": -1.0}, "tol"),
        ({"callback": 3}, "callback"),
    ],
)
def test_invalid_parameters_are_named(iris, params, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        ContrastiveEmbedding(**params).fit(X, y)


def test_single_class_is_rejected(iris):
    X, _ = iris
    with pytest.raises(ValueError, match="at least 2 classes"):
        ContrastiveEmbedding().fit(X, np.zeros(len(X)))


# ---- score and the margin -------------------------------------------------


def brute_force_agreement(model, X_train, y_train, X, y, k=5):
    reference, Z = model.transform(X_train), model.transform(X)
    fractions = []
    for i in range(len(Z)):
        points = np.vstack([reference, np.delete(Z, i, axis=0)])
        labels = np.concatenate([y_train, np.delete(y, i)])
        nearest = np.argsort(np.linalg.norm(points - Z[i], axis=1), kind="stable")[:k]
        fractions.append(np.mean(labels[nearest] == y[i]))
    return np.mean(fractions)


def test_score_is_neighbour_label_agreement_against_the_training_embedding(iris):
    X, y = iris
    train, test = np.arange(0, 150, 2), np.arange(1, 150, 2)
    model = ContrastiveEmbedding(2, random_state=0).fit(X[train], y[train])
    expected = brute_force_agreement(model, X[train], y[train], X[test], y[test])
    assert model.score(X[test], y[test]) == pytest.approx(expected)
    weights = np.random.default_rng(0).random(len(test))
    assert 0 <= model.score(X[test], y[test], sample_weight=weights) <= 1


def test_score_ranks_models_on_folds_that_hold_one_class(iris):
    # Unshuffled iris: KFold(3) gives test folds that each hold one class,
    # where the leave-one-out score was 1.0 for every candidate.
    X, y = iris
    # the map and pairs the selection chose given: this is about the score
    chosen = dict(architecture="linear", pos_margin=0.0, n_positives=64, n_negatives=64)
    search = GridSearchCV(
        ContrastiveEmbedding(2, random_state=0, **chosen), {"max_iter": [1, 100]}, cv=3
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and scores[0] != scores[1]
    assert search.best_params_ == {"max_iter": 100}
    # the one-class folds of the two overlapping classes separate the
    # candidates too (setosa's fold is perfect for both)
    for fold in (1, 2):
        fold_scores = search.cv_results_[f"split{fold}_test_score"]
        assert fold_scores[0] != fold_scores[1]
        assert np.all(fold_scores < 1.0)


def test_score_tells_a_random_map_from_a_trained_one_on_plain_kfold():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:600])
    y = y[:600]
    # pos_margin and the pairs the selection chose on two of the folds given:
    # the score, not the selection, is checked
    search = GridSearchCV(
        ContrastiveEmbedding(2, init="random", pos_margin=0.0, n_positives=64,
                             n_negatives=64, random_state=0),
        {"max_iter": [1, 100]}, cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    low, high = search.cv_results_["mean_test_score"]
    assert high > low + 0.05


def test_plain_margin_only_rescales_the_embedding(iris):
    X, y = iris
    plain = dict(architecture="linear", pos_margin=0.0, random_state=0)
    small = ContrastiveEmbedding(2, margin=1.0, **plain).fit(X, y)
    with pytest.warns(UserWarning, match="the margin only rescales the embedding"):
        large = ContrastiveEmbedding(2, margin=10.0, **plain).fit(X, y)
    # The optimiser works in units of the margin, so the two fits run the same
    # iterations and one solution is exactly ten times the other.
    np.testing.assert_allclose(large.components_, 10 * small.components_, rtol=1e-9)
    assert small.score(X, y) == large.score(X, y)


def scale_free_distance(Z_a, Z_b):
    """Relative residual of the best rescaling of Z_a onto Z_b (0 = rescaled copy)."""
    D_a = np.linalg.norm(Z_a[:, None] - Z_a[None], axis=2).ravel()
    D_b = np.linalg.norm(Z_b[:, None] - Z_b[None], axis=2).ravel()
    scale = (D_a @ D_b) / (D_a @ D_a)
    return np.linalg.norm(scale * D_a - D_b) / np.linalg.norm(D_b)


def test_pos_margin_makes_margins_select_different_models():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:400])
    y = y[:400]

    def embed(margin, pos_margin):
        # the same pairs in every fit (those the selection chose in three of
        # the four), so that only the margins differ
        model = ContrastiveEmbedding(
            4, architecture="linear", margin=margin, pos_margin=pos_margin, n_positives=64,
            n_negatives=64, max_iter=200, random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(X, y).transform(X)

    # Without pos_margin, margins 1 and 4 give rescaled copies of one model ...
    assert scale_free_distance(embed(1.0, 0.0), embed(4.0, 0.0)) < 1e-6
    # ... with it, a different pairwise geometry that no rescaling matches.
    assert scale_free_distance(embed(1.0, 0.5), embed(4.0, 0.5)) > 0.05


def test_grid_search_over_margin_sees_different_scores():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:500])
    y = y[:500]
    search = GridSearchCV(
        # the pairs the selection chose given: the margin is checked
        ContrastiveEmbedding(2, architecture="linear", pos_margin=1.0, n_positives=5,
                             n_negatives=10, max_iter=100, random_state=0),
        {"margin": [1.5, 3.0, 8.0]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert len(np.unique(np.round(scores, 6))) == 3


@pytest.mark.parametrize(
    "params",
    [{"margin": 1.0}, {"margin": 3.0, "pos_margin": 1.0},
     {"margin": 3.0, "hidden_layer_sizes": (4,)}],
)
def test_no_margin_warning_where_the_margin_matters(iris, params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        ContrastiveEmbedding(2, random_state=0, **params).fit(*iris)


def test_grid_search_on_plain_kfold_with_single_class_folds(iris):
    # Unshuffled iris: KFold(3) gives test folds that each hold one class.
    X, y = iris
    search = GridSearchCV(
        ContrastiveEmbedding(2, pos_margin=0.5, random_state=0), {"margin": [1.0, 2.0]}, cv=3
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize(
    "y",
    [
        [0, 1],  # two samples
        [0, 1, 1, 1, 1, 1, 1, 2],  # singleton classes
        [0, 0, 1, 1, 1, 2, 2, 2],  # classes smaller than n_positives
    ],
)
def test_tiny_data_and_small_classes_fit(y):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((len(y), 3))
    model = ContrastiveEmbedding(2, random_state=0).fit(X, y)
    Z = model.transform(X)
    assert Z.shape == (len(y), 2) and np.all(np.isfinite(Z))
    assert 0.0 <= model.score(X, y) <= 1.0


def test_block_mining_on_larger_data_matches_exact_mining(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    exact = ContrastiveEmbedding(16, mining_block_size=None, random_state=0)
    blocked = ContrastiveEmbedding(16, mining_block_size=300, random_state=0)
    exact_accuracy = knn_accuracy(exact.fit(X_train, y_train), *digits_split)
    blocked_accuracy = knn_accuracy(blocked.fit(X_train, y_train), *digits_split)
    assert blocked_accuracy > exact_accuracy - 0.02
    # the samples are reordered internally; transform still follows the input
    np.testing.assert_allclose(blocked.transform(X_train[::-1]), blocked.transform(X_train)[::-1])


@pytest.mark.parametrize(
    "how",
    ["fit", "fit_transform", "pipeline", "grid search"],
)
def test_warnings_point_at_the_callers_line(iris, how):
    X, y = iris
    model = ContrastiveEmbedding(2, max_iter=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if how == "fit":
            model.fit(X, y)
        elif how == "fit_transform":
            model.fit_transform(X, y)
        elif how == "pipeline":
            make_pipeline(StandardScaler(), model).fit(X, y)
        else:
            GridSearchCV(model, {"n_negatives": [5]}, cv=2).fit(X, y)
    ours = [w for w in caught if "ContrastiveEmbedding" in str(w.message)]
    assert ours and all(w.filename == __file__ for w in ours), [
        (w.filename, w.lineno) for w in ours
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_auto_alpha_of_a_linear_map_falls_with_the_number_of_samples(iris):
    X, y = iris
    linear = dict(architecture="linear", pos_margin=0.0, n_positives=5, n_negatives=10,
                  random_state=0)
    auto = ContrastiveEmbedding(2, **linear).fit(X, y)
    assert auto.alpha_ == pytest.approx(2.5 / len(y))
    explicit = ContrastiveEmbedding(2, alpha=2.5 / len(y), **linear).fit(X, y)
    np.testing.assert_array_equal(auto.components_, explicit.components_)
    half = ContrastiveEmbedding(2, **linear).fit(X[::2], y[::2])
    assert half.alpha_ == pytest.approx(2.5 / len(y[::2]))
    # without a selection (here: no labels), an MLP's "auto" is the fixed 1e-3
    mlp = ContrastiveEmbedding(2, hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X)
    assert mlp.alpha_ == 1e-3
    assert ContrastiveEmbedding(2, alpha=0.0, random_state=0).fit(X, y).alpha_ == 0.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_auto_alpha_helps_a_linear_map_on_small_training_sets():
    # measured over 20 splits of 150 digits: +3.5 +- 0.2 points of kNN accuracy
    X, y = load_digits(return_X_y=True)
    gains = []
    for seed in range(5):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, train_size=150, test_size=1000, stratify=y, random_state=seed
        )
        scaler = StandardScaler().fit(X_train)
        split = (scaler.transform(X_train), scaler.transform(X_test), y_train, y_test)
        plain, auto = (
            knn_accuracy(
                # the pairs the selection chose in all ten fits given
                ContrastiveEmbedding(32, architecture="linear", pos_margin=0.0, alpha=alpha,
                                     n_positives=64, n_negatives=64,
                                     random_state=seed).fit(split[0], y_train),
                *split,
            )
            for alpha in (0.0, "auto")
        )
        gains.append(auto - plain)
    assert np.mean(gains) > 0.015


@pytest.mark.parametrize("estimator_params", [
    {"architecture": "linear", "n_mining_rounds": 3},
    {"hidden_layer_sizes": (8,), "n_mining_rounds": 2},
])
def test_loss_curve_has_one_objective_per_iteration_ending_at_loss(estimator_params):
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, random_state=0)
    model = ContrastiveEmbedding(n_components=2, max_iter=30, random_state=0,
                                 **estimator_params).fit(X, y)
    assert model.loss_curve_.shape == (model.n_iter_,)
    assert model.n_iter_per_round_.sum() == model.n_iter_
    assert len(model.n_iter_per_round_) == estimator_params["n_mining_rounds"]
    assert model.loss_curve_[-1] == pytest.approx(model.loss_, rel=1e-12)
    # within a round L-BFGS never accepts a step that raises the objective
    for curve in np.split(model.loss_curve_, np.cumsum(model.n_iter_per_round_)[:-1]):
        assert np.all(np.diff(curve) <= 1e-12 * np.abs(curve[:-1]))


def test_loss_curve_is_of_the_last_fit_only():
    X, y = make_classification(n_samples=120, n_features=5, random_state=1)
    # one fit, no selection: the first starts from init, the refit from its map
    model = ContrastiveEmbedding(n_components=2, architecture="linear", pos_margin=0.0,
                                 n_positives=5, n_negatives=10, max_iter=20, random_state=0)
    first = model.fit(X, y).loss_curve_.copy()
    model.set_params(warm_start=True).fit(X, y)
    assert model.loss_curve_.shape == (model.n_iter_,)
    assert model.loss_curve_[0] <= first[0]


def test_loss_curve_of_a_partial_fit_is_of_that_call():
    X, y = make_classification(n_samples=200, n_features=5, random_state=2)
    model = ContrastiveEmbedding(n_components=2, architecture="linear", max_iter=15,
                                 random_state=0)
    for batch in (slice(0, 100), slice(100, 200)):
        model.partial_fit(X[batch], y[batch], classes=np.unique(y))
        assert model.loss_curve_.shape == (model.n_iter_,) and model.n_iter_ > 0
        assert model.loss_curve_[-1] == pytest.approx(model.loss_, rel=1e-12)
