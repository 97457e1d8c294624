"""What a target ``y`` is, and how similar two samples' targets are.

``ContrastiveEmbedding.fit(X, y)`` takes, besides class labels, *graded*
targets: a continuous ``y`` of shape ``(n_samples,)`` or ``(n_samples,
n_targets)`` and a multi-label indicator matrix. Their pairs are neither
similar nor dissimilar but similar to a degree ``s`` in [0, 1], which the
contrastive loss already admits::

    s * d**2 + (1 - s) * max(margin - d, 0)**2

(see :func:`graded_pairs`). The kinds are named as scikit-learn's
:func:`~sklearn.utils.multiclass.type_of_target` names them.

Similarity of continuous targets
--------------------------------
Each target column is replaced by its empirical quantile in the training
data (its average rank over ``n_samples``, in [0, 1]), so the similarity
does not depend on the target's units and an outlier is merely the largest
value. Two samples whose quantiles differ by ``delta`` (the root mean square
over the columns) are similar to the degree ``exp(-(delta / h)**2 / 2)``
with ``h = QUANTILE_BANDWIDTH`` (0.3): samples within a third of the
target's distribution of each other are mostly similar (``s >= 1/2`` up to
``delta = 0.35``), and the similarity keeps falling across the whole range
(two samples drawn at random, ``delta`` about 0.4, are similar to 0.4; the
two ends of the distribution to 0.004). A narrower ``h`` of 0.1 made every
pair beyond a tenth of the distribution equally dissimilar; on a target
that folds its features (``y = sin(3 x0) + x1**2 / 2`` among 36 rotated
noise features, 3 splits) kNN R² rose from 0.794 to 0.866 with 0.3, while
diabetes (10 splits: 0.415 to 0.421) and two Friedman sets (within 0.3
points) stayed where they were (measured with ``bench_targets.py``'s sets
at ``h`` 0.05, 0.1, 0.15, 0.2, 0.25 and 0.3).

Similarity of multi-label targets
---------------------------------
The Jaccard index of their label sets (shared labels over labels of
either); two samples without any label are similar (``s = 1``).
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn.metrics import r2_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.multiclass import type_of_target

from ._labels import (
    MISSING_VALUES,
    check_label_types,
    check_labels,
    is_missing,
    missing_labels,
    numbers_with_nan,
)

CLASS_TARGETS = ("binary", "multiclass")
GRADED_TARGETS = ("continuous", "continuous-multioutput", "multilabel-indicator")
TARGET_TYPES = ("auto",) + CLASS_TARGETS + GRADED_TARGETS
QUANTILE_BANDWIDTH = 0.3
# the rule that reads integer-valued labels as quantities (resolve_target_type)
ALONE_SHARE = 0.1
CONSECUTIVE_SHARE = 0.9
MIN_QUANTITY_VALUES = 20


def resolve_target_type(y, target_type="auto", shape=None):
    """The kind of ``y``: one of ``CLASS_TARGETS + GRADED_TARGETS``.

    ``target_type`` given (not ``"auto"``) is taken as it is, after checking
    that ``y`` can be read that way. ``"auto"`` follows scikit-learn's
    :func:`~sklearn.utils.multiclass.type_of_target`, with one exception:
    integer-valued numbers that look like quantities, not class ids, count
    as ``"continuous"``. They do when at least ``ALONE_SHARE`` (10 %) of the
    samples hold a value no other sample holds -- such a sample has no
    similar pair, so labels like that cannot supervise as classes -- and
    their distinct values are not (nearly: at least 90 % of) the consecutive
    integers from the smallest, as ids numbered in turn are -- and there are
    at least ``MIN_QUANTITY_VALUES`` (20) distinct values: a few ids, some
    of them alone, are what a small set, a fold of classes or the labelled
    few of partly labelled classes look like (ids 1 and 3 of two samples,
    or 100 to 1,000 of 15 labelled samples among unlabelled ones, stay
    classes). With missing labels, the rule reads the others. Diabetes'
    progression score (214 values between 25 and 346 in 442 samples, 19 %
    of the samples alone) is continuous; 2,000 identities of 2 photos each
    (none alone), or ids 0 to 5,748 of a long tail of identities with one
    photo each, stay classes. Such a reading warns (a part of the same
    labels, a cross-validation fold, can read otherwise where the rule is
    near its thresholds); ``target_type_`` says what a fit decided; give
    ``target_type`` to say what ``y`` is.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), or sparse
    target_type : str, default="auto"
    shape : tuple or None
        The shape the errors name, where ``y`` holds the known rows of a
        larger array.

    Returns
    -------
    kind : str

    Raises
    ------
    ValueError
        For an unknown ``target_type``, a ``y`` that cannot be read as the
        given kind, or a kind no fit takes (``"multiclass-multioutput"``,
        ``"unknown"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._targets import resolve_target_type
    >>> resolve_target_type(np.array([0, 1, 1, 2, 2, 0]))
    'multiclass'
    >>> resolve_target_type(np.array([0.5, 7.25, 12.0]))
    'continuous'
    >>> resolve_target_type(np.array([[0.5, 1.0], [2.0, 0.1]]))
    'continuous-multioutput'
    """
    if target_type not in TARGET_TYPES:
        raise ValueError(
            f"target_type={target_type!r} is not one of {list(TARGET_TYPES)}."
        )
    if not sp.issparse(y):
        y = np.asarray(y)
    if target_type != "auto":
        check_readable_as(y, target_type, shape)
        return target_type
    try:
        # (its test of integer values casts values beyond int64's range)
        with np.errstate(invalid="ignore"):
            found = type_of_target(y, input_name="y")
    except ValueError as error:
        raise ValueError(f"y cannot be read as targets: {error}") from error
    if found in CLASS_TARGETS and _are_quantities(y):
        warnings.warn(
            f"y holds {np.unique(y).shape[0]} integer values, many of them held by one "
            "sample alone: it is read as a continuous quantity, not as classes. Give "
            "target_type='multiclass' if they are class ids, or "
            "target_type='continuous' to say so and silence this warning.",
            UserWarning,
        )
        return "continuous"
    if found in GRADED_TARGETS:
        check_readable_as(y, found, shape)
    if found in TARGET_TYPES:
        return found
    if found == "multiclass-multioutput":
        raise ValueError(
            "y has several columns of integer values (type_of_target: "
            "'multiclass-multioutput'). Give target_type='continuous-multioutput' "
            "if they are quantities, or 'multilabel-indicator' for 0/1 labels."
        )
    raise ValueError(
        f"Unknown label type: y holds targets of type {found!r}. Give class labels, "
        "continuous values or a multi-label indicator matrix."
    )


def read_targets(y, target_type="auto"):
    """``(kind, y)`` for a fit: what ``y`` is (:func:`resolve_target_type`),
    and ``y`` as a 1-D ndarray of labels (missing ones included, validated by
    :func:`~sk_contrastive._labels.check_labels`, since scikit-learn refuses
    them) or, for several columns, as given (a sparse single column is read
    as dense). With missing labels, what ``y`` is is read from the others.

    Raises
    ------
    ValueError
        For ragged lists of labels, labels of types that cannot be ordered,
        and what :func:`resolve_target_type` refuses.
    """
    columns = target_type in ("continuous-multioutput", "multilabel-indicator")
    if sp.issparse(y) and y.dtype.kind == "f" and np.isnan(y.data).any():
        raise ValueError(
            "A sparse y cannot mark missing targets: give a dense y with a row of NaN for "
            "each sample whose targets are missing (and unlabeled_label=np.nan)."
        )
    if sp.issparse(y) and (y.shape[1] != 1 or columns):
        return resolve_target_type(y, target_type), y
    if sp.issparse(y):
        y = y.toarray()
    try:
        shape = np.asarray(y).shape
    except ValueError as error:  # ragged lists of labels
        raise ValueError(
            f"y cannot be read as targets ({error}). For several labels per sample, "
            "give an indicator matrix (sklearn.preprocessing.MultiLabelBinarizer)."
        ) from error
    if len(shape) == 2 and (shape[1] != 1 or columns):
        y = as_target_array(y)
        known = ~_missing_entries(y).any(axis=1)
        if not known.any():
            raise ValueError("y holds no target: every row has a missing value.")
        return resolve_target_type(y if known.all() else y[known], target_type, y.shape), y
    y = check_labels(y)
    missing = missing_labels(y)
    known = y[~missing]
    check_label_types(known)
    if known.size == 0:  # the labels' own errors name the problem
        return "multiclass", y
    return resolve_target_type(known, target_type, y.shape), y


def as_target_array(y):
    """A 2-D ``y`` as an ndarray (a sparse matrix as it is): pandas' nullable
    columns, and object arrays of numbers, become float64 with NaN where a
    value is missing."""
    if sp.issparse(y):
        return y
    return numbers_with_nan(np.asarray(y))


def _missing_entries(y):
    if sp.issparse(y) or y.dtype.kind not in "fcO":
        return np.zeros(y.shape, dtype=bool)
    if y.dtype.kind == "O":
        return missing_labels(y.reshape(-1)).reshape(y.shape)
    return np.isnan(y)


def missing_target_rows(y, unlabeled_label):
    """Mask of the samples whose graded targets are missing: rows of ``y``
    (``as_target_array``) that hold only missing values (NaN, None or
    pandas.NA), allowed when ``unlabeled_label`` is such a missing value.

    Raises
    ------
    ValueError
        If ``unlabeled_label`` is not a missing value (graded targets mark a
        missing one with NaN), if ``y`` holds missing values without
        ``unlabeled_label``, or a row misses some of its values but not all
        (only a sample's whole target can be missing).
    """
    if unlabeled_label is not None and not is_missing(unlabeled_label):
        raise ValueError(
            f"unlabeled_label={unlabeled_label!r} cannot mark a missing continuous or "
            "multi-label target: mark those samples' targets NaN and pass "
            "unlabeled_label=np.nan."
        )
    y = as_target_array(y)
    if sp.issparse(y):  # (a multi-label matrix; its NaN are values other than 0 and 1)
        return np.zeros(y.shape[0], dtype=bool)
    entries = _missing_entries(y).reshape(y.shape[0], -1)
    rows = entries.all(axis=1)
    if not entries.any():
        return rows
    if unlabeled_label is None:
        raise ValueError(
            f"y holds {int(rows.sum())} sample(s) whose targets are missing "
            f"({MISSING_VALUES}). To fit them as unlabelled samples (partly labelled "
            "data), pass unlabeled_label=np.nan; otherwise drop those samples."
        )
    partly = entries.any(axis=1) & ~rows
    if partly.any():
        raise ValueError(
            f"{int(partly.sum())} sample(s) of y miss some of their targets but not all "
            f"(the first: row {int(np.flatnonzero(partly)[0])}). Only a sample's whole "
            "target can be missing: fill in those values, or make the whole row NaN."
        )
    return rows


def _are_quantities(y):
    """Integer-valued numbers with many samples alone under their value,
    whose values are not consecutive ids (see :func:`resolve_target_type`)."""
    if y.ndim != 1 or y.dtype.kind not in "iuf":
        return False
    if y.dtype.kind == "f" and np.isnan(y).any():
        return False  # missing labels of classes are the labels' concern
    values, counts = np.unique(y, return_counts=True)
    if values.shape[0] < MIN_QUANTITY_VALUES:
        return False
    alone = counts[counts == 1].sum() >= ALONE_SHARE * y.shape[0]
    span = float(values[-1]) - float(values[0]) + 1
    return bool(alone and values.shape[0] < CONSECUTIVE_SHARE * span)


def check_readable_as(y, kind, shape=None):
    """Raise ValueError unless ``y`` can be read as ``kind``; ``shape``: the
    shape to name (the whole ``y``'s, where ``y`` holds its known rows)."""
    shape = y.shape if shape is None else shape
    if kind in CLASS_TARGETS:
        if y.ndim != 1 and not (y.ndim == 2 and y.shape[1] == 1):
            raise ValueError(
                f"target_type={kind!r} needs one label per sample; y has shape {shape}."
            )
        return
    if kind == "multilabel-indicator":
        values = y.data if sp.issparse(y) else y
        is_numeric = values.dtype.kind in "biuf"
        if y.ndim != 2 or not (is_numeric and np.isin(np.unique(values), [0, 1]).all()):
            raise ValueError(
                "target_type='multilabel-indicator' needs a 2-D matrix of 0 and 1 "
                f"(one column per label); y has shape {shape}"
                f"{'' if len(shape) != 2 else ' and other values'}."
            )
        return
    if sp.issparse(y):
        raise ValueError(f"target_type={kind!r} needs a dense y; got a sparse matrix.")
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"target_type={kind!r} needs numbers; y holds {y.dtype} values."
        )
    if kind == "continuous" and not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        raise ValueError(
            f"target_type='continuous' needs one value per sample; y has shape {shape}: "
            "give target_type='continuous-multioutput' for several."
        )
    if y.ndim > 2 or (kind == "continuous-multioutput" and y.ndim != 2):
        raise ValueError(
            "target_type='continuous-multioutput' needs a 2-D y (n_samples, n_targets); "
            f"y has shape {shape}."
        )


def check_graded_targets(y, kind, n_samples, n_columns=None, missing=None):
    """``y`` as the float64 (continuous) or bool (multi-label) 2-D array the
    fit uses, validated; ``n_columns``: the columns of the fit's targets,
    when ``y`` is to be scored against them (a constant ``y`` is then
    allowed). ``missing``: the rows whose targets are missing
    (:func:`missing_target_rows`), set to 0 in the array returned.

    Raises
    ------
    ValueError
        If ``y`` does not have ``n_samples`` rows (or ``n_columns``
        columns), holds NaN or infinity (outside ``missing`` rows), is
        constant in a fit (every sample equally similar to every other: no
        pair to learn from), or is a multi-label matrix of a single label
        column.
    """
    y = as_target_array(y)
    missing = np.zeros(y.shape[0], dtype=bool) if missing is None else missing
    check_readable_as(y[~missing] if missing.any() else y, kind, y.shape)
    if kind == "multilabel-indicator":
        if sp.issparse(y):
            targets = y.toarray() != 0
        else:
            targets = np.where(missing[:, None], 0, y) != 0
    else:
        targets = np.asarray(y, dtype=np.float64).reshape(np.shape(y)[0], -1)
        if missing.any():  # on a copy: the caller's y stays as it was
            targets = np.where(missing[:, None], 0.0, targets)
        if not np.isfinite(targets).all():
            raise ValueError(
                "y holds NaN or infinite values. Drop those samples, or, for missing "
                "targets, make their rows NaN and pass unlabeled_label=np.nan."
            )
    if targets.shape[0] != n_samples:
        raise ValueError(
            f"y has {targets.shape[0]} rows, but X has {n_samples} samples."
        )
    if kind == "multilabel-indicator" and targets.shape[1] < 2:
        raise ValueError(
            "A multi-label y needs at least 2 label columns; for a single label, give "
            "it as class labels of shape (n_samples,)."
        )
    if n_columns is not None:
        if targets.shape[1] != n_columns:
            raise ValueError(
                f"y has {targets.shape[1]} target column(s), but the fit learned "
                f"from {n_columns}."
            )
        return targets
    check_targets_vary(targets[~missing])
    return targets


def check_targets_vary(targets):
    """Raise ValueError unless the known ``targets`` (2-D) hold at least two
    different rows: the fit learns from pairs that are more similar than
    others."""
    if targets.shape[0] < 2 or (targets == targets[:1]).all():
        found = "y is the same for every sample" if targets.shape[0] > 1 else (
            f"y holds {targets.shape[0]} sample(s) with a target")
        raise ValueError(
            f"{found}: no pair of samples is more similar than another, so there is "
            "nothing to learn."
        )


def target_codes(targets, missing):
    """A code per distinct row of the 2-D ``targets`` (so that only copies of
    a sample with the same target merge into one), ``-1`` where ``missing``."""
    codes = np.full(targets.shape[0], -1, dtype=np.intp)
    codes[~missing] = np.unique(targets[~missing], axis=0, return_inverse=True)[1].reshape(-1)
    return codes


def target_space(targets, kind):
    """Where the similarity of ``targets`` is measured: per-column quantiles
    (continuous) or the indicator matrix itself (multi-label)."""
    if kind == "multilabel-indicator":
        return targets
    return rankdata(targets, axis=0) / targets.shape[0]


def similarity(space, kind, first, second):
    """How similar the targets of samples ``first[p]`` and ``second[p]``
    are, in [0, 1] (see the module docstring), from their ``target_space``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._targets import similarity
    >>> labels = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]], dtype=bool)
    >>> similarity(labels, "multilabel-indicator", np.array([0, 0, 2]),
    ...            np.array([1, 2, 3])).tolist()
    [0.5, 0.0, 1.0]
    """
    a, b = space[first], space[second]
    if kind == "multilabel-indicator":
        union = (a | b).sum(axis=1)
        shared = (a & b).sum(axis=1)
        return np.where(union > 0, shared / np.maximum(union, 1), 1.0)
    delta = np.sqrt(np.mean((a - b) ** 2, axis=1))
    return np.exp(-0.5 * (delta / QUANTILE_BANDWIDTH) ** 2)


def target_r2(y_true, y_pred, sample_weight=None):
    """scikit-learn's :func:`~sklearn.metrics.r2_score` (averaged over the
    columns), computed with each column in units of its largest magnitude:
    R² does not depend on the units, and targets of 1e200 or 1e-300 would
    overflow or underflow its sums of squares."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    scale = np.maximum(np.max(np.abs(y_true), axis=0), np.max(np.abs(y_pred), axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    return float(r2_score(y_true / scale, y_pred / scale, sample_weight=sample_weight))


def target_neighbor_rows(space, kind, n_neighbors):
    """Each sample's ``n_neighbors`` most similar other samples, most similar
    first: the nearest in quantiles, or by Jaccard distance (brute force, in
    the bounded chunks of scikit-learn's pairwise distances).

    Returns
    -------
    rows : ndarray of shape (n_samples, n_neighbors), dtype intp
        ``-1`` where there are fewer other samples.
    """
    n_samples = space.shape[0]
    k = min(n_neighbors, n_samples - 1)
    metric = "jaccard" if kind == "multilabel-indicator" else "euclidean"
    search = NearestNeighbors(n_neighbors=k, metric=metric).fit(space)
    found = search.kneighbors(return_distance=False)
    rows = np.full((n_samples, n_neighbors), -1, dtype=np.intp)
    rows[:, :k] = found
    return rows
