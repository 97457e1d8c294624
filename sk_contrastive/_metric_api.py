"""metric-learn's metric API on every fitted map.

Users of metric-learn (de Vazelhes et al., "metric-learn: Metric Learning
Algorithms in Python", JMLR 2020) measure pairs with ``pair_distance`` and
``pair_score``, hand ``get_metric()`` to a neighbour search and read a
linear map's ``get_mahalanobis_matrix()``. Every estimator of this library
answers the same calls, for any map it fitted: the distance is the Euclidean
distance of the two embedded samples.
"""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._loss import pair_distances

# the maps whose distance is a Mahalanobis distance of the input
MAHALANOBIS_MAPS = ("linear", "diagonal")


def _has_mahalanobis_matrix(estimator):
    """Whether the fitted map is linear (unfitted: the call says so)."""
    architecture = getattr(estimator, "architecture_", None)
    if architecture is None:
        return True
    if architecture not in MAHALANOBIS_MAPS:
        fitted = "an MLP"
    elif getattr(estimator, "metric", "euclidean") == "cosine":
        fitted = f"a {architecture} map with metric='cosine' (unit-norm output)"
    else:
        return True
    raise AttributeError(
        f"get_mahalanobis_matrix is defined for a linear or diagonal map; this "
        f"{type(estimator).__name__} fitted {fitted}, whose distance is not a "
        "Mahalanobis distance of its input. Use get_metric() or transform().")


class MetricLearnerMixin:
    """``pair_distance``, ``pair_score``, ``get_metric`` and, for linear maps,
    ``get_mahalanobis_matrix``, as metric-learn's learners have them."""

    def pair_distance(self, pairs):
        """The distance of the two samples of each pair: Euclidean, embedded.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features)
            The two samples of each pair (metric-learn's form). The pair
            estimators also take pairs of row indices of shape
            ``(n_pairs, 2)`` into their ``preprocessor``.

        Returns
        -------
        distances : ndarray of shape (n_pairs,)
            ``||f(a) - f(b)||`` for the fitted map ``f``, in the units of the
            embedding (those of ``margin``); with ``metric="cosine"``, the
            chord distance of the two unit vectors, in [0, 2].

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            For pairs of another shape, another number of features than in
            ``fit``, NaN or infinity.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_contrastive import ContrastiveEmbedding
        >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [3.0, 0.0], [3.1, 0.0]])
        >>> model = ContrastiveEmbedding(n_components=1, random_state=0).fit(X, [0, 0, 1, 1])
        >>> distances = model.pair_distance(np.array([[X[0], X[1]], [X[0], X[2]]]))
        >>> bool(distances[0] < distances[1])
        True
        """
        check_is_fitted(self)
        return self._row_pair_distances(*self._pair_rows(pairs))

    def _row_pair_distances(self, X, first, second):
        """The embedded distances of the pairs of rows ``(first, second)`` of
        ``X`` (validated samples, as :meth:`_pair_rows` returns them)."""
        Z = self._projection.forward(self._projection.params_from(self), X)[0]
        return pair_distances(Z, first, second)

    def pair_score(self, pairs):
        """Score each pair by minus :meth:`pair_distance`: the greater, the more similar.

        metric-learn's convention for scores, and that of scikit-learn's
        ``roc_auc_score`` (which expects higher scores for the positive,
        similar, class).

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features)
            As for :meth:`pair_distance`.

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
            Minus the embedded distance of each pair.
        """
        return -self.pair_distance(pairs)

    def get_metric(self):
        """The learned distance of two samples, as a function.

        Returns
        -------
        metric : callable
            ``metric(a, b) -> float`` for two samples of shape
            ``(n_features,)``: the Euclidean distance of their embeddings
            by the map fitted when ``get_metric`` was called (a later
            ``fit`` does not change it). It pickles, and scikit-learn's
            neighbour searches take it (``KNeighborsClassifier(metric=...)``),
            though they call it once for each pair of samples: embedding the
            samples once with ``transform`` and searching with the Euclidean
            distance gives the same neighbours far faster.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.neighbors import KNeighborsClassifier
        >>> from sk_contrastive import ContrastiveEmbedding
        >>> X = np.array([[0.0, 5.0], [0.1, -5.0], [3.0, 5.0], [3.1, -5.0]])
        >>> y = [0, 0, 1, 1]
        >>> metric = ContrastiveEmbedding(n_components=1, random_state=0).fit(X, y).get_metric()
        >>> KNeighborsClassifier(1, metric=metric).fit(X, y).predict([[0.2, 5.0]]).tolist()
        [0]
        """
        check_is_fitted(self)
        return EmbeddedDistance(self._projection, self._projection.params_from(self))

    @available_if(_has_mahalanobis_matrix)
    def get_mahalanobis_matrix(self):
        """The matrix ``M`` of the learned distance ``sqrt((a - b)^T M (a - b))``.

        ``components_.T @ components_``, for a linear or diagonal map
        (metric-learn's convention); an MLP's distance has no such matrix,
        nor has a map followed by the division by the norm
        (``metric="cosine"``), and such a fitted estimator has no
        ``get_mahalanobis_matrix``.

        Returns
        -------
        M : ndarray of shape (n_features, n_features)
            Symmetric positive semi-definite, of rank at most
            ``n_components``, of the dtype of ``components_``.

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_contrastive import ContrastiveEmbedding
        >>> X = np.array([[0.0, 5.0], [0.1, -5.0], [3.0, 5.0], [3.1, -5.0]])
        >>> model = ContrastiveEmbedding(n_components=1, random_state=0).fit(X, [0, 0, 1, 1])
        >>> model.get_mahalanobis_matrix().shape
        (2, 2)
        """
        check_is_fitted(self)
        return self.components_.T @ self.components_

    def _pair_rows(self, pairs):
        """``(X, first, second)``: the samples of the pairs, validated against
        the fit, and the rows of each pair's two samples."""
        pairs = check_array(pairs, allow_nd=True, dtype=[np.float64, np.float32],
                            input_name="pairs")
        if pairs.ndim != 3 or pairs.shape[1] != 2:
            raise ValueError(
                "pairs must have shape (n_pairs, 2, n_features), the two samples of each "
                f"pair; got shape {pairs.shape}.")
        X = validate_data(self, pairs.reshape(-1, pairs.shape[2]), reset=False)
        rows = np.arange(X.shape[0])
        return X, rows[0::2], rows[1::2]


class EmbeddedDistance:
    """The Euclidean distance of two samples embedded by a fitted map
    (:meth:`MetricLearnerMixin.get_metric`)."""

    def __init__(self, projection, params):
        self.projection = projection
        self.params = params

    def __call__(self, a, b):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        n_features = self.projection.n_features
        if a.shape != (n_features,) or b.shape != (n_features,):
            raise ValueError(
                f"The metric takes two samples of shape ({n_features},); got shapes "
                f"{a.shape} and {b.shape}.")
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise ValueError("The metric takes finite samples; got NaN or infinity.")
        Z = self.projection.forward(self.params, np.vstack([a, b]))[0]
        return float(np.linalg.norm(Z[0] - Z[1]))
