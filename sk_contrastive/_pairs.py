"""Pair construction: which samples the loss pulls together or pushes apart.

Every builder returns a :class:`Pairs` (anchor index, partner index, similar
flag), sorted by anchor, which is all the loss module needs to know:

- :func:`pairs_from_labels`: similar pairs within a class, dissimilar pairs
  across classes (supervised);
- :func:`pairs_from_neighbors`: similar pairs between neighbours, dissimilar
  pairs between non-neighbours, as in DrLIM (unsupervised);
- :func:`pairs_from_partial_labels`: label pairs among labelled samples and
  neighbour pairs for the unlabelled ones (semi-supervised);
- :func:`pairs_from_targets`: pairs similar to a degree, from continuous or
  multi-label targets (see ``_targets``);
- :func:`pairs_from_partial_targets`: graded pairs among the samples with a
  target and neighbour pairs for the others.

Internally each kind of partner is an ``(n_samples, k)`` array of partner
indices, ``-1`` where a sample has fewer than ``k``; reading such rows in
order gives pairs already sorted by anchor, with no sort of the pair list.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from . import _pair_layout
from ._loss import pair_distances
from ._neighbors import nearest_by_class
from ._threadpool import on_spare_threads

# Dot products computed at once (entries): 1 MiB in float32, so that the
# selection reads them from cache rather than memory.
_DISTANCE_ENTRIES = 2**18
# pairs_from_targets looks for its positives and impostors among this many
# times (n_positives + n_negatives) nearest samples
IMPOSTOR_CANDIDATES = 3


class Pairs(NamedTuple):
    """Index pairs into the rows of ``X`` with a similarity flag.

    Attributes
    ----------
    first : ndarray of shape (n_pairs,) of int
        Anchor sample of each pair, in ascending order.
    second : ndarray of shape (n_pairs,) of int
        Partner sample of each pair.
    similar : ndarray of shape (n_pairs,), dtype bool
        ``True`` for a similar pair (``s = 1`` in the loss), ``False`` for a
        dissimilar one.
    weight : ndarray of shape (n_pairs,) or None
        Positive weight of each pair's term in the loss; ``None``: all equal.
    graded : bool
        Whether the pairs are graded (:func:`graded_pairs`): a pair similar
        to a degree ``s`` is a similar term and a dissimilar one, next to
        each other, which the loss takes in one visit.
    """

    first: np.ndarray
    second: np.ndarray
    similar: np.ndarray
    weight: np.ndarray = None
    graded: bool = False

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
    >>> pairs.first.tolist(), pairs.second.tolist()
    ([0, 0, 1, 1, 2, 2, 3, 3], [1, 2, 0, 2, 3, 1, 2, 1])
    >>> pairs.similar.tolist()
    [True, False, True, False, True, False, True, False]
    """
    _, y_index = np.unique(np.asarray(y), return_inverse=True)
    return _pairs_from_rows(_label_rows(
        X, y_index, strategy, n_positives, n_negatives, n_random_negatives, blocks,
        check_random_state(random_state),
    ))


def pairs_from_neighbors(
    X,
    *,
    n_positives=5,
    n_random_negatives=12,
    positives=None,
    blocks=None,
    random_state=None,
):
    """Similar and dissimilar pairs from the neighbourhood graph, as in DrLIM.

    Hadsell, Chopra & LeCun (2006), "Dimensionality Reduction by Learning an
    Invariant Mapping": samples that are neighbours in the input space are
    similar, all other pairs dissimilar. Here each sample is paired with

    - its ``n_positives`` nearest neighbours (similar), found in ``X`` or
      given as ``positives`` (so that later rounds keep the neighbourhoods of
      the input space);
    - ``n_random_negatives`` samples drawn uniformly, other than those
      neighbours (dissimilar): a sample of DrLIM's sum over all non-neighbours.

    The nearest non-neighbours make poor dissimilar partners: on digits
    (kNN(5) accuracy / trustworthiness of an 8-D linear embedding, test
    split) 10 nearest non-neighbours and 2 random ones gave 0.885 / 0.948,
    15 random ones 0.956 / 0.986 (PCA: 0.900 / 0.987).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Where to search neighbours (the input space).
    n_positives, n_random_negatives : int
    positives : ndarray of shape (n_samples, k) or None
        Each sample's neighbours (``-1``: none), to keep instead of
        searching them in ``X``; see :func:`neighbor_rows`.
    blocks : list of ndarray or None
        Search only within these groups of sample indices.
    random_state : int, RandomState instance or None

    Returns
    -------
    pairs : Pairs

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import pairs_from_neighbors
    >>> X = np.array([[0.0], [0.1], [0.3], [5.0]])
    >>> pairs = pairs_from_neighbors(X, n_positives=1, n_random_negatives=0)
    >>> pairs.first.tolist(), pairs.second.tolist()
    ([0, 1, 2, 3], [1, 0, 1, 2])
    """
    if positives is None:
        positives = neighbor_rows(X, n_positives, blocks)
    everyone = _ClassGroups(np.zeros(X.shape[0], dtype=np.intp))
    strangers = _random_rows(everyone, n_random_negatives, check_random_state(random_state),
                             same=True)
    return _pairs_from_rows([(positives, True), (_without(strangers, positives), False)])


