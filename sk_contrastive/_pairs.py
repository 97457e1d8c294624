"""Pair construction: which samples the loss pulls together or pushes apart.

Every builder returns a :class:`Pairs` (anchor index, partner index, similar
flag), sorted by anchor, which is all the loss module needs to know.
"""

from typing import NamedTuple

import numpy as np
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state

# Largest distance matrix computed at once (entries): 128 MiB in float64.
_DISTANCE_ENTRIES = 2**24


class Pairs(NamedTuple):
    """Index pairs into the rows of ``X`` with a similarity flag.

    Attributes
    ----------
    first : ndarray of shape (n_pairs,), dtype intp
        Anchor sample of each pair, in ascending order.
    second : ndarray of shape (n_pairs,), dtype intp
        Partner sample of each pair.
    similar : ndarray of shape (n_pairs,), dtype bool
        ``True`` for a similar pair (``s = 1`` in the loss), ``False`` for a
        dissimilar one.
    """

    first: np.ndarray
    second: np.ndarray
    similar: np.ndarray

    @property
    def n_pairs(self):
        return self.first.shape[0]


def pairs_from_labels(
    X,
    y,
    *,
    strategy="neighbors",
    n_positives=5,
    n_negatives=5,
    n_random_negatives=2,
    blocks=None,
    random_state=None,
):
    """Build similar and dissimilar pairs from class labels.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Samples; only used by ``strategy="neighbors"`` to find neighbours.
    y : array-like of shape (n_samples,)
        Class labels. Samples with equal labels are similar.
    strategy : {"neighbors", "random"}, default="neighbors"
        ``"neighbors"``: each sample is paired with its ``n_positives``
        nearest same-class samples (similar), its ``n_negatives`` nearest
        other-class samples (dissimilar) and ``n_random_negatives`` other-class
        samples drawn uniformly (dissimilar). ``"random"``: each sample is
        paired with ``n_positives`` same-class samples and
        ``n_negatives + n_random_negatives`` other-class samples, all drawn
        uniformly with replacement.
    n_positives, n_negatives, n_random_negatives : int
        Partners per sample. Fewer are used when a class is too small (a
        singleton class has no similar partner).
    blocks : list of ndarray or None, default=None
        With ``strategy="neighbors"``, search neighbours only within each of
        these disjoint groups of sample indices (such as
        :func:`~sk_contrastive._blocks.spatial_blocks` makes):
        ``O(n * block size)`` instead of ``O(n**2)`` work. ``None`` searches
        exactly, over all samples.
    random_state : int, RandomState instance or None
        Seeds the random partners.

    Returns
    -------
    pairs : Pairs
        Sorted by anchor sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import pairs_from_labels
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> pairs = pairs_from_labels(X, [0, 0, 1, 1], n_positives=1,
    ...                           n_negatives=1, n_random_negatives=0)
    >>> pairs.first, pairs.second, pairs.similar
    (array([0, 0, 1, 1, 2, 2, 3, 3]), array([1, 2, 0, 2, 3, 1, 2, 1]), array([ True, False,  True, False,  True, False,  True, False]))
    """
    rng = check_random_state(random_state)
    _, y_index = np.unique(np.asarray(y), return_inverse=True)
    groups = _ClassGroups(y_index)
    if strategy == "neighbors":
        if blocks is None:
            blocks = [np.arange(X.shape[0])]
        same, other = _nearest_within_blocks(X, y_index, n_positives, n_negatives, blocks)
        parts = [
            (*same, True),
            (*other, False),
            (*_random_partners(groups, n_random_negatives, rng, same=False), False),
        ]
    elif strategy == "random":
        n_other = n_negatives + n_random_negatives
        parts = [
            (*_random_partners(groups, n_positives, rng, same=True), True),
            (*_random_partners(groups, n_other, rng, same=False), False),
        ]
    else:
        raise ValueError(f"Unknown pair strategy {strategy!r}.")
    return _assemble(parts)


class _ClassGroups:
    """Samples grouped by class: ``order`` lists sample indices class by class."""

    def __init__(self, y_index):
        self.y_index = y_index
        self.n_samples = y_index.shape[0]
        self.order = np.argsort(y_index, kind="stable")
        self.counts = np.bincount(y_index)
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1]))


