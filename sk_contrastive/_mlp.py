"""A fully connected network ``X -> Z``: forward, analytic backprop, initialisation.

Hidden layers apply ``activation(H @ W + b)``; the output layer is linear with
``n_components`` units. All weights and biases live in one flat float64
vector for L-BFGS; ``forward`` and ``backward`` work on views into it and cost
two GEMMs per layer over all samples.
"""

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state

from ._linear import linear_layout
from ._objective import weighted_squared_norm
from ._optimize import minimize_lbfgs
from ._products import rows_times, transposed_times
from ._scaling import InputScaling
from ._validation import is_auto

MLP_INIT_OPTIONS = ("auto", "random")
# init="auto": the rows and iterations of the least-squares fit to the layout
# (30 and 300 iterations gave the same kNN accuracy as 100 over 10 splits).
LAYOUT_SAMPLES = 10_000
LAYOUT_ITERATIONS = 50


def _relu(A):
    return np.maximum(A, 0, out=A)


def _relu_derivative(A, H):
    return (H > 0).astype(H.dtype)


def _tanh(A):
    return np.tanh(A, out=A)


def _tanh_derivative(A, H):
    return 1 - H * H


def _softplus(A):
    return np.logaddexp(0, A)


def _softplus_derivative(A, H):
    return expit(A)


def _logistic(A):
    return expit(A, out=A)


def _logistic_derivative(A, H):
    return H * (1 - H)


# name -> (function, its derivative from the pre-activation A and the output H,
#          He rather than Glorot initialisation). relu, tanh and logistic
# overwrite A with H; softplus needs A itself for its derivative.
ACTIVATIONS = {
    "relu": (_relu, _relu_derivative, True),
    "tanh": (_tanh, _tanh_derivative, False),
    "softplus": (_softplus, _softplus_derivative, True),
    "logistic": (_logistic, _logistic_derivative, False),
}


