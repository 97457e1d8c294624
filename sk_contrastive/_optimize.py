"""L-BFGS driver: iteration count, progress reports, user callback, stop reason."""

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize


class OptimizationResult(NamedTuple):
    params: np.ndarray
    loss: float
    n_iter: int
    stop: str  # "converged", "max_iter", "callback" or "other"


def minimize_lbfgs(
    fun,
    x0,
    *,
    max_iter,
    tol,
    scale=1.0,
    callback=None,
    on_iteration=None,
    first_iteration=0,
    name="",
):
    """Minimise ``fun`` (returning value and gradient) with scipy's L-BFGS-B.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, gradient)``.
    x0 : ndarray of shape (n_params,)
    max_iter : int
        Iteration limit (``stop="max_iter"`` when reached).
    tol : float
        Both ``ftol`` and ``gtol`` of L-BFGS-B.
    scale : float
        Units of the problem: L-BFGS iterates on ``x / scale`` and minimises
        ``fun / scale**2``. For an objective homogeneous of degree 2 in ``x``
        and in ``scale`` together (the contrastive loss of a linear map, with
        ``scale`` the margin) every scale then runs the very same iterations,
        so the solution for ``c * scale`` is exactly ``c`` times the solution
        for ``scale``. Values and ``callback`` are in ``x``'s units.
    callback : callable or None
        Called as ``callback(params, n_iter)`` after every iteration; it may
        raise ``StopIteration`` to end the fit early.
    on_iteration : callable or None
        Called as ``on_iteration(n_iter, loss, gradient_norm)`` after every
        iteration, for progress reports.
    first_iteration : int
        Iterations already run by earlier calls: ``callback`` and
        ``on_iteration`` count on from there.
    name : str
        Prefix of error messages.

    Returns
    -------
    result : OptimizationResult

    Raises
    ------
    ValueError
        If ``fun`` returns a non-finite value or gradient. Any exception
        raised by ``fun`` or ``callback`` (other than ``StopIteration``),
        ``KeyboardInterrupt`` included, propagates.
    """
    scale = float(scale)
    latest = {}
    n_iter = 0

    def objective(x_in_units):
        value, gradient = fun(x_in_units * scale)
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            raise ValueError(
                f"[{name}] The loss or its gradient became non-finite after "
                f"{first_iteration + n_iter} iterations. A very large alpha or init "
                "array (an init array applies to X in its own units) overflows it; "
                "lower them."
            )
        with np.errstate(over="ignore"):  # a huge but finite gradient: norm inf
            latest["gradient_norm"] = float(np.linalg.norm(gradient))
        return value / scale**2, gradient / scale

    def after_iteration(intermediate_result):
        nonlocal n_iter
        n_iter += 1
        if on_iteration is not None:
            on_iteration(
                first_iteration + n_iter,
                intermediate_result.fun * scale**2,
                latest["gradient_norm"],
            )
        if callback is not None:
            callback(intermediate_result.x * scale, first_iteration + n_iter)

    result = minimize(
        objective,
        x0 / scale,
        method="L-BFGS-B",
        jac=True,
        tol=tol,
        callback=after_iteration,
        options={"maxiter": max_iter},
    )
    # L-BFGS-B's status: 0 converged, 1 iteration or evaluation limit,
    # 99 the callback raised StopIteration.
    stop = {0: "converged", 1: "max_iter", 99: "callback"}.get(result.status, "other")
    return OptimizationResult(result.x * scale, float(result.fun) * scale**2, n_iter, stop)
