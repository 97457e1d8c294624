"""A fit is a transaction: it completes, or leaves the estimator as it was.

An interrupt (or any other exception) at any moment of a fit must propagate
and leave the estimator exactly as it was before the call: unfitted if it
was, else with its previous model. The moments are enumerated, not picked: a
tracer counts the calls of the library's own functions during a normal fit,
then a fit is interrupted on entering one of those calls, and on leaving the
calls of the stages a fit passes through. A few real SIGINTs check the same
through the signal machinery.
"""

import copy
import os
import signal
import sys
import threading
import time
import warnings
from collections import Counter

import numpy as np
import pytest
from joblib import hash as state_hash
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

import sk_contrastive
import sk_contrastive._selection as selection_module
import sk_contrastive._threadpool as threadpool_module
from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PACKAGE = os.path.dirname(sk_contrastive.__file__) + os.sep

# The stages of a fit, by function name: each of their calls is a checkpoint,
# on entering and on leaving it (leaving an evaluation of the objective is
# entering the next one); every other function: on entering its first call.
STAGES = frozenset({
    # validation and internal units
    "_check_engine_params", "_encode_labels", "_samples_and_pairs", "_check_memory",
    "from_data", "cluster_client", "_internal_units",
    # the start
    "initial_params", "params_from", "_starting_point",
    # each round: its pairs, pos_margin="auto", each evaluation of L-BFGS
    "build_pairs", "build", "auto_pos_margin", "set_pos_margin", "objective",
    # the end: the fitted attributes, the threshold, the score's reference
    "_warn_about_the_optimisation", "_clear_fitted_state", "fitted_attributes",
    "_make_projection", "calibrate_distance_threshold", "_keep_score_reference",
    "embed_blocks",
})


class Checkpoints:
    """Counts the calls of the library's functions; raises at one of them.

    ``at`` is ``(code, k, "enter" or "leave")``: raise ``exception`` on
    entering, or on leaving, the ``k``-th call of ``code``. The calling
    thread is traced, and the threads started during the run (the
    selection's candidate fits): with those, the ``k``-th call is the
    ``k``-th to start in any of them.
    """

    def __init__(self, at=None, exception=KeyboardInterrupt):
        self.at = at
        self.exception = exception
        self.counts = Counter()

    def run(self, function, *args):
        previous, previous_threads = sys.gettrace(), threading.gettrace()
        sys.settrace(self._on_call)
        threading.settrace(self._on_call)
        try:
            return function(*args)
        finally:
            sys.settrace(previous)
            threading.settrace(previous_threads)

    def _on_call(self, frame, event, arg):
        code = frame.f_code
        if event != "call" or not code.co_filename.startswith(PACKAGE):
            return None
        self.counts[code] += 1
        if self.at is not None and self.at[:2] == (code, self.counts[code]):
            if self.at[2] == "enter":
                raise self.exception
            return self._on_return
        return None

    def _on_return(self, frame, event, arg):
        if event == "return":
            raise self.exception
        return self._on_return

    def enumerate(self, stages=STAGES, others=True):
        """The checkpoints of the fit just run, in call order per function."""
        points = []
        for code, n_calls in self.counts.items():
            if code.co_name in stages:
                ways = ("enter",) if code.co_name == "objective" else ("enter", "leave")
                points += [(code, k, when) for k in range(1, n_calls + 1) for when in ways]
            elif others:
                points.append((code, 1, "enter"))
        return points


def describe(point):
    code, k, when = point
    where = os.path.relpath(code.co_filename, PACKAGE)
    return f"{when} call {k} of {code.co_name} ({where}:{code.co_firstlineno})"


# ---- the estimators, their data and what they output ---------------------------


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=60, n_features=4, n_informative=3,
                               n_redundant=0, n_classes=3, random_state=0)
    pairs = np.random.default_rng(0).integers(0, 60, (100, 2))
    return X, y, pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)


# each map given, so that no selection runs (see the selection's own test)
SMALL = {"n_components": 2, "max_iter": 2, "pos_margin": "impostor", "random_state": 0}
LINEAR = {"architecture": "linear", **SMALL}


def estimator(kind, data, **params):
    """The estimator of ``kind`` and the arguments of its ``fit``."""
    X, y, pairs, similar = data
    if kind == "pair classifier":
        return ContrastivePairClassifier(preprocessor=X, **{**LINEAR, **params}), (pairs, similar)
    if kind == "mlp embedding":
        params = {"hidden_layer_sizes": (4,), "alpha": 1e-3, **SMALL, **params}
    elif kind == "selecting embedding":
        params = {"n_components": 2, "max_iter": 2, "random_state": 0, **params}
    else:
        params = {**LINEAR, **params}
    return ContrastiveEmbedding(**{"n_mining_rounds": 2, **params}), (X, y)


