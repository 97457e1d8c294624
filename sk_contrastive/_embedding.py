"""ContrastiveEmbedding: the estimator that ties pairs, map, loss and optimiser together."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data

from ._blocks import spatial_blocks
from ._linear import INIT_OPTIONS, LinearProjection
from ._loss import ContrastiveLoss
from ._memory import check_pair_memory
from ._mlp import ACTIVATIONS, MLP_INIT_OPTIONS, MLPProjection
from ._objective import loss_and_gradient
from ._optimize import minimize_lbfgs
from ._pairs import pairs_from_labels
from ._scoring import leave_one_out_knn_accuracy

PAIR_STRATEGIES = ("neighbors", "random")
SCORE_N_NEIGHBORS = 5
MLP_DEFAULT_ALPHA = 1e-3
# Inputs whose largest magnitude lies outside this range are rescaled for the fit.
_MODERATE_MAGNITUDE = (2.0**-16, 2.0**16)


class ContrastiveEmbedding(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Metric learning with the contrastive loss: a linear map or a small MLP.

    Learns a map ``f`` (by default linear, ``f(X) = X @ components_.T``; with
    ``hidden_layer_sizes`` a fully connected network) that brings samples of
    the same class close together and pushes samples of different classes at
    least ``margin`` apart, by minimising over pairs built from the labels::

        mean_p( s_p * d_p**2 + (1 - s_p) * max(margin - d_p, 0)**2 )
            + alpha * ||weights||**2

    where ``d_p`` is the Euclidean distance between the two embedded samples
    of pair ``p`` and ``s_p = 1`` for a similar (same-class) pair, ``0`` for a
    dissimilar one. The gradient is computed in closed form and the problem is
    solved with scipy's L-BFGS-B.

    Read more in the README, section "The loss".

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the embedding. ``None`` means ``n_features``. At most
        ``n_features`` for the linear map; any positive size for an MLP.

    hidden_layer_sizes : tuple of int, default=()
        Units of the hidden layers. ``()`` learns the linear map
        ``components_``; ``(64,)`` or ``(128, 64)`` learns a fully connected
        network whose hidden layers apply ``activation`` and whose linear
        output layer has ``n_components`` units (``coefs_``,
        ``intercepts_``). Gradients are back-propagated analytically, all
        samples at once.

    activation : {"relu", "tanh", "softplus", "logistic"}, default="relu"
        Activation of the hidden layers (ignored by the linear map).
        ``"relu"`` was the most accurate and fastest on our nonlinear
        benchmarks with L-BFGS; the smooth ``"tanh"`` came close (see the
        README for the measurements).

    margin : float, default=1.0
        Dissimilar pairs closer than ``margin`` are pushed apart. For the
        linear map with the default ``pos_margin=0`` the margin only sets the
        scale of the solution: the optimum for ``c * margin`` is exactly ``c`` times the
        optimum for ``margin`` (the loss and the penalty are both quadratic
        in ``components_``), so neighbours, and a downstream kNN, are the
        same for every margin. Set ``pos_margin > 0`` to make the margin
        select between genuinely different embeddings.

    pos_margin : float, default=0.0
        Similar pairs closer than ``pos_margin`` stop pulling: their term
        becomes ``s_p * max(d_p - pos_margin, 0)**2``. ``0`` gives the source
        formula exactly. A positive value fixes the scale of the embedding,
        so that ``margin / pos_margin`` decides how far classes are pushed
        apart relative to how tightly they are gathered, and a search over
        ``margin`` compares different models.

    pair_strategy : {"neighbors", "random"}, default="neighbors"
        How training pairs are chosen from ``y``. ``"neighbors"``: each sample
        with its ``n_positives`` nearest same-class samples (similar), its
        ``n_negatives`` nearest other-class samples and ``n_random_negatives``
        random other-class samples (dissimilar), as LMNN picks target
        neighbours and impostors. ``"random"``: ``n_positives`` random
        same-class and ``n_negatives + n_random_negatives`` random
        other-class partners per sample.

    n_positives : int, default=5
        Similar partners per sample (fewer in classes that are too small).

    n_negatives : int, default=10
        Nearest dissimilar partners per sample.

    n_random_negatives : int, default=2
        Uniformly drawn dissimilar partners per sample.

    n_mining_rounds : int, default=2
        Rounds of pair mining and optimisation. The first round mines
        neighbours in the input space; each later round mines them again in
        the embedding learned so far and continues the optimisation from it,
        as LMNN updates its impostors. Each round runs up to ``max_iter``
        iterations.

    mining_block_size : int or None, default=2048
        Neighbour mining is exact for up to this many samples. Beyond, the
        samples are split into spatial blocks of at most this many nearby
        samples (recursive median splits along principal directions) and
        neighbours are searched within each block, so mining costs
        ``O(n_samples * mining_block_size)`` instead of ``O(n_samples**2)``.
        ``None`` always searches exactly.

    alpha : float or "auto", default="auto"
        Weight of the squared L2 norm of the weights (``components_``, or the
        MLP's ``coefs_`` but not its biases) added to the loss. ``"auto"``
        means ``0`` for the linear map, which then minimises the source
        formula exactly, and ``1e-3`` for an MLP, where some weight decay
        gave 2 to 12 points of kNN accuracy in our measurements.

    init : {"auto", "pca", "lda", "identity", "random"} or ndarray of shape \
            (n_components, n_features), default="auto"
        Starting point of the map, as in
        :class:`~sklearn.neighbors.NeighborhoodComponentsAnalysis`. ``"auto"``
        picks ``"lda"`` if ``n_components <= min(n_features, n_classes - 1)``,
        else ``"pca"`` if ``n_components < min(n_features, n_samples)``, else
        ``"identity"``. ``"random"`` draws a Gaussian matrix from
        ``random_state``. A named init is then rescaled so that the median
        distance of the dissimilar training pairs equals ``margin``, which
        makes the whole fit scale with the margin; an array is used as given.
        For an MLP only ``"auto"`` and ``"random"`` are accepted and both mean
        a seeded Glorot (tanh, logistic) or He (relu, softplus) uniform draw of
        the weights, zero biases, and the output layer rescaled to the margin
        in the same way.

    max_iter : int, default=100
        Maximum number of L-BFGS iterations per mining round. Reaching it in
        the last round emits a :class:`~sklearn.exceptions.ConvergenceWarning`.

    tol : float, default=1e-5
        Convergence tolerance of L-BFGS (relative loss decrease and projected
        gradient).

    warm_start : bool, default=False
        If ``True`` and the estimator is already fitted with the same shape,
        start from the previous ``components_`` instead of ``init``, and mine
        every round's pairs in that embedding.

    callback : callable, default=None
        Called after every iteration as ``callback(params, n_iter)``, where
        ``params`` is the current flat parameter vector (for the linear map,
        reshape it to ``(n_components, n_features)``; for an MLP it holds each
        layer's weights, row-major, then its biases, layer by layer); ``n_iter`` counts on across mining
        rounds. Raise ``StopIteration`` in it to end the fit early, keeping
        the current parameters.

    verbose : int, default=0
        If positive, print one row per iteration (iteration, loss, gradient
        norm, elapsed seconds) and the optimiser's closing message.

    random_state : int, RandomState instance or None, default=None
        Seeds the random pairs, the ``"random"`` and ``"pca"`` initialisation,
        and the spatial blocks of the neighbour search.
        Pass an int for results that repeat exactly.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned linear map, in the dtype of the training data. Only for
        ``hidden_layer_sizes=()``.

    coefs_ : list of ndarray
        For an MLP: the weight matrix of each layer, ``coefs_[i]`` of shape
        ``(units in, units out)`` as in
        :class:`~sklearn.neural_network.MLPClassifier`.

    intercepts_ : list of ndarray
        For an MLP: the bias vector of each layer.

    n_iter_ : int
        Number of L-BFGS iterations run, over all mining rounds.

    loss_ : float
        Final value of the objective (loss plus penalty).

    n_pairs_ : int
        Number of training pairs in the last mining round.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.neighbors.NeighborhoodComponentsAnalysis : Linear metric learning
        with a softmax over all pairs (quadratic cost per iteration).

    Notes
    -----
    One loss-and-gradient evaluation costs two dense products of
    ``n_samples x n_features x n_components`` and a pass over the pairs'
    ``n_components``-dimensional differences; no array of size
    ``n_pairs x n_features`` is ever formed.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sk_contrastive import ContrastiveEmbedding
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, stratify=y, test_size=0.3, random_state=0)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     ContrastiveEmbedding(n_components=32, random_state=0),
    ...     KNeighborsClassifier())
    >>> accuracy = model.fit(X_train, y_train).score(X_test, y_test)
    >>> accuracy > 0.97
    True
    """

    def __init__(
        self,
        n_components=None,
        *,
        hidden_layer_sizes=(),
        activation="relu",
        margin=1.0,
        pos_margin=0.0,
        pair_strategy="neighbors",
        n_positives=5,
        n_negatives=10,
        n_random_negatives=2,
        n_mining_rounds=2,
        mining_block_size=2048,
        alpha="auto",
        init="auto",
        max_iter=100,
        tol=1e-5,
        warm_start=False,
        callback=None,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.margin = margin
        self.pos_margin = pos_margin
        self.pair_strategy = pair_strategy
        self.n_positives = n_positives
        self.n_negatives = n_negatives
        self.n_random_negatives = n_random_negatives
        self.n_mining_rounds = n_mining_rounds
        self.mining_block_size = mining_block_size
        self.alpha = alpha
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.callback = callback
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y):
        """Learn the embedding from labelled samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,)
            Class labels; samples with equal labels form similar pairs.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, ensure_min_samples=2, dtype=[np.float64, np.float32]
        )
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                "ContrastiveEmbedding needs samples of at least 2 classes to form "
                f"dissimilar pairs; y holds the single class {classes[0]!r}."
            )
        n_components = self._check_params(X, classes.shape[0])
        random_state = check_random_state(self.random_state)

        pairs_per_sample = self.n_positives + self.n_negatives + self.n_random_negatives
        check_pair_memory(X.shape[0] * pairs_per_sample, n_components, X.dtype.itemsize)
        X, y, blocks, input_scale = self._prepare_samples(X, y, random_state)
        projection = self._make_projection(X.shape[1], n_components, input_scale)
        alpha = self.alpha
        if alpha == "auto":
            alpha = MLP_DEFAULT_ALPHA if self.hidden_layer_sizes else 0.0
        previous = getattr(self, "_projection", None)
        warm = self.warm_start and previous is not None and (
            previous.architecture == projection.architecture
        )
        if warm:
            params = projection.params_from(self)
        else:
            params = projection.initial_params(self.init, X, y, random_state)

        self._clear_fitted_state(keep_input_attributes=True)
        try:
            params, result, pairs, n_iter = self._fit_rounds(
                X, y, projection, params, blocks, alpha, warm, random_state
            )
        except BaseException:  # an interrupt before the first iteration, or an error
            self._clear_fitted_state(keep_input_attributes=False)
            raise
        if result.stop == "interrupted":
            warnings.warn(
                f"ContrastiveEmbedding: fit interrupted after {n_iter} iterations; "
                "the estimator keeps the parameters of the last completed "
                f"iteration (loss {result.loss:.6g}).",
                UserWarning,
            )

        for name, value in projection.fitted_attributes(params, X.dtype).items():
            setattr(self, name, value)
        self._projection = self._make_projection(X.shape[1], n_components)
        self.n_iter_ = n_iter
        self.loss_ = result.loss
        self.n_pairs_ = pairs.n_pairs
        return self

    def _fit_rounds(self, X, y, projection, params, blocks, alpha, warm, random_state):
        """Mine pairs and optimise, ``n_mining_rounds`` times.

        Returns ``(params, result, pairs, n_iter)`` of the last round that ran.
        A ``KeyboardInterrupt`` after the first completed iteration ends the
        rounds with ``result.stop == "interrupted"``; before it, it propagates.
        """
        callback = None
        if self.callback is not None:
            def callback(flat_params, n_iter):
                self.callback(projection.to_input_units(flat_params), n_iter)

        n_iter, result = 0, None
        try:
            for mining_round in range(self.n_mining_rounds):
                if mining_round or warm:
                    # Later rounds (and a warm start) mine in the learned embedding.
                    mining_space = projection.forward(params, X)[0]
                    blocks = self._blocks(mining_space, random_state)
                else:
                    mining_space = X
                pairs = pairs_from_labels(
                    mining_space,
                    y,
                    strategy=self.pair_strategy,
                    n_positives=self.n_positives,
                    n_negatives=self.n_negatives,
                    n_random_negatives=self.n_random_negatives,
                    blocks=blocks,
                    random_state=random_state,
                )
                loss = ContrastiveLoss(pairs, X.shape[0], self.margin, self.pos_margin)
                if mining_round == 0 and not warm and isinstance(self.init, str):
                    factor = loss.scale_to_margin(projection.forward(params, X)[0])
                    params = projection.scale_output(params, factor)
                result = minimize_lbfgs(
                    lambda p: loss_and_gradient(p, X, projection, loss, alpha),
                    params,
                    max_iter=self.max_iter,
                    tol=self.tol,
                    scale=self.margin if projection.scales_with_margin else 1.0,
                    callback=callback,
                    verbose=self.verbose,
                    name=type(self).__name__,
                    first_iteration=n_iter,
                    warn=mining_round == self.n_mining_rounds - 1,
                )
                params = result.params
                n_iter += result.n_iter
                if result.stop in ("callback", "interrupted"):
                    break
        except KeyboardInterrupt:
            if result is None:
                raise
            result = result._replace(stop="interrupted")
        return params, result, pairs, n_iter

    def _clear_fitted_state(self, keep_input_attributes):
        """Forget a previous fit, so that a refit replaces all of it."""
        kept = {"n_features_in_", "feature_names_in_"} if keep_input_attributes else set()
        for name in list(vars(self)):
            if (name.endswith("_") and not name.startswith("__") and name not in kept) or (
                name == "_projection"
            ):
                delattr(self, name)

    def transform(self, X):
        """Embed samples with the learned map.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, n_components)
            ``X @ components_.T``, float32 for float32 input, else float64.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self._projection.forward(self._projection.params_from(self), X)[0]

    def score(self, X, y):
        """Leave-one-out 5-nearest-neighbour accuracy of ``y`` in the embedding.

        Each sample of ``X`` is embedded and classified by a majority vote of
        its 5 nearest other samples of ``X`` (Euclidean, ties to the label
        that sorts first); the score is the fraction classified correctly.
        It is higher for better embeddings, does not depend on the scale of
        the embedding (so not on a margin that only rescales it), is
        deterministic, and is 1.0 on a set that holds a single class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least 2 samples.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        score : float
            In [0, 1].
        """
        Z = self.transform(X)
        y = np.asarray(y)
        check_consistent_length(Z, y)
        check_classification_targets(y)
        return leave_one_out_knn_accuracy(Z, y, SCORE_N_NEIGHBORS)

    def _check_params(self, X, n_classes):
        """Validate every parameter against the data; return ``n_components``."""
        n_samples, n_features = X.shape
        if self.n_components is None:
            array_init = not isinstance(self.init, str) and np.ndim(self.init) == 2
            n_components = np.shape(self.init)[0] if array_init else n_features
        else:
            n_components = check_scalar(
                self.n_components, "n_components", numbers.Integral, min_val=1
            )
        hidden = self.hidden_layer_sizes
        if not (isinstance(hidden, (tuple, list)) and all(
            isinstance(units, numbers.Integral) and not isinstance(units, bool)
            and units >= 1 for units in hidden
        )):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers, such as "
                f"() for the linear map or (64,); got {hidden!r}."
            )
        _check_option(self.activation, "activation", tuple(ACTIVATIONS))
        if n_components > n_features and not hidden:
            raise ValueError(
                f"n_components={n_components} must be at most n_features="
                f"{n_features} for a linear map."
            )
        check_scalar(self.margin, "margin", numbers.Real, min_val=0, include_boundaries="neither")
        check_scalar(self.pos_margin, "pos_margin", numbers.Real, min_val=0)
        _check_option(self.pair_strategy, "pair_strategy", PAIR_STRATEGIES)
        for name in ("n_positives", "n_negatives", "n_random_negatives"):
            check_scalar(getattr(self, name), name, numbers.Integral, min_val=0)
        if self.n_negatives + self.n_random_negatives < 1:
            raise ValueError(
                "n_negatives + n_random_negatives must be at least 1: without "
                "dissimilar pairs the loss collapses the embedding to a point."
            )
        check_scalar(self.n_mining_rounds, "n_mining_rounds", numbers.Integral, min_val=1)
        if self.mining_block_size is not None:
            check_scalar(
                self.mining_block_size, "mining_block_size", numbers.Integral, min_val=2
            )
        if self.alpha != "auto":
            check_scalar(self.alpha, "alpha", numbers.Real, min_val=0)
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        check_scalar(self.tol, "tol", numbers.Real, min_val=0)
        check_scalar(self.verbose, "verbose", numbers.Integral, min_val=0)
        if self.callback is not None and not callable(self.callback):
            raise ValueError(f"callback must be callable or None, got {self.callback!r}.")
        self._check_init(n_components, n_samples, n_features, n_classes)
        return n_components

    def _check_init(self, n_components, n_samples, n_features, n_classes):
        if self.hidden_layer_sizes:
            if not (isinstance(self.init, str) and self.init in MLP_INIT_OPTIONS):
                raise ValueError(
                    f"init must be one of {MLP_INIT_OPTIONS} for an MLP "
                    f"(hidden_layer_sizes={self.hidden_layer_sizes!r}); got "
                    f"{self.init!r}. 'pca', 'lda', 'identity' and arrays apply to the "
                    "linear map only."
                )
            return
        if isinstance(self.init, str):
            _check_option(self.init, "init", INIT_OPTIONS)
            if self.init == "pca" and n_components > min(n_samples, n_features):
                raise ValueError(
                    f"init='pca' can give at most min(n_samples, n_features)="
                    f"{min(n_samples, n_features)} components; n_components="
                    f"{n_components}. Use init='identity' or 'random'."
                )
            if self.init == "lda" and n_components > min(n_features, n_classes - 1):
                raise ValueError(
                    f"init='lda' can give at most min(n_features, n_classes - 1)="
                    f"{min(n_features, n_classes - 1)} components; n_components="
                    f"{n_components}. Use init='pca' or 'identity'."
                )
            return
        init = np.asarray(self.init)
        if init.shape != (n_components, n_features):
            raise ValueError(
                f"init array has shape {init.shape}; expected (n_components, "
                f"n_features) = ({n_components}, {n_features})."
            )
        if not np.all(np.isfinite(init)):
            raise ValueError("init array contains NaN or infinity.")

    def _blocks(self, X, random_state):
        """Spatial blocks for neighbour mining, or None to search exactly."""
        if self.mining_block_size is None or X.shape[0] <= self.mining_block_size:
            return None
        return spatial_blocks(X, self.mining_block_size, random_state)

    def _prepare_samples(self, X, y, random_state):
        """Scale and reorder the training samples; return them with the blocks.

        Data of extreme magnitude are divided by a power of two (exact in
        floating point), which keeps the neighbour search, the initialisation
        and the optimiser away from overflow and underflow; the projections
        fold the factor back into the fitted weights. Then, for data larger
        than one mining block, the samples are reordered block by block:
        neighbours sit close together in memory, which makes the loss's
        gathers and scatters over the pairs about twice as fast on large data.
        Returns ``(X, y, blocks, input_scale)``; ``X`` is a copy whenever it
        differs from the input.
        """
        largest = float(max(X.max(), -X.min())) if X.size else 0.0  # no |X| copy
        input_scale = 1.0
        if largest > 0 and not _MODERATE_MAGNITUDE[0] <= largest <= _MODERATE_MAGNITUDE[1]:
            input_scale = float(2.0 ** np.frexp(largest)[1])
            X = X / np.asarray(input_scale, dtype=X.dtype)
        blocks = self._blocks(X, random_state)
        if blocks is None:
            return X, y, None, input_scale
        order = np.concatenate(blocks)
        starts = np.cumsum([0] + [block.shape[0] for block in blocks])
        contiguous = [np.arange(a, b) for a, b in zip(starts[:-1], starts[1:])]
        return X[order], y[order], contiguous, input_scale

    def _make_projection(self, n_features, n_components, input_scale=1.0):
        if self.hidden_layer_sizes:
            return MLPProjection(
                n_features, self.hidden_layer_sizes, n_components, self.activation,
                input_scale,
            )
        return LinearProjection(n_features, n_components, input_scale)

    @property
    def _n_features_out(self):
        return self._projection.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _check_option(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}; got {value!r}.")
