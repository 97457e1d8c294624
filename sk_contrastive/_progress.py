"""The progress log of a fit (``verbose > 0``): rounds, iterations, a summary."""

import time

from ._memory import available_memory_bytes, describe_parts, map_parameters

_STOP_REASONS = {
    "converged": "converged",
    "max_iter": "reached max_iter",
    "callback": "stopped by the callback",
    "other": "stopped: the line search found no further decrease",
}


class FitLog:
    """Prints what a fit does, with times measured from its start.

    Each mining round opens with a line saying how many pairs were built and
    how long that took; one row per L-BFGS iteration follows (iteration
    counted across rounds, loss, gradient norm, seconds since the fit
    started); the round closes with why the optimiser stopped; the fit closes
    with a summary (the time to compute the start, to build pairs and to
    optimise). Silent when ``verbose`` is 0; the times, and the loss after
    each iteration (``loss_curve``), are kept anyway.

    Examples
    --------
    >>> from sk_contrastive._progress import FitLog
    >>> log = FitLog(verbose=1, name="Example")
    >>> log.round_started(0, 1)
    >>> log.pairs_built(n_pairs=1200, n_samples=100)  # doctest: +ELLIPSIS
    [Example] Round 1/1: 1,200 pairs (12.0 per sample) in ... s
    """

    def __init__(self, verbose, name):
        self.verbose = verbose
        self.name = name
        self.start = time.perf_counter()
        self.start_seconds = 0.0
        self.mining_seconds = 0.0
        self.optimisation_seconds = 0.0
        self._round_start = self.start
        self._optimisation_start = self.start
        self._mining_round = 0
        self._n_rounds = 1
        self._header_printed = False
        self.loss_curve = []

    def _print(self, text):
        if self.verbose:
            print(f"[{self.name}] {text}", flush=True)

    def elapsed(self):
        return time.perf_counter() - self.start

    def start_ready(self):
        """The initial parameters exist (an MLP's ``init="auto"`` fits them)."""
        self.start_seconds = self.elapsed()

    def round_started(self, mining_round, n_rounds):
        self._mining_round, self._n_rounds = mining_round, n_rounds
        self._round_start = time.perf_counter()

    def pairs_built(self, n_pairs, n_samples, mined=True):
        self._optimisation_start = time.perf_counter()
        seconds = self._optimisation_start - self._round_start
        self.mining_seconds += seconds
        what = "mined" if mined else "given"
        if not mined:
            self._print(f"{n_pairs:,} {what} pairs over {n_samples:,} samples")
            return
        self._print(
            f"Round {self._mining_round + 1}/{self._n_rounds}: {n_pairs:,} pairs "
            f"({n_pairs / max(n_samples, 1):.1f} per sample) in {seconds:.2f} s"
        )

    def pos_margin_chosen(self, pos_margin):
        self._print(f"Round {self._mining_round + 1}/{self._n_rounds}: pos_margin={pos_margin:.4g}")

    def iteration(self, n_iter, loss, gradient_norm):
        self.loss_curve.append(loss)
        if not self._header_printed:
            header = f"{'Iteration':>9} {'Loss':>14} {'Gradient norm':>14} {'Time (s)':>9}"
            self._print(header)
            self._print("-" * len(header))
            self._header_printed = True
        self._print(
            f"{n_iter:>9d} {loss:>14.6e} {gradient_norm:>14.4e} {self.elapsed():>9.2f}"
        )

    def round_finished(self, result):
        self.optimisation_seconds += time.perf_counter() - self._optimisation_start
        self._print(
            f"Round {self._mining_round + 1}/{self._n_rounds}: "
            f"{_STOP_REASONS[result.stop]} after {result.n_iter} iterations "
            f"(loss {result.loss:.6g})"
        )

    def summary(self, n_iter, n_pairs, loss):
        total = self.elapsed()
        self._print(
            f"Done in {total:.2f} s (start {self.start_seconds:.2f} s, pairs "
            f"{self.mining_seconds:.2f} s, optimisation {self.optimisation_seconds:.2f} s): "
            f"{n_iter} iterations, "
            f"{n_pairs:,} pairs, final loss {loss:.6g}"
        )


def log_fit_cost(verbose, name, sizes, parts, diagonal=False):
    """Before the first round: the size of the map and the estimated peak memory.

    ``sizes``: the widths of the map's layers, ``(n_features, *hidden_layer_sizes,
    n_components)``; ``parts``: the fit's ``MemoryPart`` list; ``diagonal``:
    the map is the diagonal one (``n_features`` weights).

    Examples
    --------
    >>> from sk_contrastive._memory import MemoryPart
    >>> from sk_contrastive._progress import log_fit_cost
    >>> log_fit_cost(1, "Example", (20_000, 64), [
    ...     MemoryPart("the internal copy of X", 2**29, "fit on fewer samples"),
    ...     MemoryPart("the pairs", 2**20, "n_negatives")])  # doctest: +ELLIPSIS
    [Example] Map: 20,000 -> 64 (linear), 1,280,000 parameters
    [Example] Estimated peak memory: 0.50 GiB (... available); largest parts: the internal copy of X: 0.50 GiB
    """
    if not verbose:
        return
    available = available_memory_bytes()
    n_params = sizes[0] if diagonal else map_parameters(sizes[0], sizes[1:-1], sizes[-1])
    layers = " -> ".join(f"{size:,}" for size in sizes)
    kind = "diagonal" if diagonal else "MLP" if len(sizes) > 2 else "linear"
    print(f"[{name}] Map: {layers} ({kind}), {n_params:,} parameters", flush=True)
    print(
        f"[{name}] Estimated peak memory: "
        f"{sum(part.n_bytes for part in parts) / 2**30:.2f} GiB ("
        + ("available memory unknown" if available is None
           else f"{available / 2**30:.1f} GiB available")
        + f"); largest parts: {describe_parts(parts)}",
        flush=True,
    )