def outputs(model, data):
    """Everything a fitted model answers, as arrays."""
    X, y, pairs, similar = data
    if isinstance(model, ContrastivePairClassifier):
        return [model.transform(X), model.predict(pairs), model.decision_function(pairs),
                model.score(pairs, similar), model.threshold_]
    return [model.transform(X), model.score(X, y)]


def assert_unfitted(model, data):
    X, _, pairs, _ = data
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.transform(X)
    if isinstance(model, ContrastivePairClassifier):
        with pytest.raises(NotFittedError):
            model.predict(pairs)


def assert_same_outputs(model, expected, data, context=""):
    for got, want in zip(outputs(model, data), expected):
        np.testing.assert_array_equal(got, want, err_msg=context)


def fitted_before(kind, data):
    """A model fitted with ``warm_start=True``, so that its next fit is a warm refit."""
    model, fit_args = estimator(kind, data, warm_start=True)
    return model.fit(*fit_args), fit_args


def assert_every_checkpoint_restores(before, fit_args, data, points, exception=KeyboardInterrupt):
    """Interrupt a copy of ``before`` at each point; each must end as ``before``."""
    fitted = hasattr(before, "n_iter_")
    expected = outputs(before, data) if fitted else None
    # of a copy, as each interrupted model is: a copy can differ in bytes the
    # hash reads (LogisticRegression's coef_ of shape (1, 1) is a view of
    # strides (0, 8); its copy has strides (8, 8))
    state = state_hash(vars(copy.deepcopy(before)))
    for point in points:
        model = copy.deepcopy(before)
        with pytest.raises(exception):
            Checkpoints(point, exception).run(model.fit, *fit_args)
        assert state_hash(vars(model)) == state, describe(point)
        assert threadpool_module._active_fits == 0, describe(point)
        if fitted:
            assert_same_outputs(model, expected, data, describe(point))
        else:
            assert_unfitted(model, data)


# ---- injected interrupts at every checkpoint -----------------------------------


@pytest.mark.parametrize("kind,start", [
    ("embedding", "fresh"), ("embedding", "warm_start refit"),
    ("mlp embedding", "warm_start refit"),
    ("pair classifier", "fresh"), ("pair classifier", "warm_start refit"),
])
def test_an_interrupt_at_any_checkpoint_leaves_the_estimator_as_it_was(kind, start, data):
    if start == "fresh":
        before, fit_args = estimator(kind, data)
    else:
        before, fit_args = fitted_before(kind, data)
    counter = Checkpoints()
    counter.run(copy.deepcopy(before).fit, *fit_args)
    seen = {code.co_name for code in counter.counts}
    # the stages this test is about must be reached (a renamed one would be missed)
    assert {"build_pairs", "build", "auto_pos_margin", "objective", "fitted_attributes",
            "_clear_fitted_state"} <= seen
    assert ("calibrate_distance_threshold" if kind == "pair classifier"
            else "_keep_score_reference") in seen
    assert ("params_from" if start != "fresh" else "_starting_point") in seen
    built = max(counter.counts[code] for code in counter.counts
                if code.co_name == "build_pairs")
    if kind == "pair classifier":
        # the final fit's pairs, then those of each split of the calibration's cross-fit
        fitted = copy.deepcopy(before).fit(*fit_args)
        assert fitted.calibrated_on_ == "cross-fit" and built >= 2
    else:
        assert built == 2  # two rounds of pairs
    # every function of the library at its first call in a fresh fit; the
    # stages (where a refit differs) in a refit
    points = counter.enumerate(others=start == "fresh")
    assert_every_checkpoint_restores(before, fit_args, data, points)


# one thread runs the candidates in a plain loop: the pair classifier covers it
@pytest.mark.parametrize("kind,n_threads", [
    ("selecting embedding", 2), ("pair classifier", 1), ("pair classifier", 2)])
