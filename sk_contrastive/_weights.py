"""What a sample and a pair weigh.

One rule serves every weight the library takes: a sample's weight is its
``sample_weight`` times its class's ``class_weight`` (as in scikit-learn,
where ``class_weight`` multiplies ``sample_weight``), ``k`` copies of a row
are one sample of weight ``k`` (``_rows``), and a pair weighs what its
*anchor* weighs: the terms of the pairs a sample anchors count as many times
as the sample does, so that the loss is a weighted mean over anchors of each
anchor's pair terms.

Why the anchor's weight and not the product of the two samples' weights:
pairs are mined anchor by anchor, and a sample stored ``k`` times anchors
``k`` times as many pairs, while it is not chosen ``k`` times more often as
a partner (a neighbour list holds it once). The product also squares a
reweighting: with ``class_weight="balanced"`` at 1:100 it weighed
minority-minority pairs 10,000 times the majority's and lowered minority
recall from 0.656 to 0.460; the anchor's weight raised it to 0.693 (5
splits; the user guide's robustness section has the figures).
"""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight


def class_sample_weight(class_weight, labels, classes, sample_weight=None):
    """The factor ``class_weight`` gives each sample (1 for unlabelled ones).

    Parameters
    ----------
    class_weight : dict or "balanced"
        ``{label: weight}`` (labels not named weigh 1), or ``"balanced"``:
        each class weighs ``n_labelled / (n_classes * n_in_class)``, as in
        :func:`sklearn.utils.class_weight.compute_class_weight`, where the
        counts are sums of ``sample_weight`` (so that weights and repeated
        rows stay the same fit).
    labels : ndarray of shape (n_samples,) of int
        Class codes, ``-1`` for an unlabelled sample.
    classes : ndarray of shape (n_classes,)
        The label of each code.
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    factor : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        For a ``class_weight`` that is neither a dict nor ``"balanced"``, a
        dict that names a label ``y`` does not hold, or negative weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._weights import class_sample_weight
    >>> class_sample_weight("balanced", np.array([0, 0, 0, 1, -1]), np.array(["a", "b"]))
    array([0.66666667, 0.66666667, 0.66666667, 2.        , 1.        ])
    """
    if not (isinstance(class_weight, dict) or (
        isinstance(class_weight, str) and class_weight == "balanced"
    )):
        raise ValueError(
            "class_weight must be None, 'balanced' or a dict {label: weight}; got "
            f"{class_weight!r}."
        )
    labelled = labels >= 0
    if isinstance(class_weight, str):
        weights = None if sample_weight is None else sample_weight[labelled]
        totals = np.bincount(labels[labelled], weights=weights, minlength=classes.shape[0])
        per_class = np.divide(
            totals.sum(), classes.shape[0] * totals, out=np.zeros(totals.shape), where=totals > 0
        )
    else:
        per_class = compute_class_weight(class_weight, classes=classes, y=classes[labels[labelled]])
    if np.any(per_class < 0) or not np.all(np.isfinite(per_class)):
        raise ValueError(f"class_weight must hold finite non-negative weights; got {class_weight!r}.")
    factor = np.ones(labels.shape[0])
    factor[labelled] = per_class[labels[labelled]]
    return factor


def pair_weight(sample_weight, pairs):
    """Each pair's weight: its anchor's, times the pair's own where it has
    one (a graded pair's degree); ``None`` when neither has one."""
    if sample_weight is None:
        return pairs.weight
    anchor = np.asarray(sample_weight)[pairs.first]
    return anchor if pairs.weight is None else anchor * pairs.weight


def check_positive_weights(n_positive):
    """Refuse weights that leave fewer than 2 samples."""
    if n_positive < 2:
        raise ValueError(
            f"sample_weight leaves {n_positive} sample(s) of positive weight; "
            "at least 2 are required."
        )


def engine_weights(sample_weight, n_samples):
    """``(total_weight, weights)`` for the fit engine: the number of samples
    the weights stand for (their sum; ``n_samples`` without weights), which
    sets ``alpha="auto"``, and the positive ``sample_weight`` in units of its
    largest entry (the loss is normalised by the total pair weight, so sums
    cannot overflow), or None where every weight is equal (equal weights are
    no weights)."""
    if sample_weight is None:
        return n_samples, None
    total_weight = float(np.sum(sample_weight))
    weights = sample_weight / np.max(sample_weight)
    return total_weight, None if np.all(weights == 1) else weights


def relative_weights(weight, nothing_left):
    """``weight`` (float64) divided by its largest entry, so that sums of
    weights cannot overflow (weights of 1e308 gave NaN means);
    ``ValueError(nothing_left)`` where every weight is 0."""
    weight = np.asarray(weight, dtype=np.float64)
    largest = np.max(weight, initial=0.0)
    if not largest > 0:
        raise ValueError(nothing_left)
    return weight / largest
