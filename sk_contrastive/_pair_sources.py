"""Pair sources: how a fit turns its input into pairs, round by round.

A kind of supervision is a pair source: an object that follows
:class:`PairSource`, the one interface the fit engine (``_base``,
``_training_data``, ``_dask``) uses to get pairs. ``ContrastiveEmbedding``
mines pairs from class labels (:class:`LabelPairSource`), from no labels
(DrLIM, :class:`NeighborPairSource`) or from some
(:class:`PartialLabelPairSource`), and pairs similar to a degree from
continuous or multi-label targets, all known (:class:`GradedPairSource`) or
some (:class:`PartialGradedPairSource`);
``ContrastivePairClassifier`` learns from
given pairs (:class:`FixedPairSource`). A new kind of supervision is a new
source (and its estimator's score); the engine does not change.
"""

import copy
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from ._blocks import spatial_blocks
from ._pairs import (
    neighbor_rows,
    pairs_from_labels,
    pairs_from_neighbors,
    pairs_from_partial_labels,
    pairs_from_partial_targets,
    pairs_from_targets,
    unlabelled_neighbor_rows,
)
from ._targets import similarity, target_neighbor_rows, target_space

# the first round's search space for sparse X: a TruncatedSVD of this many
# directions (a dense copy could be far too large)
SPARSE_MINING_COMPONENTS = 64


@runtime_checkable
class PairSource(Protocol):
    """What the fit engine asks of a pair source.

    Attributes
    ----------
    mines : bool
        Whether the pairs depend on where samples lie. If so, the engine
        hands ``build`` a *mining space* each round: the data in internal
        units (or ``mining_space``'s reduction of them) in the first round,
        the embedding learned so far in later ones.
    n_rounds : int
        Rounds of pair building and optimisation.
    init_labels : ndarray of shape (n_samples,) or None
        Class codes for ``init="lda"`` (``-1``: unlabelled), or None.
    graded : bool
        Whether its pairs are graded (``Pairs.graded``): the loss then holds
        them coupled too, which the memory check counts.
    """

    mines: bool
    n_rounds: int
    init_labels: object
    graded: bool

    def n_pairs_bound(self, n_samples):
        """The most pairs one round builds for ``n_samples`` samples (int),
        for the memory check."""

    def mining_block(self, n_samples):
        """How many samples one neighbour search compares (int), or None if
        the source searches none."""

    def reduced_dimension(self, X):
        """The dimension of the space the first round searches when the
        source reduces ``X`` first (sparse data), else 0."""

    def blocks(self, space, random_state, feature_scale=None):
        """Spatial blocks of the samples of ``space`` for the neighbour
        search, or None (one block)."""

    def prepare(self, X, blocks, random_state):
        """Work on the first mining space (the samples in the first
        round's order), done once before the first round; a later round
        that takes the samples in another order renumbers what it stored
        (``MiningPairSource.reorder``)."""

    def build(self, space, blocks, random_state):
        """The round's :class:`~sk_contrastive._pairs.Pairs` of rows of
        ``space``."""


