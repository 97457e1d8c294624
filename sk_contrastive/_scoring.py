"""Scores of an embedding: how well neighbours in it agree on labels or targets."""

import numpy as np
from sklearn.metrics import jaccard_score, pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import resample

from ._scaling import distance_factor
from ._targets import target_r2

# What score keeps of the training data at most: embedded rows, their labels
# and their row fingerprints. A default 100,000 x 50 fit keeps 5,041 of its
# rows; a 2-D embedding 65,536.
SCORE_REFERENCE_BYTES = 2 * 2**20


def scaled_for_distances(*arrays):
    """The arrays divided by one power of two that brings their largest
    entry to at most 1 (exactly: neighbours and ranks do not change), so that
    squared distances neither overflow nor lose their smallest differences.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import scaled_for_distances
    >>> (Z,) = scaled_for_distances(np.array([[3e200], [-1e200]]))
    >>> bool(np.abs(Z).max() <= 1)
    True
    >>> (Z,) = scaled_for_distances(np.array([[1e-40], [-2e-40]], dtype=np.float32))
    >>> float(np.abs(Z).max())
    0.5444...
    """
    factor = distance_factor(*arrays)
    if factor == 1.0:
        return arrays
    return tuple(None if array is None else _times(array, factor) for array in arrays)


def _times(array, factor):
    """``array * factor``, in float64 where ``factor`` overflows the array's
    dtype (float32 entries below 2**-128 need a factor above its range)."""
    if array.dtype.kind == "f" and factor > float(np.finfo(array.dtype).max):
        return array.astype(np.float64) * factor
    return array * factor


