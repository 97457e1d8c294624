"""L-BFGS driver: iteration count, progress table, user callback, convergence."""

import contextlib
import time
import warnings
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

try:  # installed with scikit-learn, which requires it; optional here
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


def _single_threaded_blas():
    """L-BFGS-B's own BLAS calls are vector operations of size n_params, too
    small to share between threads; but the idle threads of the OpenBLAS that
    scipy ships spin while numpy's OpenBLAS runs the loss's products, which
    made a fit on 1,257 digits twice as slow (0.9 s against 0.43 s, 2 cores).
    During the optimisation, BLAS runs on one thread; the products it slows
    are a few per cent of an evaluation at large n."""
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class OptimizationResult(NamedTuple):
    params: np.ndarray
    loss: float
    n_iter: int
    stop: str  # "converged", "max_iter", "callback", "interrupted" or "other"


def minimize_lbfgs(
    fun,
    x0,
    *,
    max_iter,
    tol,
    scale=1.0,
    callback=None,
    verbose=0,
    name="",
    first_iteration=0,
    warn=True,
):
    """Minimise ``fun`` (returning value and gradient) with scipy's L-BFGS-B.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, gradient)``.
    x0 : ndarray of shape (n_params,)
    max_iter : int
        Iteration limit; reaching it raises a ``ConvergenceWarning``.
    tol : float
        Both ``ftol`` and ``gtol`` of L-BFGS-B.
    scale : float
        Units of the problem: L-BFGS iterates on ``x / scale`` and minimises
        ``fun / scale**2``. For an objective homogeneous of degree 2 in ``x``
        and in ``scale`` together (the contrastive loss of a linear map, with
        ``scale`` the margin) every scale then runs the very same iterations,
        so the solution for ``c * scale`` is exactly ``c`` times the solution
        for ``scale``. Values, ``callback`` and the table are in ``x``'s
        units.
    callback : callable or None
        Called as ``callback(params, n_iter)`` after every iteration; it may
        raise ``StopIteration`` to end the fit early.
    verbose : int
        If positive, print one row per iteration: iteration, loss, gradient
        norm and elapsed seconds. scipy's own ``disp`` is not used.
    name : str
        Prefix of the printed rows and of the warning.
    first_iteration : int
        Iterations already run by earlier calls: the table and ``callback``
        count on from there, and the header is printed only when it is 0.
    warn : bool
        Whether reaching ``max_iter`` warns.

    Returns
    -------
    result : OptimizationResult
        After a ``KeyboardInterrupt`` that comes once at least one iteration
        is complete, the last completed iterate with ``stop="interrupted"``;
        an interrupt before that propagates.

    Raises
    ------
    ValueError
        If ``fun`` returns a non-finite value or gradient.
    """
    start = time.perf_counter()
    latest = {}
    accepted = {}
    n_iter = 0

    def objective(x_in_units):
        value, gradient = fun(x_in_units * scale)
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            raise ValueError(
                f"[{name}] The loss or its gradient became non-finite after "
                f"{first_iteration + n_iter} iterations. Scale the features (for "
                "example with StandardScaler), lower the margin, or raise alpha."
            )
        latest["gradient_norm"] = float(np.linalg.norm(gradient))
        return value / scale**2, gradient / scale

    def on_iteration(intermediate_result):
        nonlocal n_iter
        n_iter += 1
        accepted["x"], accepted["fun"] = intermediate_result.x, intermediate_result.fun
        if verbose:
            elapsed = time.perf_counter() - start
            print(
                f"[{name}] {first_iteration + n_iter:>9d} "
                f"{intermediate_result.fun * scale**2:>16.6e} "
                f"{latest['gradient_norm']:>14.4e} {elapsed:>10.2f}"
            )
        if callback is not None:
            callback(intermediate_result.x * scale, first_iteration + n_iter)

    if verbose and first_iteration == 0:
        header = f"{'Iteration':>9} {'Loss':>16} {'Gradient norm':>14} {'Time (s)':>10}"
        print(f"[{name}] {header}")
        print(f"[{name}] {'-' * len(header)}")
    try:
        with _single_threaded_blas():
            result = minimize(
                objective,
                x0 / scale,
                method="L-BFGS-B",
                jac=True,
                tol=tol,
                callback=on_iteration,
                options={"maxiter": max_iter},
            )
    except KeyboardInterrupt:
        if not n_iter:
            raise
        return OptimizationResult(
            accepted["x"] * scale, float(accepted["fun"]) * scale**2, n_iter, "interrupted"
        )
    if warn and result.status == 1:
        warnings.warn(
            f"[{name}] L-BFGS stopped at the iteration limit max_iter={max_iter} "
            f"before converging (loss {result.fun * scale**2:.6g}); increase max_iter, or "
            "tol to accept a looser optimum.",
            ConvergenceWarning,
        )
    if verbose:
        print(f"[{name}] {result.message} ({time.perf_counter() - start:.2f} s)")
    # L-BFGS-B's status: 0 converged, 1 iteration or evaluation limit,
    # 99 the callback raised StopIteration.
    stop = {0: "converged", 1: "max_iter", 99: "callback"}.get(result.status, "other")
    return OptimizationResult(result.x * scale, float(result.fun) * scale**2, n_iter, stop)
