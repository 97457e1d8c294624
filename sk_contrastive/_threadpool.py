"""BLAS on one thread while a fit runs, restored when the last fit ends.

A fit's BLAS work is small products, per evaluation, interleaved with the
pair pass and with L-BFGS-B's own vector operations. With several BLAS
threads, the idle threads of one library spin while another library (wheels of
numpy and scipy each ship their own OpenBLAS) or the pair pass runs, and
concurrent fits queue on one thread pool. Measured on 2 cores: a digits fit
took 0.44 s with scipy's and numpy's OpenBLAS on 2 threads and 0.18 s with
scipy's on one; six fits on 3 threads at once took 43 s with numpy's OpenBLAS
on 2 threads and 6 s on one. So during a fit every BLAS library runs on one
thread.

The limit is process-wide, so it is reference-counted: the first of any
number of concurrent fits sets it, and the last one to finish restores each
library's limit exactly as it was before the first began. Fits from several
threads (joblib's threading backend, a ``ThreadPoolExecutor``, nested
parallelism) therefore never leave a limit behind; the limit only holds while
some fit is running.

What the process allowed before the first fit limited it is what a fit may
spend on work of its own that runs in parallel (:func:`spare_threads`): the
selection's candidate fits.
"""

import contextlib
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

try:  # installed with scikit-learn, which requires it; optional here
    import threadpoolctl
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover
    ThreadpoolController = None

_lock = threading.Lock()
_active_fits = 0
_saved_limits = None


@contextlib.contextmanager
def blas_single_threaded():
    """Context in which every BLAS library of the process runs on one thread.

    Re-entrant and thread-safe: nested and concurrent uses share one limit,
    lifted when the last of them exits.

    Examples
    --------
    >>> from sk_contrastive._threadpool import blas_single_threaded
    >>> with blas_single_threaded():
    ...     pass
    """
    global _active_fits, _saved_limits
    # Everything from taking the count on is undone in ``finally``, and lifting
    # the limit finishes before an interrupt propagates: an interrupt at any
    # moment leaves no limit behind.
    try:
        with _lock:
            _active_fits += 1
            if _active_fits == 1 and ThreadpoolController is not None:
                libraries = ThreadpoolController().select(user_api="blas").lib_controllers
                _saved_limits = [(module, module.num_threads) for module in libraries]
                for module in libraries:
                    _set_num_threads(module, 1)
        yield
    finally:
        with _lock:
            _active_fits -= 1
            if _active_fits == 0 and _saved_limits:
                saved, _saved_limits = _saved_limits, None
                _set_limits(saved)


def spare_threads():
    """Threads a fit may run its own work on, called inside
    :func:`blas_single_threaded`: the least BLAS thread limit from before
    the limit, when no other fit is running; else 1 (the other fits use the
    cores).

    That limit is the cores, or fewer where ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS``, threadpoolctl's ``threadpool_limits`` or a
    joblib worker (one of ``n_jobs`` processes gets its share of the cores)
    set it, so that a user who limits BLAS limits this too. 1 when no BLAS
    library is found.

    Examples
    --------
    >>> from sk_contrastive._threadpool import blas_single_threaded, spare_threads
    >>> from threadpoolctl import threadpool_limits
    >>> with threadpool_limits(1), blas_single_threaded():
    ...     spare_threads()
    1
    """
    with _lock:
        if _active_fits != 1 or not _saved_limits:
            return 1
        return max(1, min(num_threads for _, num_threads in _saved_limits))


# numbers the pools of thread_runner, whose threads are joined by name
_pool_numbers = itertools.count()


@contextlib.contextmanager
def thread_runner(n_threads, name):
    """``run(function, arguments) -> [function(*a) for a in arguments]``,
    on ``n_threads`` threads (named after ``name``) where that is more than
    one: the work a fit runs in parallel (the selection's candidate fits,
    the neighbour search's blocks), which releases the GIL in the pair
    kernel, BLAS and the neighbour search. An exception, an interrupt
    included, cancels the calls not yet started and propagates once the
    running ones end.

    The pool's threads are found by their name, not by the pool's own list:
    an interrupt inside ``Thread.start`` (which waits for the new thread)
    leaves a started thread out of that list, and ``shutdown`` would not
    wait for the call it takes (an interrupted pair classifier's fit
    returned while such a thread still fitted a copy, in 4 runs of 10).

    Examples
    --------
    >>> from sk_contrastive._threadpool import thread_runner
    >>> with thread_runner(2, "example") as run:
    ...     run(pow, [(2, 3), (3, 2)])
    [8, 9]
    """
    if n_threads <= 1:
        yield lambda function, arguments: [function(*a) for a in arguments]
        return
    prefix = f"sk_contrastive-{name}-{next(_pool_numbers)}"
    pool = ThreadPoolExecutor(n_threads, thread_name_prefix=prefix)
    try:
        yield lambda function, arguments: list(pool.map(function, *zip(*arguments)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for thread in threading.enumerate():
            if thread.name.startswith(prefix + "_"):
                thread.join()


def on_spare_threads(function, arguments, name):
    """``[function(*a) for a in arguments]`` on the fit's spare threads
    (:func:`spare_threads`, at most one a call): the fit's own work split
    into parts fixed by the data, each part alone, so that the result does
    not depend on the number of threads.

    Examples
    --------
    >>> from sk_contrastive._threadpool import on_spare_threads
    >>> on_spare_threads(pow, [(2, 3), (3, 2)], "example")
    [8, 9]
    """
    with thread_runner(min(spare_threads(), len(arguments)), name) as run:
        return run(function, arguments)


def _set_limits(limits):
    """Give each library its ``num_threads``; an interrupt waits until all have it."""
    interrupted = None
    for module, num_threads in limits:
        while True:
            try:
                _set_num_threads(module, num_threads)
                break
            except KeyboardInterrupt as error:
                interrupted = error
    if interrupted is not None:
        raise interrupted


def _set_num_threads(module, num_threads):
    """Set ``module``'s limit from whichever thread a fit starts or ends on.

    threadpoolctl 3.8 lets only the thread that first set an OpenBLAS limit
    set it again and silently ignores the others; but the first fit may start
    on one thread and the last end on another. So each change is made as the
    controlling thread, and control is given back at once (earlier
    threadpoolctl has no such notion).
    """
    release = getattr(getattr(threadpoolctl, "OpenBLASController", None),
                      "clear_controlling_thread", None)
    if release is not None:
        release(force=True)
    module.set_num_threads(num_threads)
    if release is not None:
        release(force=True)
