"""Streaming: ``partial_fit``'s bounded memory and each call's training set.

A stream is the third place training data can live (see ``_training_data``):
each call of ``partial_fit`` puts its batch together with a bounded
:class:`Reservoir` of earlier samples (raw rows in the caller's units, their
class codes and weights), hands that training set to the engine as
``InMemoryData`` with one mining round warm-started from the current map,
then lets the batch enter the reservoir. This is the design of
pytorch-metric-learning's ``CrossBatchMemory`` with raw rows: the memory's
samples are mined in the current embedding every call, so they never go
stale as the map changes.

What depends on the data is fixed by the first call and kept in the
:class:`Stream`: the internal units (``InputScaling`` of the first batch),
``n_components``, ``alpha="auto"`` (from the first call's summed weights),
the dtype and the format (dense or CSR) of the rows, and whether the stream
is labelled. A ``partial_fit`` after ``fit`` continues from the fitted map
with that fit's units, map, ``alpha_`` and ``pos_margin_``.

Every object here is replaced, never changed in place, so that
``partial_fit`` stays a ``fit_transaction``.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight, check_consistent_length, validate_data

from ._base import _is_dask_collection
from ._labels import check_label_types, check_labels
from ._rows import canonical_rows, merge_duplicates
from ._scaling import InputScaling
from ._targets import GRADED_TARGETS
from ._validation import check_integer, is_auto
from ._weights import class_sample_weight, engine_weights

DEFAULT_MEMORY_SIZE = 2000
_SEED_BOUND = np.iinfo(np.int32).max


class Reservoir:
    """At most ``capacity`` samples, each of the ``n_seen`` seen so far
    equally likely to be among them (reservoir sampling, Vitter's algorithm
    R).

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_rows, n_features), or None
        The kept rows in the caller's units (None: empty).
    codes : ndarray of shape (n_rows,) of int, or None
        Their class codes (``-1``: unlabelled), or None for an unlabelled stream.
    weights : ndarray of shape (n_rows,) or None
        Their sample weights as given (float64), or None.
    n_seen : int
        Samples offered so far.
    capacity : int
    """

    def __init__(self, X, codes, weights, n_seen, capacity):
        self.X = X
        self.codes = codes
        self.weights = weights
        self.n_seen = n_seen
        self.capacity = capacity

    @property
    def n_rows(self):
        return 0 if self.X is None else self.X.shape[0]

    def with_batch(self, X, codes, weights):
        """The kept rows followed by the batch's: ``(X, codes, weights)``."""
        if self.X is None:
            return X, codes, weights
        stacked = (sp.vstack([self.X, X], format="csr") if sp.issparse(X)
                   else np.concatenate([self.X, X]))
        codes = None if codes is None else np.concatenate([self.codes, codes])
        if weights is None and self.weights is None:
            return stacked, codes, None
        weights = np.concatenate([
            np.ones(self.n_rows) if self.weights is None else self.weights,
            np.ones(X.shape[0]) if weights is None else weights,
        ])
        return stacked, codes, weights

    def offered(self, X, codes, weights, n_batch, random_state):
        """The reservoir once the last ``n_batch`` rows of ``with_batch``'s
        ``(X, codes, weights)`` have been offered, in order.

        The ``t``-th sample of the stream (from 0) is kept while ``t <
        capacity``; after that it replaces the kept sample in slot ``r``, ``r``
        drawn uniformly from ``0 .. t``, if ``r < capacity``. A slot written
        twice by one batch keeps the later sample, as one by one would.
        """
        n_old = self.n_rows
        seen = self.n_seen + np.arange(n_batch)
        drawn = np.floor(random_state.random_sample(n_batch) * (seen + 1)).astype(np.int64)
        slots = np.where(seen < self.capacity, seen, drawn)
        kept = np.flatnonzero(slots < self.capacity)
        size = min(self.capacity, self.n_seen + n_batch)
        sources = np.arange(size)  # slot i keeps the old row i where nothing replaces it
        last = kept.shape[0] - 1 - np.unique(slots[kept][::-1], return_index=True)[1]
        sources[slots[kept[last]]] = n_old + kept[last]
        return Reservoir(
            X[sources], None if codes is None else codes[sources],
            None if weights is None else weights[sources], self.n_seen + n_batch, self.capacity,
        )


