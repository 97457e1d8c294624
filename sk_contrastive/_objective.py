"""The objective L-BFGS minimises: forward map, loss, backward map, penalty."""

import numpy as np


def loss_and_gradient(params, X, projection, loss, alpha=0.0):
    """Contrastive loss plus L2 penalty, and its gradient, at ``params``.

    The one function both the optimiser and the gradient tests call.

    Parameters
    ----------
    params : ndarray of shape (projection.n_params,)
        Flat parameter vector (float64, as L-BFGS keeps it).
    X : ndarray of shape (n_samples, n_features)
        Training samples; float32 ``X`` makes every evaluation run in float32.
    projection : LinearProjection
        The map ``X -> Z`` with ``forward``, ``backward`` and ``penalty``.
    loss : ContrastiveLoss
        The loss as a function of ``Z``, built over the training pairs.
    alpha : float, default=0.0
        Weight of the squared L2 norm of the projection's weights.

    Returns
    -------
    value : float
    gradient : ndarray of shape (projection.n_params,), dtype float64
    """
    buffer = loss.embedding_buffer((X.shape[0], projection.n_components), X.dtype)
    Z, cache = projection.forward(params, X, out=buffer)
    value, grad_Z = loss(Z)
    gradient = projection.backward(params, X, cache, grad_Z).astype(np.float64, copy=False)
    return with_penalty(value, gradient, params, projection, alpha)


def with_penalty(value, gradient, params, projection, alpha):
    """``value`` and ``gradient`` (float64, updated in place) plus ``alpha``
    times the projection's weight penalty at ``params``."""
    if alpha:
        norm, norm_gradient = projection.penalty(params)
        value += alpha * norm
        gradient += alpha * norm_gradient
    return value, gradient


def weighted_squared_norm(params, factors):
    """``(sum(factors * params**2), its gradient)``: a projection's weight
    penalty, ``factors`` saying how much each parameter counts (0 for a bias)."""
    params = np.asarray(params, dtype=np.float64)
    weighted = params * factors
    # einsum, not BLAS: the sum must not depend on BLAS's thread count
    return float(np.einsum("i,i->", params, weighted)), 2.0 * weighted
