"""Retrieval metrics against a brute-force reference written from the definitions."""

import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding
from sk_contrastive import _retrieval
from sk_contrastive.metrics import (
    make_retrieval_scorer,
    mean_average_precision_at_r,
    mean_reciprocal_rank,
    precision_at_k,
    r_precision,
    recall_at_k,
    retrieval_report,
)

FUNCTIONS = {
    "precision_at_k": precision_at_k,
    "recall_at_k": recall_at_k,
    "r_precision": r_precision,
    "mean_average_precision_at_r": mean_average_precision_at_r,
    "mean_reciprocal_rank": mean_reciprocal_rank,
}


def reference_values(X, y, X_reference=None, y_reference=None, k=1):
    """Each query's value of every metric, as exact fractions, from the
    definitions: the references sorted by (squared distance, index)."""
    leave_one_out = X_reference is None
    if leave_one_out:
        X_reference, y_reference = X, y
    per_query = []
    for i, (query, label) in enumerate(zip(X, y)):
        order = sorted(
            (j for j in range(len(X_reference)) if not (leave_one_out and j == i)),
            key=lambda j: (int(np.sum((query - X_reference[j]) ** 2)), j),
        )
        rel = [y_reference[j] == label for j in order]
        R = sum(rel)
        if R == 0:
            per_query.append(None)
            continue
        first = rel.index(True) + 1
        per_query.append({
            "precision_at_k": Fraction(sum(rel[:k]), k),
            "recall_at_k": Fraction(int(any(rel[:k]))),
            "r_precision": Fraction(sum(rel[:R]), R),
            "mean_average_precision_at_r": sum(
                (Fraction(sum(rel[:i + 1]), i + 1) for i in range(R) if rel[i]), Fraction(0)
            ) / R,
            "mean_reciprocal_rank": Fraction(1, first),
        })
    return per_query


def reference_mean(per_query, name, weight=None):
    kept = [i for i, values in enumerate(per_query) if values is not None]
    weight = np.ones(len(per_query)) if weight is None else weight
    weights = [Fraction(float(weight[i])) for i in kept]
    return sum(w * per_query[i][name] for w, i in zip(weights, kept)) / sum(weights)


def integer_embedding(seed, n=30, n_components=2, n_classes=4, spread=3):
    """Small integer coordinates: exact distances, and many ties."""
    rng = np.random.RandomState(seed)
    X = rng.randint(-spread, spread + 1, size=(n, n_components)).astype(np.float64)
    y = rng.randint(n_classes, size=n)
    return X, y


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_leave_one_out_equals_the_definitions(seed, name):
    X, y = integer_embedding(seed)
    k = 1 + seed % 4
    per_query = reference_values(X, y, k=k)
    kwargs = {"k": k} if name in ("precision_at_k", "recall_at_k") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        found = FUNCTIONS[name](X, y, **kwargs)
    # the per-query values are exact; their mean rounds once per query
    assert found == pytest.approx(float(reference_mean(per_query, name)), rel=1e-13, abs=0)


@pytest.mark.parametrize("seed", range(4))
def test_a_gallery_equals_the_definitions_and_weights_queries(seed):
    X, y = integer_embedding(seed, n=12)
    X_reference, y_reference = integer_embedding(seed + 100, n=25)
    weight = np.random.RandomState(seed).randint(1, 4, size=12).astype(float)
    k = 3
    per_query = reference_values(X, y, X_reference, y_reference, k=k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        report = retrieval_report(X, y, k=k, X_reference=X_reference, y_reference=y_reference,
                                  sample_weight=weight)
    for name, key in [("precision_at_k", "precision_at_3"), ("recall_at_k", "recall_at_3"),
                      ("r_precision", "r_precision"),
                      ("mean_average_precision_at_r", "mean_average_precision_at_r"),
                      ("mean_reciprocal_rank", "mean_reciprocal_rank")]:
        expected = float(reference_mean(per_query, name, weight))
        assert report[key] == pytest.approx(expected, rel=1e-13, abs=0), name
    assert report["n_queries"] == sum(values is not None for values in per_query)


def test_ties_are_broken_by_index():
    # every reference at the same distance: the ranking is the index order
    X = np.zeros((1, 2))
    X_reference = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    one_query = {"X_reference": X_reference}
    assert precision_at_k(X, [1], k=1, y_reference=[0, 1, 1, 0], **one_query) == 0.0
    assert precision_at_k(X, [1], k=2, y_reference=[0, 1, 1, 0], **one_query) == 0.5
    assert mean_reciprocal_rank(X, [1], y_reference=[0, 0, 1, 1], **one_query) == 1 / 3
    # R = 2; relevant at ranks 3 and 4
    assert mean_average_precision_at_r(X, [1], y_reference=[0, 0, 1, 1], **one_query) == 0.0
    assert mean_average_precision_at_r(X, [1], y_reference=[1, 0, 1, 0], **one_query) == 0.5


def test_blocks_give_the_result_of_one_block(monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 5))
    y = rng.randint(7, size=400)
    whole = retrieval_report(X, y, k=(1, 4))
    # 0.01 MB of distances: blocks of 3 queries against 400 references
    monkeypatch.setattr(_retrieval, "WORKING_MEMORY_MB", 0.01)
    blocks = retrieval_report(X, y, k=(1, 4))
    assert blocks == pytest.approx(whole, rel=1e-12)