def pairs_from_partial_labels(
    X,
    y_index,
    *,
    n_positives=5,
    n_negatives=10,
    n_random_negatives=2,
    neighbor_positives=None,
    labelled_blocks=None,
    random_state=None,
):
    """Pairs for partly labelled data: labels where known, neighbours elsewhere.

    Labelled samples (``y_index >= 0``) get the pairs of
    :func:`pairs_from_labels` among the labelled samples. Each unlabelled
    sample (``y_index == -1``) belongs to no class and is paired as in
    :func:`pairs_from_neighbors`: as similar with its ``n_positives`` nearest
    neighbours among all samples (or with ``neighbor_positives``, an earlier
    round's graph), as dissimilar with ``n_random_negatives`` other samples
    drawn uniformly. It is never made dissimilar to anything because its
    label is missing. (Measured on digits with 90 % of labels hidden, over 5
    splits, kNN on the labelled samples: 0.803 with similar pairs only, 0.898
    with 2 random dissimilar ones too, 0.910 with 12 (but 12 fell below raw
    features on blobs with 90 and 99 % hidden, where 2 did not); the nearest
    non-neighbours as dissimilar partners gave 0.769.)

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y_index : ndarray of shape (n_samples,)
        Class codes ``0 .. n_classes - 1``, ``-1`` for unlabelled samples.
    n_positives, n_negatives, n_random_negatives : int
    neighbor_positives : ndarray of shape (n_samples, k) or None
        The unlabelled samples' neighbours (rows of labelled samples ``-1``),
        to keep instead of searching; see :func:`unlabelled_neighbor_rows`.
    labelled_blocks : list of ndarray or None
        Groups of positions within the labelled samples for their search.
    random_state : int, RandomState instance or None

    Returns
    -------
    pairs : Pairs

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import pairs_from_partial_labels
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1], [0.2]])
    >>> pairs = pairs_from_partial_labels(X, np.array([0, 0, 1, 1, -1]),
    ...     n_positives=1, n_negatives=1, n_random_negatives=1, random_state=0)
    >>> unlabelled = pairs.first == 4  # similar to its neighbour, not to a random sample
    >>> pairs.second[unlabelled].tolist(), pairs.similar[unlabelled].tolist()
    ([1, 3], [True, False])
    """
    rng = check_random_state(random_state)
    labelled = np.flatnonzero(y_index >= 0)
    parts = []
    for rows, similar in _label_rows(
        X[labelled], y_index[labelled], "neighbors", n_positives, n_negatives,
        n_random_negatives, labelled_blocks, rng,
    ):
        everywhere = np.full((X.shape[0], rows.shape[1]), -1, dtype=rows.dtype)
        everywhere[labelled] = np.where(rows >= 0, labelled[rows], -1)
        parts.append((everywhere, similar))
    parts += _unlabelled_rows(X, y_index, n_positives, n_random_negatives,
                              neighbor_positives, rng)
    return _pairs_from_rows(parts)


def _unlabelled_rows(X, y_index, n_positives, n_random_negatives, neighbor_positives, rng):
    """The partner arrays of the unlabelled samples (``y_index == -1``): their
    nearest neighbours as similar, random samples as dissimilar (see
    :func:`pairs_from_partial_labels`)."""
    if neighbor_positives is None:
        neighbor_positives = unlabelled_neighbor_rows(X, y_index, n_positives)
    everyone = _ClassGroups(np.zeros(X.shape[0], dtype=np.intp))
    strangers = _random_rows(everyone, n_random_negatives, rng, same=True)
    strangers[y_index >= 0] = -1
    return [(neighbor_positives, True), (_without(strangers, neighbor_positives), False)]