def test_an_interrupt_during_the_selection_leaves_the_estimator_as_it_was(
    kind, n_threads, data, monkeypatch
):
    # defaults: the held-out selection of the map runs before the final fit.
    # The selection's own functions at their first and last calls, on entering
    # and leaving; the stages of a fit (its candidates' fits first) on entering.
    # On 2 threads, the interrupt is raised in a candidate's thread too.
    monkeypatch.setattr(selection_module, "spare_threads", lambda: n_threads)
    params = {"n_components": None}
    if kind == "pair classifier":
        params.update(architecture="auto", pos_margin="auto")
    before, fit_args = estimator(kind, data, **params)
    counter = Checkpoints()
    fitted = counter.run(copy.deepcopy(before).fit, *fit_args)
    assert len(fitted.selection_results_["params"]) > 2
    points = [(code, 1, "enter") for code in counter.counts if code.co_name in STAGES]
    points += [(code, k, when) for code, n_calls in counter.counts.items()
               if code.co_filename.endswith("_selection.py")
               for k in sorted({1, n_calls}) for when in ("enter", "leave")]
    assert any(code.co_name == "select_map" for code, _, _ in points)
    # the candidates' fits were traced, in whichever thread they ran
    assert any(code.co_name == "_fit_on_split" for code, _, _ in points)
    assert_every_checkpoint_restores(before, fit_args, data, points)


@pytest.mark.parametrize("kind", ["embedding", "pair classifier"])
@pytest.mark.parametrize("exception", [MemoryError, SystemExit])
def test_any_exception_during_a_refit_keeps_the_previous_model(kind, exception, data):
    before, fit_args = fitted_before(kind, data)
    counter = Checkpoints()
    counter.run(copy.deepcopy(before).fit, *fit_args)
    points = [(code, 1, "enter") for code in counter.counts if code.co_name in STAGES]
    assert_every_checkpoint_restores(before, fit_args, data, points, exception)


@pytest.mark.parametrize("kind", ["embedding", "pair classifier"])
def test_a_failed_refit_on_other_data_keeps_the_previous_model(kind, data):
    # the refit validates data of 3 features (n_features_in_ = 3), then fails
    model, fit_args = fitted_before(kind, data)
    expected = outputs(model, data)
    X, y = data[0][:, :3], data[1]
    with pytest.raises(ValueError, match="pos_margin"):
        if kind == "pair classifier":
            model.set_params(preprocessor=X, pos_margin=5.0).fit(*fit_args)
        else:
            model.set_params(pos_margin=5.0).fit(X, y)
    model.set_params(pos_margin="impostor")
    if kind == "pair classifier":
        model.set_params(preprocessor=data[0])
    assert model.n_features_in_ == 4
    assert_same_outputs(model, expected, data)


class InterruptAtIteration:
    """A callback that presses Ctrl-C at an iteration."""

    def __init__(self, iteration):
        self.iteration = iteration

    def __call__(self, params, n_iter):
        if n_iter == self.iteration:
            raise KeyboardInterrupt


@pytest.mark.parametrize("kind", ["embedding", "pair classifier"])
def test_an_interrupt_inside_lbfgs_propagates_without_a_warning(kind, data):
    # before: swallowed, with a warning, keeping the last iterate
    model, fit_args = estimator(kind, data)
    for iteration in range(1, clone(model).fit(*fit_args).n_iter_ + 1):
        model.set_params(callback=InterruptAtIteration(iteration))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", ConvergenceWarning)
            with pytest.raises(KeyboardInterrupt):
                model.fit(*fit_args)
        assert_unfitted(model, data)


class FakeBlas:
    """BLAS libraries whose every call is counted, and the k-th interrupted."""

    def __init__(self, threads, interrupt_at=None):
        self.threads = list(threads)
        self.interrupt_at = interrupt_at
        self.calls = 0

    def call(self):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt

    def controller(self):  # stands for threadpoolctl's ThreadpoolController
        self.call()
        return self

    def select(self, user_api):
        self.call()
        return self

    @property
    def lib_controllers(self):
        self.call()
        return [FakeLibrary(self, index) for index in range(len(self.threads))]


class FakeLibrary:
    def __init__(self, blas, index):
        self.blas, self.index = blas, index

    @property
    def num_threads(self):
        self.blas.call()
        return self.blas.threads[self.index]

    def set_num_threads(self, num_threads):
        self.blas.call()
        self.blas.threads[self.index] = num_threads