def _nearest_within_blocks(X, y_index, n_same, n_other, blocks):
    """Nearest same-class and other-class partners, searched block by block."""
    found = {True: [], False: []}
    for block in blocks:
        for similar, (anchors, partners) in _nearest_in_block(
            X[block], y_index[block], n_same, n_other
        ).items():
            found[similar].append((block[anchors], block[partners]))
    return tuple(
        (_concat([a for a, _ in found[similar]]), _concat([p for _, p in found[similar]]))
        for similar in (True, False)
    )


def _nearest_in_block(X, y_index, n_same, n_other):
    """Exact nearest same-class and other-class samples within one block.

    Samples are taken class by class, so that a class's own columns form one
    contiguous range: positives are searched in that range only, negatives in
    the rest of the row. Rows are ranked by ``||x_j||**2 - 2 x_i . x_j``
    (the distance up to a per-row constant): one GEMM per chunk of rows, at
    most ``_DISTANCE_ENTRIES`` entries at once.
    Returns ``{True: (anchors, partners), False: (anchors, partners)}``.
    """
    n_samples = X.shape[0]
    order = np.argsort(y_index, kind="stable")
    X = X[order]
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(y_index[order])) + 1, [n_samples]))
    squared_norms = np.einsum("ij,ij->i", X, X)
    rows_per_chunk = max(1, _DISTANCE_ENTRIES // n_samples)
    found = {True: ([], []), False: ([], [])}
    for class_start, class_stop in zip(bounds[:-1], bounds[1:]):
        for start in range(class_start, class_stop, rows_per_chunk):
            rows = np.arange(start, min(start + rows_per_chunk, class_stop))
            ranking = X[rows] @ X.T
            ranking *= -2
            ranking += squared_norms
            ranking[np.arange(rows.shape[0]), rows] = np.inf  # never pair with itself
            same_class = ranking[:, class_start:class_stop].copy()
            ranking[:, class_start:class_stop] = np.inf
            for similar, candidates, offset, k in (
                (True, same_class, class_start, n_same),
                (False, ranking, 0, n_other),
            ):
                anchors, partners = _smallest(candidates, k)
                found[similar][0].append(order[rows[anchors]])
                found[similar][1].append(order[partners + offset])
    return {similar: (_concat(a), _concat(p)) for similar, (a, p) in found.items()}


def _smallest(candidates, k):
    """(row, column) of the ``k`` smallest finite entries of each row."""
    k = min(k, candidates.shape[1])
    if k < 1:
        return _concat([]), _concat([])
    nearest = np.argpartition(candidates, k - 1, axis=1)[:, :k]
    # Fewer than k finite candidates (a small class) leave inf entries: drop them.
    exists = np.isfinite(np.take_along_axis(candidates, nearest, axis=1))
    rows = np.broadcast_to(np.arange(candidates.shape[0])[:, None], nearest.shape)
    return rows[exists], nearest[exists]


def _random_partners(groups, n_partners, rng, *, same):
    """Draw partners uniformly from the anchor's own class or from the others.

    Works on positions in ``groups.order``: a draw from the eligible
    positions is shifted past the excluded block (the anchor itself, or its
    whole class), so no rejection loop is needed.
    """
    if n_partners < 1:
        return _concat([]), _concat([])
    labels = groups.y_index
    class_size = groups.counts[labels]
    class_start = groups.starts[labels]
    if same:
        position = np.empty(groups.n_samples, dtype=np.intp)
        position[groups.order] = np.arange(groups.n_samples)
        n_eligible, skip_from, skip_size = class_size - 1, position, np.ones_like(labels)
    else:
        n_eligible = groups.n_samples - class_size
        skip_from, skip_size = class_start, class_size
    anchors = np.flatnonzero(n_eligible > 0)
    draws = rng.random_sample((anchors.shape[0], n_partners))
    offset = np.floor(draws * n_eligible[anchors, None]).astype(np.intp)
    if same:
        offset += class_start[anchors, None]
    offset += skip_size[anchors, None] * (offset >= skip_from[anchors, None])
    return np.repeat(anchors, n_partners), groups.order[offset.ravel()]


def _concat(arrays):
    if not arrays:
        return np.empty(0, dtype=np.intp)
    return np.concatenate(arrays).astype(np.intp, copy=False)


def _assemble(parts):
    first = _concat([anchors for anchors, _, _ in parts])
    second = _concat([partners for _, partners, _ in parts])
    similar = np.concatenate(
        [np.full(anchors.shape[0], flag) for anchors, _, flag in parts]
    ).astype(bool)
    order = np.argsort(first, kind="stable")
    return Pairs(first[order], second[order], similar[order])