def pairs_from_targets(
    X,
    similarity,
    *,
    target_positives,
    n_positives=5,
    n_negatives=10,
    n_random_negatives=2,
    blocks=None,
    random_state=None,
):
    """Pairs similar to a degree ``s`` in [0, 1], for graded targets.

    Mined as :func:`pairs_from_labels` mines classes, with "the same class"
    meaning a similarity of at least 1/2: among each sample's
    ``IMPOSTOR_CANDIDATES * (n_positives + n_negatives)`` nearest samples
    in ``X`` (the round's mining space), its ``n_positives`` nearest of
    similarity at least 1/2 (topped up from ``target_positives``, its most
    similar samples by target, where fewer are that near) and its
    ``n_negatives`` nearest of similarity below 1/2 (the impostors); and
    ``n_random_negatives`` samples drawn uniformly. The nearest samples
    whatever their targets, or the most similar by target alone, let a map
    collapse: with targets that hold noise, the samples most similar by
    target are not all near in any map, and nothing holds the others apart.

    Each pair's degree ``s = similarity(first, second)`` enters the loss as
    the contrastive loss's graded label: ``s * d**2 + (1 - s) * max(margin
    - d, 0)**2``, which is a similar pair of weight ``s`` plus a dissimilar
    pair of weight ``1 - s``. The pairs are returned that way (a term of
    weight 0 is left out), so that the loss, its kernel and the weights of
    samples serve graded pairs unchanged, and each pair weighs 1 in all.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The round's mining space.
    similarity : callable
        ``similarity(first, second) -> ndarray of s`` for index arrays.
    target_positives : ndarray of shape (n_samples, k)
        Each sample's most similar samples by target (``-1``: none); see
        :func:`~sk_contrastive._targets.target_neighbor_rows`.
    n_positives, n_negatives, n_random_negatives : int
    blocks : list of ndarray or None
        Search the nearest samples only within these groups.
    random_state : int, RandomState instance or None

    Returns
    -------
    pairs : Pairs
        Sorted by anchor, with ``weight`` (the degree of each term).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import pairs_from_targets
    >>> X = np.array([[0.0], [0.1], [5.0]])
    >>> s = {(0, 1): 1.0, (1, 0): 1.0, (2, 1): 0.25, (2, 0): 0.25}
    >>> pairs = pairs_from_targets(
    ...     X, lambda a, b: np.array([s.get((i, j), 0.0) for i, j in zip(a, b)]),
    ...     target_positives=np.array([[1], [0], [1]]), n_positives=1,
    ...     n_negatives=0, n_random_negatives=0)
    >>> list(zip(pairs.first.tolist(), pairs.second.tolist(), pairs.similar.tolist(),
    ...          pairs.weight.tolist()))
    [(0, 1, True, 1.0), (1, 0, True, 1.0), (2, 1, True, 0.25), (2, 1, False, 0.75)]
    """
    rng = check_random_state(random_state)
    nearest = neighbor_rows(X, IMPOSTOR_CANDIDATES * (n_positives + n_negatives), blocks)
    anchors = np.broadcast_to(np.arange(X.shape[0])[:, None], nearest.shape)
    found = nearest >= 0
    alike = np.zeros(nearest.shape, dtype=bool)
    alike[found] = similarity(anchors[found], nearest[found]) >= 0.5
    near_alike = np.where(alike, nearest, -1)
    positives = _leftmost(
        np.hstack([near_alike, _without(target_positives, near_alike)]), n_positives)
    parts = [(positives, True)]
    if n_negatives:
        impostors = _without(np.where(alike, -1, nearest), positives)
        parts.append((_leftmost(impostors, n_negatives), True))
    if n_random_negatives:
        everyone = _ClassGroups(np.zeros(X.shape[0], dtype=np.intp))
        strangers = _random_rows(everyone, n_random_negatives, rng, same=True)
        parts.append((_without(strangers, np.hstack([rows for rows, _ in parts])), True))
    pairs = _pairs_from_rows(parts)
    degree = np.clip(np.asarray(similarity(pairs.first, pairs.second), dtype=np.float64),
                     0.0, 1.0)
    return graded_pairs(pairs.first, pairs.second, degree)


