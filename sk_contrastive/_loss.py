"""The contrastive loss over a fixed set of pairs, as a function of the embedding.

For a pair ``p = (i, j, s)`` with embedded difference ``z_p = Z[i] - Z[j]`` and
distance ``d_p = ||z_p||``::

    loss_p = s * max(d_p - pos_margin, 0)**2 + (1 - s) * max(margin - d_p, 0)**2
    loss   = mean_p(loss_p)      or, with pair weights w_p,   sum_p(w_p loss_p) / sum_p(w_p)

With ``pos_margin=0`` this is the contrastive loss of Hadsell, Chopra and LeCun
(2006, "Dimensionality Reduction by Learning an Invariant Mapping") in this
library's convention, ``mean(s * d**2 + (1 - s) * max(margin - d, 0)**2)``
with ``s = 1`` for similar pairs, exactly. The gradient with respect to the
embedding is ``c_p * z_p`` scattered back to rows ``i`` (with sign +) and
``j`` (with sign -), ``c_p = 2 w_p h_p / d_p / sum(w)`` with
``h_p`` the signed hinge, so one evaluation touches only the pairs'
``n_components``-dimensional differences, never an ``n_pairs x n_features``
array. The pass over the pairs is compiled (``_pair_kernel.pyx``): this
module prepares its inputs once per set of pairs and keeps its buffers.

A pair similar to a degree ``s`` in [0, 1] comes as two terms, similar with
weight ``w s`` and dissimilar with ``w (1 - s)`` (``_pairs.graded_pairs``);
the loss passes such couples, next to each other in the pairs' order, as one
graded pair (weight ``w``, degree ``s``), which the kernel takes in one
visit: the same loss and gradient, for half the passes over those pairs.
"""

import numpy as np

from . import _pair_kernel, _pair_layout
from ._scaling import distance_factor
from ._threadpool import on_spare_threads

# 64-byte aligned rows: numpy's large arrays start 16 bytes into a cache
# line, so a 64-byte row (16 float32) would straddle two lines (146 -> 127 ms
# a pass at one million samples when aligned).
_ALIGNMENT = 64

# pos_margin="auto": the share of impostor-free anchors above which similar
# pairs stop being pulled all the way together, and the largest pos_margin
# it gives at margin=1 (see auto_pos_margin).
AUTO_POS_MARGIN_SHARE = 0.5
AUTO_POS_MARGIN_LARGEST = 0.6
# Pairs counted at once by impostor_free_anchors.
_COUNT_BLOCK_PAIRS = 2**18
# Pairs per segment of the pair pass on several threads (see _Segments).
SEGMENT_PAIRS = 2**18


