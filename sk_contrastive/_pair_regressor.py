"""ContrastivePairRegressor: metric learning from pairs similar to a degree."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.utils import column_or_1d
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from ._base import fit_transaction
from ._labels import numbers_with_nan
from ._pair_estimator import BasePairEstimator
from ._scoring import rank_correlation


class ContrastivePairRegressor(RegressorMixin, BasePairEstimator):
    """Siamese metric learning from graded pairs: how similar two samples are.

    Learns a map ``f`` (linear, diagonal or a small MLP; by default chosen on
    pairs of held-out classes, see ``architecture``) from pairs whose label
    is a degree of similarity ``s`` in [0, 1] -- raters' similarity scores
    of two sentences, products or images, as in semantic-similarity data --
    by minimising the contrastive loss of Hadsell, Chopra and LeCun [1]_,
    with a graded label ``s`` (the loss admits any ``s`` in [0, 1]), over
    exactly the given pairs::

        mean_p( s_p * d_p**2 + (1 - s_p) * max(margin - d_p, 0)**2 )
            + alpha * ||weights||**2

    where ``d_p = ||f(x_p1) - f(x_p2)||``: a pair of ``s = 1`` is pulled
    together, one of ``s = 0`` pushed beyond ``margin``, and one in between
    does both, weighted (Hadsell, Chopra & LeCun 2006, with ``y_true``
    between 0 and 1). ``predict`` gives a pair's similarity from its
    distance in the embedding, through the decreasing function of the
    distance fitted to the training pairs by isotonic regression
    (scikit-learn's :class:`~sklearn.isotonic.IsotonicRegression`);
    ``score`` is Spearman's rank correlation of the pairs' closeness with
    their similarities, the usual measure of semantic-similarity benchmarks.
    It is the sibling of :class:`~sk_contrastive.ContrastivePairClassifier`
    (whose labels are 0 or 1) and shares its map, loss, optimiser,
    selection and pair input; scikit-learn's classifiers must refuse
    continuous labels, so graded pairs have their own regressor.

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the embedding. ``None`` means ``min(n_features,
        n_samples, 64)``, ``n_samples`` the distinct samples the pairs use.
    architecture : {"auto", "linear", "diagonal", "mlp"}, default="auto"
        The family of the map. ``"auto"`` (with ``hidden_layer_sizes`` and
        ``init`` left ``"auto"``): chosen in ``fit``, as
        :class:`~sk_contrastive.ContrastivePairClassifier` chooses it, by
        Spearman's rank correlation on pairs of classes held out of training
        (the classes: ``groups``, or the connected components of the pairs
        of ``s >= 1/2``).
    hidden_layer_sizes : "auto" or tuple of int, default="auto"
        ``()``: the linear map ``components_``; ``(64,)``: an MLP
        (``coefs_``, ``intercepts_``); ``"auto"``: chosen with the
        architecture.
    activation : {"relu", "tanh", "softplus", "logistic"}, default="relu"
        Activation of an MLP's hidden layers.
    metric : {"euclidean", "cosine"}, default="euclidean"
        ``"cosine"``: the map's output is divided by its norm (training and
        ``transform``), and every distance -- ``margin`` (at most 2),
        ``pos_margin``, the distances ``calibration_`` reads, ``pair_distance`` -- is the chord distance
        ``||u - v|| = sqrt(2 - 2 cos)`` in [0, 2] (``cos = 1 - d**2 / 2``;
        the table of pytorch-metric-learning's conventions, the penalty and
        centring rules and zero rows are in
        :class:`~sk_contrastive.ContrastiveEmbedding`).
    margin : float, default=1.0
        Pairs of ``s < 1`` closer than ``margin`` are pushed apart, with
        weight ``1 - s``. For a linear or diagonal map with ``pos_margin=0``
        it only sets the scale (predictions and scores do not change).
    pos_margin : float, "auto" or "impostor", default="auto"
        Pairs closer than ``pos_margin`` stop pulling; ``0`` is the
        contrastive loss of [1]_. ``"auto"``: chosen with the map between 0 and
        ``"impostor"`` (see
        :class:`~sk_contrastive.ContrastivePairClassifier`).
    alpha : float or "auto", default="auto"
        L2 penalty on the weights (see
        :class:`~sk_contrastive.ContrastivePairClassifier`).
    init : {"auto", "pca", "identity", "random"} or ndarray of shape \
            (n_components, n_features), default="auto"
        Start of the map (see
        :class:`~sk_contrastive.ContrastivePairClassifier`).
    max_iter : int, default=500
        Maximum number of L-BFGS iterations (one round: the pairs are given).
    tol : float, default=1e-5
        Tolerance of L-BFGS.
    warm_start : bool, default=False
        Start from the previous fit's map.
    callback : callable, default=None
        ``callback(params, n_iter)`` after every iteration; raise
        ``StopIteration`` to stop.
    verbose : int, default=0
        Log the fit: pairs, one row per iteration, a summary.
    random_state : int, RandomState instance or None, default=None
        Seeds the ``"pca"`` and ``"random"`` initialisation and the
        selection's splits.
    preprocessor : {array-like, sparse matrix} of shape (n_samples, \
            n_features) or None, default=None
        The samples that integer pairs index, as in metric-learn: with it,
        ``pairs`` may be an integer array of shape ``(n_pairs, 2)`` of row
        indices.

    Attributes
    ----------
    calibration_ : sklearn.isotonic.IsotonicRegression
        The decreasing map from a pair's embedded distance to its predicted
        similarity, in [0, 1], fitted on the training pairs (weighted by
        ``sample_weight``); distances beyond the training range are clipped.
    components_ : ndarray of shape (n_components, n_features)
        The linear map; for the diagonal map, ``diag`` of its weights.
    coefs_, intercepts_ : list of ndarray
        The MLP's layers.
    n_iter_ : int
        L-BFGS iterations run.
    n_iter_per_round_ : ndarray of shape (1,), dtype int
        ``[n_iter_]``: the pairs are given, not mined, so the fit is one
        round (as :class:`ContrastiveEmbedding`'s attribute of that name).
    loss_ : float
        Final value of the objective.
    loss_curve_ : ndarray of shape (n_iterations,), dtype float64
        The objective after each L-BFGS iteration (``n_iter_`` values); its
        last value is ``loss_``.
    n_pairs_ : int
        Number of loss terms: a pair of ``0 < s < 1`` is two (a similar
        term of weight ``s``, a dissimilar one of weight ``1 - s``).
    pos_margin_ : float
        The ``pos_margin`` used.
    architecture_ : {"linear", "diagonal", "mlp"}
        The family of the fitted map.
    hidden_layer_sizes_ : tuple of int
        The hidden layers of the fitted map (``()`` unless an MLP).
    selection_results_ : dict or None
        The held-out selection, in the layout of
        ``GridSearchCV.cv_results_``, scored by Spearman's rank correlation
        on pairs of held-out classes; its first row is the raw Euclidean
        distance. ``None`` when nothing was selected.
    alpha_ : float
        The penalty weight used.
    n_features_in_ : int
        Number of features of one sample.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a ``preprocessor`` DataFrame.

    See Also
    --------
    ContrastivePairClassifier : The same from pairs labelled similar or
        dissimilar, with a decision threshold.
    ContrastiveEmbedding : The same map learnt from labels or targets of
        single samples.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006. The contrastive loss, here
       in the convention ``mean(s * d**2 + (1 - s) * max(margin - d, 0)**2)``
       with ``s = 1`` for similar pairs (DrLIM labels similar pairs 0 and
       halves both terms).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive import ContrastivePairRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> pairs = rng.integers(0, 200, (600, 2))
    >>> gap = X[pairs[:, 0], 0] - X[pairs[:, 1], 0]  # only feature 0 matters
    >>> y = np.exp(-gap ** 2)  # similarity scores in [0, 1]
    >>> model = ContrastivePairRegressor(preprocessor=X, random_state=0).fit(pairs, y)
    >>> bool(model.score(pairs, y) > 0.9)  # Spearman's rank correlation
    True
    >>> similarity = model.predict(pairs[:3])
    >>> bool(np.all((similarity >= 0) & (similarity <= 1)))
    True
    """

    @fit_transaction
    def fit(self, pairs, y, sample_weight=None, groups=None):
        """Learn the embedding from graded pairs, then ``calibration_``.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.
        y : array-like of shape (n_pairs,)
            How similar each pair is: a number in [0, 1], 1 for alike, 0
            for unlike. Scores on another scale (raters' 0 to 5, say) are
            divided by its top first. Not all the same.
        sample_weight : array-like of shape (n_pairs,), default=None
            Non-negative weight of each pair, in the loss and the
            calibration; a pair of weight 0 is no pair.
        groups : array-like of shape (n_pairs, 2) or (n_pairs,), default=None
            For the selection of the map: the class (item, person, ...) of
            each sample of a pair, or one group per pair (see
            :meth:`ContrastivePairClassifier.fit
            <sk_contrastive.ContrastivePairClassifier.fit>`). ``None``: the
            connected components of the pairs of ``s >= 1/2``.

        Returns
        -------
        self : object
            Fitted estimator.

        Raises
        ------
        ValueError
            For pairs of the wrong shape, integer pairs without a
            ``preprocessor``, indices out of range, NaN or infinity,
            similarities outside [0, 1] or all equal, invalid parameters, or
            a fit that would not fit in memory. A fit that raises leaves the
            estimator as it was.
        """
        return self._fit_pairs(pairs, y, sample_weight, groups)

    def _pair_degrees(self, y):
        degrees = _check_pair_similarities(y)
        if np.all(degrees == degrees[:1]):
            raise ValueError(
                f"y holds a single similarity ({degrees[0]:g}) for every pair: there is "
                "no order of pairs to learn."
            )
        return degrees

    def _heldout_score(self, distances, degrees):
        return rank_correlation(-np.asarray(distances, dtype=np.float64), degrees)

    def _calibrate(self, distances, y, degrees, sample_weight):
        self.calibration_ = IsotonicRegression(
            y_min=0.0, y_max=1.0, increasing=False, out_of_bounds="clip"
        ).fit(np.asarray(distances, dtype=np.float64), degrees, sample_weight=sample_weight)

    def predict(self, pairs):
        """Predict how similar each pair is, from its embedded distance.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.

        Returns
        -------
        similarity : ndarray of shape (n_pairs,)
            In [0, 1]; not increasing with the distance (``calibration_``).
        """
        check_is_fitted(self)
        return self.calibration_.predict(
            np.asarray(self.pair_distance(pairs), dtype=np.float64))

    def score(self, pairs, y, sample_weight=None):
        """Return Spearman's rank correlation of the pairs' closeness with ``y``.

        The Pearson correlation of the ranks of ``-pair_distance(pairs)``
        and of ``y`` (average ranks for ties, as
        :func:`scipy.stats.spearmanr`), weighted by ``sample_weight``: 1
        when the embedding orders the pairs as their similarities do, 0 for
        no relation (and where either is constant). It scores the order the
        embedding gives, so a margin that only rescales the map does not
        change it.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.
        y : array-like of shape (n_pairs,)
            Similarities in [0, 1].
        sample_weight : array-like of shape (n_pairs,), default=None
            Weight of each pair in the correlation.

        Returns
        -------
        score : float
            In [-1, 1].

        Raises
        ------
        ValueError
            For invalid pairs, or ``y`` outside [0, 1], of another length, or
            holding NaN.
        """
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        distances = self.pair_distance(pairs)
        check_consistent_length(distances, y)
        degrees = _check_pair_similarities(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, y, dtype=np.float64, ensure_non_negative=True
            )
            if not sample_weight.max(initial=0) > 0:
                raise ValueError("sample_weight sums to 0: no pair to score.")
        return rank_correlation(-np.asarray(distances, dtype=np.float64), degrees,
                                sample_weight)


def _check_pair_similarities(y):
    """``y`` as float64 similarities in [0, 1], or a ValueError that says why not."""
    y = numbers_with_nan(y)  # an object array of numbers, as scikit-learn converts it
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"Pair similarities must be numbers in [0, 1]; got an array of dtype {y.dtype}."
        )
    degrees = y.astype(np.float64)
    if not np.all(np.isfinite(degrees)):
        raise ValueError("Pair similarities must be finite numbers in [0, 1]; y holds NaN "
                         "or infinity.")
    if degrees.min() < 0 or degrees.max() > 1:
        raise ValueError(
            f"Pair similarities must be in [0, 1] (1: alike, 0: unlike); got values from "
            f"{degrees.min():g} to {degrees.max():g}. Divide scores on another scale (0 to "
            "5, say) by its top."
        )
    return degrees