def graded_pairs(first, second, degree, weight=None):
    """The loss terms of pairs similar to a degree ``s`` in [0, 1].

    The contrastive loss's graded label ``s`` makes a pair's term ``s * d**2 +
    (1 - s) * max(margin - d, 0)**2``: a similar pair of weight ``s`` plus
    a dissimilar pair of weight ``1 - s``. Each pair becomes those two
    terms, in order, each times the pair's ``weight``; a term of weight 0
    is left out. Where every ``s`` is 0 or 1, that is one term per pair, and
    the pairs are returned as they are (``similar = s == 1``, ``weight`` as
    given).

    Parameters
    ----------
    first, second : ndarray of int of shape (n_pairs,)
        Sorted by ``first``.
    degree : ndarray of shape (n_pairs,)
        Each pair's ``s``, in [0, 1].
    weight : ndarray of shape (n_pairs,) or None

    Returns
    -------
    pairs : Pairs
        Sorted by anchor.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import graded_pairs
    >>> pairs = graded_pairs(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 0.25]))
    >>> pairs.first.tolist(), pairs.similar.tolist(), pairs.weight.tolist()
    ([0, 1, 1], [True, True, False], [1.0, 0.25, 0.75])
    """
    if np.all((degree == 0) | (degree == 1)):
        return Pairs(first, second, degree == 1, weight)
    # each pair as a similar term of weight s then a dissimilar one of 1 - s
    terms = np.column_stack([degree, 1.0 - degree])
    if weight is not None:
        terms *= weight[:, None]
    terms = terms.ravel()
    kept = terms > 0
    return Pairs(
        np.repeat(first, 2)[kept], np.repeat(second, 2)[kept],
        np.tile([True, False], first.shape[0])[kept], terms[kept], graded=True,
    )


def pairs_from_partial_targets(
    X,
    similarity,
    labelled,
    *,
    target_positives,
    n_positives=5,
    n_negatives=10,
    n_random_negatives=2,
    neighbor_positives=None,
    labelled_blocks=None,
    random_state=None,
):
    """Pairs for partly labelled graded targets: graded pairs where targets
    are known, neighbours elsewhere.

    The samples with a target (``labelled``) get the pairs of
    :func:`pairs_from_targets` among themselves; each other sample the
    pairs :func:`pairs_from_partial_labels` gives an unlabelled sample
    (its ``n_positives`` nearest neighbours among all samples, dissimilar
    to ``n_random_negatives`` random ones), each neighbour similar to the
    degree the labelled samples' near pairs reach (:func:`_neighbor_degree`),
    not fully: a neighbour is not known to share a target. On diabetes
    with 80 % of the targets hidden (20 splits) fully similar neighbours
    scored 0.94 points of kNN R² below the labelled samples alone.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The round's mining space.
    similarity : callable
        ``similarity(first, second) -> ndarray of s`` for index arrays into
        the labelled samples (positions in ``np.flatnonzero(labelled)``).
    labelled : ndarray of shape (n_samples,), dtype bool
        Whether each sample's target is known.
    target_positives : ndarray of shape (n_labelled, k)
        Each labelled sample's most similar labelled samples by target, as
        positions among the labelled samples.
    n_positives, n_negatives, n_random_negatives : int
    neighbor_positives : ndarray of shape (n_samples, k) or None
        The unlabelled samples' neighbours (rows of labelled samples ``-1``).
    labelled_blocks : list of ndarray or None
        Groups of positions within the labelled samples for their search.
    random_state : int, RandomState instance or None

    Returns
    -------
    pairs : Pairs
        Sorted by anchor, with ``weight`` (1 for an unlabelled sample's pairs).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import pairs_from_partial_targets
    >>> X = np.array([[0.0], [0.1], [5.0], [0.2]])
    >>> pairs = pairs_from_partial_targets(
    ...     X, lambda a, b: np.where(a + b == 1, 1.0, 0.0), np.array([True, True, False, False]),
    ...     target_positives=np.array([[1], [0]]), n_positives=1, n_negatives=0,
    ...     n_random_negatives=0)
    >>> list(zip(pairs.first.tolist(), pairs.second.tolist(), pairs.similar.tolist()))
    [(0, 1, True), (1, 0, True), (2, 3, True), (3, 1, True)]
    """
    rng = check_random_state(random_state)
    rows = np.flatnonzero(labelled)
    graded = pairs_from_targets(
        X[rows], similarity, target_positives=target_positives, n_positives=n_positives,
        n_negatives=n_negatives, n_random_negatives=n_random_negatives,
        blocks=labelled_blocks, random_state=rng,
    )
    y_index = np.where(labelled, 0, -1)
    others = _pairs_from_rows(_unlabelled_rows(
        X, y_index, n_positives, n_random_negatives, neighbor_positives, rng))
    others = graded_pairs(others.first, others.second,
                          np.where(others.similar, _neighbor_degree(X, rows, graded), 0.0))
    first = np.concatenate([rows[graded.first], others.first])
    order = np.argsort(first, kind="stable")
    dtype = _row_dtype(X.shape[0])
    return Pairs(
        first[order].astype(dtype, copy=False),
        np.concatenate([rows[graded.second], others.second])[order].astype(dtype, copy=False),
        np.concatenate([graded.similar, others.similar])[order],
        np.concatenate([np.ones(part.n_pairs) if part.weight is None else part.weight
                        for part in (graded, others)])[order],
        graded=graded.graded or others.graded,
    )