class Stream:
    """What the first call of a stream fixed, and its reservoir.

    ``engine_args``: ``(n_samples, n_features, n_classes, sparse)`` that
    ``_check_engine_params`` decides the map from; ``chosen``: the map's
    parameters a previous ``fit`` chose (or None); ``n_components``;
    ``total_weight``, the sample count ``alpha="auto"`` is taken from;
    ``scaling``; ``labelled``; ``classes`` (sorted labels, or None) and
    ``fixed_classes`` (given by ``classes=``); ``dtype``; ``sparse``;
    ``seed`` and ``n_calls``, from which each call's reservoir draws come.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def replace(self, **fields):
        return Stream(**{**self.__dict__, **fields})


def partial_fit(estimator, X, y, classes, sample_weight):
    """One call of ``ContrastiveEmbedding.partial_fit`` (see its docstring)."""
    if _is_dask_collection(X):
        raise ValueError(
            "partial_fit takes batches held in memory (ndarray or CSR); fit a Dask "
            "array with fit, which learns from its chunks where they are."
        )
    stream = getattr(estimator, "_fitted_stream", None)
    continuing = stream is None and hasattr(estimator, "_projection")  # after fit
    first = stream is None
    memory_size = check_integer(estimator.memory_size, "memory_size", min_val=0)
    X = validate_data(
        estimator, X, reset=first and not continuing, accept_sparse="csr",
        dtype=[np.float64, np.float32] if first else stream.dtype,
    )
    if not first:
        X = _in_format(X, stream.sparse)
    X = canonical_rows(X)
    labelled = _check_kind(estimator, y, stream, continuing)
    if estimator.class_weight is not None and not labelled:
        raise ValueError(
            f"class_weight={estimator.class_weight!r} weighs classes, but this stream has "
            "no labels: pass y, or leave class_weight=None."
        )
    if first:
        classes, given = _first_classes(estimator, y, classes, continuing)
        stream = Stream(
            engine_args=None, chosen=_fitted_choice(estimator) if continuing else None,
            n_components=estimator._n_features_out if continuing else None,
            total_weight=None, scaling=estimator._fitted_scaling if continuing else None,
            labelled=labelled, classes=given if classes is None else classes,
            fixed_classes=classes is not None,
            dtype=X.dtype, sparse=sp.issparse(X),
            reservoir=Reservoir(None, None, None, 0, memory_size),
            seed=check_random_state(estimator.random_state).randint(_SEED_BOUND), n_calls=0,
            structure=_structure(estimator),
        )
        if continuing:
            _check_fitted_map(estimator)
    elif classes is not None and not (
        stream.fixed_classes and np.array_equal(np.unique(classes), stream.classes)
    ):
        raise ValueError(
            f"classes={np.asarray(classes).tolist()} is not the classes of the first call "
            f"to partial_fit ({stream.classes.tolist() if stream.fixed_classes else 'none'}); "
            "give classes on the first call only."
        )
    codes = None
    if labelled:
        check_consistent_length(X, y)
        stream, codes = _encoded(estimator, stream, y)
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                       ensure_non_negative=True)
        kept = weights > 0  # a sample of weight 0 is no sample
        if not kept.all():
            X, weights = X[kept], weights[kept]
            codes = None if codes is None else codes[kept]
    reservoir = stream.reservoir
    for name, value in _structure(estimator).items():
        if value != stream.structure[name]:
            raise ValueError(
                f"{name}={value!r} changed during the stream (it was "
                f"{stream.structure[name]!r}); set it back, or call fit to start over."
            )
    X_all, codes_all, weights_all = reservoir.with_batch(X, codes, weights)
    engine_args, total_weight = _learn(estimator, stream, X_all, codes_all, weights_all)
    estimator._fitted_stream = stream.replace(
        reservoir=reservoir.offered(
            X_all, codes_all, weights_all, X.shape[0],
            np.random.RandomState([stream.seed, stream.n_calls])),
        n_calls=stream.n_calls + 1,
        # the engine took the units from the first call's training set
        scaling=estimator._fitted_scaling,
        engine_args=engine_args,
        total_weight=total_weight,
    )
    return estimator


def _learn(estimator, stream, X, codes, weights):
    """One mining round and at most ``max_iter`` L-BFGS iterations on the
    training set ``X`` (batch and reservoir), warm-started except on a new
    stream's first call. Returns what that first call fixes:
    ``(engine_args, total_weight)``."""
    if X.shape[0] < 2:
        raise ValueError(
            f"partial_fit needs at least 2 samples in its batch and memory together; "
            f"got {X.shape[0]}."
        )
    if weights is not None and estimator.class_weight is None and np.all(weights == 1):
        weights = None
    if estimator.class_weight is not None:
        factor = class_sample_weight(estimator.class_weight, codes, stream.classes, weights)
        weights = factor if weights is None else weights * factor
    labels = codes
    if labels is not None:
        present = np.unique(labels[labels >= 0])
        if present.shape[0] < 2:
            raise ValueError(
                "partial_fit needs labelled samples of at least 2 classes in its batch and "
                f"memory together to form dissimilar pairs; found {present.shape[0]}. Give "
                "a first batch of at least 2 classes."
            )
    rows, weights = merge_duplicates(X, labels, weights)  # (see _rows)
    if rows is not None:
        X = X[rows]
        labels = None if labels is None else labels[rows]
    total_weight, weights = engine_weights(weights, X.shape[0])
    unlabelled = labels is None or bool(np.any(labels < 0))
    engine_args = stream.engine_args or (
        X.shape[0], X.shape[1],
        None if labels is None else int(np.unique(labels[labels >= 0]).shape[0]),
        sp.issparse(X),
    )
    n_components = estimator._check_engine_params(*engine_args, chosen=stream.chosen)
    n_components = stream.n_components or n_components
    estimator._check_pair_params(unlabelled=unlabelled, chosen=stream.chosen)
    estimator._warn_about_ineffective_margin()
    make_source = estimator._pair_source_maker(
        labels is None, unlabelled, known=None if labels is None else labels >= 0)
    total_weight = stream.total_weight or total_weight
    scaling = _with_newly_varying_features(
        stream.scaling, X, weights, estimator._centres_input())
    estimator._fit_engine(
        X, make_source(labels, n_rounds=1), n_components, weights, total_weight,
        start=None if scaling is None else estimator, scaling=scaling,
    )
    estimator.target_type_ = None if labels is None else (
        "binary" if stream.classes.shape[0] == 2 else "multiclass")
    estimator.selection_results_ = None
    estimator._selected_for = None
    if labels is None:
        estimator._fitted_reference = (None, None, None)
    else:
        known = labels >= 0
        estimator._keep_score_reference(X[known], stream.classes[labels[known]], labels[known])
    return engine_args, total_weight


# the parameters whose value a stream keeps from its first call
_STRUCTURE = ("n_components", "architecture", "hidden_layer_sizes", "activation", "metric",
              "memory_size")


def _structure(estimator):
    params = estimator.get_params(deep=False)
    return {name: params[name] for name in _STRUCTURE}


def _check_fitted_map(estimator):
    """A stream that continues a ``fit`` keeps its map: a map asked for since
    (another ``architecture``, ``hidden_layer_sizes`` or ``n_components``)
    is a ``ValueError``, as a change during the stream is."""
    fitted = {"architecture": estimator.architecture_,
              "hidden_layer_sizes": estimator.hidden_layer_sizes_,
              "n_components": estimator._n_features_out}
    for name, value in fitted.items():
        asked = getattr(estimator, name)
        if asked is not None and not is_auto(asked) and asked != value and not (
                name == "hidden_layer_sizes" and tuple(np.atleast_1d(asked)) == value):
            raise ValueError(
                f"{name}={asked!r}, but the fitted map that partial_fit continues has "
                f"{name} {value!r}; call fit to learn the map asked for."
            )


def _with_newly_varying_features(scaling, X, weights, centre):
    """The stream's internal units, except for the features that were
    constant in every call so far and vary in this call's training set
    ``X``: those take the units of ``X``. Their weights are 0 in the current
    map (a constant feature multiplies nothing), so the map is unchanged,
    and they are learnt from now on; kept at the first batch's units, such a
    feature (a word absent from the first batch of documents) had weight 0
    for the whole stream (held-out kNN 0.55 against 0.97 for a fit)."""
    if scaling is None or scaling.varies.all():
        return scaling
    current = InputScaling.from_data(X, weights, centre=centre)
    new = ~scaling.varies & current.varies
    if not new.any():
        return scaling
    return InputScaling(
        None if scaling.offset is None else np.where(new, current.offset, scaling.offset),
        np.where(new, current.scale, scaling.scale),
        np.where(new, current.bound, scaling.bound),
        np.where(new, current.spread, scaling.spread),
        scaling.varies | new,
    )


def _in_format(X, sparse):
    """A later batch in the first batch's format (dense or CSR)."""
    if sparse and not sp.issparse(X):
        return sp.csr_matrix(X)
    if not sparse and sp.issparse(X):
        return X.toarray()
    return X


