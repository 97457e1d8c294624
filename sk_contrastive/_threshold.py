"""Calibrating pair distances: the distance below which a pair is predicted
similar, and the probability that it is (Platt scaling)."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._validation import check_real
from ._weights import relative_weights

THRESHOLD_STRATEGIES = ("accuracy", "f_beta", "max_tpr", "max_tnr", "eer", "tar_at_far")
# A false accept rate above this accepts most dissimilar pairs: it is taken
# for the rate of dissimilar pairs *rejected* (max_tpr's min_rate) mistyped.
MAX_FAR = 0.5
# A logistic regression's C of no effect, written the same way for every
# scikit-learn version this library supports (penalty=None is deprecated from 1.8).
NO_PENALTY = 1e12


def calibrate_distance_threshold(
    distances, similar, strategy="accuracy", min_rate=None, beta=1.0, sample_weight=None,
    far=None,
):
    """The distance threshold that is best for ``strategy`` on these pairs.

    A pair is predicted similar when its distance is at most the threshold.
    The candidates are the observed distances; the one returned lies midway
    between the largest distance predicted similar and the smallest one
    predicted dissimilar, so that it generalises symmetrically. The rates
    come from :func:`sklearn.metrics.roc_curve` on ``-distances`` (positive
    class: similar); the strategies are those of metric-learn's pair
    learners:

    - ``"accuracy"``: the largest accuracy;
    - ``"f_beta"``: the largest F-beta score of the similar class;
    - ``"max_tpr"``: the largest true positive rate (similar pairs found)
      with a true negative rate of at least ``min_rate``;
    - ``"max_tnr"``: the largest true negative rate with a true positive
      rate of at least ``min_rate``;
    - ``"eer"``: the equal error rate's, where the false accept rate (FAR,
      dissimilar pairs predicted similar) is closest to the false reject rate
      (FRR, similar pairs predicted dissimilar). As the threshold passes one
      pair, FAR or FRR moves by that pair's share of its kind, so without
      tied distances ``|FAR - FRR|`` is at most half the larger share
      (``1 / (2 * min(n_similar, n_dissimilar))`` unweighted);
    - ``"tar_at_far"``: the largest true accept rate (TAR, the true positive
      rate) with a false accept rate of at most ``far``: ``"max_tpr"`` with
      ``min_rate = 1 - far``, under the name verification uses.

    Ties go to the smallest threshold.

    Parameters
    ----------
    distances : ndarray of shape (n_pairs,)
    similar : ndarray of shape (n_pairs,), dtype bool
        Both values must occur.
    strategy : {"accuracy", "f_beta", "max_tpr", "max_tnr", "eer", "tar_at_far"}, \
            default="accuracy"
    min_rate : float in [0, 1] or None
        Required by ``"max_tpr"`` and ``"max_tnr"``.
    beta : float, default=1.0
        Weight of recall against precision for ``"f_beta"``; positive.
    sample_weight : ndarray of shape (n_pairs,) or None
    far : float in [0, 0.5] or None
        Required by ``"tar_at_far"``, and only taken by it.

    Returns
    -------
    threshold : float

    Raises
    ------
    ValueError
        For an unknown strategy, a missing or out-of-range ``min_rate``,
        ``beta`` or ``far``, ``far`` with another strategy, or pairs of a
        single kind.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._threshold import calibrate_distance_threshold
    >>> distances = np.array([0.1, 0.2, 0.4, 0.9, 1.1])
    >>> similar = np.array([True, True, True, False, False])
    >>> float(calibrate_distance_threshold(distances, similar))
    0.65
    """
    if not isinstance(strategy, str) or strategy not in THRESHOLD_STRATEGIES:
        raise ValueError(
            f"strategy must be one of {THRESHOLD_STRATEGIES}; got {strategy!r}."
        )
    if strategy in ("max_tpr", "max_tnr"):
        if min_rate is None:
            raise ValueError(f"strategy={strategy!r} needs min_rate, a rate in [0, 1].")
        check_real(min_rate, "min_rate", min_val=0, max_val=1)
    if strategy == "tar_at_far":
        if min_rate is not None:
            raise ValueError(
                "strategy='tar_at_far' takes far, the false accept rate allowed, not "
                "min_rate (strategy='max_tpr' with min_rate=r is tar_at_far with far=1-r)."
            )
        min_rate = 1.0 - check_far(far)
    elif far is not None:
        raise ValueError(
            f"far is the false accept rate of strategy='tar_at_far'; strategy={strategy!r} "
            "does not take it."
        )
    if strategy == "f_beta":
        # beta**2 must stay finite
        check_real(beta, "beta", min_val=0, max_val=1e150, include_boundaries="right")
    similar = np.asarray(similar, dtype=bool)
    if sample_weight is not None:
        sample_weight = relative_weights(
            sample_weight, "sample_weight is 0 for every pair: nothing to calibrate on.")
        counted = sample_weight > 0
    else:
        counted = np.ones(similar.shape[0], dtype=bool)
    if similar[counted].all() or not similar[counted].any():
        kind = "similar" if similar[counted].all() else "dissimilar"
        raise ValueError(
            "Calibrating a threshold needs both similar and dissimilar pairs of "
            f"positive weight; these pairs are all {kind}."
        )
    false_positive_rate, true_positive_rate, thresholds = roc_curve(
        similar, -np.asarray(distances), sample_weight=sample_weight,
        drop_intermediate=False,
    )
    true_negative_rate = 1.0 - false_positive_rate
    weights = np.ones(similar.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    positive, negative = weights[similar].sum(), weights[~similar].sum()
    if strategy == "accuracy":
        merit = true_positive_rate * positive + true_negative_rate * negative
    elif strategy == "f_beta":
        found = true_positive_rate * positive
        predicted = found + false_positive_rate * negative
        merit = np.divide(
            (1 + beta**2) * found,
            beta**2 * positive + predicted,
            out=np.zeros_like(found),
            where=(beta**2 * positive + predicted) > 0,
        )
    elif strategy in ("max_tpr", "tar_at_far"):
        merit = np.where(
            true_negative_rate >= min_rate,
            true_positive_rate + 1e-9 * true_negative_rate,
            -np.inf,
        )
    elif strategy == "max_tnr":
        merit = np.where(
            true_positive_rate >= min_rate,
            true_negative_rate + 1e-9 * true_positive_rate,
            -np.inf,
        )
    else:  # eer: FAR is the false positive rate, FRR 1 - the true positive rate
        merit = -np.abs(false_positive_rate - (1.0 - true_positive_rate))
    best = int(np.argmax(merit))
    # thresholds[best] is minus the largest distance predicted similar (inf:
    # none); thresholds[best + 1], minus the next larger distance.
    accepted = -thresholds[best]
    if best == 0:  # no pair similar: just below the smallest distance
        return float(np.nextafter(-thresholds[1], -np.inf))
    if best + 1 < thresholds.shape[0]:
        return float((accepted - thresholds[best + 1]) / 2)
    return float(accepted)


def check_far(far, name="far"):
    """A false accept rate in [0, ``MAX_FAR``]; return it as a float.

    A rate above ``MAX_FAR`` would accept most dissimilar pairs: it is
    refused as the likely rate of dissimilar pairs *rejected*.
    """
    if far is None:
        raise ValueError(
            f"{name} must be a false accept rate in [0, {MAX_FAR}] (the share of "
            "dissimilar pairs predicted similar); got None."
        )
    far = check_real(far, name, min_val=0, max_val=1)
    if far > MAX_FAR:
        raise ValueError(
            f"{name}={far} would accept {far:.0%} of the dissimilar pairs. {name} is the "
            "false accept rate (dissimilar pairs predicted similar), usually 1e-3 to 1e-1; "
            f"for a share of dissimilar pairs rejected r, pass {name}=1-r "
            f"(here {1 - far:.3g})."
        )
    return far


def platt_scaling(distances, similar, weights):
    """Platt scaling (Platt, 1999, "Probabilistic outputs for support vector
    machines"), as scikit-learn's ``CalibratedClassifierCV(method="sigmoid")``
    fits it: the logistic function of the distance, without a penalty, that
    best predicts Platt's smoothed targets ``(N+ + 1) / (N+ + 2)`` for the
    ``similar`` pairs and ``1 / (N- + 2)`` for the others (``N+``, ``N-``:
    their weights, scaled to a mean of 1), so that separable pairs still get
    a finite slope. Fitted as scikit-learn's ``StandardScaler`` then
    ``LogisticRegression`` on each pair twice, as similar with weight ``t``
    and as dissimilar with weight ``1 - t``. On the product sets of
    ``bench_probabilities.py`` (5 splits) the Brier score of set B fell from
    0.062 with scikit-learn's default penalty to 0.058, the others moved by
    at most 0.003.

    Returns the fitted pipeline: its ``predict_proba`` of distances of
    shape (n_pairs, 1), column 1, is the probability that a pair is similar.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._threshold import platt_scaling
    >>> calibrator = platt_scaling(np.array([0.1, 0.2, 0.9, 1.0]),
    ...                            np.array([True, True, False, False]), np.ones(4))
    >>> bool(calibrator.predict_proba([[0.15]])[0, 1] > 0.5)
    True
    """
    weights = weights * (weights.shape[0] / weights.sum())
    distances = np.asarray(distances, dtype=np.float64).reshape(-1, 1)
    n_similar, n_dissimilar = weights[similar].sum(), weights[~similar].sum()
    target = np.where(similar, (n_similar + 1) / (n_similar + 2), 1 / (n_dissimilar + 2))
    # the two steps fitted apart: a Pipeline's fit would route the weight
    # through scikit-learn's metadata routing, which refuses it when a user
    # has enabled routing
    scaler = StandardScaler().fit(distances, sample_weight=weights)
    scaled = scaler.transform(distances)
    logistic = LogisticRegression(C=NO_PENALTY).fit(
        np.vstack([scaled, scaled]),
        np.concatenate([np.ones(scaled.shape[0]), np.zeros(scaled.shape[0])]),
        sample_weight=np.concatenate([weights * target, weights * (1 - target)]),
    )
    return make_pipeline(scaler, logistic)