def reference_size(row_bytes):
    """How many training samples of ``row_bytes`` each ``score`` keeps at most."""
    return max(1, SCORE_REFERENCE_BYTES // row_bytes)


def reference_rows(labels, row_bytes, random_state):
    """Sorted indices of the training samples ``score`` keeps.

    All of them if they fit in ``SCORE_REFERENCE_BYTES`` at ``row_bytes``
    each; else a seeded subset of as many as fit, stratified by ``labels``
    (each class keeps its share, rounded as
    :func:`sklearn.utils.resample` rounds it).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import reference_rows
    >>> labels = np.arange(10**6) % 4
    >>> rows = reference_rows(labels, row_bytes=2**10, random_state=0)
    >>> np.bincount(labels[rows]).tolist()
    [512, 512, 512, 512]
    """
    n_rows = reference_size(row_bytes)
    n_samples = labels.shape[0]
    if n_samples <= n_rows:
        return np.arange(n_samples)
    rows = resample(np.arange(n_samples), replace=False, n_samples=n_rows,
                    stratify=labels, random_state=random_state)
    return np.sort(rows)


def _is_text(labels):
    labels = np.asarray(labels)
    return labels.dtype.kind in "US" or (
        labels.dtype.kind == "O" and all(isinstance(label, str) for label in labels.tolist())
    )


def neighbor_label_agreement(
    Z, y, reference=None, reference_labels=None, n_neighbors=5, sample_weight=None,
    among_scored=True,
):
    """Mean fraction of each sample's nearest neighbours that share its label.

    The neighbours of ``Z[i]`` are its ``n_neighbors`` nearest points
    (Euclidean) among ``reference`` and the *other* rows of ``Z``, so a
    sample is scored the way a kNN classifier fitted on ``reference`` would
    see it, and a set of samples whose classes ``reference`` lacks (a
    cross-validation fold holding one class) is still scored by whether it
    stays apart from the other classes. The fraction of agreeing neighbours
    is the share of the kNN vote the true label gets: a smoothed kNN
    accuracy, which separates models whose accuracies tie.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_components)
        The embedded samples to score.
    y : ndarray of shape (n_samples,)
        Their labels.
    reference : ndarray of shape (n_reference, n_components) or None
        Embedded samples with known labels (a training set); ``None``: only
        the other rows of ``Z``.
    reference_labels : ndarray of shape (n_reference,) or None
    n_neighbors : int, default=5
        Fewer when fewer points are available.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights of the scored samples in the mean.
    among_scored : bool, default=True
        Whether the other rows of ``Z`` are neighbours too; ``False``: the
        neighbours are those of ``reference`` alone, as a kNN classifier
        fitted on it sees held-out samples (the selection's score).

    Returns
    -------
    agreement : float
        In [0, 1]; independent of the scale of the embedding.

    Raises
    ------
    ValueError
        If there is no other point to compare a sample with, or if ``y`` and
        ``reference_labels`` cannot be compared.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import neighbor_label_agreement
    >>> Z = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> neighbor_label_agreement(Z, np.array([0, 0, 1, 1]), n_neighbors=1)
    1.0
    >>> reference = np.array([[0.05], [5.05]])
    >>> neighbor_label_agreement(Z, np.array([0, 0, 1, 1]), reference,
    ...                          np.array([1, 0]), n_neighbors=1)
    0.0
    """
    y = np.asarray(y)
    if reference_labels is not None and _is_text(y) != _is_text(reference_labels):
        kinds = ("strings", "numbers")
        raise ValueError(
            f"The labels given to score are {kinds[not _is_text(y)]}, but those seen in "
            f"fit are {kinds[not _is_text(reference_labels)]}: they cannot be compared."
        )
    if sample_weight is not None:  # in units of the largest, so that sums cannot overflow
        sample_weight = sample_weight / np.max(sample_weight)
    neighbors = _neighbor_values(Z, y, reference, reference_labels, n_neighbors, among_scored)
    try:
        agree = neighbors == y[:, None]
    except (TypeError, ValueError) as error:
        raise ValueError(
            "The labels given to score cannot be compared with those seen in fit "
            f"({error})."
        ) from error
    return float(np.average(agree.mean(axis=1), weights=sample_weight))


def neighbor_target_score(Z, y, kind, reference=None, reference_y=None, n_neighbors=5,
                          sample_weight=None):
    """The kNN prediction score of graded targets from each sample's nearest
    neighbours, found as :func:`neighbor_label_agreement` finds them.

    Each sample's targets are predicted from its ``n_neighbors`` nearest
    points among ``reference`` and the other rows of ``Z``: their mean for
    continuous targets, scored by the R² of scikit-learn's
    :func:`~sklearn.metrics.r2_score` (averaged over several targets; 1 for
    a perfect prediction, 0 for the mean's, below 0 for worse); their
    majority vote per label for a multi-label indicator matrix, scored by
    the samples-averaged Jaccard index of
    :func:`~sklearn.metrics.jaccard_score` (two empty label sets agree).
    That is what a :class:`~sklearn.neighbors.KNeighborsRegressor` (or
    classifier) fitted on ``reference`` predicts, leave-one-out among the
    scored samples.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_components)
    y : ndarray of shape (n_samples, n_targets)
        float targets, or bool labels for ``kind="multilabel-indicator"``.
    kind : {"continuous", "continuous-multioutput", "multilabel-indicator"}
    reference : ndarray of shape (n_reference, n_components) or None
    reference_y : ndarray of shape (n_reference, n_targets) or None
    n_neighbors : int, default=5
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import neighbor_target_score
    >>> Z = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> y = np.array([[1.0], [1.2], [8.0], [8.4]])
    >>> round(neighbor_target_score(Z, y, "continuous", n_neighbors=1), 4)
    0.9921
    """
    neighbors = _neighbor_values(Z, y, reference, reference_y, n_neighbors)
    if kind == "multilabel-indicator":
        predicted = neighbors.mean(axis=1) >= 0.5
        return float(jaccard_score(y, predicted, average="samples",
                                   sample_weight=sample_weight, zero_division=1.0))
    return target_r2(y, neighbors.mean(axis=1), sample_weight)


def _neighbor_values(Z, y, reference, reference_values, n_neighbors, among_scored=True):
    """The values (labels or targets) of each row's ``n_neighbors`` nearest
    points among ``reference`` and (with ``among_scored``) the other rows of
    ``Z``, nearest first: an array of shape ``(n_samples, k, ...)``."""
    Z, reference = scaled_for_distances(Z, reference)
    n_samples = Z.shape[0]
    n_others = n_samples - 1 if among_scored else 0  # other rows of Z that count
    n_reference = 0 if reference is None else reference.shape[0]
    k = min(n_neighbors, n_reference + n_others)
    if k < 1:
        raise ValueError(
            "Scoring needs at least 2 samples to compare neighbours; got "
            f"{n_samples} and no training samples to compare with."
        )
    found = []  # (distances, values) of each sample's nearest points
    if n_reference:
        distances, neighbors = (
            NearestNeighbors(n_neighbors=min(k, n_reference)).fit(reference).kneighbors(Z)
        )
        found.append((distances, np.asarray(reference_values)[neighbors]))
    if n_others:
        distances, neighbors = (
            NearestNeighbors(n_neighbors=min(k, n_others)).fit(Z).kneighbors()
        )
        found.append((distances, y[neighbors]))
    distances = np.concatenate([d for d, _ in found], axis=1)
    try:
        values = np.concatenate([v for _, v in found], axis=1)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "The targets given to score cannot be compared with those seen in fit "
            f"({error})."
        ) from error
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(values, nearest.reshape(nearest.shape + (1,) * (values.ndim - 2)),
                              axis=1)