class ContrastiveLoss:
    """Contrastive loss and its gradient with respect to the embedding.

    The pairs are converted once for the compiled pass (indices of the
    narrowest integer type ``n_samples`` allows, flags as bytes, the
    normaliser) and the gradient buffer is reused by every evaluation, which
    is what the optimiser calls hundreds of times.

    Parameters
    ----------
    pairs : Pairs
        The pairs to sum over (with optional positive weights).
    n_samples : int
        Number of rows of the embeddings this loss will be evaluated on.
    margin : float, default=1.0
        Dissimilar pairs closer than ``margin`` are pushed apart.
    pos_margin : float, default=0.0
        Similar pairs farther apart than ``pos_margin`` are pulled together.

    Raises
    ------
    ValueError
        If a pair indexes a row outside ``range(n_samples)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import Pairs
    >>> from sk_contrastive._loss import ContrastiveLoss
    >>> pairs = Pairs(np.array([0, 0]), np.array([1, 2]), np.array([True, False]))
    >>> Z = np.array([[0.0, 0.0], [0.3, 0.4], [0.6, 0.0]])
    >>> loss, grad = ContrastiveLoss(pairs, n_samples=3, margin=1.0)(Z)
    >>> round(loss, 4)  # (0.5**2 + (1 - 0.6)**2) / 2
    0.205
    """

    def __init__(self, pairs, n_samples, margin=1.0, pos_margin=0.0):
        self.pairs = pairs
        self.n_samples = n_samples
        self.margin = float(margin)
        self.pos_margin = float(pos_margin)
        for indices in (pairs.first, pairs.second):
            if indices.size and (indices.min() < 0 or indices.max() >= n_samples):
                raise ValueError(f"pairs index rows outside range({n_samples}).")
        index = _index_dtype(n_samples)
        total = pairs.n_pairs if pairs.weight is None else float(np.sum(pairs.weight))
        self._scale = 1.0 / total if total else 0.0
        first, second, similarity, self._weight = _graded_couples(pairs, index)
        self._first = np.ascontiguousarray(first, dtype=index)
        self._second = np.ascontiguousarray(second, dtype=index)
        # the kernel takes uint8 flags, or float64 degrees
        self._similar = similarity if similarity.dtype == np.float64 else (
            np.ascontiguousarray(similarity, dtype=bool).view(np.uint8))
        self._weights = {}  # dtype -> the weights in it (empty: unweighted)
        self._segments = _Segments(self._first, self._second, n_samples)
        self._gradient = None
        self._embedding = None
        self._dissimilar = None

    def __call__(self, Z):
        """Return ``(loss, gradient)`` for the embedding ``Z``.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_components)
            Embedded samples, float32 or float64.

        Returns
        -------
        loss : float
            The mean loss over the pairs, weighted by ``pairs.weight`` if
            given (0 when there are none).
        gradient : ndarray of shape (n_samples, n_components)
            The derivative of ``loss`` with respect to ``Z``, of ``Z``'s
            dtype. The loss keeps this buffer and overwrites it at the next
            call.
        """
        Z = np.ascontiguousarray(Z)
        gradient = self._gradient_buffer(Z.shape, Z.dtype)
        if self.pairs.n_pairs == 0 or Z.size == 0:
            gradient[...] = 0
            return 0.0, gradient
        arguments = (Z, gradient, self._first, self._second, self._similar,
                     self._weights_as(Z.dtype), self.margin, self.pos_margin, self._scale,
                     _pair_kernel.PREFETCH_PAIRS)
        if self._segments.n_segments == 1:
            return _pair_kernel.loss_gradient(*arguments), gradient
        return self._segments.loss_gradient(arguments), gradient

    def __getstate__(self):
        # The buffers are scratch, rebuilt on the next call: a loss that is
        # pickled (a Dask worker spilling a chunk to disk) leaves them out.
        state = self.__dict__.copy()
        state.update(_gradient=None, _embedding=None, _weights={})
        return state

    def embedding_buffer(self, shape, dtype):
        """An aligned array for the embedding the next call will take.

        Writing the forward pass into it (``np.matmul(..., out=...)``) spares
        an allocation, and its page faults, per evaluation.
        """
        if self._embedding is None or self._embedding.shape != tuple(shape) or (
            self._embedding.dtype != dtype
        ):
            self._embedding = aligned_empty(shape, dtype)
        return self._embedding

    @staticmethod
    def bytes_per_pair(n_samples, itemsize, mined=True, graded=False):
        """Memory the pairs and this loss take per pair at their peak.

        The indices (int32 where ``n_samples`` allows), flags and weights
        the loss holds (mined pairs are built in those types; given pairs
        also keep their own intp indices and flags), the arrays of the
        segments (:class:`_Segments`) for a pair whose partner is outside
        its segment (anchor, partner, position, coefficient), counted for
        every pair, and for ``graded`` pairs their coupled copy (indices,
        degree and weight; as many pairs as terms, if none couples): the most
        there can be.
        """
        index = np.dtype(_index_dtype(n_samples)).itemsize
        given = 0 if mined else 2 * np.dtype(np.intp).itemsize + 1
        outside = 2 * index + 8 + itemsize
        coupled = 2 * index + 8 + 8 if graded else 0
        return given + 2 * index + 1 + 8 + outside + coupled

    def dissimilar_distances(self, Z):
        """Distances in ``Z`` of the dissimilar pairs, shape (n_dissimilar,)."""
        if self._dissimilar is None:
            dissimilar = ~np.asarray(self.pairs.similar, dtype=bool)
            self._dissimilar = (self.pairs.first[dissimilar], self.pairs.second[dissimilar])
        return pair_distances(Z, *self._dissimilar)

    def scale_to_margin(self, Z):
        """Factor that brings the median dissimilar-pair distance of ``Z`` to ``margin``.

        Starting the optimiser at this scale makes the fit equivariant in the
        margin: ``c * margin`` then gives exactly ``c`` times the embedding.
        With pair weights the median is weighted (integer weights give the
        median of the pairs repeated that many times). Returns 1 when there is
        no dissimilar pair at a positive distance.
        """
        distance = self.dissimilar_distances(Z).astype(np.float64)
        positive = distance > 0
        if not np.any(positive):
            return 1.0
        weight = None
        if self.pairs.weight is not None:
            weight = np.asarray(self.pairs.weight)[~self.pairs.similar][positive]
        median = _median(distance[positive], weight)
        return self.margin / median if median > 0 else 1.0

    def _gradient_buffer(self, shape, dtype):
        if self._gradient is None or self._gradient.shape != tuple(shape) or (
            self._gradient.dtype != dtype
        ):
            self._gradient = aligned_empty(shape, dtype)
        return self._gradient

    def _weights_as(self, dtype):
        if dtype not in self._weights:
            self._weights[dtype] = (
                np.empty(0, dtype=dtype) if self._weight is None
                else np.ascontiguousarray(self._weight, dtype=dtype)
            )
        return self._weights[dtype]