class MLPProjection:
    """A multilayer perceptron from ``n_features`` to ``n_components`` dimensions.

    Parameters
    ----------
    n_features : int
    hidden_layer_sizes : tuple of int
        Units of each hidden layer (at least one layer).
    n_components : int
        Units of the linear output layer.
    activation : {"relu", "tanh", "softplus", "logistic"}
        Activation of the hidden layers.
    scaling : InputScaling or None, default=None
        The network is trained in the internal units ``(X - offset) / scale``
        (and penalised in those units); the fitted ``coefs_`` and
        ``intercepts_`` are those of the same network applied to the caller's
        ``X``: the first layer's weights divided by each feature's ``scale``
        and its biases shifted by ``-offset @ coefs_[0]``. ``None``: the
        caller's units.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._mlp import MLPProjection
    >>> projection = MLPProjection(3, (4,), 2, "tanh")
    >>> projection.n_params  # (3*4 + 4) + (4*2 + 2)
    26
    >>> params = projection.initial_params("random", random_state=0)
    >>> Z, cache = projection.forward(params, np.ones((5, 3)))
    >>> Z.shape
    (5, 2)
    """

    scales_with_margin = False

    def __init__(self, n_features, hidden_layer_sizes, n_components, activation,
                 scaling=None):
        self.n_features = n_features
        self.scaling = InputScaling.identity(n_features) if scaling is None else scaling
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.n_components = n_components
        self.activation = activation
        sizes = (n_features, *self.hidden_layer_sizes, n_components)
        self._shapes = list(zip(sizes[:-1], sizes[1:]))
        self._offsets = np.cumsum([0] + [(a + 1) * b for a, b in self._shapes])
        # squared weights count on the standardised features; biases not at all
        self._penalty_factors = np.zeros(self.n_params)
        for (fan_in, fan_out), start in zip(self._shapes, self._offsets):
            self._penalty_factors[start : start + fan_in * fan_out] = 1.0
        first = self._shapes[0]
        self._penalty_factors[: first[0] * first[1]] = np.repeat(
            self.scaling.spread**2, first[1]
        )

    @property
    def n_params(self):
        return int(self._offsets[-1])

    @property
    def architecture(self):
        """Parameter layout; a warm start needs the same one."""
        return ("mlp", *self._shapes)

    def layers(self, params, dtype=None):
        """``[(W, b), ...]`` as views into ``params`` (copies if ``dtype`` differs)."""
        params = np.asarray(params)
        if dtype is not None:
            params = params.astype(dtype, copy=False)
        layers = []
        for (fan_in, fan_out), start in zip(self._shapes, self._offsets):
            block = params[start : start + (fan_in + 1) * fan_out]
            layers.append((block[: fan_in * fan_out].reshape(fan_in, fan_out),
                           block[fan_in * fan_out :]))
        return layers

    def forward(self, params, X, out=None):
        """Embed ``X``; the cache holds the layers in ``X``'s dtype and each
        layer's input and pre-activation, for :meth:`backward`. ``out``
        (C-contiguous, ``X``'s dtype) receives the output."""
        function, _, _ = ACTIVATIONS[self.activation]
        layers = self.layers(params, X.dtype)
        activations = []
        H = X
        for W, b in layers[:-1]:
            A = rows_times(H, W)
            A += b
            pre_activation = A if function is _softplus else None
            activations.append((H, pre_activation))
            H = function(A)
        W, b = layers[-1]
        activations.append((H, None))
        Z = rows_times(H, W, out=out)
        Z += b
        return Z, (layers, activations)

    def backward(self, params, X, cache, grad_Z):
        """Back-propagate ``dLoss/dZ`` to the flat parameter gradient."""
        _, derivative, _ = ACTIVATIONS[self.activation]
        layers, activations = cache
        gradient = np.empty(self.n_params, dtype=grad_Z.dtype)
        delta = grad_Z
        for index in range(len(layers) - 1, -1, -1):
            W, _ = layers[index]
            H, _ = activations[index]
            fan_in, fan_out = self._shapes[index]
            start = self._offsets[index]
            gradient[start : start + fan_in * fan_out] = transposed_times(H, delta).ravel()
            gradient[start + fan_in * fan_out : self._offsets[index + 1]] = delta.sum(axis=0)
            if index:
                delta = rows_times(delta, W.T)
                delta *= derivative(activations[index - 1][1], H)
        return gradient

    def penalty(self, params):
        """``(sum of squared weights, its gradient)``; biases are not penalised,
        and the first layer's weights are measured on the standardised
        features (times the features' ``spread`` in internal units)."""
        return weighted_squared_norm(params, self._penalty_factors)

    def scale_output(self, params, factor):
        """Multiply the output layer (weights and bias) by ``factor``."""
        params = np.array(params, dtype=np.float64)
        params[self._offsets[-2] :] *= factor
        return params

    def initial_params(self, init, X=None, y=None, random_state=None):
        """Starting parameters: a seeded draw, fitted to a linear layout for "auto".

        ``"random"``: weights drawn uniformly from ``[-limit, limit]`` with
        ``limit = sqrt(6 / (fan_in + fan_out))`` (Glorot: tanh, logistic, and
        the output layer) or ``sqrt(6 / fan_in)`` (He: relu, softplus);
        biases 0. ``"auto"`` with ``X`` (internal units) and optional class
        codes ``y``: that draw, then at most ``LAYOUT_ITERATIONS`` L-BFGS
        iterations of least squares that bring the network's output on (a
        seeded sample of at most ``LAYOUT_SAMPLES`` rows of) ``X`` to
        :func:`~sk_contrastive._linear.linear_layout`: discriminant
        coordinates first, principal ones after (where these give no
        direction at all, the draw is kept). The network then starts
        from an arrangement of the classes that a linear map finds, as
        t-SNE and UMAP start from PCA or spectral layouts rather than at
        random (Kobak & Linderman, 2021).
        """
        params = self._random_params(random_state)
        if not is_auto(init) or X is None:
            return params
        rng = check_random_state(random_state)
        if X.shape[0] > LAYOUT_SAMPLES:
            rows = np.sort(rng.choice(X.shape[0], LAYOUT_SAMPLES, replace=False))
            X, y = X[rows], None if y is None else y[rows]
        layout = linear_layout(X, y, self.n_components, rng).astype(X.dtype)
        if not np.any(layout):  # no direction to lay out (one sparse feature): the draw
            return params
        n_samples = X.shape[0]

        def squared_error(flat):
            Z, cache = self.forward(flat, X)
            residual = Z - layout
            gradient = self.backward(flat, X, cache, residual * (2.0 / n_samples))
            return float(np.sum(residual * residual)) / n_samples, gradient.astype(np.float64)

        return minimize_lbfgs(squared_error, params, max_iter=LAYOUT_ITERATIONS,
                              tol=1e-9).params

    def _random_params(self, random_state):
        rng = check_random_state(random_state)
        use_he = ACTIVATIONS[self.activation][2]
        params = np.zeros(self.n_params)
        last = len(self._shapes) - 1
        for index, ((fan_in, fan_out), start) in enumerate(zip(self._shapes, self._offsets)):
            denominator = fan_in if use_he and index < last else fan_in + fan_out
            limit = np.sqrt(6.0 / denominator)
            params[start : start + fan_in * fan_out] = rng.uniform(
                -limit, limit, fan_in * fan_out
            )
        return params

    def to_input_units(self, params):
        """The flat parameters of the same network applied to the caller's ``X``.

        Only the first layer sees the internal units: its weights are divided
        by each feature's scale and its bias absorbs the offset.
        """
        params = np.array(params, dtype=np.float64)
        (W, b), *_ = self.layers(params)  # views into params
        W *= self.scaling.input_factors[:, None]
        if self.scaling.offset is not None:
            b -= self.scaling.offset @ W
        return params

    def fitted_attributes(self, params, dtype):
        """``coefs_`` and ``intercepts_`` (for the caller's ``X``), as in MLPClassifier."""
        layers = self.layers(self.to_input_units(params))
        return {
            "coefs_": [W.astype(dtype) for W, _ in layers],
            "intercepts_": [b.astype(dtype) for _, b in layers],
        }

    def params_from(self, estimator):
        """The flat internal parameters of a fitted estimator's ``coefs_``/``intercepts_``."""
        params = np.concatenate([
            np.concatenate([W.ravel(), b.ravel()]).astype(np.float64)
            for W, b in zip(estimator.coefs_, estimator.intercepts_)
        ])
        (W, b), *_ = self.layers(params)
        if self.scaling.offset is not None:
            b += self.scaling.offset @ W
        W *= self.scaling.scale[:, None]
        return params
