"""Retrieval metrics of an embedding: how the references nearest to each query rank.

Each query is a row of ``X`` with a label; the references are the rows of
``X_reference`` (or, without one, the other queries: leave-one-out), and a
reference is *relevant* to a query when it shares the query's label. The
references are ranked by their distance to the query, nearest first, and
references at the same computed distance by their index (so every ranking
is deterministic; distances equal in exact arithmetic can differ by a
rounding, as any floating-point distance does). With ``R`` the number of
references relevant to a query and ``rel(i)`` whether the reference ranked
``i`` (from 1) is relevant, the definitions are those of Musgrave, Belongie
and Lim, "A Metric Learning Reality Check" (ECCV 2020), as
pytorch-metric-learning's ``AccuracyCalculator`` computes them:

- ``precision_at_k``: ``sum(rel(1..k)) / k``, divided by ``k`` even where
  ``k > R`` (Precision@1 is the accuracy of the nearest reference);
- ``recall_at_k``: 1 if any of the ``k`` nearest is relevant (the hit rate
  of image retrieval papers, "Recall@k");
- ``r_precision``: ``sum(rel(1..R)) / R``;
- ``mean_average_precision_at_r`` (MAP@R): ``(1 / R) * sum over i <= R of
  rel(i) * precision_at_i``, which is R-precision that also rewards the
  relevant references for ranking early;
- ``mean_reciprocal_rank``: ``1 / rank`` of the nearest relevant reference,
  over the whole ranking (pytorch-metric-learning stops at its ``k``
  nearest and counts 0 beyond).

Each is the mean over the queries (weighted by ``sample_weight``). A query
with no relevant reference (``R = 0``, a label seen once) has none of these
defined: it is left out, and a warning says how many were.

Distances come from scikit-learn's :func:`~sklearn.metrics.pairwise_distances_chunked`,
a block of queries at a time, so that memory stays bounded whatever the
number of references: each block holds about ``WORKING_MEMORY_MB`` of
distances, and the ranking a few times that.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import pairwise_distances_chunked
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import _check_sample_weight, check_array, check_consistent_length

from ._labels import check_labels_of_one_type
from ._scaling import distance_factor
from ._scoring import scaled_for_distances
from ._validation import check_integer, check_option
from ._warnings import warn
from ._weights import relative_weights

# megabytes of distances in one block of queries; the ranking of a block
# takes about four times that (a copy to partition, masks, the relevance)
WORKING_MEMORY_MB = 128
RETRIEVAL_METRICS = (
    "precision_at_k",
    "recall_at_k",
    "r_precision",
    "mean_average_precision_at_r",
    "mean_reciprocal_rank",
)
# the metrics that take a k
_AT_K = ("precision_at_k", "recall_at_k")
# The parameters of every metric, which _with_parameters puts in each one's
# docstring, where it says [parameters]; [k] is the metric's k, if it has one.
_PARAMETERS_DOC = """\
    X : {array-like, sparse matrix} of shape (n_queries, n_components)
        The embedded queries (float32 or float64; other numbers are read as
        float64).
    y : array-like of shape (n_queries,)
        Their labels (numbers or strings).
