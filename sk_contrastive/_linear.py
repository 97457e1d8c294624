"""The linear map ``Z = X @ components.T``: forward, backward and initialisation."""

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.utils import check_random_state

from ._objective import weighted_squared_norm
from ._products import rows_times, transposed_times
from ._scaling import InputScaling
from ._validation import is_auto
from ._warnings import warn

INIT_OPTIONS = ("auto", "pca", "lda", "identity", "random")


class LinearProjection:
    """A linear map from ``n_features`` to ``n_components`` dimensions.

    Its parameters are the flattened ``(n_components, n_features)`` matrix
    ``components``; ``forward`` and ``backward`` are the two dense products of
    one loss-and-gradient evaluation.

    The map is trained in the internal units of ``scaling`` (an
    :class:`~sk_contrastive._scaling.InputScaling`: ``(X - offset) / scale``)
    and penalised in those units; the fitted ``components_`` are those of the
    same map applied to the caller's ``X``: each column of the parameters
    divided by its feature's ``scale`` (exact: a power of two). The offset
    only shifts the embedding by a constant, which no distance sees, so
    ``transform`` is ``X @ components_.T`` as in scikit-learn's NCA.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._linear import LinearProjection
    >>> projection = LinearProjection(n_features=3, n_components=2)
    >>> params = np.arange(6.0)
    >>> Z, cache = projection.forward(params, np.ones((4, 3)))
    >>> Z[0]
    array([ 3., 12.])
    >>> projection.backward(params, np.ones((4, 3)), cache, np.ones((4, 2)))
    array([4., 4., 4., 4., 4., 4.])
    """

    # The loss of a linear map is homogeneous of degree 2 in (params, margin).
    scales_with_margin = True

    def __init__(self, n_features, n_components, scaling=None):
        self.n_features = n_features
        self.n_components = n_components
        self.scaling = InputScaling.identity(n_features) if scaling is None else scaling
        # squared weights count on the standardised features
        self._penalty_factors = np.tile(self.scaling.spread**2, n_components)

    @property
    def n_params(self):
        return self.n_components * self.n_features

    @property
    def architecture(self):
        """Parameter layout; a warm start needs the same one."""
        return ("linear", self.n_features, self.n_components)

    def components(self, params, dtype=None):
        """``params`` as the ``(n_components, n_features)`` matrix."""
        matrix = np.asarray(params).reshape(self.n_components, self.n_features)
        return matrix if dtype is None else matrix.astype(dtype, copy=False)

    def forward(self, params, X, out=None):
        """Embed ``X``; returns ``(Z, cache)`` for :meth:`backward`.

        ``out`` (C-contiguous, ``X``'s dtype) receives ``Z`` for dense ``X``.
        """
        components = self.components(params, X.dtype)
        return rows_times(X, components.T, out=None if sp.issparse(X) else out), None

    def backward(self, params, X, cache, grad_Z):
        """Chain ``dLoss/dZ`` back to ``dLoss/dparams`` (flat)."""
        return transposed_times(grad_Z, X).ravel()

    def penalty(self, params):
        """``(sum of squared weights, its gradient)``: every parameter is a
        weight, measured on the standardised features (times the features'
        ``spread`` in internal units)."""
        return weighted_squared_norm(params, self._penalty_factors)

    def scale_output(self, params, factor):
        """The map that embeds ``factor`` times farther."""
        return np.asarray(params, dtype=np.float64) * factor

    def initial_params(self, init, X, y, random_state=None):
        """Flat starting point for ``X`` in internal units.

        See :func:`initial_components`. ``"pca"``, ``"lda"`` and ``"random"``
        are computed in the internal units; an array is in the caller's units,
        and ``"identity"`` keeps the caller's relative feature scales (it
        starts from the caller's ``X`` itself, up to one factor).
        """
        components = initial_components(init, X, y, self.n_components, random_state)
        chosen = auto_init(self.n_components, X, y) if is_auto(init) else init
        if not isinstance(chosen, str):
            components = components * self.scaling.scale
        elif chosen == "identity":
            # the caller's feature scales, brought near 1 by one power of two
            # (exact; the fit rescales a named init to the margin anyway), so
            # that data of magnitude 1e300 do not overflow the start
            components = components * (self.scaling.scale / np.max(self.scaling.scale))
        return components.ravel()

    def to_input_units(self, params):
        """The flat parameters of the same map applied to the caller's ``X``."""
        return (self.components(params) * self.scaling.input_factors).ravel()

    def fitted_attributes(self, params, dtype):
        """``components_`` of the map applied to the caller's ``X``."""
        return {"components_": self.components(self.to_input_units(params), dtype)}

    def params_from(self, estimator):
        """The flat internal parameters of a fitted estimator's ``components_``."""
        return (estimator.components_.astype(np.float64) * self.scaling.scale).ravel()