def test_an_interrupt_never_leaves_blas_limited_to_one_thread(monkeypatch):
    # the limit is process-wide: an interrupt while a fit sets it, runs, or
    # lifts it must leave every library as it was
    blas = FakeBlas([4, 2])
    monkeypatch.setattr(threadpool_module, "ThreadpoolController", blas.controller)
    with pytest.raises(KeyboardInterrupt):
        with threadpool_module.blas_single_threaded():
            assert blas.threads == [1, 1]
            raise KeyboardInterrupt
    assert blas.threads == [4, 2]
    for k in range(1, blas.calls + 1):
        blas = FakeBlas([4, 2], interrupt_at=k)
        monkeypatch.setattr(threadpool_module, "ThreadpoolController", blas.controller)
        with pytest.raises(KeyboardInterrupt):
            with threadpool_module.blas_single_threaded():
                pass
        assert blas.threads == [4, 2], k
        assert threadpool_module._active_fits == 0, k


# ---- on a Dask cluster ------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as connected:
            yield connected


@pytest.mark.parametrize("start", ["fresh", "warm_start refit"])
def test_an_interrupt_on_a_dask_cluster_leaves_the_estimator_as_it_was(start, client, data):
    da = pytest.importorskip("dask.array")
    X, y = da.from_array(data[0], chunks=30), da.from_array(data[1], chunks=30)
    before, _ = estimator("embedding", data, warm_start=True, max_iter=1)
    if start != "fresh":
        before.fit(X, y)
    counter = Checkpoints()
    counter.run(copy.deepcopy(before).fit, X, y)
    # the client's side of the cluster's stages (a worker runs an in-memory
    # fit's code): each round's pairs; a fit on the cluster takes long, so in
    # a refit also the last evaluation of the loss and pos_margin="auto" (in
    # the last round) and the end
    points = []
    for code, n_calls in counter.counts.items():
        if code.co_name == "build_pairs" and "_dask" in code.co_filename:
            points += [(code, k, "enter") for k in range(1, n_calls + 1)]
        elif code.co_name == "embed_blocks":
            points.append((code, 1, "enter"))
        elif start == "fresh":
            continue
        elif code.co_name in ("objective", "set_pos_margin") and "_dask" in code.co_filename:
            points.append((code, n_calls, "enter"))
        elif code.co_name == "_clear_fitted_state":
            points.append((code, 1, "enter"))
    assert len({point[0].co_name for point in points}) == (2 if start == "fresh" else 5)
    assert_every_checkpoint_restores(before, (X, y), data, points)


# ---- real signals -------------------------------------------------------------


class SleepingCallback:
    """Makes each iteration last a few milliseconds longer."""

    def __call__(self, params, n_iter):
        time.sleep(0.003)


@pytest.fixture
def default_sigint_handler():
    """Ctrl-C raises KeyboardInterrupt (a background process may ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def fit_with_a_sigint_after(model, fit_args, delay):
    """Fit, sending SIGINT to this process after ``delay`` s; whether the fit completed."""
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    completed = False
    try:
        try:
            timer.start()
            model.fit(*fit_args)
            completed = True
        finally:
            timer.cancel()
            timer.join()
        time.sleep(0.01)  # where a signal sent as the fit ended lands
    except KeyboardInterrupt:
        pass
    return completed


@pytest.mark.parametrize("kind", ["embedding", "pair classifier"])
def test_real_sigints_leave_the_estimator_as_it_was_or_fitted(
    kind, default_sigint_handler
):
    X, y = make_classification(n_samples=1500, n_features=20, n_informative=8,
                               n_classes=4, random_state=0)
    pairs = np.random.default_rng(0).integers(0, X.shape[0], (6000, 2))
    big = (X, y, pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int))
    params = {"max_iter": 10, "pos_margin": 0.0, "callback": SleepingCallback()}
    fresh, fit_args = estimator(kind, big, **params)
    previous = clone(fresh).set_params(warm_start=True).fit(*fit_args)
    started = time.perf_counter()
    complete = clone(fresh).fit(*fit_args)
    duration = time.perf_counter() - started
    for before in (fresh, previous):
        state = state_hash(vars(copy.deepcopy(before)))  # as assert_every_checkpoint_restores
        expected = outputs(before, big) if before is previous else None
        for delay in duration * np.linspace(0.0, 1.2, 8):
            model = copy.deepcopy(before)
            if fit_with_a_sigint_after(model, fit_args, delay):
                assert np.all(np.isfinite(model.transform(X)))
                if before is fresh:
                    assert state_hash(vars(model)) == state_hash(vars(complete))
                continue
            assert state_hash(vars(model)) == state
            if before is previous:
                assert_same_outputs(model, expected, big)
            else:
                assert_unfitted(model, big)
            assert threadpool_module._active_fits == 0
