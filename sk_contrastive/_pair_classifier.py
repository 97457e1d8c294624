"""ContrastivePairClassifier: metric learning from pairs labelled similar or dissimilar."""

import numpy as np
from scipy.special import logsumexp
from sklearn.base import ClassifierMixin
from sklearn.utils import column_or_1d
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from ._base import fit_transaction
from ._pair_estimator import BasePairEstimator
from ._selection import heldout_roc_auc
from ._threshold import calibrate_distance_threshold, platt_scaling
from ._unit_norm import MAX_CHORD_DISTANCE
from ._validation import check_real

_CONVENTIONS = (
    "1 = similar and 0 = dissimilar (this library's and tensorflow's convention), "
    "or 1 = similar and -1 = dissimilar (metric-learn's)"
)


class ContrastivePairClassifier(ClassifierMixin, BasePairEstimator):
    """Siamese metric learning: a classifier of pairs, similar or dissimilar.

    Learns a map ``f`` (linear, diagonal -- a weight per feature -- or a
    small MLP; by default chosen on pairs of held-out classes, see
    ``architecture``) from pairs of samples labelled similar (genuine vs counterfeit products,
    duplicate records, two photos of one person) or dissimilar, by minimising
    the contrastive loss over exactly the given pairs::

        mean_p( s_p * d_p**2 + (1 - s_p) * max(margin - d_p, 0)**2 )
            + alpha * ||weights||**2

    where ``d_p = ||f(x_p1) - f(x_p2)||`` and ``s_p = 1`` for a similar pair,
    ``0`` for a dissimilar one: the contrastive loss and Siamese setting of
    Hadsell, Chopra and LeCun [1]_, in this library's convention (1 means
    similar). A pair
    is then predicted similar when its distance in the embedding is at most
    ``threshold_``, and :meth:`predict_proba` gives its calibrated
    probability of being similar. The map, loss, optimiser and parameters are those of
    :class:`~sk_contrastive.ContrastiveEmbedding`, which this estimator
    shares its fit engine with; the methods follow metric-learn's pair
    learners.

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the embedding. ``None`` means ``min(n_features,
        n_samples, 64)``, ``n_samples`` the distinct samples the pairs use:
        as in :class:`~sk_contrastive.ContrastiveEmbedding`, the cap keeps
        the map of wide data small (``64 * n_features`` weights) and leaves
        data of at most 64 features with every dimension.
    architecture : {"auto", "linear", "diagonal", "mlp"}, default="auto"
        The family of the map, as in
        :class:`~sk_contrastive.ContrastiveEmbedding`. ``"auto"`` (with
        ``hidden_layer_sizes`` and ``init`` left ``"auto"``): chosen in
        ``fit`` by the ROC-AUC of ``decision_function`` on pairs of classes
        held out of training (``GroupKFold``, 5 folds, over ``groups`` or the
        connected components of the similar pairs -- or the samples, where
        those join most samples into one class; one 25 % hold-out of at
        most 5,000 pairs above that), so that the chosen capacity is the one
        that verifies pairs of items never seen: the linear and, where
        ``n_components`` is ``None``, the diagonal map (each with
        ``pos_margin`` 0 and ``"impostor"``), then MLPs only where both score
        below the raw Euclidean distance (see
        :class:`~sk_contrastive.ContrastiveEmbedding`). On held-back
        product-verification sets the diagonal map, chosen where it fits,
        generalised where the full map learnt the training products (user
        guide, "Capacity and the selection").
    hidden_layer_sizes : "auto" or tuple of int, default="auto"
        ``()``: the linear map ``components_``; ``(64,)``: an MLP
        (``coefs_``, ``intercepts_``); ``"auto"``: chosen with the
        architecture. See ``ContrastiveEmbedding``.
    activation : {"relu", "tanh", "softplus", "logistic"}, default="relu"
        Activation of an MLP's hidden layers.
    metric : {"euclidean", "cosine"}, default="euclidean"
        ``"cosine"``: the map's output is divided by its norm (training and
        ``transform``), and every distance -- ``margin`` (at most 2),
        ``pos_margin``, ``threshold_``, ``pair_distance`` -- is the chord distance
        ``||u - v|| = sqrt(2 - 2 cos)`` in [0, 2] (``cos = 1 - d**2 / 2``;
        the table of pytorch-metric-learning's conventions, the penalty and
        centring rules and zero rows are in
        :class:`~sk_contrastive.ContrastiveEmbedding`).
    margin : float, default=1.0
        Dissimilar pairs closer than ``margin`` are pushed apart (between
        1e-150 and 1e150 for the linear map, 0.1 and 1000 for an MLP). For
        a linear or diagonal map with ``pos_margin=0`` it only sets the scale
        (the fitted threshold scales with it, so predictions do not change).
    pos_margin : float, "auto" or "impostor", default="auto"
        Similar pairs closer than ``pos_margin`` stop pulling; ``0`` is the
        contrastive loss of [1]_ exactly. Smaller than ``margin``. ``"auto"``: chosen
        with the map between 0 and ``"impostor"`` (0 where nothing is
        selected). ``"impostor"``: chosen from the share of anchors (first samples of pairs) that have no
        impostor among their pairs, as in
        :class:`~sk_contrastive.ContrastiveEmbedding` (in absolute units:
        ``1 / pos_margin = 1 / P + 1 / margin``); only anchors with
        both a similar and a dissimilar pair count, and where there are
        none (one pair per sample) the loss of [1]_ is used.
    alpha : float or "auto", default="auto"
        L2 penalty on the weights; ``"auto"``: ``2.5 / n_samples`` for the
        linear and diagonal maps (``n_samples`` the distinct samples the
        pairs use); for an MLP, chosen among 1e-3, 1e-2 and 1e-1 on held-out
        classes (1e-3 where nothing is selected), as in
        :class:`~sk_contrastive.ContrastiveEmbedding`.
    init : {"auto", "pca", "identity", "random"} or ndarray of shape \
            (n_components, n_features), default="auto"
        Start of the linear map (``"auto"``: ``"pca"`` when ``n_components <
        min(n_features, n_samples)``, else ``"identity"``; there are no class
        labels for ``"lda"``); an MLP takes ``"auto"`` (a random draw fitted
        to the principal coordinates of the samples) or ``"random"`` (the
        draw alone), as in :class:`~sk_contrastive.ContrastiveEmbedding`.
    max_iter : int, default=500
        Maximum number of L-BFGS iterations. The pairs are given, so there is
        one round (``ContrastiveEmbedding`` runs up to 100 in each of its 3),
        and an MLP needs more than 100 iterations to converge on it (see the
        user guide, "Learning from pairs").
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
        Seeds the ``"pca"`` and ``"random"`` initialisation.
    preprocessor : {array-like, sparse matrix} of shape (n_samples, \
            n_features) or None, default=None
        The samples that integer pairs index, as in metric-learn: with it,
        ``pairs`` may be an integer array of shape ``(n_pairs, 2)`` of row
        indices, which cross-validation splits while the indices stay valid.
        A sparse preprocessor is never densified.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The pair labels as given in ``fit``: ``[0, 1]`` or ``[-1, 1]``;
        ``classes_[1]`` means similar.
    threshold_ : float
        Pairs at most this far apart in the embedding are predicted similar.
        ``fit`` sets it to the distance that maximises the accuracy on the
        training pairs (midway between the largest distance it predicts
        similar and the next one); :meth:`calibrate_threshold` recalibrates
        it, preferably on held-out pairs. A distance, never negative: a
        threshold on ``decision_function`` is minus this.
    cross_fitted_maps_ : list of ContrastivePairClassifier
        The copies of the fitted map's settings (its architecture and
        ``pos_margin_``), each fitted on the pairs of some classes, whose
        calibrated probabilities :meth:`predict_proba` averages (one per
        split of the held-out selection: 5 folds of classes, or one 25 %
        hold-out above 5,000 pairs), without their ``preprocessor``
        (:meth:`predict_proba` gives them this estimator's samples; they
        measure pairs of samples themselves); ``[]`` where no split holds
        similar and dissimilar pairs on both sides (a handful of pairs), or
        where no held-out part had its similar pairs the closer (a copy
        whose calibrated probability would rise with the distance is left
        out).
    calibrators_ : list of sklearn.pipeline.Pipeline
        ``StandardScaler`` then ``LogisticRegression``: the probability that
        a pair is similar from its distance (input of shape (n_pairs, 1)),
        one for each of ``cross_fitted_maps_``, fitted on the distances of
        the pairs that map was not fitted on (weighted as the pairs are,
        each kind of pair back to its share of the training pairs; the
        weights' scale does not matter); where there is none, one for this
        map, fitted on its training distances, or, if no held-out part
        ranked its pairs, one that gives every pair the training pairs'
        share of similar pairs.
    calibrated_on_ : {"cross-fit", "training pairs"}
        What ``calibrators_`` were fitted on: ``"cross-fit"``, the distances
        of pairs of held-out classes under ``cross_fitted_maps_``;
        ``"training pairs"``, this map's training distances, so that the
        probabilities are then optimistic.
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
        Number of training pairs.
    pos_margin_ : float
        The ``pos_margin`` used: the one the selection or the impostor rule
        chose, else ``pos_margin``.
    architecture_ : {"linear", "diagonal", "mlp"}
        The family of the fitted map.
    hidden_layer_sizes_ : tuple of int
        The hidden layers of the fitted map (``()`` unless an MLP).
    selection_results_ : dict or None
        The held-out selection, in the layout of
        ``GridSearchCV.cv_results_`` (see
        :class:`~sk_contrastive.ContrastiveEmbedding`), scored by held-out
        ROC-AUC; its first row is the raw Euclidean distance (of the rows
        divided by their norms, with ``metric="cosine"``). ``None`` when
        nothing was selected.
    alpha_ : float
        The penalty weight used: the one ``alpha="auto"`` stands for, else
        ``alpha``.
    n_features_in_ : int
        Number of features of one sample.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a ``preprocessor`` DataFrame.

    See Also
    --------
    ContrastiveEmbedding : The same map learnt from class labels, unlabelled
        or partly labelled samples.

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
    >>> from sk_contrastive import ContrastivePairClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> X[:, 0] *= 0.1  # only feature 0 tells a genuine pair from a fake one
    >>> pairs = rng.integers(0, 200, (400, 2))
    >>> y = (np.abs(X[pairs[:, 0], 0] - X[pairs[:, 1], 0]) < 0.05).astype(int)
    >>> model = ContrastivePairClassifier(n_components=2, preprocessor=X,
    ...                                   random_state=0).fit(pairs, y)
    >>> model.predict(pairs[:5]), y[:5]
    (array([0, 0, 0, 1, 1]), array([0, 0, 0, 1, 1]))
    >>> model.score(pairs, y) > 0.9
    True
    """

    @fit_transaction
    def fit(self, pairs, y, sample_weight=None, groups=None):
        """Learn the embedding from labelled pairs, then calibrate ``threshold_``.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.
        y : array-like of shape (n_pairs,)
            ``1`` for a similar pair and ``0`` (or ``-1``) for a dissimilar
            one; both kinds must occur.
        sample_weight : array-like of shape (n_pairs,), default=None
            Non-negative weight of each pair: its term in the loss is
            multiplied by it and the loss divided by the total weight, so a
            pair of weight 0 is the same as no pair (it is dropped), and an
            integer weight counts the pair that many times. The threshold is
            calibrated with the same weights.
        groups : array-like of shape (n_pairs, 2) or (n_pairs,), default=None
            For the selection of the map (``architecture="auto"``), which
            scores each candidate on pairs of classes it did not see: the
            class (product, person, ...) of each of the two samples of a pair,
            or one group per pair. ``None``: the classes are the connected
            components of the similar pairs (samples joined by a chain of
            similar pairs belong to one class). Ignored when nothing is
            chosen (``architecture``, ``pos_margin`` and ``alpha`` all
            given). In a scikit-learn search, route it with
            ``set_fit_request(groups=True)`` under
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : object
            Fitted estimator.

        Raises
        ------
        ValueError
            For pairs of the wrong shape, integer pairs without a
            ``preprocessor``, indices out of range, negative or not integers,
            NaN or infinity, labels outside the two conventions or of a
            single kind, invalid parameters, or a fit that would not fit in
            memory.
        KeyboardInterrupt
            Re-raised when the fit is interrupted (Ctrl-C), so that it also
            stops a surrounding search.

        Notes
        -----
        A fit is a transaction: if it raises, whatever the exception and
        whenever it comes (an interrupt, an invalid parameter, a memory
        error), the estimator is left exactly as it was before the call:
        unfitted, or with its previous fitted model (a ``warm_start`` refit
        included). ``StopIteration`` from ``callback`` is not an error: it
        ends the fit early with the current parameters.
        """
        return self._fit_pairs(pairs, y, sample_weight, groups)

    _learns_from_heldout_distances = True

    def _pair_degrees(self, y):
        return (y == _check_pair_labels(y)[1]).astype(np.float64)

    def _heldout_score(self, distances, degrees):
        return heldout_roc_auc(distances, degrees == 1)

    def _calibrate(self, distances, y, degrees, sample_weight):
        self.classes_ = _check_pair_labels(y)
        self.threshold_ = calibrate_distance_threshold(
            distances, degrees == 1, sample_weight=sample_weight
        )

    def _calibrate_heldout(self, folds, training_distances, y, degrees, sample_weight):
        similar = degrees == 1
        weights = np.ones(y.shape[0]) if sample_weight is None else sample_weight
        if not folds:
            self.cross_fitted_maps_ = []
            self.calibrators_ = [platt_scaling(training_distances, similar, weights)]
            self.calibrated_on_ = "training pairs"
            return
        maps, calibrators = [], []
        for model, rows, distances in folds:
            # A held-out part keeps only the pairs whose two samples are both
            # held out: every similar pair of a held-out class, but only the
            # dissimilar pairs between two held-out classes, so it holds far
            # more similar pairs than the training pairs do. Weighted back to
            # the training pairs' share, so the intercept learns their prior.
            heldout_similar, heldout_weights = similar[rows], weights[rows]
            for kind in (True, False):
                held = heldout_similar == kind
                heldout_weights[held] *= (weights[similar == kind].sum()
                                          / heldout_weights[held].sum())
            calibrator = platt_scaling(distances, heldout_similar, heldout_weights)
            # a part whose similar pairs are not the closer ones (a handful of
            # dissimilar pairs, say) tells nothing about the distance: its
            # probability would rise with the distance, so it is left out
            if calibrator[-1].coef_[0, 0] < 0:
                model.preprocessor = None  # the pairs' samples come from this estimator
                maps.append(model)
                calibrators.append(calibrator)
        if not maps:
            # no held-out part ranks its pairs: every pair gets the training
            # pairs' share of similar pairs (a logistic function of nothing)
            calibrators = [platt_scaling(np.zeros(y.shape[0]), similar, weights)]
        self.cross_fitted_maps_ = maps
        self.calibrators_ = calibrators
        self.calibrated_on_ = "cross-fit"

    def decision_function(self, pairs):
        """Score each pair by minus its embedded distance: higher means more similar.

        This is what ``scoring="roc_auc"`` ranks pairs by.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
            Minus the embedded distance of each pair.
        """
        return self.pair_score(pairs)

    def predict(self, pairs):
        """Predict similar (``classes_[1]``) where the distance is at most ``threshold_``.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.

        Returns
        -------
        y_pred : ndarray of shape (n_pairs,)
            In the encoding given to ``fit``: ``1`` similar, ``0`` or ``-1``
            dissimilar.
        """
        distances = self.pair_distance(pairs)
        return np.where(distances <= self.threshold_, self.classes_[1], self.classes_[0])

    def predict_proba(self, pairs):
        """Calibrated probability of each pair being dissimilar and similar.

        The probabilities of pairs of classes the map has not seen, as
        scikit-learn's ``CalibratedClassifierCV`` (``ensemble=True``) gives
        them, with folds of classes instead of folds of pairs: in ``fit``,
        copies of the fitted map's settings (``cross_fitted_maps_``) are
        fitted on the pairs of some classes, on the splits of the held-out
        selection (5 folds of classes; one 25 % hold-out above 5,000
        pairs), and each is calibrated on the pairs of the classes it did
        not see, by a logistic function of its distance (Platt scaling:
        ``calibrators_``: Platt's method as scikit-learn's
        ``CalibratedClassifierCV(method="sigmoid")`` fits it, a logistic
        function of the standardised distance on Platt's smoothed targets,
        without a penalty). A held-out part keeps only the pairs whose
        two samples are held out, so it holds more similar pairs than the
        training pairs do; its pairs are weighted back to the training
        pairs' share of similar pairs. The probability of a pair is the mean
        of the copies' calibrated probabilities. This costs one fit of the
        chosen map per split, and one embedding per copy here.

        On the four product sets of ``benchmarks/bench_probabilities.py``
        the mean of the copies had a lower Brier score on pairs of unseen
        products than one logistic function of this map's distance fitted
        on the copies' held-out distances: the copies rank pairs
        differently, and their mean ranks them better. Calibrating on the
        training distances is optimistic where the map fits its training
        classes. The figures, and those against ``CalibratedClassifierCV``
        around this estimator, are in the user guide, "Probabilities", and
        on the benchmarks page, "Probabilities of pairs".

        The probabilities are therefore not a function of this map's
        distance, which ``decision_function``, ``predict`` (against
        ``threshold_``) and :meth:`calibrate_threshold` use. For a
        prediction at a probability, use scikit-learn's
        ``FixedThresholdClassifier(model, threshold=p,
        response_method="predict_proba")``.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.

        Returns
        -------
        proba : ndarray of shape (n_pairs, 2)
            Columns in the order of ``classes_``: dissimilar, then similar;
            float64.

        Raises
        ------
        ValueError
            For pairs the model cannot measure, as :meth:`pair_distance`.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.metrics import brier_score_loss
        >>> from sk_contrastive import ContrastivePairClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.standard_normal((300, 4))
        >>> pairs = rng.integers(0, 300, (600, 2))
        >>> y = (np.abs(X[pairs[:, 0], 0] - X[pairs[:, 1], 0]) < 0.3).astype(int)
        >>> model = ContrastivePairClassifier(preprocessor=X, random_state=0)
        >>> model = model.fit(pairs[:400], y[:400])
        >>> proba = model.predict_proba(pairs[400:])
        >>> proba.shape, model.classes_
        ((200, 2), array([0, 1]))
        >>> bool(brier_score_loss(y[400:], proba[:, 1]) < 0.1)
        True
        """
        return np.exp(self.predict_log_proba(pairs))

    def predict_log_proba(self, pairs):
        """Logarithm of :meth:`predict_proba`, computed without rounding to 0.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.

        Returns
        -------
        log_proba : ndarray of shape (n_pairs, 2)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        X, first, second = self._pair_rows(pairs)
        maps = self.cross_fitted_maps_ or [self]
        log_proba = []
        for model, calibrator in zip(maps, self.calibrators_):
            # log(1 / (1 + exp(-z))) from the logit z itself: the pipeline's
            # predict_log_proba takes the log of a probability rounded to 0
            logit = calibrator.decision_function(
                model._row_pair_distances(X, first, second).astype(np.float64).reshape(-1, 1))
            log_proba.append(np.column_stack([-np.logaddexp(0, logit),
                                              -np.logaddexp(0, -logit)]))
        # the log of the mean probability, without rounding it to 0 first
        return logsumexp(log_proba, axis=0) - np.log(len(log_proba))

    def calibrate_threshold(
        self, pairs, y, strategy="accuracy", min_rate=None, beta=1.0, sample_weight=None,
        far=None,
    ):
        """Choose ``threshold_`` on labelled pairs, preferably held out from ``fit``.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or of shape \
                (n_pairs, 2) of int with ``preprocessor``
            The two samples of each pair, or their row indices in
            ``preprocessor``.
        y : array-like of shape (n_pairs,)
            Pair labels in the encoding of ``fit``; both kinds must occur.
        strategy : {"accuracy", "f_beta", "max_tpr", "max_tnr", "eer", \
                "tar_at_far"}, default="accuracy"
            ``"accuracy"``: the best accuracy. ``"f_beta"``: the best F-beta
            score of the similar class. ``"max_tpr"``: the largest share of
            similar pairs recognised, with at least ``min_rate`` of the
            dissimilar pairs rejected. ``"max_tnr"``: the largest share of
            dissimilar pairs rejected, with at least ``min_rate`` of the
            similar pairs recognised (these four are metric-learn's).
            Verification's operating points: ``"eer"``, the equal error
            rate's threshold, where the false accept rate (FAR: dissimilar
            pairs predicted similar) is closest to the false reject rate
            (FRR: similar pairs predicted dissimilar), within half of
            ``1 / min(n_similar, n_dissimilar)`` without tied distances;
            ``"tar_at_far"``, the largest true accept rate (similar pairs
            accepted) with a FAR of at most ``far`` -- the same as
            ``"max_tpr"`` with ``min_rate=1 - far``.
        min_rate : float in [0, 1] or None, default=None
            The rate ``"max_tpr"`` and ``"max_tnr"`` must keep.
        beta : float, default=1.0
            Weight of recall against precision, for ``"f_beta"``.
        sample_weight : array-like of shape (n_pairs,), default=None
            Weight of each pair in the rates.
        far : float in [0, 0.5] or None, default=None
            The false accept rate ``"tar_at_far"`` allows (only that
            strategy takes it). A rate above 0.5 is refused: it would accept
            most dissimilar pairs, and is likely a share rejected, ``1 - far``.

        Returns
        -------
        self : object
            The estimator, with its new ``threshold_``.

        Raises
        ------
        ValueError
            For an unknown strategy, a missing or invalid ``min_rate``,
            ``beta`` or ``far``, ``far`` with another strategy than
            ``"tar_at_far"`` or ``min_rate`` with it, labels outside
            ``classes_``, or pairs of one kind.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_contrastive import ContrastivePairClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.standard_normal((100, 3))
        >>> pairs = rng.integers(0, 100, (300, 2))
        >>> y = (np.abs(X[pairs[:, 0], 0] - X[pairs[:, 1], 0]) < 0.3).astype(int)
        >>> model = ContrastivePairClassifier(preprocessor=X, random_state=0)
        >>> model = model.fit(pairs[:200], y[:200])
        >>> model = model.calibrate_threshold(pairs[200:], y[200:],
        ...                                   strategy="max_tpr", min_rate=0.9)
        >>> tnr = np.mean(model.predict(pairs[200:])[y[200:] == 0] == 0)
        >>> bool(tnr >= 0.9)
        True
        >>> model = model.calibrate_threshold(pairs[200:], y[200:], strategy="eer")
        >>> accepted = model.predict(pairs[200:]) == 1
        >>> far, frr = np.mean(accepted[y[200:] == 0]), np.mean(~accepted[y[200:] == 1])
        >>> bool(abs(far - frr) <= 1 / min(np.bincount(y[200:])))
        True
        """
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        distances = self.pair_distance(pairs)
        check_consistent_length(distances, y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y holds labels {unknown.tolist()} outside classes_ "
                f"{self.classes_.tolist()}."
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, y, dtype=np.float64, ensure_non_negative=True
            )
        self.threshold_ = calibrate_distance_threshold(
            distances, y == self.classes_[1], strategy, min_rate, beta, sample_weight, far
        )
        return self

    def set_threshold(self, threshold):
        """Set ``threshold_``: pairs at most this far apart are predicted similar.

        Parameters
        ----------
        threshold : float
            A distance: finite and at least 0.

        Returns
        -------
        self : object
            The estimator, with its new ``threshold_``.

        Raises
        ------
        ValueError
            For a threshold that is not finite, or negative: a negative
            distance would predict every pair dissimilar, and is most likely
            a value of :meth:`decision_function` (minus the distance).

        Examples
        --------
        >>> import numpy as np
        >>> from sk_contrastive import ContrastivePairClassifier
        >>> pairs = np.array([[[0.0, 0.0], [3.0, 4.0]], [[1.0, 1.0], [1.1, 1.0]]])
        >>> model = ContrastivePairClassifier(n_components=2, random_state=0)
        >>> model = model.fit(pairs, [0, 1]).set_threshold(0.5)
        >>> model.predict(pairs)
        array([0, 1])
        """
        check_is_fitted(self)
        threshold = check_real(threshold, "threshold")
        if self.metric == "cosine" and threshold > MAX_CHORD_DISTANCE:
            raise ValueError(
                f"threshold={threshold} is beyond {MAX_CHORD_DISTANCE:g}, the largest chord "
                "distance of metric='cosine': every pair would be predicted similar.")
        if threshold < 0:
            raise ValueError(
                f"threshold must be a distance, at least 0; got {threshold}. Pairs at most "
                "threshold apart are predicted similar, while decision_function returns "
                "minus the distance: for a threshold on its values, pass minus that value "
                f"(here {-threshold})."
            )
        self.threshold_ = threshold
        return self


def _check_pair_labels(y):
    """The two labels of ``y`` if they follow a known convention."""
    if y.dtype.kind == "O":
        # scikit-learn's metrics cannot score object labels either
        raise ValueError(
            f"Pair labels must be numbers, not an array of dtype object: convert them "
            f"(for example y.astype(int)). Pair labels are {_CONVENTIONS}."
        )
    values = np.unique(y)
    try:
        numeric = values.astype(np.float64)
    except (TypeError, ValueError):
        numeric = None
    if numeric is None or np.any(np.isnan(numeric)) or values.dtype.kind not in "biuf":
        raise ValueError(
            f"Pair labels must be {_CONVENTIONS}; got labels {values.tolist()}."
        )
    as_set = set(numeric.tolist())
    if as_set == {0.0, 1.0} or as_set == {-1.0, 1.0}:
        return values
    if as_set in ({0.0}, {1.0}, {-1.0}):
        raise ValueError(
            f"y holds a single pair label ({values[0].item()!r}): fitting needs both similar "
            f"and dissimilar pairs. Pair labels are {_CONVENTIONS}."
        )
    raise ValueError(
        f"Pair labels must be {_CONVENTIONS}; got labels {values.tolist()}."
    )


