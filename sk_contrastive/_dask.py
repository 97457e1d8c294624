"""Fits on data that live on a Dask cluster.

``fit`` accepts a ``dask.array`` chunked by rows. First the samples are
dealt at random into chunks as large as ``X``'s largest (sizes differing by
at most one; every assignment equally likely, drawn from ``random_state``):
the one time the data cross the network, worker to worker. Each dealt chunk
then stays on the worker that holds it, where it becomes a
:class:`~sk_contrastive._training_data.InMemoryData` of its own: the chunk in
internal units, its spatial blocks, its pair source and, each round, its
pairs and its loss. Nothing of ``X`` reaches the client. What crosses the
network per step is small:

- the internal units: each chunk's largest magnitudes, then its weighted
  sums, then its sums of squared deviations (three vectors of
  ``n_features``);
- the initialisation: a seeded sample of at most 20,000 rows drawn across
  the chunks, from which the client computes the starting map;
- each round: the parameters go out, each chunk mines its own pairs (in its
  chunk of the input space, then in its embedding) and returns their count;
- each loss-and-gradient evaluation: the parameters go out, each chunk
  returns its loss, gradient and total pair weight, and the client sums them
  and runs L-BFGS, the pattern of dask-glm, on the same loss code as a fit
  in memory.

Pairs never cross chunks: a chunk's neighbours, and its random dissimilar
partners, are drawn from its own samples, as in-memory fits search within
spatial blocks. The deal makes each chunk a random sample of the data
whatever the order in which the rows are stored: chunks of one class each
held no dissimilar pair at all, and chunks of one range of a feature never
pushed those ranges apart. Random samples hold neighbours that are a little
farther than the true ones; the user guide gives the measured effect. The
deal cost 1 to 4 % of a fit's time (1,000,000 x 64 float32 in 10 chunks on
two workers).

Dask is an optional dependency: this module is imported only when ``fit``
receives a Dask array.
"""

import copy
import functools
import operator

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._labels import missing_labels
from ._loss import _median
from ._objective import with_penalty
from ._pair_sources import graded_source
from ._rows import row_fingerprints
from ._scaling import (
    InputScaling,
    largest_magnitude,
    power_of_two_below,
    weighted_moments,
)
from ._scoring import reference_size
from ._targets import (
    check_graded_targets,
    check_readable_as,
    check_targets_vary,
    missing_target_rows,
    resolve_target_type,
)
from ._training_data import InMemoryData
from ._weights import check_positive_weights

# Rows of the sample the initial map is computed from, and dissimilar
# distances per chunk for the initial scale.
INIT_SAMPLE_SIZE = 20_000
DISTANCE_SAMPLE_SIZE = 100_000


def cluster_client():
    """The current ``dask.distributed`` client, or a clear error."""
    try:
        from distributed import get_client
    except ImportError as error:  # pragma: no cover - dask without distributed
        raise ValueError(
            "Fitting on a Dask array needs dask.distributed: "
            "install the dask extra (pip install '.[dask]' from a clone of "
            "sk_contrastive), or pip install 'dask[array]' distributed."
        ) from error
    try:
        return get_client()
    except ValueError as error:
        raise ValueError(
            "Fitting on a Dask array needs a dask.distributed Client: connect one "
            "first, Client('tcp://scheduler:8786') or Client(LocalCluster()); or fit "
            "in memory on X.compute()."
        ) from error


class ChunkedPairSource:
    """The pairs of a fit on a Dask array: each chunk gets ``make(labels)``.

    Parameters
    ----------
    make : callable
        ``make(labels_of_the_chunk)`` returns the chunk's pair source (a
        :class:`~sk_contrastive._pair_sources.PairSource`); it must pickle.
    labels : dask array of shape (n_samples,) or None
        Class codes (``-1``: unlabelled), chunked as ``X``'s rows.
    n_rounds : int
    mines : bool
    """

    def __init__(self, make, labels, n_rounds, mines=True):
        self.make = make
        self.labels = labels
        self.n_rounds = n_rounds
        self.mines = mines