def test_labels_are_any_comparable_values_and_inputs_are_left_as_they_are():
    X, y = integer_embedding(1)
    names = np.array(["cat", "dog", "emu", "fox"])[y]
    X_before, names_before = X.copy(), names.copy()
    assert mean_average_precision_at_r(X, names) == mean_average_precision_at_r(X, y)
    assert mean_average_precision_at_r(X, list(names)) == mean_average_precision_at_r(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(names, names_before)


def test_float32_sparse_and_extreme_magnitudes_rank_as_float64():
    X, y = integer_embedding(2)
    expected = retrieval_report(X, y, k=(1, 3))
    # powers of two keep the distances exact, and so their ties
    for variant in (X.astype(np.float32), sp.csr_matrix(X), X * 2.0**600, X * 2.0**-600):
        assert retrieval_report(variant, y, k=(1, 3)) == pytest.approx(expected, rel=1e-12)


def test_cosine_ranks_as_euclidean_on_unit_vectors():
    rng = np.random.RandomState(3)
    X = rng.normal(size=(60, 4))
    y = rng.randint(3, size=60)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert retrieval_report(X, y, metric="cosine") == pytest.approx(
        retrieval_report(unit, y), rel=1e-12)


def test_queries_without_a_relevant_reference_are_left_out_with_a_warning():
    X = np.array([[0.0], [0.1], [5.0], [9.0]])
    y = np.array([0, 0, 1, 2])
    with pytest.warns(UndefinedMetricWarning, match="2 of 4 queries have no reference"):
        report = retrieval_report(X, y, k=1)
    assert report["n_queries"] == 2 and report["precision_at_1"] == 1.0
    with pytest.raises(ValueError, match="No query has a reference with its label"):
        precision_at_k(X[1:], y[1:])


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 0}, "k == 0, must be >= 1"),
    ({"k": 4}, "more than the 3 references"),
    ({"X_reference": np.zeros((3, 1))}, "both X_reference and y_reference"),
    ({"X_reference": np.zeros((3, 2)), "y_reference": [0, 1, 0]}, "X_reference has 2"),
    ({"sample_weight": [1.0, -1.0, 1.0, 1.0]}, "must not be negative"),
    ({"sample_weight": [0.0, 0.0, 0.0, 0.0]}, "non-zero|0 for every query"),
    ({"sample_weight": [0.0, 0.0, 1.0, 1.0], "X_reference": np.array([[0.0], [5.0]]),
      "y_reference": [0, 2]}, "sample_weight is 0 for every query with a relevant"),
    ({"metric": "manhattan"}, "metric"),
])
def test_bad_arguments_are_named(kwargs, message):
    X = np.array([[0.0], [0.1], [5.0], [5.1]])
    with pytest.raises(ValueError, match=message), warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        precision_at_k(X, [0, 0, 1, 1], **kwargs)


@pytest.mark.parametrize("X, y, message", [
    (np.array([[0.0], [np.nan]]), [0, 0], "NaN"),
    (np.array([[0.0], [1.0]]), [0, 0, 1], "inconsistent numbers of samples"),
    (np.array([[0.0]]), [0], "at least 2 queries"),
    (np.array([[0.0], [1.0]]), [[0, 1], [0, 1]], "1d array"),
    (np.array([[0.0], [1.0], [2.0]]), [0, "0", 1], "mixes labels of types"),
    (np.array([[0.0], [1.0]]), [0.0, np.nan], "NaN or infinite labels"),
])
def test_malformed_input_is_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        mean_average_precision_at_r(X, y)


def test_k_is_taken_only_by_the_metrics_at_k():
    with pytest.raises(TypeError):
        r_precision(np.zeros((2, 1)), [0, 0], k=3)
    with pytest.raises(ValueError, match="takes the keywords"):
        make_retrieval_scorer("r_precision", k=3)
    with pytest.raises(ValueError, match="name must be one of"):
        make_retrieval_scorer("map@r")
    with pytest.raises(ValueError, match="k == 0"):
        make_retrieval_scorer("recall_at_k", k=0)
    for k in (1.5, True):
        with pytest.raises(TypeError, match="k must be"):
            precision_at_k(np.zeros((2, 1)), [0, 0], k=k)
    with pytest.raises(ValueError, match="k must be a positive int or a non-empty sequence"):
        retrieval_report(np.zeros((2, 1)), [0, 0], k=[])


