"""The diagonal map ``Z = X * feature_weights``: one weight per feature.

The smallest capacity the library learns: a weighted Euclidean distance,
``d(a, b)**2 = sum_j w_j**2 (a_j - b_j)**2``, the ``diagonal=True`` metric of
metric-learn's MMC (Xing et al., 2002). It has ``n_features`` parameters
where the linear map has ``n_components * n_features``, so it cannot fit
the particular classes of the training data, only which features tell
samples apart: on pairs of classes never seen in training it generalises
where the full map overfits (see the user guide, "Capacity and the selection").
"""

import numpy as np
import scipy.sparse as sp

from ._objective import weighted_squared_norm
from ._scaling import InputScaling

DIAGONAL_INIT_OPTIONS = ("auto", "identity")


class DiagonalProjection:
    """A per-feature weighting from ``n_features`` to ``n_features`` dimensions.

    Its parameters are the ``n_features`` weights ``w``; the embedding of a
    sample ``x`` is ``x * w``. As :class:`~sk_contrastive._linear.LinearProjection`,
    it is trained in the internal units of ``scaling`` and its fitted
    attribute ``components_`` is the same map for the caller's ``X``: the
    ``(n_features, n_features)`` diagonal matrix of the weights, so that
    ``transform`` is ``X @ components_.T`` for both linear maps.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._diagonal import DiagonalProjection
    >>> projection = DiagonalProjection(n_features=3)
    >>> Z, cache = projection.forward(np.array([1.0, 2.0, 3.0]), np.ones((4, 3)))
    >>> Z[0]
    array([1., 2., 3.])
    >>> projection.backward(None, np.ones((4, 3)), cache, np.ones((4, 3)))
    array([4., 4., 4.])
    """

    # As for any linear map, the loss is homogeneous of degree 2 in (params, margin).
    scales_with_margin = True

    def __init__(self, n_features, scaling=None):
        self.n_features = n_features
        self.n_components = n_features
        self.scaling = InputScaling.identity(n_features) if scaling is None else scaling
        # the caller's units, up to one factor: a feature the caller scaled
        # small (a rare pixel) is not blown up to the others' spread
        # measured against the features that vary: a constant one keeps a
        # scale near its magnitude (1 for zeros), which on data of size
        # 2**1000 made the others' factors overflow; its weight multiplies
        # nothing and takes factor 1
        scale = self.scaling.scale
        varies = getattr(self.scaling, "varies", np.ones(scale.shape, dtype=bool))
        largest = np.max(scale[varies]) if varies.any() else np.max(scale)
        self._caller_units = np.where(varies, scale / largest, 1.0)
        # at most 2**1000: a feature whose spread is 1e-160 of the largest
        # overflowed (the factor is its inverse square); so weighed, it is
        # left out, as it is in the caller's units
        self._penalty_factors = np.exp2(np.minimum(-2.0 * np.log2(self._caller_units), 1000.0))

    @property
    def n_params(self):
        return self.n_features

    @property
    def architecture(self):
        """Parameter layout; a warm start needs the same one."""
        return ("diagonal", self.n_features)

    def forward(self, params, X, out=None):
        """Embed ``X`` (dense result); returns ``(Z, cache)`` for :meth:`backward`."""
        weights = np.asarray(params, dtype=X.dtype)
        if sp.issparse(X):
            return X.multiply(weights).toarray(), None
        return np.multiply(X, weights, out=out), None

    def backward(self, params, X, cache, grad_Z):
        """Chain ``dLoss/dZ`` back to the gradient of the weights."""
        if sp.issparse(X):
            return np.asarray(X.multiply(grad_Z).sum(axis=0)).ravel()
        return np.einsum("ij,ij->j", X, grad_Z)

    def penalty(self, params):
        """``(sum of squared weights, its gradient)``, the weights measured
        on the caller's features (up to one factor for all): unlike the
        linear map, which mixes features, the diagonal map keeps the
        caller's units, as its start does."""
        return weighted_squared_norm(params, self._penalty_factors)

    def scale_output(self, params, factor):
        """The map that embeds ``factor`` times farther."""
        return np.asarray(params, dtype=np.float64) * factor

    def initial_params(self, init, X=None, y=None, random_state=None):
        """Starting weights: ``"auto"`` and ``"identity"``, the caller's
        features as they are (up to one power of two), so the fit starts
        from the caller's Euclidean distances; an array of shape
        ``(n_features,)``, those weights for the caller's ``X``."""
        if isinstance(init, str):
            return self._caller_units.copy()
        return np.asarray(init, dtype=np.float64) * self.scaling.scale

    def to_input_units(self, params):
        """The weights of the same map applied to the caller's ``X``."""
        return np.asarray(params, dtype=np.float64) * self.scaling.input_factors

    def fitted_attributes(self, params, dtype):
        """``components_``: the diagonal matrix of the weights for the caller's ``X``."""
        return {"components_": np.diag(self.to_input_units(params)).astype(dtype)}

    def params_from(self, estimator):
        """The internal weights of a fitted estimator's ``components_``."""
        return np.diagonal(estimator.components_).astype(np.float64) * self.scaling.scale
