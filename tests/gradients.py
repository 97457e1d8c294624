"""Finite-difference check of the objective, shared by the gradient tests."""

import numpy as np
from scipy.optimize import check_grad

from sk_contrastive._objective import loss_and_gradient


def objective_gradient_error(params, X, projection, loss, alpha, epsilon=1.4901161e-08):
    """``check_grad``'s error of ``loss_and_gradient`` at ``params``, and the
    norm of the analytic gradient there."""

    def value(p):
        return loss_and_gradient(p, X, projection, loss, alpha)[0]

    def gradient(p):
        return loss_and_gradient(p, X, projection, loss, alpha)[1]

    error = check_grad(value, gradient, params, epsilon=epsilon)
    return error, np.linalg.norm(gradient(params))