class MiningPairSource:
    """What every pair source of ContrastiveEmbedding shares: spatial
    blocks, sample order and the pair count. ``labels`` holds class codes
    (``-1``: unlabelled) or is None.

    Besides :class:`PairSource`, the engine asks a source that mines for
    ``mining_space(X, random_state)``, the first round's search space, and
    ``reorder(order)``, the source for the samples taken in ``order``."""

    mines = True
    graded = False

    def __init__(self, labels, *, n_positives, n_negatives, n_random_negatives,
                 n_rounds, block_size, mining_components):
        self.labels = labels
        self.n_positives = n_positives
        self.n_negatives = n_negatives
        self.n_random_negatives = n_random_negatives
        self.n_rounds = n_rounds
        self.block_size = block_size
        self.mining_components = mining_components

    @property
    def init_labels(self):
        return self.labels

    def n_pairs_bound(self, n_samples):
        return n_samples * (self.n_positives + self.n_negatives + self.n_random_negatives)

    def mining_block(self, n_samples):
        return n_samples if self.block_size is None else min(n_samples, self.block_size)

    def reduced_dimension(self, X):
        """Dimension of the first round's search space if it is reduced, else 0:
        sparse ``X`` is reduced (a dense copy could be far too large), and
        dense ``X`` when ``mining_components`` is set."""
        if self.mining_components is None and not sp.issparse(X):
            return 0
        wanted = self.mining_components or SPARSE_MINING_COMPONENTS
        return min(wanted, X.shape[1])

    def mining_space(self, X, random_state):
        """``X`` projected on its leading singular directions (TruncatedSVD);
        a space no smaller than ``X`` is ``X`` itself, densified."""
        n_components = min(self.reduced_dimension(X), X.shape[0] - 1)
        if n_components >= X.shape[1] or n_components < 1:
            return X.toarray() if sp.issparse(X) else X
        svd = TruncatedSVD(n_components, random_state=random_state)
        # its explained-variance ratio, unused here, is 0 / 0 for constant X
        with np.errstate(invalid="ignore", divide="ignore"):
            return svd.fit_transform(X).astype(X.dtype, copy=False)

    def blocks(self, space, random_state, feature_scale=None):
        # a source that searches nothing (mining_block None) needs no blocks,
        # nor the block order and the copy of X per round they bring
        if self.mining_block(space.shape[0]) is None:
            return None
        if self.block_size is None or space.shape[0] <= self.block_size:
            return None
        return spatial_blocks(space, self.block_size, random_state, feature_scale)

    # what ``prepare`` stores that holds sample indices (-1: none), row by sample
    _index_rows = ()

    def reorder(self, order):
        """The source for the samples taken in ``order``, before ``prepare``
        or between rounds."""
        reordered = copy.copy(self)
        if self.labels is not None:
            reordered.labels = self.labels[order]
        inverse = _inverse(order)
        for name in self._index_rows:
            rows = getattr(self, name, None)
            if rows is not None:
                setattr(reordered, name, _renumbered(rows[order], inverse))
        return reordered

    def prepare(self, X, blocks, random_state):
        """Work done once on the input space, before the first round."""


class LabelPairSource(MiningPairSource):
    """Pairs from class labels, mined in each round's space."""

    def __init__(self, labels, *, strategy, **settings):
        super().__init__(labels, **settings)
        self.strategy = strategy

    def mining_block(self, n_samples):
        if self.strategy != "neighbors":
            return None
        return super().mining_block(n_samples)

    def build(self, space, blocks, random_state):
        return pairs_from_labels(
            space,
            self.labels,
            strategy=self.strategy,
            n_positives=self.n_positives,
            n_negatives=self.n_negatives,
            n_random_negatives=self.n_random_negatives,
            blocks=blocks,
            random_state=random_state,
        )


class NeighborPairSource(MiningPairSource):
    """Unlabelled data (DrLIM): neighbours in the input space are similar;
    ``n_negatives + n_random_negatives`` random other samples, drawn anew
    each round, dissimilar."""

    _index_rows = ("positives",)

    def prepare(self, X, blocks, random_state):
        self.positives = neighbor_rows(X, self.n_positives, blocks)

    def build(self, space, blocks, random_state):
        return pairs_from_neighbors(
            space,
            n_random_negatives=self.n_negatives + self.n_random_negatives,
            positives=self.positives,
            random_state=random_state,
        )


class PartialLabelPairSource(MiningPairSource):
    """Partly labelled data: label pairs among the labelled samples, mined in
    each round's space; neighbour pairs of the input space for the others."""

    _index_rows = ("neighbor_positives",)

    def prepare(self, X, blocks, random_state):
        self.neighbor_positives = unlabelled_neighbor_rows(
            X, self.labels, self.n_positives, blocks
        )

    def build(self, space, blocks, random_state):
        labelled = np.flatnonzero(self.labels >= 0)
        return pairs_from_partial_labels(
            space,
            self.labels,
            n_positives=self.n_positives,
            n_negatives=self.n_negatives,
            n_random_negatives=self.n_random_negatives,
            neighbor_positives=self.neighbor_positives,
            labelled_blocks=self.blocks(space[labelled], random_state),
            random_state=random_state,
        )