[k]    X_reference : {array-like, sparse matrix} of shape \
(n_references, n_components), default=None
        The embedded references (the gallery). ``None``: each query is
        ranked against the other queries (leave-one-out).
    y_reference : array-like of shape (n_references,), default=None
        Their labels; given exactly when ``X_reference`` is.
    sample_weight : array-like of shape (n_queries,), default=None
        The weight of each query in the means.
    metric : {"euclidean", "cosine"}, default="euclidean"
        The distance that ranks the references: Euclidean, or one minus the
        cosine similarity (both as scikit-learn's ``pairwise_distances``).
"""
_DEPTHS_DOC = """\
    k : int or sequence of int, default=(1, 5, 10)
        The depths of ``precision_at_k`` and ``recall_at_k``; each at least 1
        and at most the number of references.
"""
_DEPTH_DOC = """\
    k : int, default=1
        The number of nearest references looked at; at least 1 and at most
        the number of references.
"""


def _with_parameters(k_doc=""):
    """Put ``_PARAMETERS_DOC``, with ``k_doc`` for ``k``, in the docstring."""
    def document(function):
        if function.__doc__:  # None under python -OO
            parameters = _PARAMETERS_DOC.replace("[k]", k_doc)
            function.__doc__ = function.__doc__.replace("    [parameters]\n", parameters)
        return function
    return document


DISTANCES = ("euclidean", "cosine")
# the embeddings are rescaled (copied) only where their largest entry is
# beyond 2**e or below 2**-e: scikit-learn returns float32 distances for
# float32 embeddings, whose squares leave float32's range near 2**+-64
SAFE_EXPONENT = {np.dtype(np.float32): 40, np.dtype(np.float64): 100}


@_with_parameters(_DEPTHS_DOC)
def retrieval_report(X, y, k=(1, 5, 10), *, X_reference=None, y_reference=None,
                     sample_weight=None, metric="euclidean"):
    """Every retrieval metric of an embedding at once, in one pass over the distances.

    The references are ranked by their distance to each query, and each
    metric is the mean over the queries that have a relevant reference
    (one sharing their label); the definitions are in
    :mod:`sk_contrastive.metrics` and in each metric's own function.

    Parameters
    ----------
    [parameters]

    Returns
    -------
    report : dict
        ``"precision_at_<k>"`` and ``"recall_at_<k>"`` for each ``k``,
        ``"r_precision"``, ``"mean_average_precision_at_r"``,
        ``"mean_reciprocal_rank"`` (floats in [0, 1]) and ``"n_queries"``,
        the number of queries counted (those with a relevant reference).

    Raises
    ------
    ValueError
        For malformed input (non-finite entries, mismatched lengths or
        features, only one of ``X_reference`` and ``y_reference``), a ``k``
        outside ``[1, n_references]``, or when no query has a relevant
        reference.

    Warns
    -----
    UndefinedMetricWarning
        When some queries have no relevant reference (they are left out).

    See Also
    --------
    precision_at_k : The share of relevant references among the ``k`` nearest.
    recall_at_k : Whether any of the ``k`` nearest is relevant.
    r_precision : The share of relevant references among the ``R`` nearest.
    mean_average_precision_at_r : MAP@R, R-precision that rewards early ranks.
    mean_reciprocal_rank : The mean of ``1 / rank`` of the nearest relevant reference.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import retrieval_report
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2], [3.0]])
    >>> y = np.array([0, 0, 1, 1, 0])
    >>> report = retrieval_report(X, y, k=(1, 2))
    >>> report["precision_at_1"], report["recall_at_2"], report["n_queries"]
    (0.8, 0.8, 5)
    """
    depths = _check_depths(k)
    counted, sums = _retrieval_sums(
        X, y, X_reference, y_reference, sample_weight, metric,
        {**{("precision_at_k", d): d for d in depths},
         **{("recall_at_k", d): d for d in depths},
         ("r_precision", None): None, ("mean_average_precision_at_r", None): None,
         ("mean_reciprocal_rank", None): None},
    )
    report = {}
    for (name, depth), total in sums.items():
        label = name if depth is None else f"{name[:-len('_k')]}_{depth}"
        report[label] = total
    report["n_queries"] = counted
    return report


@_with_parameters(_DEPTH_DOC)
def precision_at_k(X, y, k=1, *, X_reference=None, y_reference=None, sample_weight=None,
                   metric="euclidean"):
    """Precision@k: the share of relevant references among each query's ``k`` nearest.

    ``sum(rel(1..k)) / k``, averaged over the queries, where ``rel(i)`` says
    whether the reference ranked ``i`` shares the query's label; divided by
    ``k`` even where fewer than ``k`` references are relevant (Musgrave et
    al., 2020). Precision@1 is the accuracy of the nearest reference.

    Parameters
    ----------
    [parameters]

    Returns
    -------
    score : float in [0, 1]
        The mean over the queries that have a relevant reference.

    Raises
    ------
    ValueError
        As :func:`retrieval_report`.

    Warns
    -----
    UndefinedMetricWarning
        When some queries have no relevant reference (they are left out).

    See Also
    --------
    retrieval_report : Every retrieval metric at once.
    recall_at_k : Whether any of the ``k`` nearest is relevant.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import precision_at_k
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2], [3.0]])
    >>> y = np.array([0, 0, 1, 1, 0])
    >>> precision_at_k(X, y, k=2)  # the last query has no relevant reference in its 2 nearest
    0.4
    """
    return _one_metric("precision_at_k", X, y, k, X_reference, y_reference, sample_weight,
                       metric)


@_with_parameters(_DEPTH_DOC)
def recall_at_k(X, y, k=1, *, X_reference=None, y_reference=None, sample_weight=None,
                metric="euclidean"):
    """Recall@k: the share of queries with a relevant reference among their ``k`` nearest.

    The hit rate of retrieval papers (1 for a query if any of its ``k``
    nearest references shares its label, else 0), averaged over the
    queries.

    Parameters
    ----------
    [parameters]

    Returns
    -------
    score : float in [0, 1]
        The mean over the queries that have a relevant reference.

    Raises
    ------
    ValueError
        As :func:`retrieval_report`.

    Warns
    -----
    UndefinedMetricWarning
        When some queries have no relevant reference (they are left out).

    See Also
    --------
    retrieval_report : Every retrieval metric at once.
    precision_at_k : How many of the ``k`` nearest are relevant.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import recall_at_k
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2], [3.0]])
    >>> y = np.array([0, 0, 1, 1, 0])
    >>> recall_at_k(X, y, k=1), recall_at_k(X, y, k=3)
    (0.8, 1.0)
    """
    return _one_metric("recall_at_k", X, y, k, X_reference, y_reference, sample_weight, metric)


@_with_parameters()
def r_precision(X, y, *, X_reference=None, y_reference=None, sample_weight=None,
                metric="euclidean"):
    """R-precision: the share of relevant references among each query's ``R`` nearest.

    ``R`` is the number of references that share the query's label, so a
    perfect ranking scores 1 whatever the size of the class (Musgrave et
    al., 2020).

    Parameters
    ----------
    [parameters]

    Returns
    -------
    score : float in [0, 1]
        The mean over the queries that have a relevant reference.

    Raises
    ------
    ValueError
        As :func:`retrieval_report`.

    Warns
    -----
    UndefinedMetricWarning
        When some queries have no relevant reference (they are left out).

    See Also
    --------
    retrieval_report : Every retrieval metric at once.
    mean_average_precision_at_r : R-precision that rewards early ranks.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import r_precision
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2], [3.0]])
    >>> y = np.array([0, 0, 1, 1, 0])
    >>> round(r_precision(X, y), 4)  # class 0 finds 1 of 2, 1 of 2 and 0 of 2
    0.6
    """
    return _one_metric("r_precision", X, y, None, X_reference, y_reference, sample_weight,
                       metric)


@_with_parameters()
def mean_average_precision_at_r(X, y, *, X_reference=None, y_reference=None,
                                sample_weight=None, metric="euclidean"):
    """MAP@R: the mean average precision over each query's ``R`` nearest references.

    ``(1 / R) * sum over i <= R of rel(i) * precision_at_i``: like
    :func:`r_precision`, but a relevant reference counts for more the
    earlier it ranks (Musgrave et al., 2020, section 3.2, where it is
    argued to separate embeddings better than Precision@1 and Recall@k).

    Parameters
    ----------
    [parameters]

    Returns
    -------
    score : float in [0, 1]
        The mean over the queries that have a relevant reference.

    Raises
    ------
    ValueError
        As :func:`retrieval_report`.

    Warns
    -----
    UndefinedMetricWarning
        When some queries have no relevant reference (they are left out).

    See Also
    --------
    retrieval_report : Every retrieval metric at once.
    r_precision : The share of relevant references among the ``R`` nearest.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import mean_average_precision_at_r
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2], [3.0]])
    >>> y = np.array([0, 0, 1, 1, 0])
    >>> round(mean_average_precision_at_r(X, y), 4)
    0.6
    """
    return _one_metric("mean_average_precision_at_r", X, y, None, X_reference, y_reference,
                       sample_weight, metric)


@_with_parameters()
def mean_reciprocal_rank(X, y, *, X_reference=None, y_reference=None, sample_weight=None,
                         metric="euclidean"):
    """MRR: the mean of ``1 / rank`` of each query's nearest relevant reference.

    The rank is over all references (pytorch-metric-learning's
    ``AccuracyCalculator`` looks only at its ``k`` nearest and counts 0
    beyond; with ``k=None``, every reference, the two agree).

    Parameters
    ----------
    [parameters]

    Returns
    -------
    score : float in (0, 1]
        The mean over the queries that have a relevant reference.

    Raises
    ------
    ValueError
        As :func:`retrieval_report`.

    Warns
    -----
    UndefinedMetricWarning
        When some queries have no relevant reference (they are left out).

    See Also
    --------
    retrieval_report : Every retrieval metric at once.
    recall_at_k : Whether any of the ``k`` nearest is relevant.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import mean_reciprocal_rank
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2], [3.0]])
    >>> y = np.array([0, 0, 1, 1, 0])
    >>> round(mean_reciprocal_rank(X, y), 4)  # the last query ranks its class 3rd
    0.8667
    """
    return _one_metric("mean_reciprocal_rank", X, y, None, X_reference, y_reference,
                       sample_weight, metric)


def _one_metric(name, X, y, k, X_reference, y_reference, sample_weight, metric):
    if name in _AT_K:
        k = check_integer(k, "k", min_val=1)
    _, sums = _retrieval_sums(X, y, X_reference, y_reference, sample_weight, metric,
                              {(name, k): k})
    return sums[name, k]


def _check_depths(k):
    depths = [k] if isinstance(k, numbers.Integral) else list(k) if np.ndim(k) == 1 else None
    if not depths:
        raise ValueError(f"k must be a positive int or a non-empty sequence of them; got {k!r}.")
    return sorted({check_integer(depth, "k", min_val=1) for depth in depths})


def _retrieval_sums(X, y, X_reference, y_reference, sample_weight, metric, wanted):
    """``(n_counted, {key: weighted mean})`` of the metrics in ``wanted``
    (``{(name, k or None): k or None}``), over the queries with a relevant
    reference."""
    check_option(metric, "metric", DISTANCES)
    X, codes, X_reference, reference_codes, weight = _check_retrieval_input(
        X, y, X_reference, y_reference, sample_weight)
    leave_one_out = X_reference is None
    n_references = X.shape[0] - 1 if leave_one_out else X_reference.shape[0]
    deepest = max((k for k in wanted.values() if k is not None), default=0)
    if deepest > n_references:
        raise ValueError(
            f"k={deepest} is more than the {n_references} references each query is "
            "ranked against.")
    X, X_reference = _prepared_for_distances(X, X_reference, metric)
    totals = dict.fromkeys(wanted, 0.0)
    counted_weight, counted = 0.0, 0
    start = 0
    for distances in pairwise_distances_chunked(X, X_reference, metric=metric,
                                                working_memory=WORKING_MEMORY_MB):
        values = _block_metrics(distances, start, codes, reference_codes, leave_one_out,
                                wanted)
        stop = start + distances.shape[0]
        kept = values["relevant"] > 0
        block_weight = weight[start:stop][kept]
        start = stop
        counted += int(kept.sum())
        counted_weight += float(block_weight.sum())
        for key in wanted:
            totals[key] += float(values[key][kept] @ block_weight)
    n_queries = codes.shape[0]
    if counted == 0:
        raise ValueError(
            "No query has a reference with its label: retrieval metrics are undefined. "
            "Each label needs at least two samples (or one in y_reference).")
    if counted < n_queries:
        warn(f"{n_queries - counted} of {n_queries} queries have no reference with their "
             "label; they are left out of the retrieval metrics.", UndefinedMetricWarning)
    if not counted_weight > 0:
        raise ValueError("sample_weight is 0 for every query with a relevant reference.")
    return counted, {key: total / counted_weight for key, total in totals.items()}


def _prepared_for_distances(X, X_reference, metric):
    """The embeddings, rescaled where their squared distances would overflow
    or underflow, and (dense, Euclidean) centred on the references' mean
    where that mean is farther from the origin than the references spread:
    scikit-learn's distances ``||a||**2 - 2 a.b + ||b||**2`` would otherwise
    lose the differences of near neighbours to rounding (an embedding
    shifted by 1e8 ranked as noise). Either copies the embeddings."""
    safe = 2.0 ** SAFE_EXPONENT[np.result_type(X.dtype, (X_reference if X_reference is not None
                                                         else X).dtype)]
    if not 1 / safe <= distance_factor(X, X_reference) <= safe:
        X, X_reference = scaled_for_distances(X, X_reference)
    if metric != "euclidean" or sp.issparse(X) or sp.issparse(X_reference):
        return X, X_reference
    reference = X if X_reference is None else X_reference
    mean = np.mean(reference, axis=0, dtype=np.float64)
    spread = np.einsum("ij,ij->", reference, reference, dtype=np.float64) / reference.shape[0]
    if mean @ mean <= spread - mean @ mean:
        return X, X_reference
    mean = mean.astype(X.dtype)
    return X - mean, None if X_reference is None else X_reference - mean


def _check_retrieval_input(X, y, X_reference, y_reference, sample_weight):
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32], input_name="X")
    y = _check_labels(y, "y")
    check_consistent_length(X, y)
    if (X_reference is None) != (y_reference is None):
        raise ValueError("Give both X_reference and y_reference, or neither (leave-one-out).")
    if X_reference is None:
        if X.shape[0] < 2:
            raise ValueError("Leave-one-out retrieval needs at least 2 queries; got 1.")
        labels, codes = np.unique(y, return_inverse=True)
        reference_codes = codes
    else:
        X_reference = check_array(X_reference, accept_sparse="csr",
                                  dtype=[np.float64, np.float32], input_name="X_reference")
        y_reference = _check_labels(y_reference, "y_reference")
        check_consistent_length(X_reference, y_reference)
        if X_reference.shape[1] != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features but X_reference has {X_reference.shape[1]}.")
        if _is_text(y) != _is_text(y_reference):
            raise ValueError(
                "y and y_reference hold labels of types that cannot be compared (strings "
                "and numbers): a label 0 and a label '0' are different labels.")
        labels, codes = np.unique(np.concatenate([y, y_reference]), return_inverse=True)
        codes, reference_codes = codes[:y.shape[0]], codes[y.shape[0]:]
    weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if np.any(weight < 0):
        raise ValueError("sample_weight must not be negative.")
    weight = relative_weights(weight, "sample_weight is 0 for every query: nothing to average.")
    return X, codes.ravel(), X_reference, reference_codes.ravel(), weight


def _check_labels(y, name):
    """``y`` as a 1-D array of labels of one type, all finite."""
    y = check_labels_of_one_type(y, name)
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} holds NaN or infinite labels.")
    return y


def _is_text(y):
    return y.dtype.kind in "USO"


def _block_metrics(distances, start, codes, reference_codes, leave_one_out, wanted):
    """Each metric of ``wanted`` for the queries ``start, start + 1, ...``
    of one block of distances (modified: the queries' own entries become
    infinite), and ``"relevant"``, their ``R``."""
    n_rows = distances.shape[0]
    rows = np.arange(n_rows)
    relevant = codes[start:start + n_rows, None] == reference_codes[None, :]
    if leave_one_out:
        distances[rows, start + rows] = np.inf
        relevant[rows, start + rows] = False
    n_relevant = relevant.sum(axis=1)
    values = {"relevant": n_relevant}
    depth = max((k for k in wanted.values() if k is not None), default=0)
    if any(name in ("r_precision", "mean_average_precision_at_r") for name, _ in wanted):
        depth = max(depth, int(n_relevant.max(initial=0)))
    ranked = relevant[rows[:, None], _nearest_first(distances, depth)]
    found = np.cumsum(ranked, axis=1)
    at_r = np.arange(depth) < n_relevant[:, None]
    denominator = np.maximum(n_relevant, 1)
    for name, k in wanted:
        if name == "precision_at_k":
            values[name, k] = found[:, k - 1] / k
        elif name == "recall_at_k":
            values[name, k] = (found[:, k - 1] > 0).astype(np.float64)
        elif name == "r_precision":
            values[name, k] = np.sum(ranked & at_r, axis=1) / denominator
        elif name == "mean_average_precision_at_r":
            precision_at_i = found / np.arange(1, depth + 1)
            values[name, k] = np.sum(np.where(ranked & at_r, precision_at_i, 0.0),
                                     axis=1) / denominator
        else:
            values[name, k] = 1.0 / _rank_of_nearest_relevant(distances, relevant)
    return values


def _nearest_first(distances, depth):
    """The columns of each row's ``depth`` smallest distances, nearest first,
    ties by column: an int array of shape ``(n_rows, depth)``."""
    n_rows = distances.shape[0]
    if depth == 0:
        return np.empty((n_rows, 0), dtype=np.intp)
    bar = np.partition(distances, depth - 1, axis=1)[:, depth - 1]
    # every entry at most the bar: the depth nearest and any tied with the last
    row, column = np.nonzero(distances <= bar[:, None])
    order = np.lexsort((column, distances[row, column], row))
    row, column = row[order], column[order]
    position = np.arange(row.shape[0]) - np.searchsorted(row, row)
    return column[position < depth].reshape(n_rows, depth)


def _rank_of_nearest_relevant(distances, relevant):
    """The rank (from 1) of each row's nearest relevant column among all its
    columns, ties by column (meaningless for a row with none: it is left out)."""
    nearest = np.min(np.where(relevant, distances, np.inf), axis=1)
    at_nearest = distances == nearest[:, None]
    first = np.argmax(relevant & at_nearest, axis=1)
    closer = np.sum(distances < nearest[:, None], axis=1)
    tied_before = np.sum(at_nearest & (np.arange(distances.shape[1]) < first[:, None]), axis=1)
    return 1 + closer + tied_before


def make_retrieval_scorer(name, **kwargs):
    """A scorer of an embedding by a retrieval metric, for model selection.

    The scorer embeds the held-out samples with the fitted estimator and
    ranks each of them against the others (leave-one-out), as
    ``scorer(estimator, X, y)``, the signature scikit-learn's
    ``GridSearchCV(scoring=...)``, ``cross_val_score`` and
    ``cross_validate`` call. The estimator embeds with its ``transform``:
    a transformer such as :class:`~sk_contrastive.ContrastiveEmbedding`, or a
    :class:`~sklearn.pipeline.Pipeline` ending in one; a pipeline ending in
    an estimator without ``transform`` (a ``KNeighborsClassifier``) is
    scored on the output of the steps before it.

    Give the search folds that mix the classes: a transformer gets plain
    ``KFold`` by default, which on data stored class by class holds out one
    class at a time, and a held-out part of one label ranks every sample's
    own class first (every metric is 1). The scorer warns when that
    happens; pass ``cv=StratifiedKFold(shuffle=True)``.

    Parameters
    ----------
    name : {"precision_at_k", "recall_at_k", "r_precision", \
"mean_average_precision_at_r", "mean_reciprocal_rank"}
        The metric (see :mod:`sk_contrastive.metrics`); greater is better
        for each.
    **kwargs
        Passed to the metric: ``k`` (for ``precision_at_k`` and
        ``recall_at_k`` only, default 1) and ``metric``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``.

    Raises
    ------
    ValueError
        For an unknown ``name``, or a keyword the metric does not take.

    See Also
    --------
    retrieval_report : Every retrieval metric of an embedding at once.
    sklearn.metrics.make_scorer : A scorer from any metric of predictions.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import StratifiedKFold, cross_val_score
    >>> from sk_contrastive import ContrastiveEmbedding
    >>> from sk_contrastive.metrics import make_retrieval_scorer
    >>> X, y = load_iris(return_X_y=True)  # stored class by class
    >>> scores = cross_val_score(
    ...     ContrastiveEmbedding(n_components=2, random_state=0), X, y,
    ...     cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ...     scoring=make_retrieval_scorer("mean_average_precision_at_r"))
    >>> bool(0.7 < scores.mean() < 1)
    True
    """
    check_option(name, "name", RETRIEVAL_METRICS)
    allowed = {"metric", "k"} if name in _AT_K else {"metric"}
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise ValueError(f"{name} takes the keywords {sorted(allowed)}; got {unknown}.")
    if name in _AT_K:
        check_integer(kwargs.get("k", 1), "k", min_val=1)
    if "metric" in kwargs:
        check_option(kwargs["metric"], "metric", DISTANCES)
    return _RetrievalScorer(name, kwargs)


class _RetrievalScorer:
    """``make_retrieval_scorer``'s scorer (a class, so that it pickles for
    the worker processes of a parallel search)."""

    def __init__(self, name, kwargs):
        self._name = name
        self._kwargs = kwargs

    def __call__(self, estimator, X, y, sample_weight=None):
        if np.unique(_check_labels(y, "y")).shape[0] == 1:
            warn("The held-out samples share one label: every retrieval metric is 1 whatever "
                 "the embedding. Give the search folds that mix the classes, such as "
                 "cv=StratifiedKFold(shuffle=True).", UndefinedMetricWarning)
        function = {
            "precision_at_k": precision_at_k,
            "recall_at_k": recall_at_k,
            "r_precision": r_precision,
            "mean_average_precision_at_r": mean_average_precision_at_r,
            "mean_reciprocal_rank": mean_reciprocal_rank,
        }[self._name]
        return function(_embedded(estimator, X), y, sample_weight=sample_weight,
                        **self._kwargs)

    def __repr__(self):
        arguments = "".join(f", {key}={value!r}" for key, value in self._kwargs.items())
        return f"make_retrieval_scorer({self._name!r}{arguments})"


def _embedded(estimator, X):
    """``X`` embedded by ``estimator``: its ``transform``, or, for a pipeline
    whose last step has none, that of the steps before it."""
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        return estimator[:-1].transform(X)
    raise ValueError(
        f"A retrieval scorer needs an estimator that embeds with transform, or a Pipeline "
        f"whose steps before the last do; got {type(estimator).__name__}.")