def trustworthiness(X, Z, n_neighbors=5):
    """How well the embedding ``Z`` keeps the neighbourhoods of ``X``.

    The trustworthiness of Venna & Kaski (2001), as
    :func:`sklearn.manifold.trustworthiness` computes it::

        T = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i} (r(i, j) - k)

    where ``U_i`` are the ``k`` nearest neighbours of sample ``i`` in ``Z``
    that are not among its ``k`` nearest in ``X`` and ``r(i, j)`` is the rank
    of ``j`` among the neighbours of ``i`` in ``X``. 1 means every embedded
    neighbourhood holds only true neighbours. Unlike scikit-learn's function,
    which holds the full ``n x n`` distance matrix, the distances of ``X``
    are computed in chunks of rows
    (:func:`sklearn.metrics.pairwise_distances_chunked`), so memory stays
    bounded by scikit-learn's ``working_memory``; time grows as ``n**2``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    Z : ndarray of shape (n_samples, n_components)
    n_neighbors : int, default=5
        Fewer when ``n_samples`` is small: at most ``(n_samples - 1) // 2``.

    Returns
    -------
    trustworthiness : float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import trustworthiness
    >>> X = np.arange(10.0)[:, None]
    >>> trustworthiness(X, 3 * X, n_neighbors=2)
    1.0
    """
    (X,), (Z,) = scaled_for_distances(X), scaled_for_distances(Z)
    n_samples = X.shape[0]
    k = min(n_neighbors, (n_samples - 1) // 2)
    if k < 1:
        raise ValueError(
            f"Trustworthiness needs at least 3 samples; got {n_samples}."
        )
    embedded = NearestNeighbors(n_neighbors=k).fit(Z).kneighbors(return_distance=False)

    def penalties(distances, start):
        rows = np.arange(distances.shape[0])
        distances[rows, start + rows] = np.inf  # a sample is not its own neighbour
        order = np.argsort(distances, axis=1, kind="stable")
        rank = np.empty_like(order)
        rank[rows[:, None], order] = np.arange(1, n_samples + 1)
        chunk_ranks = np.take_along_axis(rank, embedded[start : start + rows.shape[0]], axis=1)
        return np.maximum(chunk_ranks - k, 0).sum(axis=1)

    total = sum(
        float(np.sum(chunk))
        for chunk in pairwise_distances_chunked(X, reduce_func=penalties)
    )
    return 1.0 - total * 2.0 / (n_samples * k * (2.0 * n_samples - 3.0 * k - 1.0))


def rank_correlation(scores, y, sample_weight=None):
    """Spearman's rank correlation of ``scores`` with ``y``: the Pearson
    correlation of their ranks (average ranks for ties, as
    :func:`scipy.stats.spearmanr`), weighted by ``sample_weight``; 0 where
    either is constant (no order to agree with). With weights the ranks are
    weighted too (:func:`_weighted_ranks`): a weight of 0 leaves a sample
    out, and integer weights score as repeated samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import rank_correlation
    >>> rank_correlation(np.array([0.1, 0.5, 0.2]), np.array([1.0, 30.0, 2.0]))
    1.0
    >>> rank_correlation(np.array([3.0, 2.0, 1.0]), np.array([0.0, 0.5, 1.0]))
    -1.0
    """
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    weights = weights / weights.sum()
    scores, y = np.asarray(scores), np.asarray(y)
    kept = weights > 0
    if any(np.ptp(values[kept]) == 0 for values in (scores, y)):
        return 0.0
    ranks = [_weighted_ranks(values, weights) for values in (scores, y)]
    centred = [values - np.dot(weights, values) for values in ranks]
    spread = np.sqrt(np.dot(weights, centred[0] ** 2) * np.dot(weights, centred[1] ** 2))
    if not spread > 0:
        return 0.0
    return float(np.clip(np.dot(weights, centred[0] * centred[1]) / spread, -1.0, 1.0))


def _weighted_ranks(values, weights):
    """Weighted average ranks: the weight of the values below each value plus
    half the weight of its ties. With weights of 1 these are scipy's average
    ranks less 1/2; integer weights rank as repeated samples (less 1/2), and
    a weight of 0 leaves a sample out of the others' ranks. A shift common to
    every rank changes no correlation."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    tie_weight = np.add.reduceat(weights[order], starts)
    below = np.cumsum(tie_weight) - tie_weight
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, values.size]))
    ranks = np.empty(values.size)
    ranks[order] = (below + tie_weight / 2)[group]
    return ranks
