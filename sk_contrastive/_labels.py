"""Class labels: their validation, and which of them are missing.

A label is *missing* when it is a missing value of Python, numpy or pandas:
``None``, a float NaN (``np.nan``, also in a float32 or an object array),
numpy's ``NaT``, ``pandas.NA`` or ``pandas.NaT``. pandas is never imported
here: its missing values can only be in ``y`` when pandas is already loaded.
"""

import numbers
import sys

import numpy as np
from sklearn.utils import column_or_1d

MISSING_VALUES = "NaN, None or pandas.NA"


def is_missing(value):
    """Whether ``value`` is a missing value (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._labels import is_missing
    >>> [is_missing(v) for v in (None, np.nan, np.float32("nan"), -1, "nan")]
    [True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def missing_labels(y):
    """Boolean mask of the missing labels of the 1-D ndarray ``y``."""
    if y.dtype.kind in "fc":
        return np.isnan(y)
    if y.dtype.kind in "mM":
        return np.isnat(y)
    if y.dtype.kind != "O":
        return np.zeros(y.shape, dtype=bool)
    return np.fromiter((is_missing(label) for label in y.tolist()), dtype=bool, count=y.size)


def check_labels(y):
    """``y`` as a 1-D ndarray, missing labels included.

    Labels are converted as scikit-learn's ``column_or_1d`` converts them
    (pandas' nullable integers and floats become float64 with NaN for
    ``pandas.NA``; strings and categories with missing values an object
    array), except that an object array whose present labels are all
    numbers (a list ``[0, None, 1]``) becomes a numeric array, with NaN where
    a label is missing, since scikit-learn cannot tell the type of an object
    array of numbers.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)

    Returns
    -------
    y : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        If ``y`` has another shape.
    """
    return numbers_with_nan(column_or_1d(y, warn=True))


def numbers_with_nan(y):
    """The ndarray ``y`` of any shape as a numeric array (NaN where a value is
    missing) when it is an object array whose present values are all
    numbers; otherwise ``y`` itself."""
    if y.dtype.kind != "O":
        return y
    missing = missing_labels(y.reshape(-1)).reshape(y.shape)
    present = y[~missing].tolist()
    if not present or not all(
        isinstance(label, numbers.Real) and not isinstance(label, (bool, np.bool_))
        for label in present
    ):
        return y
    if not missing.any():
        return np.asarray(present).reshape(y.shape)
    numeric = np.full(y.shape, np.nan)
    numeric[~missing] = present
    return numeric


def check_label_types(y, name="y"):
    """Raise ValueError for labels of several types that cannot be ordered
    (numpy and scikit-learn would fail sorting them with a TypeError);
    ``name`` names ``y`` in the message."""
    if y.dtype.kind != "O":
        return
    kinds = {type(label) for label in y.tolist()}
    if len(kinds) > 1 and not all(
        issubclass(kind, numbers.Real) and not issubclass(kind, bool) for kind in kinds
    ):
        names = sorted(kind.__name__ for kind in kinds)
        raise ValueError(
            f"{name} mixes labels of types {names}, which cannot be ordered: give labels of "
            "one type (all strings or all numbers)."
        )


def check_labels_of_one_type(y, name="y"):
    """``y`` as a 1-D ndarray (:func:`check_labels`) of labels of one type
    (:func:`check_label_types`). A list or tuple is read element by element:
    numpy would turn ``[0, "0"]`` into two strings "0", one label."""
    y = check_labels(np.asarray(y, dtype=object) if isinstance(y, (list, tuple)) else y)
    check_label_types(y, name)
    return y