class GradedPairSource(MiningPairSource):
    """Pairs similar to a degree, from continuous or multi-label targets
    (see ``_targets``): each sample's most similar samples by target, its
    nearest in each round's space and random ones, each pair weighted by the
    similarity of its targets (:func:`~sk_contrastive._pairs.pairs_from_targets`).

    ``targets`` is the fit's 2-D target array (``check_graded_targets``) and
    ``kind`` its ``target_type``; ``labels`` is None (no class, so no LDA
    start)."""

    graded = True

    def __init__(self, targets, *, kind, **settings):
        super().__init__(None, **settings)
        self.kind = kind
        self.space = target_space(targets, kind)

    def n_pairs_bound(self, n_samples):
        return 2 * super().n_pairs_bound(n_samples)  # a similar and a dissimilar term each

    _index_rows = ("positives",)

    def reorder(self, order):
        reordered = super().reorder(order)
        reordered.space = self.space[order]
        return reordered

    def prepare(self, X, blocks, random_state):
        self.positives = target_neighbor_rows(self.space, self.kind, self.n_positives)

    def build(self, space, blocks, random_state):
        return pairs_from_targets(
            space,
            lambda first, second: similarity(self.space, self.kind, first, second),
            target_positives=self.positives,
            n_positives=self.n_positives,
            n_negatives=self.n_negatives,
            n_random_negatives=self.n_random_negatives,
            blocks=blocks,
            random_state=random_state,
        )


class PartialGradedPairSource(GradedPairSource):
    """Partly labelled graded targets: graded pairs among the samples whose
    target is ``known``, mined in each round's space, with the similarity of
    their quantiles among themselves; neighbour pairs of the input space for
    the others (:func:`~sk_contrastive._pairs.pairs_from_partial_targets`)."""

    def __init__(self, targets, *, known, kind, **settings):
        MiningPairSource.__init__(self, None, **settings)
        self.kind = kind
        self.known = known
        labelled_space = target_space(targets[known], kind)
        self.space = np.zeros(targets.shape, dtype=labelled_space.dtype)
        self.space[known] = labelled_space

    # ``positives`` is indexed by, and holds, positions among the known samples
    _index_rows = ("neighbor_positives",)

    def reorder(self, order):
        reordered = super().reorder(order)
        reordered.known = self.known[order]
        if getattr(self, "positives", None) is not None:
            moved = (np.cumsum(self.known) - 1)[order[reordered.known]]
            reordered.positives = _renumbered(self.positives[moved], _inverse(moved))
        return reordered

    def prepare(self, X, blocks, random_state):
        labelled = np.flatnonzero(self.known)
        self.positives = target_neighbor_rows(self.space[labelled], self.kind, self.n_positives)
        self.neighbor_positives = unlabelled_neighbor_rows(
            X, np.where(self.known, 0, -1), self.n_positives, blocks
        )

    def build(self, space, blocks, random_state):
        labelled = np.flatnonzero(self.known)
        return pairs_from_partial_targets(
            space,
            lambda first, second: similarity(
                self.space, self.kind, labelled[first], labelled[second]),
            self.known,
            target_positives=self.positives,
            n_positives=self.n_positives,
            n_negatives=self.n_negatives,
            n_random_negatives=self.n_random_negatives,
            neighbor_positives=self.neighbor_positives,
            labelled_blocks=self.blocks(space[labelled], random_state),
            random_state=random_state,
        )


def graded_source(targets, *, kind, **settings):
    """The pair source of graded ``targets`` (2-D float, a row of NaN where
    a sample's target is missing), as each chunk of a fit on a Dask array
    makes it from its own samples: graded pairs, partly labelled where some
    rows are missing, neighbour pairs alone where fewer than 2 are known."""
    known = ~np.isnan(targets).any(axis=1)
    targets = np.where(known[:, None], targets, 0.0)
    if kind == "multilabel-indicator":
        targets = targets != 0
    if known.all():
        return GradedPairSource(targets, kind=kind, **settings)
    if known.sum() < 2:
        return NeighborPairSource(None, **settings)
    return PartialGradedPairSource(targets, known=known, kind=kind, **settings)


class FixedPairSource:
    """The given pairs, in one round and without any search."""

    mines = False
    n_rounds = 1
    init_labels = None

    def __init__(self, pairs):
        self.pairs = pairs

    @property
    def graded(self):
        return self.pairs.graded

    def n_pairs_bound(self, n_samples):
        return self.pairs.n_pairs

    def mining_block(self, n_samples):
        return None

    def reduced_dimension(self, X):
        return 0

    def blocks(self, space, random_state, feature_scale=None):
        return None

    def prepare(self, X, blocks, random_state):
        """Nothing to prepare: the pairs are given."""

    def build(self, space, blocks, random_state):
        return self.pairs


def _inverse(order):
    """The permutation that undoes ``order``."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.shape[0], dtype=order.dtype)
    return inverse


def _renumbered(rows, inverse):
    """Sample indices ``rows`` (``-1``: none) in the numbering ``inverse`` gives."""
    return np.where(rows >= 0, inverse[rows], -1).astype(rows.dtype, copy=False)