def _check_kind(estimator, y, stream, continuing):
    """Whether the batch is labelled; refuse another kind than the stream's
    and graded targets."""
    if getattr(estimator, "target_type_", None) in GRADED_TARGETS and continuing:
        raise ValueError(
            f"partial_fit takes class labels or none; this estimator was fitted on "
            f"{estimator.target_type_} targets. Call fit to learn from them."
        )
    labelled = y is not None
    if stream is not None:
        expected = stream.labelled
    elif continuing:
        expected = estimator.target_type_ is not None
    else:
        return labelled
    if labelled != expected:
        raise ValueError(
            f"The stream is {'labelled' if expected else 'unlabelled'} since its first "
            f"call, but this batch {'has' if labelled else 'has no'} y: give "
            f"{'labels' if expected else 'no labels'} (with unlabeled_label, a batch may "
            "mark unlabelled samples), or call fit to start over."
        )
    return labelled


def _class_labels(estimator, y):
    """``y`` as 1-D class labels (missing ones included) and the mask of
    the unlabelled; graded targets are a ValueError."""
    graded = (
        "partial_fit takes class labels or none (y=None); got {}. Continuous and "
        "multi-label targets need the whole set to read their quantiles: use fit."
    )
    if estimator.target_type in GRADED_TARGETS:
        raise ValueError(graded.format(f"target_type={estimator.target_type!r}"))
    if sp.issparse(y) or (np.ndim(y) == 2 and np.shape(y)[1] != 1):
        raise ValueError(graded.format("y of several columns"))
    y = check_labels(y)
    unlabelled = estimator._unlabelled(y)
    known = y[~unlabelled]
    check_label_types(known)
    if known.size:
        kind = type_of_target(known)
        if kind not in ("binary", "multiclass"):
            raise ValueError(graded.format(f"{kind} targets"))
    return y, unlabelled


