"""Warnings that point at the user's line, once per cause and line.

A fit reached through a Pipeline, a search or a pool of workers runs inside
scikit-learn, joblib and the standard library's pools; its warnings name the
line of the user's code that started it. A search repeats the same fit many
times, and scikit-learn runs each one under ``warnings.catch_warnings``,
which resets Python's own registry of warnings already shown: so this module
keeps its own, keyed by the *cause* (the line of the library that warns) and
the user's line, not by the message, which differs between the candidates of
a search (``margin=2.0``, ``margin=5.0``).
"""

import concurrent
import contextlib
import multiprocessing
import os
import queue
import sys
import threading
import warnings

import joblib
import sklearn


def _location(module):
    """The directory of a package (with a final separator), or a module's file."""
    path = os.path.abspath(module.__file__)
    if os.path.basename(path) == "__init__.py":
        return os.path.dirname(path) + os.sep
    return path


# Frames in these files are skipped: the library, the libraries that call it
# (scikit-learn's meta-estimators and searches, joblib and its loky, whose
# worker runs as __main__) and the standard library's pools and their waits.
_SKIPPED = (os.path.dirname(os.path.abspath(__file__)) + os.sep,) + tuple(
    _location(module)
    for module in (sklearn, joblib, multiprocessing, concurrent, threading, queue)
)

_shown = set()
_shown_lock = threading.Lock()
# per thread: whether warn() is silenced (the fits of a selection)
_silenced = threading.local()


def warn(message, category=UserWarning):
    """Warn about one cause once per line of the user's code that reaches it.

    The cause is the line that calls ``warn``; the warning is attributed to
    the innermost frame outside the skipped modules (in a pool's worker
    thread without such a frame, to the main thread's, which waits for the
    work; in a worker process, to ``sys:1``, as Python does when no frame is
    left). The warnings filters still apply: an ``"ignore"`` filter hides
    the warning and an ``"error"`` filter raises it each time.

    Examples
    --------
    >>> import warnings
    >>> from sk_contrastive._warnings import warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     for _ in range(3):
    ...         warn("careful")
    >>> len(caught)
    1
    >>> caught[0].filename == __file__ or caught[0].filename.startswith("<doctest")
    True
    """
    if getattr(_silenced, "active", False):
        return
    cause = sys._getframe(1)
    frame = _user_frame(cause)
    if frame is None:
        filename, lineno, module = "sys", 1, "sys"
    else:
        filename, lineno = frame.f_code.co_filename, frame.f_lineno
        module = frame.f_globals.get("__name__", filename)
    key = (cause.f_code.co_filename, cause.f_lineno, filename, lineno)
    with _shown_lock:
        if key in _shown:
            return
        _shown.add(key)
    try:
        warnings.warn_explicit(message, category, filename, lineno, module=module)
    except BaseException:  # an "error" filter: raise it again next time
        _shown.discard(key)
        raise


@contextlib.contextmanager
def quiet():
    """Silence :func:`warn` in this thread (only), and leave the warnings'
    registry untouched: for the fits of an internal selection, whose
    candidates would warn about what the final fit warns about anyway."""
    before = getattr(_silenced, "active", False)
    _silenced.active = True
    try:
        yield
    finally:
        _silenced.active = before


def reset_warning_registry():
    """Forget which warnings were shown (for tests)."""
    with _shown_lock:
        _shown.clear()


def _user_frame(frame):
    """The innermost frame outside the skipped files, or None."""
    frame = _outside_skipped_files(frame)
    main = threading.main_thread()
    if frame is None and threading.current_thread() is not main:
        frame = _outside_skipped_files(sys._current_frames().get(main.ident))
    return frame


def _outside_skipped_files(frame):
    while frame is not None and _skipped(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def _skipped(filename):
    # frozen modules are the standard library's (runpy starts loky's workers)
    return filename.startswith("<frozen ") or os.path.abspath(filename).startswith(_SKIPPED)