def _graded_couples(pairs, index):
    """``(first, second, similarity, weight)`` of the pass over ``pairs``
    (the indices of couples in the dtype ``index``).

    For graded pairs (``pairs.graded``, made by ``_pairs.graded_pairs``),
    the two terms of a pair, one similar and one dissimilar next to each
    other, become one pair of weight ``w_similar + w_dissimilar`` and degree
    of similarity ``w_similar / (w_similar + w_dissimilar)``, and every other
    term takes its flag as its degree: ``similarity`` is then float64
    degrees. Other pairs (and graded ones without weights, each term of
    weight 1) are returned as they are, with their boolean flags.
    """
    similar = np.asarray(pairs.similar, dtype=bool)
    if not pairs.graded or pairs.weight is None:
        return pairs.first, pairs.second, similar, pairs.weight
    first = np.ascontiguousarray(pairs.first, dtype=index)
    second = np.ascontiguousarray(pairs.second, dtype=index)
    flags = np.ascontiguousarray(similar).view(np.uint8)
    n_kept = pairs.n_pairs - _pair_layout.count_couples(first, second, flags)
    coupled = (np.empty(n_kept, dtype=index), np.empty(n_kept, dtype=index),
               np.empty(n_kept), np.empty(n_kept))
    _pair_layout.fill_couples(first, second, flags,
                              np.ascontiguousarray(pairs.weight, dtype=np.float64), *coupled)
    return coupled