def _first_classes(estimator, y, classes, continuing):
    """``(classes, known)``: the sorted ``classes`` given on the first call
    (or None), and those a stream that continues a ``fit`` knows already."""
    known = getattr(estimator, "_fitted_classes", None) if continuing else None
    if classes is None:
        return None, known
    if y is None:
        raise ValueError("classes names the labels of y; this unlabelled stream has none.")
    classes = check_labels(classes)
    check_label_types(classes, "classes")
    classes = np.unique(classes)
    if classes.shape[0] < 2:
        raise ValueError(f"classes must hold at least 2 labels; got {classes!r}.")
    return classes, known


def _encoded(estimator, stream, y):
    """``(stream, codes)``: the batch's class codes in the stream's sorted
    classes, which grow by the batch's new labels (the reservoir's codes
    follow) unless ``classes`` fixed them."""
    y, unlabelled = _class_labels(estimator, y)
    known = y[~unlabelled]
    classes = stream.classes
    if classes is not None:
        check_label_types(np.concatenate([classes.astype(object), known.astype(object)]))
    if stream.fixed_classes:
        unseen = ~np.isin(known, classes)
        if unseen.any():
            raise ValueError(
                f"y holds labels {np.unique(known[unseen]).tolist()} that are not in "
                f"classes={classes.tolist()} given on the first call to partial_fit."
            )
    elif classes is None or not np.isin(known, classes).all():
        grown = np.unique(known) if classes is None else np.union1d(classes, known)
        reservoir = stream.reservoir
        if reservoir.codes is not None and classes is not None:
            old = reservoir.codes
            codes = np.where(old >= 0, np.searchsorted(grown, classes[np.maximum(old, 0)]), -1)
            reservoir = Reservoir(reservoir.X, codes, reservoir.weights, reservoir.n_seen,
                                  reservoir.capacity)
        stream = stream.replace(classes=grown, reservoir=reservoir)
        classes = grown
    codes = np.full(y.shape[0], -1, dtype=np.intp)
    if classes is not None:
        codes[~unlabelled] = np.searchsorted(classes, known)
    return stream, codes


def _fitted_choice(estimator):
    """The map a previous ``fit`` learned, for the stream that continues it."""
    return {
        "architecture": estimator.architecture_,
        "hidden_layer_sizes": estimator.hidden_layer_sizes_,
        "alpha": estimator.alpha_,
        "pos_margin": estimator.pos_margin_,
        "n_positives": estimator.n_positives_,
        "n_negatives": estimator.n_negatives_,
    }