def _neighbor_degree(X, rows, pairs):
    """The degree of similarity of an unlabelled sample's neighbour: the
    mean degree of the labelled samples' ``pairs`` (graded terms, of the
    samples ``rows`` of ``X``) in their nearest quarter by distance in
    ``X``, each pair counted once (1 where there is none).

    Each term carries its pair's degree ``s``: a similar term of weight
    ``s``, a dissimilar one of weight ``1 - s``; weighted by the terms'
    weights, which sum to 1 a pair, the mean counts each pair once.
    """
    if pairs.n_pairs == 0:
        return 1.0
    weight = np.ones(pairs.n_pairs) if pairs.weight is None else pairs.weight
    degree = np.where(pairs.similar, weight, 1.0 - weight)
    distance = pair_distances(X, rows[pairs.first], rows[pairs.second])
    near = distance <= np.quantile(distance, 0.25)
    return float(np.average(degree[near], weights=weight[near]))


def _leftmost(rows, n):
    """The first ``n`` entries ``>= 0`` of each row of ``rows``, in order
    (``-1`` where a row has fewer)."""
    order = np.argsort(rows < 0, axis=1, kind="stable")[:, :n]
    return np.take_along_axis(rows, order, axis=1)


def neighbor_rows(X, n_neighbors, blocks=None):
    """Each sample's ``n_neighbors`` nearest other samples, nearest first.

    Returns
    -------
    rows : ndarray of shape (n_samples, n_neighbors), dtype intp
        ``-1`` where a block holds too few samples.
    """
    return _nearest_rows(X, np.zeros(X.shape[0], dtype=np.intp), n_neighbors, 0, blocks)[0]


def unlabelled_neighbor_rows(X, y_index, n_neighbors, blocks=None):
    """:func:`neighbor_rows` for the unlabelled samples (``y_index == -1``);
    the rows of labelled samples are ``-1``."""
    rows = neighbor_rows(X, n_neighbors, blocks)
    rows[y_index >= 0] = -1
    return rows


class _ClassGroups:
    """Samples grouped by class: ``order`` lists sample indices class by class."""

    def __init__(self, y_index):
        self.y_index = y_index
        self.n_samples = y_index.shape[0]
        self.order = np.argsort(y_index, kind="stable")
        self.counts = np.bincount(y_index)
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1]))


def _label_rows(X, y_index, strategy, n_positives, n_negatives, n_random_negatives,
                blocks, rng):
    """``[(rows, similar), ...]``: the partner arrays of each kind of label pair."""
    groups = _ClassGroups(y_index)
    if strategy == "neighbors":
        same, other = _nearest_rows(X, y_index, n_positives, n_negatives, blocks)
        return [(same, True), (other, False),
                (_random_rows(groups, n_random_negatives, rng, same=False), False)]
    if strategy == "random":
        return [(_random_rows(groups, n_positives, rng, same=True), True),
                (_random_rows(groups, n_negatives + n_random_negatives, rng, same=False),
                 False)]
    raise ValueError(f"Unknown pair strategy {strategy!r}.")


def _nearest_rows(X, y_index, n_same, n_other, blocks):
    """Each sample's nearest same-class and other-class samples in its block.

    Returns two arrays of shape ``(n_samples, n_same)`` and ``(n_samples,
    n_other)``, nearest first, ``-1`` where there are too few.
    """
    n_samples = X.shape[0]
    same = np.full((n_samples, n_same), -1, dtype=_row_dtype(n_samples))
    other = np.full((n_samples, n_other), -1, dtype=_row_dtype(n_samples))
    blocks = [np.arange(n_samples)] if blocks is None else blocks

    def search(block):
        _nearest_in_block(X[block], y_index[block], same, other, block)

    # Blocks are disjoint and each is searched alone: the rows found do not
    # depend on how many threads share the blocks.
    on_spare_threads(search, [(block,) for block in blocks], "mining")
    return same, other