def test_the_scorer_scores_held_out_samples_leave_one_out():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(40, 3)), rng.normal(size=(40, 3)) + 3])
    y = np.repeat([0, 1], 40)
    model = ContrastiveEmbedding(n_components=2, architecture="linear", max_iter=30,
                                 random_state=0).fit(X[::2], y[::2])
    scorer = make_retrieval_scorer("precision_at_k", k=3)
    assert scorer(model, X[1::2], y[1::2]) == precision_at_k(
        model.transform(X[1::2]), y[1::2], k=3)
    assert repr(scorer) == "make_retrieval_scorer('precision_at_k', k=3)"
    assert repr(pickle.loads(pickle.dumps(scorer))) == repr(scorer)
    # a pipeline ending in a classifier: the steps before it embed
    pipeline = make_pipeline(StandardScaler(), ContrastiveEmbedding(
        n_components=2, architecture="linear", max_iter=30, random_state=0),
        KNeighborsClassifier()).fit(X[::2], y[::2])
    assert scorer(pipeline, X[1::2], y[1::2]) == precision_at_k(
        pipeline[:-1].transform(X[1::2]), y[1::2], k=3)
    with pytest.raises(ValueError, match="embeds with transform"):
        scorer(KNeighborsClassifier().fit(X, y), X, y)


def test_the_scorer_drives_a_grid_search_and_cross_validation():
    rng = np.random.RandomState(1)
    y = rng.randint(3, size=90)
    X = np.hstack([np.eye(3)[y] + 0.4 * rng.normal(size=(90, 3)), 2 * rng.normal(size=(90, 6))])
    scorer = make_retrieval_scorer("mean_average_precision_at_r")
    search = GridSearchCV(
        ContrastiveEmbedding(n_components=2, architecture="linear", max_iter=30, random_state=0),
        {"margin": [0.5, 2.0]}, scoring=scorer, cv=3).fit(X, y)
    # each candidate's score: the scorer on its held-out folds (a transformer's cv=3: KFold)
    for params, mean in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        folds = [scorer(clone(search.estimator).set_params(**params).fit(X[train], y[train]),
                        X[test], y[test]) for train, test in KFold(3).split(X)]
        assert mean == pytest.approx(np.mean(folds), rel=1e-12)
    scores = cross_val_score(search.best_estimator_, X, y, cv=3, scoring=scorer)
    raw = cross_val_score(make_pipeline(StandardScaler()), X, y, cv=3, scoring=scorer)
    # the learned map keeps the 3 informative features apart from the 6 noise ones
    assert scores.mean() > raw.mean()


def test_numbers_and_strings_are_different_labels():
    X, y = integer_embedding(4, n=10)
    with pytest.raises(ValueError, match="strings and numbers"):
        precision_at_k(X, y, X_reference=X, y_reference=y.astype(str))


@pytest.mark.parametrize("transform", [
    lambda X: (X * 1e-25).astype(np.float32),   # squares underflow float32
    lambda X: (X * 1e20).astype(np.float32),    # squares overflow float32
    lambda X: X + 1e8,                          # the offset swamps the differences
], ids=["float32 tiny", "float32 huge", "offset"])
def test_scale_and_offset_do_not_change_the_ranking(transform):
    rng = np.random.RandomState(5)
    X = rng.normal(size=(80, 3))
    y = rng.randint(4, size=80)
    expected = retrieval_report(X, y, k=(1, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in a cast
        found = retrieval_report(transform(X), y, k=(1, 5))
    assert found == pytest.approx(expected, abs=1e-12)


def test_huge_weights_do_not_overflow_the_means():
    X, y = integer_embedding(0)
    weight = np.ones(X.shape[0])
    expected = precision_at_k(X, y, sample_weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        assert precision_at_k(X, y, sample_weight=weight * 1e308) == pytest.approx(
            expected, rel=1e-12)


def test_the_scorer_warns_on_a_fold_of_one_label():
    X, y = integer_embedding(0)
    model = ContrastiveEmbedding(n_components=2, architecture="linear", max_iter=10,
                                 random_state=0).fit(X, y)
    with pytest.warns(UndefinedMetricWarning, match="share one label"):
        assert make_retrieval_scorer("r_precision")(model, X[y == 0], y[y == 0]) == 1.0
