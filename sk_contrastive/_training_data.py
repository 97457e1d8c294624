"""Where a fit's training data live: the protocol, and the data in this process.

The fit engine (``_base``) asks its training data for what each stage needs:
a sample for the initialisation, the pairs of a round, the loss and its
gradient at some parameters, the distances of the dissimilar pairs; that is
:class:`TrainingData`. Three backends follow it: :class:`InMemoryData`
answers from arrays held in this process; ``_dask.DaskData`` from chunks
held by the workers of a Dask cluster, with the same pair sources, loss and
maps; and a stream (``_streaming``, ``partial_fit``) hands each call's
training set, its batch and a bounded memory of earlier samples, to an
``InMemoryData``.
"""

from typing import Protocol, runtime_checkable

import numpy as np

from ._loss import ContrastiveLoss, impostor_free_anchors, pair_distances
from ._objective import loss_and_gradient
from ._weights import pair_weight


@runtime_checkable
class TrainingData(Protocol):
    """What the fit engine asks of a fit's training data.

    ``projection`` is the fit's map (``_linear``, ``_diagonal``, ``_mlp``,
    ``_unit_norm``) and ``params`` its flat parameters in internal units.

    Attributes
    ----------
    n_samples : int
        Samples the fit learns from.
    dtype : numpy.dtype
        The dtype of the fitted attributes (that of the training data).
    scaling : InputScaling
        The internal units (see ``_scaling``).
    source : PairSource
        Its ``n_rounds`` and ``mines`` drive the rounds (see
        :class:`~sk_contrastive._pair_sources.PairSource`).
    pos_margin : float
        The ``pos_margin`` of the current pairs.
    """

    n_samples: int
    dtype: np.dtype
    scaling: object
    source: object
    pos_margin: float

    def init_sample(self):
        """``(X, labels)`` in internal units to compute the initial map from
        (``labels``: class codes, ``-1`` unlabelled, or None)."""

    def build_pairs(self, projection, params, mining_round, warm, random_state):
        """Make the round's pairs (mined in the first mining space in round
        0 of a cold start, else in the embedding of ``params``); return
        their number."""

    def impostor_free_anchors(self, projection, params):
        """``(n_free, n_anchors)`` of the current pairs in the embedding of
        ``params`` (see ``_loss.impostor_free_anchors``)."""

    def set_pos_margin(self, pos_margin):
        """Use ``pos_margin`` for the current pairs."""

    def objective(self, projection, params, alpha):
        """``(value, gradient)``: the mean loss over the current pairs plus
        ``alpha`` times the penalty, and its gradient in ``params``."""

    def scale_to_margin(self, projection, params):
        """The factor that brings the median dissimilar distance to the margin."""

    def largest_dissimilar_distance(self, projection, params):
        """The largest distance of a dissimilar pair (None without one)."""


