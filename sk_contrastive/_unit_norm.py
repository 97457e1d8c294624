"""The last step of a cosine map: each embedded row divided by its norm.

With ``metric="cosine"`` the estimators learn ``u = z / ||z||``, where ``z``
is the output of the linear, diagonal or MLP map. :class:`UnitNormProjection`
wraps any map (anything with the protocol of
:class:`~sk_contrastive._linear.LinearProjection`: ``forward``, ``backward``,
``penalty``, ``initial_params`` ...) and adds this step to its forward pass
and its Jacobian to its backward pass, so that no map knows about it.

The Euclidean distance between two unit vectors is the *chord distance*
``||u - v|| = sqrt(2 - 2 cos(u, v))``, in [0, 2]: the contrastive loss, its
margin and every distance the estimators report keep their meaning, on the
unit sphere.
"""

import numpy as np
from sklearn.preprocessing import normalize

from ._scaling import distance_factor

# the largest chord distance: two opposite unit vectors
MAX_CHORD_DISTANCE = 2.0


def unit_rows(Z):
    """``(U, norms)``: the rows of ``Z`` divided by their Euclidean norms.

    Each row is first divided by its largest magnitude, so that its
    squares neither overflow nor underflow: rows of 1e200 or 1e-200 (float64)
    and 1e30 (float32) land on the sphere as rows of 1 do. A row of zeros
    stays a row of zeros, as in :func:`sklearn.preprocessing.normalize`: it
    is not on the sphere, it is at chord distance 1 from every unit vector,
    and it passes no gradient (see :meth:`UnitNormProjection.backward`). Its
    norm is returned as 0.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_components), float32 or float64
        Overwritten by ``U``.

    Returns
    -------
    U : ndarray of shape (n_samples, n_components)
        ``Z`` itself, each row of norm 1 or 0.
    norms : ndarray of shape (n_samples, 1)
        The norms of the rows of ``Z`` before the division, in ``Z``'s dtype
        (infinite where the norm itself exceeds the dtype's range).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._unit_norm import unit_rows
    >>> U, norms = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0], [3e300, -4e300]]))
    >>> U
    array([[ 0.6,  0.8],
           [ 0. ,  0. ],
           [ 0.6, -0.8]])
    >>> norms.ravel()
    array([5.e+000, 0.e+000, 5.e+300])
    """
    with np.errstate(over="ignore", under="ignore"):
        norms = np.sqrt(np.einsum("ij,ij->i", Z, Z))[:, np.newaxis]
    # this is a step of every evaluation of the loss: only the rows whose
    # squares overflowed or underflowed take a second pass
    extreme = np.flatnonzero(~(norms[:, 0] >= np.finfo(Z.dtype).tiny) | np.isinf(norms[:, 0]))
    if extreme.size:
        rows = Z[extreme]
        largest = np.max(np.abs(rows), axis=1, keepdims=True, initial=0)  # NaN stays
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(rows, largest, out=rows, where=largest != 0)
            norms[extreme] = largest * np.sqrt(np.einsum("ij,ij->i", rows, rows))[:, np.newaxis]
        norms[extreme[largest[:, 0] == 0]] = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(Z, norms, out=Z, where=norms != 0)
    Z[norms[:, 0] == 0] = 0
    return Z, norms


def unit_input_rows(X):
    """The rows of samples ``X`` divided by their norms: what
    ``metric="cosine"`` compares without a map (the selection's raw
    features).

    A power of two first brings the largest entry to at most 1, so that no
    square overflows; zero rows stay 0. Returns float64, sparse for sparse
    ``X`` (scikit-learn's :func:`~sklearn.preprocessing.normalize`).
    """
    return normalize(X.astype(np.float64) * distance_factor(X))


class UnitNormProjection:
    """A map followed by the division of each output row by its norm.

    Parameters
    ----------
    inner : projection
        The map ``X -> Z`` (linear, diagonal or MLP). Its parameters, their
        layout, penalty, initialisation and fitted attributes are this
        map's.

    Notes
    -----
    Forward: ``U = Z / ||Z||`` row by row. Backward: the Jacobian of
    ``u = z / ||z||`` is ``(I - u u^T) / ||z||``, symmetric, so a row's
    gradient ``g_u`` becomes ``g_z = (g_u - (u . g_u) u) / ||z||``: the part
    of ``g_u`` along ``u`` is removed (a move along ``u`` changes no
    direction) and the rest scaled by ``1 / ||z||``. A zero row (see
    :func:`unit_rows`) gets ``g_z = 0``. One evaluation adds ``O(n_samples
    * n_components)`` work to the map's.

    The output no longer depends on the scale of ``Z``: the loss of a
    linear or diagonal map is then the same for ``c * params`` and
    ``params`` (``c > 0``), so the margin is not a scale
    (``scales_with_margin`` is False) and :meth:`scale_output` leaves the
    parameters as they are.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._linear import LinearProjection
    >>> from sk_contrastive._unit_norm import UnitNormProjection
    >>> projection = UnitNormProjection(LinearProjection(n_features=2, n_components=2))
    >>> params = np.array([3.0, 0.0, 0.0, 4.0])  # diag(3, 4)
    >>> U, cache = projection.forward(params, np.array([[1.0, 1.0], [0.0, 0.0]]))
    >>> U
    array([[0.6, 0.8],
           [0. , 0. ]])
    >>> projection.backward(params, np.ones((2, 2)), cache, np.array([[0.6, 0.8], [1.0, 1.0]]))
    array([0., 0., 0., 0.])
    """

    scales_with_margin = False

    def __init__(self, inner):
        self.inner = inner

    @property
    def n_features(self):
        return self.inner.n_features

    @property
    def n_components(self):
        return self.inner.n_components

    @property
    def n_params(self):
        return self.inner.n_params

    @property
    def scaling(self):
        return self.inner.scaling

    @property
    def architecture(self):
        """The inner map's parameter layout: a Euclidean fit of the same map
        is a valid warm start."""
        return self.inner.architecture

    def forward(self, params, X, out=None):
        """Embed ``X`` on the unit sphere; returns ``(U, cache)`` for :meth:`backward`.

        ``out`` (C-contiguous, ``X``'s dtype) receives the inner map's output,
        then ``U`` in its place.
        """
        Z, inner_cache = self.inner.forward(params, X, out=out)
        U, norms = unit_rows(Z)
        return U, (inner_cache, U, norms)

    def backward(self, params, X, cache, grad_U):
        """Chain ``dLoss/dU`` through the normalisation, then through the map."""
        inner_cache, U, norms = cache
        along = np.einsum("ij,ij->i", U, grad_U)[:, np.newaxis]
        grad_Z = grad_U - along * U
        # a row whose norm is below the smallest normal float passes no
        # gradient: its reciprocal would overflow
        differentiable = norms >= np.finfo(norms.dtype).tiny
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(grad_Z, norms, out=grad_Z, where=differentiable)
        grad_Z[~differentiable[:, 0]] = 0
        return self.inner.backward(params, X, inner_cache, grad_Z)

    def penalty(self, params):
        return self.inner.penalty(params)

    def scale_output(self, params, factor):
        """``params`` unchanged: the map's output has norm 1 at any scale."""
        return np.asarray(params, dtype=np.float64)

    def initial_params(self, init, X=None, y=None, random_state=None):
        return self.inner.initial_params(init, X, y, random_state)

    def to_input_units(self, params):
        return self.inner.to_input_units(params)

    def fitted_attributes(self, params, dtype):
        return self.inner.fitted_attributes(params, dtype)

    def params_from(self, estimator):
        return self.inner.params_from(estimator)
