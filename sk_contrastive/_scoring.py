"""The estimator's default score: leave-one-out kNN accuracy in the embedding."""

import numpy as np
from sklearn.neighbors import NearestNeighbors


def leave_one_out_knn_accuracy(Z, y, n_neighbors=5):
    """Fraction of samples whose label wins the vote of their nearest neighbours.

    Each sample is classified by a majority vote of its ``n_neighbors``
    nearest *other* samples of ``Z`` (Euclidean distance, uniform weights,
    ties to the label that sorts first, as
    :class:`~sklearn.neighbors.KNeighborsClassifier` breaks them). With fewer
    than ``n_neighbors + 1`` samples, all other samples vote.

    The value is invariant to rescaling ``Z`` and to a margin that only
    rescales it, lies in [0, 1], and is 1 when ``y`` holds a single class.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scoring import leave_one_out_knn_accuracy
    >>> Z = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [0.15]])
    >>> leave_one_out_knn_accuracy(Z, [0, 0, 0, 1, 1, 1], n_neighbors=1)
    0.5
    """
    y = np.asarray(y)
    n_samples = Z.shape[0]
    if n_samples < 2:
        raise ValueError(
            f"Scoring needs at least 2 samples for a leave-one-out vote; got {n_samples}."
        )
    _, y_index = np.unique(y, return_inverse=True)
    k = min(n_neighbors, n_samples - 1)
    neighbors = NearestNeighbors(n_neighbors=k).fit(Z).kneighbors(return_distance=False)
    votes = np.zeros((n_samples, y_index.max() + 1), dtype=np.intp)
    np.add.at(votes, (np.repeat(np.arange(n_samples), k), y_index[neighbors].ravel()), 1)
    return float(np.mean(np.argmax(votes, axis=1) == y_index))
