"""Warnings that point at the caller's line, not at a library's."""

import os
import sys
import warnings

import joblib
import sklearn


def _package_dir(module):
    return os.path.dirname(os.path.abspath(module.__file__)) + os.sep


# Frames in these packages are skipped: a fit reached through a Pipeline, a
# search or joblib reports the line of the user's code that started it.
_LIBRARY_DIRS = (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
    _package_dir(sklearn),
    _package_dir(joblib),
)


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the first frame outside the libraries.

    Examples
    --------
    >>> import warnings
    >>> from sk_contrastive._warnings import warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("careful")
    >>> caught[0].filename == __file__ or caught[0].filename.startswith("<doctest")
    True
    """
    frame, stacklevel = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _LIBRARY_DIRS
    ):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, category, stacklevel=stacklevel)