class DaskData:
    """The training samples of one fit, chunk by chunk on the workers.

    Offers the training-data interface of ``InMemoryData`` (see ``_base``):
    the same answers, computed where the chunks are and summed on the
    client.
    """

    def __init__(self, X, source, sample_weight, margin, pos_margin, random_state,
                 centre=True):
        from distributed import wait

        self.client = client = cluster_client()
        filled = [index for index, rows in enumerate(X.chunks[0]) if rows > 0]

        def computed(array):
            parts = list(array.to_delayed().ravel())
            return client.compute([parts[index] for index in filled])

        chunks = computed(X)
        labels = [None] * len(chunks) if source.labels is None else computed(source.labels)
        weights = [None] * len(chunks) if sample_weight is None else computed(sample_weight)
        if len(chunks) > 1:
            chunks, labels, weights = self._dealt_at_random(
                [X.chunks[0][index] for index in filled], chunks, labels, weights,
                random_state)
        seeds = random_state.randint(np.iinfo(np.int32).max, size=len(chunks))
        self.scaling = self._internal_units(chunks, weights, int(sum(X.chunks[0])), centre)
        self.scaling.check_representable(margin, X.dtype)
        states = [
            client.submit(_chunk_state, chunk, label, weight, source.make, self.scaling,
                          margin, pos_margin, seed, pure=False)
            for chunk, label, weight, seed in zip(chunks, labels, weights, seeds)
        ]
        wait(states)
        del chunks, labels, weights  # the states hold what the fit needs
        homes = client.who_has(states)
        self._states = [(state, list(homes[state.key])) for state in states]
        self._sizes = np.array(self._on_chunks(_n_samples))
        self.n_samples = int(self._sizes.sum())
        self.dtype = np.dtype(X.dtype)
        self.source = source
        self.margin = float(margin)
        self.pos_margin = float(pos_margin)
        self._random_state = random_state
        self._pair_weights = None

    def _dealt_at_random(self, rows, chunks, labels, weights, random_state):
        """The samples of the chunks (futures of ``rows[i]`` rows each, with
        their labels and weights or ``None``s), dealt at random into chunks as
        large as the largest and of sizes differing by at most one.

        Every assignment of the samples to those chunks is equally likely, so
        each new chunk is a random sample of the data whatever the order and
        chunks of ``X``. The largest chunk is a size the workers are known to
        hold, and larger chunks hold nearer neighbours, so small or uneven
        chunks are merged. The samples move between workers once; nothing
        reaches the client, which sends each chunk one small integer per row
        (dask's ``X[permutation]`` would put the permutation in the graph,
        and dask 2024.1 cuts it into a piece per chunk and warns).
        """
        client = self.client
        n_samples = sum(rows)
        n_dealt = -(-n_samples // max(rows))
        sizes = np.full(n_dealt, n_samples // n_dealt)
        sizes[:n_samples % n_dealt] += 1
        code = np.min_scalar_type(n_dealt - 1)
        destination = random_state.permutation(np.repeat(np.arange(n_dealt, dtype=code), sizes))
        splits = [
            client.submit(_split_rows, chunk, label, weight, part, n_dealt, pure=False)
            for chunk, label, weight, part in zip(
                chunks, labels, weights, np.split(destination, np.cumsum(rows)[:-1]))
        ]
        pieces = [[client.submit(operator.getitem, split, new, pure=False) for split in splits]
                  for new in range(n_dealt)]
        dealt = [client.submit(_stacked_rows, *parts, pure=False) for parts in pieces]
        return tuple(
            [client.submit(operator.getitem, chunk, item, pure=False) for chunk in dealt]
            for item in range(3)
        )

    def _internal_units(self, chunks, weights, n_samples, centre):
        """The fit's internal units from statistics that add up over chunks
        (centred or not, see ``InputScaling.from_data``)."""
        client = self.client
        largest = np.max(client.gather([client.submit(largest_magnitude, c) for c in chunks]),
                         axis=0)
        bound = power_of_two_below(largest)
        factor = 1.0 / bound
        sums = client.gather([client.submit(weighted_moments, c, factor, w)
                              for c, w in zip(chunks, weights)])
        weight = sum(total for total, _ in sums)
        mean = sum(part for _, part in sums) / weight
        squares = client.gather([client.submit(weighted_moments, c, factor, w, mean)
                                 for c, w in zip(chunks, weights)])
        return InputScaling.from_statistics(
            bound, mean, sum(p for _, p in squares) / weight, n_samples, centre=centre
        )

    def _on_chunks(self, function, *args, each=None):
        """``function(state, *args)`` (and ``each[i]`` for chunk ``i``) on every
        chunk, on the worker that holds it; the results, in chunk order."""
        # a new key each time (hash=False): a repeated key could be released
        # by the previous step's cleanup while this step still needs it
        scattered = [self.client.scatter(arg, broadcast=True, hash=False)
                     if isinstance(arg, np.ndarray) else arg for arg in args]
        futures = [
            self.client.submit(function, state, *scattered,
                               *(() if each is None else (each[index],)),
                               workers=home, allow_other_workers=False, pure=False)
            for index, (state, home) in enumerate(self._states)
        ]
        return self.client.gather(futures)

    def init_sample(self):
        """A seeded sample of rows across the chunks (internal units) and their labels."""
        share = np.minimum(
            self._sizes,
            np.ceil(INIT_SAMPLE_SIZE * self._sizes / max(self.n_samples, 1)).astype(int),
        )
        seeds = self._random_state.randint(np.iinfo(np.int32).max, size=len(self._states))
        parts = self._on_chunks(_sample_rows, each=list(zip(share, seeds)))
        X = np.concatenate([rows for rows, _ in parts])
        labels = None if parts[0][1] is None else np.concatenate([lab for _, lab in parts])
        return X, labels

    def build_pairs(self, projection, params, mining_round, warm, random_state):
        """Each chunk's pairs of this round, mined where the chunk is.

        A round makes new chunk states (sharing the chunks' arrays) rather
        than changing the old ones: a worker that spills a state to disk may
        keep the copy it wrote, so a state must not change once made.
        """
        seeds = random_state.randint(np.iinfo(np.int32).max, size=len(self._states))
        params = self.client.scatter(params, broadcast=True, hash=False)
        self._states = [
            (self.client.submit(_next_round, state, projection, params, mining_round, warm,
                                seed, workers=home, allow_other_workers=False, pure=False),
             home)
            for (state, home), seed in zip(self._states, seeds)
        ]
        counts = self._on_chunks(_pair_counts)
        self._pair_weights = np.array([weight for _, weight in counts])
        return int(sum(n_pairs for n_pairs, _ in counts))

    def impostor_free_anchors(self, projection, params):
        """The counts of every chunk, summed (each anchor's pairs are in its chunk)."""
        counts = self._on_chunks(_impostor_free_anchors, projection, params)
        return sum(free for free, _ in counts), sum(anchors for _, anchors in counts)

    def set_pos_margin(self, pos_margin):
        """Every chunk's loss uses ``pos_margin`` (new states, as in ``build_pairs``)."""
        self.pos_margin = float(pos_margin)
        self._states = [
            (self.client.submit(_with_pos_margin, state, pos_margin, workers=home,
                                allow_other_workers=False, pure=False), home)
            for state, home in self._states
        ]

    def objective(self, projection, params, alpha):
        """The mean loss over every chunk's pairs, plus the penalty, and its gradient."""
        parts = self._on_chunks(_objective, projection, params)
        total = self._pair_weights.sum()
        if not total:
            value, gradient = 0.0, np.zeros_like(params)
        else:
            value = sum(w * v for w, (v, _) in zip(self._pair_weights, parts)) / total
            gradient = sum(w * g for w, (_, g) in zip(self._pair_weights, parts)) / total
        return with_penalty(value, gradient, params, projection, alpha)

    def scale_to_margin(self, projection, params):
        """As in memory, from a sample of each chunk's dissimilar distances."""
        seeds = self._random_state.randint(np.iinfo(np.int32).max, size=len(self._states))
        parts = self._on_chunks(_dissimilar_sample, projection, params, each=seeds)
        distances = np.concatenate([d for d, _ in parts]).astype(np.float64)
        weights = [w for _, w in parts]
        weight = None if any(w is None for w in weights) else np.concatenate(weights)
        positive = distances > 0
        if not np.any(positive):
            return 1.0
        median = _median(distances[positive], None if weight is None else weight[positive])
        return self.margin / median if median > 0 else 1.0

    def largest_dissimilar_distance(self, projection, params):
        found = [d for d in self._on_chunks(_largest, projection, params) if d is not None]
        return max(found) if found else None


def embed_blocks(X, projection, params):
    """The embedding of a Dask array, computed where its chunks are.

    Returns a Dask array of shape ``(n_samples, n_components)``, chunked as
    ``X``'s rows.
    """
    return X.map_blocks(
        _embed_block, projection, params,
        dtype=X.dtype, chunks=(X.chunks[0], (projection.n_components,)),
    )


def _embed_block(block, projection, params):
    return projection.forward(params, block)[0]


# ---- tasks run on the workers, each on the chunk it was given ----------------


def _chunk_state(X, labels, weight, make, scaling, margin, pos_margin, seed):
    source = make(None if labels is None else np.asarray(labels))
    if weight is not None:
        weight = np.asarray(weight, dtype=np.float64)
    return InMemoryData(np.asarray(X), source, scaling, weight, margin, pos_margin,
                        np.random.RandomState(seed))


def _split_rows(X, labels, weight, destination, n_dealt):
    """``(X, labels, weight)`` of the rows going to each new chunk, in order."""
    order = np.argsort(destination, kind="stable")
    bounds = np.cumsum(np.bincount(destination, minlength=n_dealt))[:-1]
    parts = [None if array is None else np.split(np.asarray(array)[order], bounds)
             for array in (X, labels, weight)]
    return [tuple(None if part is None else part[new] for part in parts)
            for new in range(n_dealt)]


def _stacked_rows(*pieces):
    """One new chunk's ``(X, labels, weight)`` from its pieces of every chunk."""
    return tuple(
        None if pieces[0][item] is None else np.concatenate([piece[item] for piece in pieces])
        for item in range(3)
    )


def _n_samples(state):
    return state.n_samples


def _sample_rows(state, share_and_seed):
    share, seed = share_and_seed
    rows = np.sort(np.random.RandomState(seed).choice(state.n_samples, share, replace=False))
    X, labels = state.init_sample()
    return X[rows], None if labels is None else labels[rows]


def _next_round(state, projection, params, mining_round, warm, seed):
    state = copy.copy(state)
    state.build_pairs(projection, params, mining_round, warm, np.random.RandomState(seed))
    return state


def _impostor_free_anchors(state, projection, params):
    return state.impostor_free_anchors(projection, params)


def _with_pos_margin(state, pos_margin):
    state = copy.copy(state)
    state.loss = copy.copy(state.loss)
    state.set_pos_margin(pos_margin)
    return state


def _pair_counts(state):
    return state.loss.pairs.n_pairs, state.pair_weight()


def _objective(state, projection, params):
    return state.objective(projection, params, 0.0)


def _dissimilar_sample(state, projection, params, seed):
    return state.dissimilar_distance_sample(projection, params, DISTANCE_SAMPLE_SIZE,
                                            np.random.RandomState(seed))


def _largest(state, projection, params):
    return state.largest_dissimilar_distance(projection, params)


def check_dask_array(X):
    """A two-dimensional float Dask array, chunked by rows only."""
    import dask.array as da

    if not isinstance(X, da.Array) or X.ndim != 2:
        raise ValueError(
            "A Dask X must be a two-dimensional dask.array chunked by rows; got "
            f"{type(X).__name__} with shape {getattr(X, 'shape', None)}."
        )
    if any(np.isnan(size) for size in X.shape):
        raise ValueError("The Dask array's shape must be known; call X.compute_chunk_sizes().")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.shape[0] < 2:
        raise ValueError(f"Found array with {X.shape[0]} sample(s); a minimum of 2 is required.")
    return X.rechunk({1: -1})


def drop_zero_weights(X, y, sample_weight):
    """``X``, ``y`` and ``sample_weight`` (Dask arrays) without the samples of
    weight 0, and with the weights in units of the largest, as ``fit`` treats
    them in memory."""
    import dask
    import dask.array as da

    # The weights, and below the kept rows, are computed once and held on the
    # workers: recomputed by each of the fit's small computations, a filter had
    # one computation release the keys the next one needed at once, which
    # deadlocked the cluster now and then (seen with distributed 2024.1 to 2026.8).
    sample_weight = da.asarray(sample_weight).astype(np.float64).rechunk((X.chunks[0],))
    sample_weight = sample_weight.persist()
    negative, positive, largest = da.compute(
        (sample_weight < 0).any(), (sample_weight > 0).sum(), sample_weight.max()
    )
    if negative:
        raise ValueError("Negative values in data passed to `sample_weight`.")
    check_positive_weights(int(positive))
    if not np.isfinite(largest):
        raise ValueError("sample_weight must be finite.")
    sample_weight = sample_weight / largest
    if positive < X.shape[0]:
        kept = sample_weight > 0
        X, sample_weight, y = dask.persist(
            X[kept], sample_weight[kept], None if y is None else y[kept]
        )
        # the rows kept per chunk, counted on the workers
        X = X.compute_chunk_sizes()
        sample_weight = sample_weight.compute_chunk_sizes()
        y = None if y is None else y.compute_chunk_sizes()
    return X, y, sample_weight


def encode_chunk(y, classes, codes):
    """The class codes of a chunk of labels (``codes`` indexed like ``classes``)."""
    return codes[np.searchsorted(classes, y)]


def dask_target_type(distinct, shape, target_type):
    """What a Dask ``y`` is (see ``_targets.resolve_target_type``), from its
    distinct values (missing ones included) and its shape. A one-dimensional ``y`` of integer values
    is class labels unless ``target_type`` says otherwise: the rule that
    reads quantities needs the values' counts, which stay on the workers."""
    from sklearn.utils.multiclass import type_of_target

    known = distinct[~missing_labels(distinct)]
    if known.size == 0:
        raise ValueError("y holds no label or target: every value is missing.")
    if len(shape) == 1:
        if target_type == "auto":
            return type_of_target(known, input_name="y")
        return resolve_target_type(known, target_type, shape)
    # the kind of a 2-D y depends on its values and its number of columns
    return resolve_target_type(np.tile(known[:, None], (1, shape[1])), target_type, shape)


def read_graded_targets(y, kind, unlabeled_label, distinct):
    """A Dask ``y`` of graded targets as the float64 2-D array a fit on the
    cluster mines (rows of NaN where missing), checked on the workers chunk
    by chunk as in memory (``_targets.missing_target_rows`` and
    ``check_graded_targets``), and as a whole for at least two known,
    different targets; and whether any is missing. ``distinct``: the
    distinct values of ``y``, which the caller has computed.

    Raises
    ------
    ValueError
        As a fit in memory does: counting and naming the rows of the whole
        ``y`` for missing targets and values other than 0 and 1, and for the
        first chunk at fault otherwise (infinite values).
    """
    import dask.array as da

    targets = y.astype(np.float64)
    if targets.ndim == 1:
        targets = targets[:, None]
    # first the errors that count samples or name rows, for the whole y: the
    # missing values of each row (none, some, all: one byte a row) reach the
    # client, and the in-memory check reads them
    nan = da.isnan(targets)
    pattern = (nan.all(axis=1).astype(np.int8) + nan.any(axis=1)).compute()
    missing_target_rows(np.where((pattern[:, None] - np.arange(2)) > 0, np.nan, 0.0),
                        unlabeled_label)
    if kind == "multilabel-indicator":  # 0 and 1, named with the whole y's shape
        values = distinct.astype(np.float64)
        check_readable_as(np.tile(values[~np.isnan(values)], (2, 1)), kind, y.shape)
    targets = targets.map_blocks(_checked_targets, kind, unlabeled_label, dtype=np.float64)
    targets = targets.persist()
    with np.errstate(invalid="ignore"):
        n_missing, low, high = da.compute(
            da.isnan(targets[:, 0]).sum(), da.nanmin(targets, axis=0),
            da.nanmax(targets, axis=0))
    n_known = targets.shape[0] - int(n_missing)
    # every known target equal: the column ranges are single values
    check_targets_vary(np.vstack([low, high])[:n_known])
    return targets, n_missing > 0


def _checked_targets(chunk, kind, unlabeled_label):
    missing = missing_target_rows(chunk, unlabeled_label)
    check_graded_targets(chunk, kind, chunk.shape[0], chunk.shape[1], missing=missing)
    return chunk


def fit_on_cluster(estimator, X, y, sample_weight):
    """``ContrastiveEmbedding.fit`` on a Dask array: the chunks stay on the
    workers (see the module docstring). ``y`` (labels, targets or None) and
    ``sample_weight`` may be Dask arrays or array-likes; the estimator's own
    steps (labels, parameters, engine) are those of a fit in memory."""
    import dask.array as da

    if estimator.class_weight is not None:
        raise ValueError(
            "class_weight is not supported for Dask arrays; pass the class weights "
            "as sample_weight (one per sample) instead."
        )
    cluster_client()  # a clear error first, when no cluster is connected
    X = check_dask_array(X)
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    rows = X.chunks[0]
    if y is not None:
        y = da.asarray(y)
        if any(np.isnan(size) for size in y.shape):
            raise ValueError(
                "The Dask y's shape must be known; call y.compute_chunk_sizes().")
        if y.ndim not in (1, 2):
            raise ValueError(
                f"y must have shape (n_samples,) or (n_samples, n_targets); got {y.shape}.")
        check_consistent_length(X, y)
        y = y.rechunk((rows,) if y.ndim == 1 else (rows, -1))
    if sample_weight is not None:
        X, y, sample_weight = drop_zero_weights(X, y, sample_weight)
    n_samples = X.shape[0]
    labels = classes = estimator.target_type_ = None
    unlabelled = y is None
    if y is not None:
        nans = da.isnan(y).sum() if y.dtype.kind == "f" else 0
        try:  # only the distinct values and the number of NaN reach here
            classes, n_missing = da.compute(da.unique(y), nans)
        except TypeError as error:
            raise ValueError(
                f"The labels of the Dask y cannot be sorted ({error}): give labels of "
                "one type; missing labels of a Dask y must be NaN in a float array."
            ) from error
        estimator.target_type_ = dask_target_type(classes, y.shape, estimator.target_type)
    if estimator._graded:
        labels, unlabelled = read_graded_targets(
            y, estimator.target_type_, estimator.unlabeled_label, classes)
    elif y is not None:
        codes = estimator._encode_labels(classes, n_missing)
        labels = y.map_blocks(encode_chunk, classes, codes, dtype=np.intp)
        unlabelled = bool(np.any(codes < 0))
    n_classes = None if labels is None or estimator._graded else int(codes.max()) + 1
    n_components = estimator._check_engine_params(n_samples, X.shape[1], n_classes=n_classes)
    estimator._check_pair_params(unlabelled=unlabelled)
    estimator._warn_about_ineffective_margin()
    make = (
        # each chunk reads which of its targets are missing
        functools.partial(graded_source, kind=estimator.target_type_, **estimator._pair_settings())
        if estimator._graded else estimator._pair_source_maker(labels is None, unlabelled)
    )
    estimator._fit_engine(
        X, ChunkedPairSource(make, labels, estimator.n_mining_rounds), n_components,
        sample_weight,
    )
    estimator._fitted_reference = (None, None, None)
    if labels is not None:
        # the score's reference: a seeded sample (not stratified: that
        # would gather every label), embedded and fingerprinted on the workers
        rng = check_random_state(estimator.random_state)
        n_rows = min(n_samples, reference_size(estimator._reference_row_bytes(X, y)))
        chosen = np.sort(rng.choice(n_samples, n_rows, replace=False))
        embedded = embed_blocks(X, estimator._projection, estimator._projection.params_from(estimator))
        fingerprints = X.map_blocks(row_fingerprints, drop_axis=1, dtype=np.uint64)
        if estimator._graded:  # the targets as a fit in memory keeps them
            embedded, targets, fingerprints = da.compute(
                embedded[chosen], labels[chosen], fingerprints[chosen])
            known = ~np.isnan(targets).any(axis=1)
            targets = targets[known] != 0 if (
                estimator.target_type_ == "multilabel-indicator") else targets[known]
            estimator._fitted_reference = (embedded[known], targets, fingerprints[known])
            return estimator
        *reference, codes = da.compute(
            embedded[chosen], y[chosen], fingerprints[chosen], labels[chosen]
        )
        estimator._fitted_reference = tuple(part[codes >= 0] for part in reference)
    return estimator


def transform_on_cluster(estimator, X):
    """``transform`` of a Dask array: a Dask array of the embedding, computed
    where the chunks are."""
    check_is_fitted(estimator)
    X = check_dask_array(X)
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    return embed_blocks(X, estimator._projection, estimator._projection.params_from(estimator))


def row_fingerprints_on_cluster(X):
    """``_rows.row_fingerprints`` of a Dask array, computed on the workers."""
    return check_dask_array(X).map_blocks(
        row_fingerprints, drop_axis=1, dtype=np.uint64
    ).compute()
