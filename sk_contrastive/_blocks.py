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
    pending = [np.arange(n_samples)]
    blocks = []
    while pending:
        indices = pending.pop()
        if indices.shape[0] <= block_size:
            blocks.append(np.sort(indices))
            continue
        direction = _leading_direction(X, indices, rng, inverse_scale)
        if inverse_scale is not None:
            direction = direction * inverse_scale
        projection = X[indices] @ direction
        half = indices.shape[0] // 2
        split = np.argpartition(projection, half)
        pending.extend([indices[split[half:]], indices[split[:half]]])
    return sorted(blocks, key=lambda block: block[0])


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