def _nearest_in_block(X, y_index, same, other, block):
    """Exact nearest same-class and other-class samples within one block,
    written into the rows ``block`` of ``same`` and ``other``.

    Samples are taken class by class, so that a class's own columns form one
    contiguous range. Rows are ranked by ``||x_j||**2 - 2 x_i . x_j`` (the
    distance up to a per-row constant): one GEMM per chunk of rows, at most
    ``_DISTANCE_ENTRIES`` entries at once, then the compiled selection.
    """
    n_samples = X.shape[0]
    if n_samples == 0:  # a chunk of a Dask fit may hold no labelled sample
        return
    order = np.argsort(y_index, kind="stable")
    X = np.ascontiguousarray(X[order])
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    labels = y_index[order]
    class_start = np.searchsorted(labels, labels, side="left").astype(np.intp)
    class_stop = np.searchsorted(labels, labels, side="right").astype(np.intp)
    squared_norms = np.einsum("ij,ij->i", X, X)
    rows_per_chunk = max(1, _DISTANCE_ENTRIES // n_samples)
    n_same, n_other = same.shape[1], other.shape[1]
    for start in range(0, n_samples, rows_per_chunk):
        rows = np.arange(start, min(start + rows_per_chunk, n_samples))
        found_same = np.empty((rows.shape[0], n_same), dtype=np.intp)
        found_other = np.empty((rows.shape[0], n_other), dtype=np.intp)
        nearest_by_class(X[rows] @ X.T, squared_norms, rows, class_start[rows],
                         class_stop[rows], found_same, found_other)
        anchors = block[order[rows]]
        same[anchors] = np.where(found_same >= 0, block[order[found_same]], -1)
        other[anchors] = np.where(found_other >= 0, block[order[found_other]], -1)


def _random_rows(groups, n_partners, rng, *, same):
    """Partners drawn uniformly from each sample's own class or from the others.

    Returns an ``(n_samples, n_partners)`` array, ``-1`` for a sample with no
    eligible partner. Works on positions in ``groups.order``: a draw from the
    eligible positions is shifted past the excluded block (the anchor itself,
    or its whole class), so no rejection loop is needed.
    """
    rows = np.full((groups.n_samples, n_partners), -1, dtype=_row_dtype(groups.n_samples))
    if n_partners < 1:
        return rows
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
    rows[anchors] = groups.order[offset]
    return rows


def _without(rows, excluded):
    """``rows`` with each entry that is also in the same row of ``excluded``
    set to ``-1`` (a random partner that happens to be a neighbour is no
    dissimilar pair)."""
    clash = (rows[:, :, None] == excluded[:, None, :]) & (rows[:, :, None] >= 0)
    return np.where(clash.any(axis=2), -1, rows)


def _pairs_from_rows(parts):
    """One :class:`Pairs` from ``[(rows, similar), ...]``, anchor by anchor.

    Reading the partner arrays row by row gives the pairs in anchor order,
    so the pair list needs no sort; ``-1`` entries are left out. Indices are
    int32 when the number of samples allows, and no temporary is wider.
    """
    n_samples = parts[0][0].shape[0]
    width = sum(rows.shape[1] for rows, _ in parts)
    partners = np.empty((n_samples, width), dtype=_row_dtype(n_samples))
    flags = np.empty(width, dtype=bool)
    column = 0
    for rows, similar in parts:
        partners[:, column : column + rows.shape[1]] = rows
        flags[column : column + rows.shape[1]] = similar
        column += rows.shape[1]
    counts = np.empty(n_samples, dtype=np.int64)
    _pair_layout.count_partners(partners, counts)
    n_pairs = int(counts.sum())
    first = np.empty(n_pairs, dtype=partners.dtype)
    second = np.empty(n_pairs, dtype=partners.dtype)
    similar = np.empty(n_pairs, dtype=bool)
    if n_pairs:
        _pair_layout.fill_pairs(partners, flags.view(np.uint8), first, second,
                                similar.view(np.uint8))
    return Pairs(first, second, similar)


def _row_dtype(n_samples):
    """int32 sample indices where the number of samples allows."""
    return np.int32 if n_samples < 2**31 else np.intp
