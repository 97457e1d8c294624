"""Measure where a ContrastiveEmbedding fit spends its time.

Wraps the estimator's pair construction and optimiser calls with timers (a
benchmark-only instrument: the library itself is untouched).
"""

import contextlib
import time

import sk_contrastive._base as base_module
import sk_contrastive._pair_sources as sources_module
import sk_contrastive._training_data as data_module


@contextlib.contextmanager
def fit_phases():
    """Yield a dict that collects seconds spent in ``pairs`` and ``optimize``."""
    seconds = {"pairs": 0.0, "optimize": 0.0, "evaluations": 0}
    originals = {
        "pairs": sources_module.pairs_from_labels,
        "optimize": base_module.minimize_lbfgs,
        "loss_and_gradient": data_module.loss_and_gradient,
    }

    def timed(phase):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return originals[phase](*args, **kwargs)
            finally:
                seconds[phase] += time.perf_counter() - start
        return wrapper

    def counted(*args, **kwargs):
        seconds["evaluations"] += 1
        return originals["loss_and_gradient"](*args, **kwargs)

    sources_module.pairs_from_labels = timed("pairs")
    base_module.minimize_lbfgs = timed("optimize")
    data_module.loss_and_gradient = counted
    try:
        yield seconds
    finally:
        sources_module.pairs_from_labels = originals["pairs"]
        base_module.minimize_lbfgs = originals["optimize"]
        data_module.loss_and_gradient = originals["loss_and_gradient"]