class _Segments:
    """The pairs cut into segments for the pair pass on several threads.

    Pairs sorted by anchor are cut into segments of about
    ``SEGMENT_PAIRS`` pairs at anchor boundaries; segment ``i`` owns the
    rows from its first anchor to the next segment's. Its pass adds every
    gradient term to its own rows (its anchors', and its partners' where
    they are its rows too) and leaves the coefficient of each pair whose
    partner is another segment's row; a second pass adds those, grouped by
    the partner's segment. Each pass writes disjoint rows from each
    segment, and each row of the gradient is summed in one fixed order, so
    the result does not depend on the number of threads (nor the segments
    on anything but the pairs). Samples taken block by block (the fit's
    order) have nearly all their mined partners in their own segment.

    Fewer than ``2 * SEGMENT_PAIRS`` pairs, or pairs not sorted by anchor,
    make one segment: the plain one-thread pass.
    """

    def __init__(self, first, second, n_samples):
        n_pairs = first.shape[0]
        n_segments = n_pairs // SEGMENT_PAIRS
        if n_segments < 2 or np.any(first[1:] < first[:-1]):
            self.n_segments = 1
            return
        index = first.dtype
        # row bounds at the anchors nearest to equal cuts of the pairs
        rows = np.unique(np.r_[0, first[np.arange(1, n_segments) * n_pairs // n_segments],
                               n_samples])
        self.n_segments = rows.shape[0] - 1
        self.rows = rows
        self.pairs = np.searchsorted(first, rows).astype(np.int64)
        rows = rows.astype(np.int64)
        row_segment = np.repeat(np.arange(self.n_segments, dtype=np.int32), np.diff(rows))
        per_segment = np.zeros(self.n_segments, dtype=np.int64)
        per_partner_segment = np.zeros(self.n_segments, dtype=np.int64)
        _pair_layout.count_outside(second, self.pairs, rows, row_segment, per_segment,
                                   per_partner_segment)
        # where each segment's outside coefficients start, in pair order, and
        # where each partner segment's group of outside pairs starts
        self.outside_start = np.r_[0, np.cumsum(per_segment)]
        self.partner_start = np.r_[0, np.cumsum(per_partner_segment)]
        self.n_outside = int(self.outside_start[-1])
        self._coefficient = None  # the outside pairs' coefficients, rewritten by each pass
        self.anchors = np.empty(self.n_outside, dtype=index)
        self.partners = np.empty(self.n_outside, dtype=index)
        self.position = np.empty(self.n_outside, dtype=np.int64)
        _pair_layout.fill_outside(first, second, self.pairs, rows, row_segment,
                                  self.partner_start[:-1].copy(), self.anchors,
                                  self.partners, self.position)

    def __getstate__(self):
        return {**self.__dict__, "_coefficient": None}  # scratch, as the loss's buffers

    def loss_gradient(self, arguments):
        """The pass in two stages over the segments, on the fit's spare
        threads (``_threadpool.spare_threads``); ``arguments`` as for
        ``_pair_kernel.loss_gradient``."""
        Z, gradient = arguments[:2]
        if self._coefficient is None or self._coefficient.dtype != Z.dtype:
            self._coefficient = np.empty(self.n_outside, dtype=Z.dtype)
        coefficient = self._coefficient
        ahead = arguments[-1]

        def segment(i):
            return _pair_kernel.segment_loss_gradient(
                *arguments, self.pairs[i], self.pairs[i + 1], self.rows[i], self.rows[i + 1],
                coefficient[self.outside_start[i]:self.outside_start[i + 1]],
            )

        def partners(i):
            _pair_kernel.outside_gradient(
                Z, gradient, self.anchors, self.partners, self.position, coefficient,
                self.partner_start[i], self.partner_start[i + 1], ahead,
            )

        segments = [(i,) for i in range(self.n_segments)]
        loss = sum(on_spare_threads(segment, segments, "pairs"))
        on_spare_threads(partners, segments, "pairs")
        return loss


def pair_distances(Z, first, second):
    """``||Z[first[p]] - Z[second[p]]||`` for every pair, in ``Z``'s dtype.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_components), float32 or float64
    first, second : ndarray of int of shape (n_pairs,)
        Row indices into ``Z`` (not checked here).

    Returns
    -------
    distances : ndarray of shape (n_pairs,)

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._loss import pair_distances
    >>> pair_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([0]), np.array([1]))
    array([5.])
    """
    scaled, factor = _distance_units(Z)
    if factor == 1.0:
        return _scaled_distances(scaled, first, second)
    return _distances_pair_by_pair(np.asarray(Z, dtype=scaled.dtype), first, second)


def _distances_pair_by_pair(Z, first, second):
    """``pair_distances`` of an embedding near the float limits: each pair in
    units of a power of two near its own largest entry, so that a pair's
    distance does not depend on the other rows (in units common to all
    rows, rows of 1e170 beside rows of 1 rounded the latter's distances to
    0). In blocks of ``_COUNT_BLOCK_PAIRS`` pairs."""
    out = np.empty(first.shape[0], dtype=Z.dtype)
    for start in range(0, first.shape[0], _COUNT_BLOCK_PAIRS):
        a = Z[first[start:start + _COUNT_BLOCK_PAIRS]]
        b = Z[second[start:start + _COUNT_BLOCK_PAIRS]]
        largest = np.maximum(np.abs(a).max(axis=1, initial=0), np.abs(b).max(axis=1, initial=0))
        # 2**e with largest < 2**e: entries of a / unit and b / unit are below 1
        unit = np.ldexp(np.ones_like(largest), np.frexp(largest)[1])
        unit = unit[:, None]
        out[start:start + a.shape[0]] = np.linalg.norm(a / unit - b / unit, axis=1) * unit[:, 0]
    return out


def _distance_units(Z):
    """``(Z * factor, factor)``: ``Z`` as a contiguous float array whose
    squared entries neither overflow nor vanish (``factor`` a power of two,
    1 unless ``Z`` is near the float limits)."""
    Z = np.ascontiguousarray(Z)
    if Z.dtype not in (np.float32, np.float64):
        Z = Z.astype(np.float64)
    if not Z.size:
        return Z, 1.0
    # embeddings near the largest (or smallest) float: squares would overflow
    # (or vanish), so compute in units of a power of two near the largest entry
    factor = distance_factor(Z)
    safe = 2.0 ** (np.finfo(Z.dtype).maxexp // 4)
    if 1 / safe <= factor <= safe:
        return Z, 1.0
    return Z * Z.dtype.type(factor), factor


def _scaled_distances(Z, first, second):
    """The compiled distance pass on ``Z`` as ``_distance_units`` returns it."""
    index = _index_dtype(Z.shape[0])
    first = np.ascontiguousarray(first, dtype=index)
    second = np.ascontiguousarray(second, dtype=index)
    out = np.zeros(first.shape[0], dtype=Z.dtype)
    if not (first.shape[0] and Z.shape[1]):
        return out

    def chunk(start):
        stop = start + SEGMENT_PAIRS
        _pair_kernel.distances(Z, first[start:stop], second[start:stop], out[start:stop],
                               _pair_kernel.PREFETCH_PAIRS)

    # each distance alone: the same on any number of threads
    starts = [(start,) for start in range(0, first.shape[0], SEGMENT_PAIRS)]
    on_spare_threads(chunk, starts, "distances")
    return out


def impostor_free_anchors(Z, pairs):
    """How many anchors have no impostor among their pairs, out of how many.

    An anchor counts if it has both a similar and a dissimilar pair; it is
    *impostor-free* if every one of its similar partners is closer to it in
    ``Z`` than every one of its dissimilar partners (an impostor, in LMNN's
    term, is a dissimilar partner at least as close as a similar one).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_components), float32 or float64
        The embedding.
    pairs : Pairs
        Pairs sorted by anchor (as every builder returns them).

    Returns
    -------
    n_free, n_anchors : int
        The two counts; they add up over disjoint sets of anchors (the
        chunks of a Dask fit).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import Pairs
    >>> from sk_contrastive._loss import impostor_free_anchors
    >>> Z = np.array([[0.0], [1.0], [3.0], [0.5]])
    >>> pairs = Pairs(np.array([0, 0, 1, 1, 2]), np.array([1, 2, 0, 3, 0]),
    ...               np.array([True, False, True, False, True]))
    >>> impostor_free_anchors(Z, pairs)  # 0: 1 < 3; 1: 1 > 0.5; 2: no dissimilar pair
    (1, 2)
    """
    first, second, similar = pairs.first, pairs.second, pairs.similar
    n_pairs = first.shape[0]
    Z, _ = _distance_units(Z)  # only comparisons follow: the units do not matter
    n_free = n_anchors = 0
    start = 0
    # blocks of whole anchors, so that the temporaries stay a few MiB at any size
    while start < n_pairs:
        stop = min(start + _COUNT_BLOCK_PAIRS, n_pairs)
        if stop < n_pairs:
            stop = int(np.searchsorted(first, first[stop], side="left"))
            if stop <= start:  # one anchor fills the block
                stop = int(np.searchsorted(first, first[start], side="right"))
        free, anchors = _impostor_free_block(
            Z, first[start:stop], second[start:stop], np.asarray(similar[start:stop], bool)
        )
        n_free, n_anchors = n_free + free, n_anchors + anchors
        start = stop
    return n_free, n_anchors


def _impostor_free_block(Z, first, second, similar):
    distance = _scaled_distances(Z, first, second)
    starts = np.flatnonzero(np.r_[True, first[1:] != first[:-1]])
    farthest_similar = np.maximum.reduceat(np.where(similar, distance, -np.inf), starts)
    nearest_dissimilar = np.minimum.reduceat(np.where(similar, np.inf, distance), starts)
    anchors = np.isfinite(farthest_similar) & np.isfinite(nearest_dissimilar)
    free = anchors & (farthest_similar < nearest_dissimilar)
    return int(np.count_nonzero(free)), int(np.count_nonzero(anchors))


def auto_pos_margin(n_free, n_anchors, margin):
    """The similar term's margin chosen by ``pos_margin="auto"``.

    A target ``R`` in units of the default margin 1: ``0`` (the plain
    contrastive loss) until half the anchors are impostor-free, then growing
    linearly with their share to ``0.6`` when all are. With ``P = R / (1 - R)``::

        1 / pos_margin = 1 / P + 1 / margin

    so ``pos_margin`` is ``R`` at ``margin=1`` (the rule of earlier versions
    there), tends to the absolute ``P`` for large margins and stays below any
    margin. Its ratio to the margin, ``P / (P + margin)``, falls as the margin
    grows: a linear map fitted with different margins is not a rescaled copy,
    and a search over the margin selects. Where most neighbourhoods are
    already clean, pulling similar pairs all the way together only fits the
    training pairs more tightly; where many anchors still have impostors the
    full pull is what separates the classes. The two constants were chosen on
    the quality benchmark's ten sets (see ``doc/benchmarks.md``).

    Examples
    --------
    >>> from sk_contrastive._loss import auto_pos_margin
    >>> auto_pos_margin(40, 100, margin=1.0)
    0.0
    >>> round(auto_pos_margin(90, 100, margin=1.0), 6)  # R = 0.6 * 0.8
    0.48
    >>> round(auto_pos_margin(90, 100, margin=2.0), 6)  # P = 0.48 / 0.52
    0.631579
    """
    if not n_anchors:
        return 0.0
    share = n_free / n_anchors
    relaxed = (share - AUTO_POS_MARGIN_SHARE) / (1.0 - AUTO_POS_MARGIN_SHARE)
    target = AUTO_POS_MARGIN_LARGEST * min(max(relaxed, 0.0), 1.0)
    if target == 0.0:
        return 0.0
    absolute = target / (1.0 - target)
    return absolute * margin / (absolute + margin)


def aligned_empty(shape, dtype, alignment=_ALIGNMENT):
    """An uninitialised C-contiguous array whose data start on ``alignment`` bytes."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(size + alignment, dtype=np.uint8)
    offset = (-raw.ctypes.data) % alignment
    return raw[offset : offset + size].view(dtype).reshape(shape)


def _index_dtype(n_samples):
    """int32 indices where ``n_samples`` allows: half the index traffic."""
    return np.int32 if n_samples <= np.iinfo(np.int32).max else np.int64


# Weights at most this far apart are counted as repeats by _median.
_REPEAT_RATIO = 2.0**40


def _median(values, weight=None):
    """The median of ``values``, each counted ``weight`` times.

    The weights are first divided by the smallest: integer weights whose
    smallest is 1 give ``np.median`` of the values repeated that many times,
    and multiplying every weight by a constant changes nothing. Weights of 0
    (underflowed products) are left out; weights more than ``2**40`` apart
    give the first value that reaches half the total weight.
    """
    if weight is not None and np.any(weight > 0):
        # products of tiny sample weights can underflow to 0: such pairs weigh nothing
        counted = weight > 0
        values, weight = values[counted], weight[counted]
    elif weight is not None:
        weight = None  # every weight underflowed: count the pairs alike
    if weight is None:
        return np.median(values)
    order = np.argsort(values, kind="stable")
    if np.max(weight) > _REPEAT_RATIO * np.min(weight):
        # weights too far apart to count as repeats: the first value that
        # reaches half the total weight (no overflow of the cumulative sum)
        cumulative = np.cumsum(weight[order] / np.max(weight))
        return values[order[np.searchsorted(cumulative, cumulative[-1] / 2)]]
    cumulative = np.cumsum(weight[order] / np.min(weight))
    middle = (cumulative[-1] - 1) / 2
    low = order[min(np.searchsorted(cumulative, np.floor(middle), side="right"), len(order) - 1)]
    high = order[min(np.searchsorted(cumulative, np.ceil(middle), side="right"), len(order) - 1)]
    return (values[low] + values[high]) / 2