def auto_init(n_components, X, y):
    """What ``init="auto"`` means for this data, as in scikit-learn's NCA.

    ``"lda"`` when ``n_components <= min(n_features, n_classes - 1)``, else
    ``"pca"`` when ``n_components < min(n_features, n_samples)``, else
    ``"identity"``. Only labels ``>= 0`` count as classes (``-1`` marks an
    unlabelled sample); ``y=None`` (no labels) and sparse ``X`` rule out
    ``"lda"``.
    """
    n_samples, n_features = X.shape
    n_classes = np.unique(y[y >= 0]).shape[0] if y is not None else 0
    if sp.issparse(X):
        n_classes = 0  # scikit-learn's LDA takes dense X only
    if n_components <= min(n_features, n_classes - 1):
        return "lda"
    if n_components < min(n_features, n_samples):
        return "pca"
    return "identity"


def initial_components(init, X, y, n_components, random_state=None):
    """Starting ``(n_components, n_features)`` matrix for the linear map.

    Follows :class:`~sklearn.neighbors.NeighborhoodComponentsAnalysis`
    (``"auto"``: see :func:`auto_init`). ``"pca"`` and ``"lda"`` need
    ``n_components`` no larger than what they can produce; an array is used
    as given. For sparse ``X``, ``"pca"`` is a TruncatedSVD (no centring,
    which would densify ``X``). Where LDA or PCA cannot give ``n_components``
    finite directions
    (constant data, fewer independent directions than asked for), the start is
    ``"identity"``, with a warning when that init was asked for by name.
    """
    n_features = X.shape[1]
    if not isinstance(init, str):
        return np.asarray(init, dtype=np.float64)
    requested = init
    if init == "auto":
        init = auto_init(n_components, X, y)
    if init == "identity":
        return np.eye(n_components, n_features)
    if init == "random":
        rng = check_random_state(random_state)
        return rng.standard_normal((n_components, n_features)) / np.sqrt(n_features)
    try:
        if init == "pca" and sp.issparse(X):
            # TruncatedSVD: PCA without centring, which would densify X
            svd = TruncatedSVD(n_components=n_components, random_state=random_state)
            components = svd.fit(X).components_
        elif init == "pca":
            pca = PCA(n_components=n_components, random_state=random_state).fit(X)
            components = pca.components_
        else:
            labelled = y >= 0
            lda = LinearDiscriminantAnalysis(n_components=n_components).fit(
                X[labelled], y[labelled]
            )
            components = lda.scalings_.T[:n_components]
    except (ValueError, IndexError, np.linalg.LinAlgError):
        components = None
    if (
        components is None
        or components.shape != (n_components, n_features)
        or not np.all(np.isfinite(components))
    ):
        if requested != "auto":
            warn(
                f"init={requested!r} gives no {n_components} finite directions on "
                "this data (is it constant or rank-deficient?); starting from "
                "init='identity' instead."
            )
        return np.eye(n_components, n_features)
    return components.astype(np.float64)


def linear_layout(X, y, n_components, random_state=None):
    """Coordinates of ``X`` that separate its classes first, then spread it.

    The first ``min(n_components, n_classes - 1, n_features)`` columns are
    the discriminant coordinates of scikit-learn's
    :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`
    (labels ``>= 0`` only; none without labels or for sparse ``X``); the next
    are principal coordinates (PCA, or a TruncatedSVD for sparse ``X``); any
    columns beyond what these give are 0. The whole layout is divided by its
    standard deviation.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) of int, or None
        Class codes, ``-1`` for an unlabelled sample.
    n_components : int
    random_state : int, RandomState or None

    Returns
    -------
    layout : ndarray of shape (n_samples, n_components), float64

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sk_contrastive._linear import linear_layout
    >>> X, y = load_iris(return_X_y=True)
    >>> linear_layout(X, y, 3).shape  # two discriminant coordinates, one principal
    (150, 3)
    """
    n_samples, n_features = X.shape
    columns = []
    labelled = None if y is None or sp.issparse(X) else y >= 0
    if labelled is not None:
        n_discriminant = min(n_components, np.unique(y[labelled]).shape[0] - 1, n_features)
        if n_discriminant >= 1:
            try:
                lda = LinearDiscriminantAnalysis(n_components=n_discriminant)
                columns.append(lda.fit(X[labelled], y[labelled]).transform(X))
            except (ValueError, IndexError, np.linalg.LinAlgError):
                pass  # no discriminant directions (constant data): principal ones only
    n_done = sum(column.shape[1] for column in columns)
    # PCA gives up to n_features components, a TruncatedSVD one fewer
    n_principal = min(n_components - n_done, n_features - sp.issparse(X), n_samples - 1)
    if n_principal >= 1:
        reducer = (TruncatedSVD if sp.issparse(X) else PCA)(
            n_components=n_principal, random_state=random_state
        )
        with np.errstate(invalid="ignore", divide="ignore"):  # constant X: ratios 0/0
            columns.append(reducer.fit_transform(X))
    layout = np.zeros((n_samples, n_components))
    if columns:
        found = np.hstack(columns)[:, :n_components]
        layout[:, : found.shape[1]] = found
    spread = np.std(layout)
    if np.isfinite(spread) and spread > 0:
        layout /= spread
    return layout