class InMemoryData:
    """The training samples of one fit, in internal units, in this process.

    Follows :class:`TrainingData`; ``pair_weight`` and
    ``dissimilar_distance_sample`` are what ``_dask`` asks of each chunk's
    ``InMemoryData`` besides.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated training samples.
    source : PairSource
        See :class:`~sk_contrastive._pair_sources.PairSource`.
    scaling : InputScaling
    sample_weight : ndarray of shape (n_samples,) or None
        Positive weights, or None.
    margin, pos_margin : float
    random_state : RandomState

    Notes
    -----
    For data larger than one mining block the samples are taken block by
    block (each block's samples are neighbours in the first mining space),
    which puts neighbours on shared cache lines and makes the pair pass about
    twice as fast on large data; each later round that mines takes them
    again in the order of its own blocks, in the embedding (at 1,000,000
    samples of the harder scaling data, 277 -> 189 ms a pass). The caller's
    ``X`` is never modified.
    """

    def __init__(self, X, source, scaling, sample_weight, margin, pos_margin, random_state):
        X, space, blocks, order = _internal_data(X, scaling, source, random_state)
        self.X = X
        self.scaling = scaling
        self.source = source
        self.sample_weight = sample_weight
        if order is not None:  # X is taken in that order already
            self._follow_order(order)
        self.source.prepare(space, blocks, random_state)
        self.margin = float(margin)
        self.pos_margin = float(pos_margin)
        self._first_space = space
        self._blocks = blocks
        self.loss = None

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def dtype(self):
        return self.X.dtype

    def init_sample(self):
        """``(X, labels)`` to compute the initial map from: all of it here."""
        return self.X, self.source.init_labels

    def build_pairs(self, projection, params, mining_round, warm, random_state):
        """Mine (or take) the round's pairs; return how many there are.

        The first round searches the first mining space; later rounds, and a
        warm start, the embedding of ``params``.
        """
        source = self.source
        space, blocks = self._first_space, self._blocks
        self._first_space = None  # the first round's space is not needed again
        self.loss = None  # the last round's pairs: freed before the new ones exist
        if source.mines and (mining_round or warm):
            space = projection.forward(params, self.X)[0]
            blocks = source.blocks(space, random_state)
            if blocks is not None:
                space, blocks = self._take_in_order(space, blocks)
                source = self.source
        pairs = source.build(space, blocks, random_state)
        if self.sample_weight is not None:
            pairs = pairs._replace(weight=pair_weight(self.sample_weight, pairs))
        self.loss = ContrastiveLoss(pairs, self.n_samples, self.margin, self.pos_margin)
        return pairs.n_pairs

    def _take_in_order(self, space, blocks):
        """Take the samples block by block of the round's ``blocks``, as the
        first round takes them (see the Notes): mined partners then lie in
        their anchor's block, at nearby rows; returns the round's space and
        blocks in that order."""
        order = np.concatenate(blocks)
        self.X = self.X[order]
        self._follow_order(order)
        return space[order], _contiguous(blocks)

    def _follow_order(self, order):
        """Renumber the source and reorder the weights for samples taken in ``order``."""
        self.source = self.source.reorder(order)
        if self.sample_weight is not None:
            self.sample_weight = self.sample_weight[order]

    def impostor_free_anchors(self, projection, params):
        """``(n_free, n_anchors)`` of the current pairs in the embedding of
        ``params`` (see ``_loss.impostor_free_anchors``)."""
        return impostor_free_anchors(projection.forward(params, self.X)[0], self.loss.pairs)

    def set_pos_margin(self, pos_margin):
        """Use ``pos_margin`` for the current pairs (until the next round's)."""
        self.pos_margin = float(pos_margin)
        self.loss.pos_margin = self.pos_margin

    def objective(self, projection, params, alpha):
        """The loss (plus ``alpha`` times the penalty) and its gradient."""
        return loss_and_gradient(params, self.X, projection, self.loss, alpha)

    def scale_to_margin(self, projection, params):
        """The factor that brings the median dissimilar distance to the margin."""
        return self.loss.scale_to_margin(projection.forward(params, self.X)[0])

    def pair_weight(self):
        """The total weight of the current pairs (their number, unweighted)."""
        weight = self.loss.pairs.weight
        return float(self.loss.pairs.n_pairs if weight is None else np.sum(weight))

    def dissimilar_distance_sample(self, projection, params, size, random_state):
        """At most ``size`` dissimilar distances drawn at random, and their
        pair weights (or None)."""
        pairs = self.loss.pairs
        dissimilar = np.flatnonzero(~pairs.similar)
        if dissimilar.shape[0] > size:
            dissimilar = np.sort(random_state.choice(dissimilar, size, replace=False))
        Z = projection.forward(params, self.X)[0]
        distances = pair_distances(Z, pairs.first[dissimilar], pairs.second[dissimilar])
        weight = None if pairs.weight is None else np.asarray(pairs.weight)[dissimilar]
        return distances, weight

    def largest_dissimilar_distance(self, projection, params):
        """The largest distance of a dissimilar pair in the embedding (or 0)."""
        distances = self.loss.dissimilar_distances(projection.forward(params, self.X)[0])
        return float(distances.max()) if distances.size else None


def _internal_data(X, scaling, source, random_state):
    """``X`` in internal units, its first mining space, blocks and order.

    Returns ``(X, space, blocks, order)``: ``space`` is where the first round
    searches neighbours (``X`` itself, or the reduced space of a source that
    reduces; ``None`` for a source that does not search); for data larger
    than one mining block, the samples are taken block by block (``order``:
    the permutation; ``blocks``: ranges of the new order).
    """
    if source.mines and not source.reduced_dimension(X):
        # Search the input space: split the caller's X in internal units
        # without a copy, then make the one internal copy in block order.
        blocks = source.blocks(X, random_state, feature_scale=scaling.scale)
        order = None if blocks is None else np.concatenate(blocks)
        X = scaling.apply(X, rows=order)
        return X, X, _contiguous(blocks), order
    X = scaling.apply(X)
    if not source.mines:
        return X, None, None, None
    space = source.mining_space(X, random_state)
    blocks = source.blocks(space, random_state)
    if blocks is None:
        return X, space, None, None
    order = np.concatenate(blocks)
    return X[order], space[order], _contiguous(blocks), order


def _contiguous(blocks):
    """The ranges that ``blocks`` occupy once samples are taken block by block."""
    if blocks is None:
        return None
    starts = np.cumsum([0] + [block.shape[0] for block in blocks])
    return [np.arange(a, b) for a, b in zip(starts[:-1], starts[1:])]
