"""The internal units of a fit: features centred and scaled by powers of two.

A fit never works on the caller's ``X`` directly but on
``(X - offset) / scale``, where ``offset`` is the (weighted) mean of each
feature and ``scale`` the power of two nearest to its standard deviation.
This is a preconditioner, not a change of model:

- the contrastive loss of a linear map depends only on differences of
  samples, so the offset does not change it, and dividing a feature by a
  power of two is exact in floating point, so the fitted map is folded back
  into the caller's units without rounding (see the projections'
  ``fitted_attributes``);
- L-BFGS then sees features of comparable spread, whatever their units: an
  offset of ``1e9`` or one feature measured in units ``1e5`` times smaller no
  longer stalls it, and data of magnitude ``1e300`` or ``1e-300`` neither
  overflows nor underflows.

Sparse ``X`` is scaled but not centred (centring would densify it); its
neighbour search works in a reduced space anyway. Nor is ``X`` centred for a
linear or diagonal map with ``metric="cosine"``, whose division by the norm
sees a shift of the embedding (see ``BaseContrastive._centres_input``).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis

_ROWS_PER_CHUNK = 65536


class InputScaling:
    """Per-feature ``offset`` and power-of-two ``scale`` of the internal units.

    Parameters
    ----------
    offset : ndarray of shape (n_features,) or None
        Subtracted from every sample (float64); ``None`` for sparse data.
    scale : ndarray of shape (n_features,)
        Powers of two (float64) each feature is divided by after centring.
    bound : ndarray of shape (n_features,) or None
        Powers of two within a factor 2 of each feature's largest magnitude;
        :meth:`apply` divides by them first when entries come near the
        largest float. ``None``: all ones.
    spread : ndarray of shape (n_features,) or None
        Each feature's standard deviation in internal units, between 0.5 and
        2 (1 for a constant feature): a weight times it is the weight of the
        standardised feature, which the penalty ``alpha`` measures. ``None``:
        all ones.
    varies : ndarray of bool of shape (n_features,) or None
        Whether each feature varies (a constant one keeps ``scale`` near
        its magnitude, whatever the others' spread). ``None``: all.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._scaling import InputScaling
    >>> X = np.array([[1e9, 0.0], [1e9 + 2, 0.5], [1e9 + 4, 1.0]])
    >>> scaling = InputScaling.from_data(X)
    >>> scaling.offset, scaling.scale
    (array([1.e+09, 5.e-01]), array([2. , 0.5]))
    >>> scaling.apply(X)
    array([[-1., -1.],
           [ 0.,  0.],
           [ 1.,  1.]])
    """

    def __init__(self, offset, scale, bound=None, spread=None, varies=None):
        self.offset = offset
        self.scale = scale
        self.bound = np.ones_like(scale) if bound is None else bound
        self.spread = np.ones_like(scale) if spread is None else spread
        self.varies = np.ones(scale.shape, dtype=bool) if varies is None else varies

    @property
    def input_factors(self):
        """What turns a weight on an internal feature into a weight on the
        caller's: ``1 / scale``, and 0 for a constant feature, which
        multiplies nothing in the training data (its internal column is 0)
        and so was never fitted: scaled by its own tiny ``scale``, a weight
        it kept from the start put new rows 1e294 away."""
        varies = getattr(self, "varies", None)  # models pickled before it
        factors = 1.0 / self.scale
        return factors if varies is None else np.where(varies, factors, 0.0)

    @classmethod
    def identity(cls, n_features):
        """Internal units equal to the caller's."""
        return cls(np.zeros(n_features), np.ones(n_features))

    @classmethod
    def from_data(cls, X, sample_weight=None, centre=True):
        """Offsets and scales of ``X`` (dense or sparse, rows weighted).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
            Finite values.
        sample_weight : ndarray of shape (n_samples,) or None
            Non-negative weights with a positive sum.
        centre : bool, default=True
            Whether the internal units are centred (never for sparse ``X``).
        """
        # Powers of two near each feature's largest entry: statistics are
        # taken in those units, so no square can overflow.
        bound = power_of_two_below(largest_magnitude(X))
        if sp.issparse(X):
            bounded = sp.csr_array(X) @ _diagonal(1.0 / bound)
            mean, variance = mean_variance_axis(
                bounded.astype(np.float64), axis=0, weights=sample_weight
            )
        else:
            mean, variance = _weighted_mean_variance(X, 1.0 / bound, sample_weight)
        return cls.from_statistics(bound, mean, variance, X.shape[0],
                                   centre=centre and not sp.issparse(X))

    @classmethod
    def from_statistics(cls, bound, mean, variance, n_samples, centre=True):
        """The internal units from each feature's statistics in units of ``bound``.

        Parameters
        ----------
        bound : ndarray of shape (n_features,)
            Powers of two near each feature's largest magnitude
            (:func:`power_of_two_below` of it).
        mean, variance : ndarray of shape (n_features,)
            Weighted mean and variance of each feature divided by ``bound``.
        n_samples : int
            The number of rows they were computed from.
        centre : bool, default=True
            Whether the internal units are centred (not for sparse data).
        """
        offset = mean * bound if centre else None
        std = np.sqrt(np.maximum(variance, 0.0))
        exponent = np.zeros_like(std)
        # A constant feature's computed variance is the rounding error of its
        # mean, not 0; scaled by that, its weights in the caller's units would
        # be ~1e16 times its internal ones (a digits pixel, constant in a
        # subsample, mapped a rare sample 5e15 away). scikit-learn's
        # StandardScaler (_is_constant_feature) bounds that error so:
        eps = np.finfo(np.float64).eps
        rounding = n_samples * eps * variance + (n_samples * mean * eps) ** 2
        varies = variance > rounding
        exponent[varies] = np.round(np.log2(std[varies]))
        # finite powers of two whose reciprocals are finite too, for data that
        # span the float range (largest or subnormal entries)
        log_bound = np.log2(bound)
        largest = np.finfo(np.float64).maxexp - 1
        exponent = np.clip(exponent, -largest - log_bound, largest - log_bound)
        with np.errstate(over="ignore"):  # where the exponent was clipped
            spread = np.where(varies, np.clip(std * np.exp2(-exponent), 0.5, 2.0), 1.0)
        # on a grid of 2**-20, coarser than the last bits in which the sparse
        # and dense computations of a variance differ, so that both give the
        # same spread unless it falls on a rounding boundary of the grid
        spread = np.round(spread * 2.0**20) / 2.0**20
        return cls(offset, bound * np.exp2(exponent), bound, spread, varies)

    def check_representable(self, margin, dtype):
        """Raise ValueError if a map that sets samples ``margin`` apart would
        need coefficients beyond the largest float of ``dtype`` in the
        caller's units (features whose spread is near the smallest float)."""
        needed = margin / np.max(self.scale, initial=0.0)
        if not needed < np.finfo(dtype).max / 2**16:
            raise ValueError(
                f"The features of X spread over at most {np.max(self.scale):.3g}: a map "
                f"that sets dissimilar samples margin={margin:g} apart would need "
                f"coefficients near {needed:.3g}, beyond the largest {np.dtype(dtype)} "
                "value. Multiply X by a constant (for example with StandardScaler) "
                "or lower the margin."
            )

    def apply(self, X, rows=None):
        """A copy of ``X`` (or of its ``rows``) in internal units, in ``X``'s dtype."""
        if sp.issparse(X):
            X = sp.csr_array(X)
            if rows is not None:
                X = X[rows]
            return (X @ _diagonal((1.0 / self.scale).astype(X.dtype))).tocsr()
        internal = X[rows] if rows is not None else X.copy()
        # a fit on sparse data is not centred: dense samples of it neither
        offset = np.zeros_like(self.scale) if self.offset is None else self.offset
        if np.max(self.bound, initial=1.0) < 2.0 ** (np.finfo(X.dtype).maxexp - 4):
            internal -= offset.astype(X.dtype)
            internal *= (1.0 / self.scale).astype(X.dtype)
            return internal
        # Entries near the largest float: divide by the bound first (exact),
        # so that the centring cannot overflow, then bring to unit spread.
        internal *= (1.0 / self.bound).astype(X.dtype)
        internal -= (offset / self.bound).astype(X.dtype)
        internal *= (self.bound / self.scale).astype(X.dtype)
        return internal


def _diagonal(values):
    """The diagonal sparse array of ``values``, in their dtype (what
    ``scipy.sparse.diags_array`` builds, which scipy < 1.12 lacks)."""
    return sp.dia_array((values[np.newaxis], [0]), shape=(values.size, values.size))


def largest_magnitude(X):
    """Each feature's largest absolute value (float64), without a copy of ``|X|``."""
    if sp.issparse(X):
        return np.asarray(abs(X).max(axis=0).todense()).ravel().astype(np.float64)
    if X.shape[0]:
        return np.maximum(X.max(axis=0), -X.min(axis=0)).astype(np.float64)
    return np.zeros(X.shape[1])


def power_of_two_below(values):
    """The power of two ``p`` with ``p <= |v| < 2 p`` for each value (1 for 0;
    the smallest normal float for subnormal values)."""
    _, exponent = np.frexp(values)
    powers = np.exp2(exponent.astype(np.float64) - 1)
    powers[values == 0] = 1.0
    # not below the smallest normal float, whose reciprocal is finite
    return np.maximum(powers, np.finfo(np.float64).tiny)


def weighted_moments(X, column_factor, sample_weight=None, mean=None):
    """Total weight and, per feature of ``X * column_factor``, the weighted sum
    (or, given ``mean``, the weighted sum of squared deviations from it), in
    float64 and chunk by chunk: statistics of one part of the data that add
    up over parts."""
    n_samples = X.shape[0]
    if sample_weight is None:
        sample_weight = np.ones(n_samples)
    total = np.zeros(X.shape[1])
    for start in range(0, n_samples, _ROWS_PER_CHUNK):
        chunk = X[start : start + _ROWS_PER_CHUNK].astype(np.float64) * column_factor
        if mean is not None:
            chunk -= mean
            chunk *= chunk
        total += sample_weight[start : start + _ROWS_PER_CHUNK] @ chunk
    return float(np.sum(sample_weight)), total


def _weighted_mean_variance(X, column_factor, sample_weight):
    """Mean and variance of ``X * column_factor`` per column, in float64."""
    weight, total = weighted_moments(X, column_factor, sample_weight)
    mean = total / weight
    return mean, weighted_moments(X, column_factor, sample_weight, mean)[1] / weight


def distance_factor(*arrays):
    """The power of two that brings the largest entry of the arrays (``None``
    skipped) to at most 1, and at most 2**1000 (the reciprocal of a
    subnormal largest entry overflows); 1 for arrays of zeros."""
    largest = max((_largest_entry(array) for array in arrays if array is not None),
                  default=0.0)
    if not 0 < largest < np.inf:
        return 1.0
    return float(np.ldexp(1.0, min(-int(np.frexp(largest)[1]), 1000)))


def _largest_entry(array):
    array = array if sp.issparse(array) else np.asarray(array)
    return float(np.max(largest_magnitude(array), initial=0.0))
