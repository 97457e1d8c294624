"""The measures verification reports for pairs scored by similarity."""

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight, check_consistent_length

from ._labels import check_labels_of_one_type
from ._threshold import calibrate_distance_threshold, check_far
from ._warnings import warn
from ._weights import relative_weights


def verification_report(y_true, y_score, *, far=(1e-3, 1e-2, 1e-1), pos_label=1,
                        sample_weight=None):
    """Accuracy, F1, average precision, ROC-AUC, EER and TAR at FAR of scored pairs.

    What face, speaker and product verification report, from one score per
    pair: accuracy and F1 at the thresholds that maximise each (as
    sentence-transformers' ``BinaryClassificationEvaluator`` reports them),
    the average precision and ROC-AUC of the scores, the equal error rate
    (EER) and the true accept rate (TAR) at each false accept rate (FAR)
    of ``far``. The ranking measures come from :mod:`sklearn.metrics`; each
    threshold is chosen on these pairs as
    :meth:`ContrastivePairClassifier.calibrate_threshold
    <sk_contrastive.ContrastivePairClassifier.calibrate_threshold>` chooses
    it (midway between the two scores it separates), so the figures at a
    threshold are those of the best threshold in hindsight: choose it on
    other pairs to measure one honestly.

    **Thresholds are scores, not distances**: a pair is predicted similar
    where ``y_score >= threshold``. For ``y_score =
    model.decision_function(pairs)`` (minus the distance), the distance
    threshold to give :meth:`set_threshold
    <sk_contrastive.ContrastivePairClassifier.set_threshold>` is minus the
    reported one.

    Parameters
    ----------
    y_true : array-like of shape (n_pairs,)
        Pair labels: ``pos_label`` for a similar (genuine) pair, the other
        label for a dissimilar (impostor) one; both must occur.
    y_score : array-like of shape (n_pairs,)
        Higher means more similar: ``decision_function`` (minus the
        distance), ``predict_proba(pairs)[:, 1]`` or a cosine similarity,
        never a distance (a ROC-AUC below 0.5 warns that it may be one).
    far : float or tuple of float, default=(1e-3, 1e-2, 1e-1)
        The false accept rates, each in [0, 0.5], at which to report the
        TAR: the share of similar pairs accepted while at most that share
        of the dissimilar pairs is.
    pos_label : int, float, bool or str, default=1
        The label of similar pairs.
    sample_weight : array-like of shape (n_pairs,), default=None
        Weight of each pair in every measure.

    Returns
    -------
    report : dict
        ``"accuracy"`` and ``"accuracy_threshold"``; ``"f1"``,
        ``"f1_threshold"`` and the ``"precision"`` and ``"recall"`` of the
        similar pairs at that threshold; ``"average_precision"``;
        ``"roc_auc"``; ``"eer"``, the mean of FAR and FRR (the share of
        similar pairs rejected) at ``"eer_threshold"``, where they are
        closest; ``"tar_at_far"`` and ``"tar_at_far_threshold"``, dicts
        from each FAR of ``far`` to its TAR and threshold. Floats; every
        threshold a score.

    Raises
    ------
    ValueError
        For labels of more or fewer than two kinds, a ``pos_label`` not
        among them, scores that are not finite numbers, arrays of other
        lengths or shapes, negative weights, or a FAR outside [0, 0.5].

    See Also
    --------
    sk_contrastive.ContrastivePairClassifier.calibrate_threshold : Sets a
        model's threshold by the same rules (``strategy="eer"``,
        ``"tar_at_far"``, ``"accuracy"``, ``"f_beta"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.metrics import verification_report
    >>> y_true = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    >>> y_score = -np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])  # minus distances
    >>> report = verification_report(y_true, y_score, far=0.25)
    >>> report["accuracy"], report["accuracy_threshold"], report["roc_auc"]
    (0.875, -0.35, 0.9375)
    >>> report["eer"], report["tar_at_far"]
    (0.25, {0.25: 1.0})
    """
    y_true = check_labels_of_one_type(y_true, "y_true")
    y_score = column_or_1d(check_array(y_score, ensure_2d=False, dtype=np.float64,
                                       input_name="y_score"))
    check_consistent_length(y_true, y_score)
    if type_of_target(y_true) != "binary" or np.unique(y_true).shape[0] != 2:
        raise ValueError(
            "y_true must hold two labels, one for similar and one for dissimilar pairs; "
            f"got {np.unique(y_true).tolist()[:5]}."
        )
    if pos_label not in np.unique(y_true).tolist():
        raise ValueError(
            f"pos_label={pos_label!r} is not a label of y_true, "
            f"{np.unique(y_true).tolist()}: give the label of similar pairs."
        )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, y_score, dtype=np.float64,
                                             ensure_non_negative=True)
        sample_weight = relative_weights(
            sample_weight, "sample_weight is 0 for every pair: nothing to report on.")
    fars = tuple(check_far(rate) for rate in np.atleast_1d(far).tolist())
    similar = y_true == pos_label
    roc_auc = float(roc_auc_score(similar, y_score, sample_weight=sample_weight))
    if roc_auc < 0.5:
        warn(
            f"y_score ranks dissimilar pairs above similar ones (ROC-AUC {roc_auc:.3f}): "
            "higher must mean more similar. If y_score holds distances, pass minus them "
            "(decision_function returns minus the distance)."
        )

    def threshold(strategy, **settings):
        # the distance threshold on -y_score, as a score threshold
        return -calibrate_distance_threshold(
            -y_score, similar, strategy, sample_weight=sample_weight, **settings) + 0.0

    weights = np.ones_like(y_score) if sample_weight is None else sample_weight

    def share(accepted, kind):
        return float(np.average(accepted[kind], weights=weights[kind]))

    measures = {"sample_weight": sample_weight, "zero_division": 0.0}
    accuracy_threshold, f1_threshold = threshold("accuracy"), threshold("f_beta")
    f1_accepted = y_score >= f1_threshold
    eer_threshold = threshold("eer")
    eer_accepted = y_score >= eer_threshold
    tar_thresholds = {allowed: threshold("tar_at_far", far=allowed) for allowed in fars}
    return {
        "accuracy": float(accuracy_score(similar, y_score >= accuracy_threshold,
                                         sample_weight=sample_weight)),
        "accuracy_threshold": accuracy_threshold,
        "f1": float(f1_score(similar, f1_accepted, **measures)),
        "f1_threshold": f1_threshold,
        "precision": float(precision_score(similar, f1_accepted, **measures)),
        "recall": float(recall_score(similar, f1_accepted, **measures)),
        "average_precision": float(average_precision_score(similar, y_score,
                                                           sample_weight=sample_weight)),
        "roc_auc": roc_auc,
        "eer": (share(eer_accepted, ~similar) + share(~eer_accepted, similar)) / 2,
        "eer_threshold": eer_threshold,
        "tar_at_far": {allowed: share(y_score >= value, similar)
                       for allowed, value in tar_thresholds.items()},
        "tar_at_far_threshold": tar_thresholds,
    }
