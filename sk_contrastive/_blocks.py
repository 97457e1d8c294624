"""Spatial blocks: split samples into groups of nearby points.

Exact neighbour search over ``n`` samples costs ``O(n**2 d)``. Searching only
within blocks of at most ``block_size`` nearby samples costs
``O(n * block_size * d)`` and finds most true neighbours, since near points
land in the same block. Blocks come from recursive median splits along the
leading principal direction of each node (a PCA tree). Ordering samples
block by block also puts neighbours close together in memory.
"""

import numpy as np
from sklearn.utils import check_random_state

from ._neighbors import project_rows
from ._threadpool import on_spare_threads

_DIRECTION_SAMPLE = 256
_POWER_ITERATIONS = 4


def spatial_blocks(X, block_size, random_state=None, feature_scale=None):
    """Partition the rows of ``X`` into blocks of at most ``block_size`` nearby rows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    block_size : int
        Largest block; ``n_samples <= block_size`` gives one block, all of ``X``.
    random_state : int, RandomState instance or None
        Seeds the subsamples that estimate each split direction.
    feature_scale : ndarray of shape (n_features,) or None
        Split the rows as if each feature were divided by its entry here
        (and centred, which does not change a split), without a copy of ``X``.

    Returns
    -------
    blocks : list of ndarray of int
        Disjoint index arrays covering ``range(n_samples)``, each sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._blocks import spatial_blocks
    >>> X = np.array([[0.0], [10.0], [0.1], [10.1], [0.2], [10.2]])
    >>> [block.tolist() for block in spatial_blocks(X, block_size=3, random_state=0)]
    [[0, 2, 4], [1, 3, 5]]
    """
    rng = check_random_state(random_state)
    n_samples = X.shape[0]
    inverse_scale = None
    if feature_scale is not None:
        inverse_scale = (1.0 / np.asarray(feature_scale)).astype(X.dtype)
    # Level by level, each node split with a generator of its own, seeded
    # from ``rng`` in the level's order: the blocks do not depend on how
    # many threads split the nodes of a level.
    blocks, level = [], [np.arange(n_samples)]
    while level:
        blocks += [np.sort(indices) for indices in level if indices.shape[0] <= block_size]
        splitting = [indices for indices in level if indices.shape[0] > block_size]
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(splitting))
        halves = on_spare_threads(
            _halves, [(X, indices, np.random.RandomState(seed), inverse_scale)
                      for indices, seed in zip(splitting, seeds)], "blocks")
        level = [half for pair in halves for half in pair]
    return sorted(blocks, key=lambda block: block[0])


def _halves(X, indices, rng, inverse_scale):
    """The rows ``indices`` split at the median of their projection on
    their leading principal direction: ``(lower half, upper half)``."""
    direction = _leading_direction(X, indices, rng, inverse_scale)
    if inverse_scale is not None:
        direction = direction * inverse_scale
    split = np.argpartition(_projection(X, indices, direction), indices.shape[0] // 2)
    half = indices.shape[0] // 2
    return indices[split[:half]], indices[split[half:]]


def _projection(X, indices, direction):
    """``X[indices] @ direction``, without the copy of the rows for a
    C-contiguous float ``X`` (compiled, GIL released)."""
    if X.flags.c_contiguous and X.dtype in (np.float32, np.float64) and X.shape[1]:
        out = np.empty(indices.shape[0], dtype=X.dtype)
        project_rows(X, indices.astype(np.intp, copy=False),
                     np.ascontiguousarray(direction, dtype=X.dtype), out)
        return out
    return X[indices] @ direction


def _leading_direction(X, indices, rng, inverse_scale=None):
    """Approximate leading principal direction of ``X[indices]`` (each feature
    times ``inverse_scale``), by power iteration."""
    sample = X[rng.choice(indices, min(_DIRECTION_SAMPLE, indices.shape[0]), replace=False)]
    if inverse_scale is not None:
        sample = sample * inverse_scale
    sample = sample - sample.mean(axis=0)
    direction = rng.standard_normal(X.shape[1]).astype(X.dtype)
    for _ in range(_POWER_ITERATIONS):
        direction = sample.T @ (sample @ direction)
        norm = np.linalg.norm(direction)
        if norm == 0:  # all sampled points coincide: any direction splits evenly
            return rng.standard_normal(X.shape[1]).astype(X.dtype)
        direction /= norm
    return direction
