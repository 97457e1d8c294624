"""Checks of scalar parameters that name the parameter in their ValueError.

scikit-learn's ``check_scalar`` lets NaN through a range (every comparison
with NaN is false) and takes ``True`` for an integer; these add both checks.
"""

import numbers

import numpy as np
from sklearn.utils import check_scalar

# The compiled neighbour selection keeps at most this many partners of each
# kind per sample (fixed-size buffers in _neighbors.pyx).
MAX_NEIGHBORS = 64


def is_auto(value):
    """Whether a parameter is the string ``"auto"`` (an array never is)."""
    return isinstance(value, str) and value == "auto"


def check_auto_string(value, name, expected, kind=numbers.Real):
    """Raise for a string other than ``"auto"`` and for a value not of ``kind``.

    ``expected`` describes the numbers the parameter takes ("a float >= 0");
    both errors name it and ``"auto"``. Returns whether ``value`` is
    ``"auto"``; a number is left to the caller's range check.
    """
    if is_auto(value):
        return True
    if isinstance(value, str):  # a wrong option, as check_option reports it
        raise ValueError(f"{name} must be {expected} or 'auto'; got {value!r}.")  # noqa: TRY004
    if not isinstance(value, kind) or isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be {expected} or 'auto'; got {value!r} of type "
            f"{type(value).__name__}."
        )
    return False


def check_option(value, name, options):
    """Raise ValueError unless ``value`` is one of the strings ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}; got {value!r}.")


def check_real(value, name, *, min_val=None, max_val=None, include_boundaries="both"):
    """A finite real number within the bounds; return it as a Python float.

    Examples
    --------
    >>> from sk_contrastive._validation import check_real
    >>> check_real(float("nan"), "margin", min_val=0)
    Traceback (most recent call last):
    ...
    ValueError: margin must be a finite number; got nan.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not a bool; got {value!r}.")
    check_scalar(value, name, numbers.Real)
    try:
        # a Python float: numpy's float32 or float16 would bring their range
        # and precision into the fit, and fractions or huge ints numpy's errors
        number = float(value)
    except OverflowError:
        number = float("inf")
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number; got {value!r}.")
    check_scalar(number, name, numbers.Real, min_val=min_val, max_val=max_val,
                 include_boundaries=include_boundaries)
    return number + 0.0  # -0.0 is 0


def check_integer(value, name, *, min_val=None, max_val=None):
    """An integer (not a bool) within the bounds; return it."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not a bool; got {value!r}.")
    return check_scalar(value, name, numbers.Integral, min_val=min_val, max_val=max_val)


def check_bool(value, name):
    """``True`` or ``False`` (numpy's bools too); return it as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")
    return bool(value)
