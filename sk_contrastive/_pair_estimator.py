"""What the estimators that learn from given pairs share.

``ContrastivePairClassifier`` (pairs labelled similar or dissimilar) and
``ContrastivePairRegressor`` (pairs similar to a degree in [0, 1]) read
pairs the same way -- as the two samples of each pair, or as row indices
into a ``preprocessor`` -- fit the same map on exactly those pairs
(:class:`~._pair_sources.FixedPairSource`), choose it on pairs of held-out
classes, and embed and measure pairs alike. :class:`BasePairEstimator`
holds that; an estimator adds how it reads its labels (``_pair_degrees``),
its held-out criterion (``_heldout_score``), what it fits on the
training distances (``_calibrate``) and, where it sets
``_learns_from_heldout_distances``, what it fits on the distances of pairs
each map was not fitted on (``_calibrate_heldout``).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.metrics.pairwise import paired_euclidean_distances
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    validate_data,
)

from ._base import BaseContrastive
from ._loss import pair_distances
from ._memory import check_pair_preparation
from ._pair_sources import FixedPairSource
from ._pairs import graded_pairs
from ._rows import canonical_rows, row_fingerprints
from ._scaling import distance_factor
from ._selection import (
    fit_on_splits,
    heldout_pair_splits,
    pair_groups,
    select_map,
    selection_seed,
)
from ._unit_norm import unit_input_rows


class BasePairEstimator(BaseContrastive):
    """Metric learning from given pairs (see the module docstring).

    A subclass defines ``_pair_degrees(y)``, each pair's similarity ``s`` in
    [0, 1] from its validated labels; ``_heldout_score(distances, degrees)``,
    the selection's criterion on held-out pairs (higher is better); and
    ``_calibrate(distances, y, degrees, sample_weight)``, what it learns from
    the training pairs' distances once the map is fitted. A subclass that
    sets ``_learns_from_heldout_distances`` also defines
    ``_calibrate_heldout(folds, training_distances, y, degrees,
    sample_weight)``, fitted on out-of-fold distances: ``folds`` holds, for
    each split, a map and the training pairs it was not fitted on, with
    their distances under it (see :meth:`_fit_pairs`); ``[]`` where no split
    exists, and then only ``training_distances`` are known."""

    _learns_from_heldout_distances = False

    def __init__(
        self,
        n_components=None,
        *,
        architecture="auto",
        hidden_layer_sizes="auto",
        activation="relu",
        metric="euclidean",
        margin=1.0,
        pos_margin="auto",
        alpha="auto",
        init="auto",
        max_iter=500,
        tol=1e-5,
        warm_start=False,
        callback=None,
        verbose=0,
        random_state=None,
        preprocessor=None,
    ):
        self.n_components = n_components
        self.architecture = architecture
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.metric = metric
        self.margin = margin
        self.pos_margin = pos_margin
        self.alpha = alpha
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.callback = callback
        self.verbose = verbose
        self.random_state = random_state
        self.preprocessor = preprocessor

    def _fit_pairs(self, pairs, y, sample_weight, groups, final=True):
        """``fit`` of a pair estimator: the map learnt from the pairs and
        their labels ``y``, then ``_calibrate`` on the training distances.

        Where the subclass learns from held-out distances, a ``final`` fit
        then calls ``_calibrate_heldout`` with the cross-fitted maps: copies
        of the fitted map's settings (its architecture, its ``pos_margin_``)
        fitted on the training part of each split of
        :meth:`_heldout_splits`, with the distances of its held-out pairs.
        Candidate fits (``final=False``) skip it.

        The selection's candidates measure held-out pairs too, but their
        distances are not on the final map's scale where ``pos_margin`` is
        the impostor rule, which each fit computes from its own pairs: on the
        four sets of ``benchmarks/bench_probabilities.py`` (4 splits each), a
        calibration on the chosen candidate's held-out distances had a Brier
        score 0.025 to 0.13 above the cross-fit's on three sets (0.18
        against 0.057 on set B; 0.004 below on the fourth).
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "give the label of each pair."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(_dense_pairs(pairs, type(self).__name__), y)
        groups = None if groups is None else _check_groups(groups, y.shape[0])
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, y, dtype=np.float64, ensure_non_negative=True
            )
            # in units of the largest weight (the loss is normalised by the
            # total weight), so that sums cannot overflow
            sample_weight = sample_weight / np.max(sample_weight, initial=0.0)
            kept = sample_weight > 0
            pairs, y, sample_weight = np.asarray(pairs)[kept], y[kept], sample_weight[kept]
            groups = None if groups is None else groups[kept]
            if np.all(sample_weight == sample_weight[:1]):
                sample_weight = None  # equal weights are no weights
        X, first, second = self._samples_and_pairs(pairs, reset=True)
        check_consistent_length(first, y)
        degrees = self._pair_degrees(y)
        order = np.argsort(first, kind="stable")
        source = FixedPairSource(graded_pairs(
            first[order], second[order], degrees[order],
            None if sample_weight is None else sample_weight[order],
        ))
        n_components = self._check_engine_params(
            X.shape[0], X.shape[1], sparse=sp.issparse(X)
        )
        self._check_memory(X, source, n_components, log=False)
        selection = self._select_map(
            pairs, y, sample_weight, groups, X, first, second, degrees
        )
        if selection is not None:
            n_components = self._check_engine_params(
                X.shape[0], X.shape[1], sparse=sp.issparse(X),
                chosen=selection.chosen,
            )
        self._warn_about_ineffective_margin()
        self._fit_engine(
            X, source, n_components, start=None if selection is None else selection.start
        )
        self.selection_results_ = None if selection is None else selection.results
        self._selected_for = None if selection is None else selection.key
        Z = self._projection.forward(self._projection.params_from(self), X)[0]
        training_distances = pair_distances(Z, first, second)
        self._calibrate(training_distances, y, degrees, sample_weight)
        if self._learns_from_heldout_distances and final:
            # the chosen candidate's settings (an MLP's alpha as chosen for
            # the splits, not rescaled for all the pairs)
            chosen = {} if selection is None else selection.results["params"][
                int(np.flatnonzero(selection.results["chosen"])[0])]
            folds = self._cross_fitted_maps(
                pairs, y, sample_weight, {**chosen, "pos_margin": self.pos_margin_},
                self._heldout_splits(groups, X, first, second, degrees), X.shape[0] * X.shape[1],
            )
            self._calibrate_heldout(folds, training_distances, y, degrees, sample_weight)
        return self

    def _cross_fitted_maps(self, pairs, y, sample_weight, params, splits, n_entries):
        """``[(model, rows, distances), ...]``, one per split of ``splits``:
        a copy of this estimator with ``params`` fitted on the training part
        of the split (on the threads that ``n_entries``, the size of the
        pairs' samples, allow: see ``_selection.selection_threads``), the
        rows of its held-out pairs and their distances under that copy;
        ``[]`` where there is no split."""
        if not splits:
            return []
        pairs = np.asarray(pairs)

        def fit_and_measure(model, train, test):
            model._fit_pairs(
                pairs[train], y[train],
                None if sample_weight is None else sample_weight[train], None, final=False,
            )
            return model.pair_distance(pairs[test])

        measured = fit_on_splits(self, params, splits, fit_and_measure, n_entries)
        return [(model, test, distances)
                for (distances, _, model), (_, test) in zip(measured, splits)]

    def transform(self, X):
        """Embed single samples with the learned map.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples, with the features the pairs had.

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, n_components)
            ``X @ components_.T`` for the linear map, the network's output for
            an MLP; with ``metric="cosine"``, each row of that divided by its
            norm. float32 for float32 input, else float64.
        """
        return self._embed(X)

    def _pair_rows(self, pairs):
        return self._samples_and_pairs(pairs, reset=False)

    def _heldout_splits(self, groups, X, first, second, degrees):
        """Splits of the pairs whose held-out parts join held-out classes (a
        pair counts as similar, for the classes and the splits, from ``s >=
        1/2``; where the similar pairs join most samples into one class, the
        samples are the classes: the held-out pairs join two held-out
        samples); ``[]`` where no split has both kinds of pairs on each side."""
        similar = degrees >= 0.5
        seed = selection_seed(self.random_state)
        if groups is not None:
            first_group, second_group = (
                (groups, groups) if groups.ndim == 1 else (groups[:, 0], groups[:, 1])
            )
            return heldout_pair_splits(first_group, second_group, similar, seed)
        # identical rows are one sample, as in pairs of samples, so that both
        # forms of the same pairs split alike; numbered by their values
        # alone, so that the splits depend on neither the storage nor the
        # order of the samples
        same = np.unique(row_fingerprints(X), return_inverse=True)[1].ravel()
        classes = pair_groups(same[first], same[second], similar, X.shape[0])
        # where similar pairs chain most samples into one class (graded
        # similarities do), held-out classes would hold a few pairs or
        # all of them: the held-out pairs are then those of held-out samples
        if np.bincount(classes).max() <= X.shape[0] / 2:
            splits = heldout_pair_splits(classes[same[first]], classes[same[second]],
                                         similar, seed)
            if splits:
                return splits
        return heldout_pair_splits(same[first], same[second], similar, seed)

    def _select_map(self, pairs, y, sample_weight, groups, X, first, second, degrees):
        """The held-out choice of the map (see ``_selection``): candidates
        fitted on the pairs of some classes and scored by ``_heldout_score``
        on pairs of the other classes (:meth:`_heldout_splits`).

        Returns the :class:`~._selection.Selection`, or None where the
        parameters fix the map, a ``warm_start`` refit keeps the previous
        choice, or there is no split.
        """
        pairs = np.asarray(pairs)

        def fit_and_score(model, train, test):
            model._fit_pairs(
                pairs[train], y[train],
                None if sample_weight is None else sample_weight[train], None, final=False,
            )
            return self._heldout_score(model.pair_distance(pairs[test]), degrees[test])

        factor = distance_factor(X)  # squared distances of tiny features underflow

        def raw_rows(rows):
            """The samples as the metric compares them, in float64 (float32
            times factor can overflow)."""
            if self.metric == "cosine":
                return unit_input_rows(X[rows])
            return X[rows].astype(np.float64) * factor

        def raw_score(train, test):
            return self._heldout_score(
                paired_euclidean_distances(raw_rows(first[test]), raw_rows(second[test])),
                degrees[test],
            )

        return select_map(
            self, X, y.shape[0],
            lambda: self._heldout_splits(groups, X, first, second, degrees),
            fit_and_score, raw_score, resume=("linear", "diagonal"),
        )

    def _samples_and_pairs(self, pairs, reset):
        """The distinct samples the pairs use and each pair's two row numbers.

        Returns ``(X, first, second)``: ``X`` validated (in ``fit``, it sets
        ``n_features_in_``), ``first[p]`` and ``second[p]`` rows of ``X``.
        """
        pairs = _dense_pairs(pairs, type(self).__name__)
        if pairs.ndim == 3:
            if pairs.shape[1] != 2:
                raise ValueError(
                    f"pairs of samples must have shape (n_pairs, 2, n_features); "
                    f"got {pairs.shape}."
                )
            if pairs.shape[2] == 0:
                raise ValueError(
                    "pairs of samples have 0 features; at least 1 is required."
                )
            if reset:
                check_pair_preparation(type(self).__name__, pairs)
            n_features = _preprocessor_features(self.preprocessor)
            if reset and n_features not in (None, pairs.shape[2]):
                raise ValueError(
                    f"pairs of samples have {pairs.shape[2]} features, but preprocessor "
                    f"has {n_features}: pairs of row indices into it would not fit "
                    "this model."
                )
            pairs = check_array(
                pairs, allow_nd=True, dtype=[np.float64, np.float32], ensure_min_samples=1,
                input_name="pairs",
            )
            X = validate_data(self, pairs.reshape(-1, pairs.shape[2]), reset=reset)
            # A sample in several pairs counts once, as a row of a
            # preprocessor would: both forms of the same pairs fit alike.
            X, positions = np.unique(X, axis=0, return_inverse=True)
            positions = positions.reshape(-1, 2)
            return X, positions[:, 0], positions[:, 1]
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise ValueError(
                "pairs must be an array of shape (n_pairs, 2, n_features) holding the "
                "two samples of each pair, or of shape (n_pairs, 2) holding their row "
                f"indices in preprocessor; got shape {pairs.shape}."
            )
        if self.preprocessor is None:
            raise ValueError(
                "pairs of shape (n_pairs, 2) are row indices, but preprocessor is None: "
                f"give the samples as {type(self).__name__}(preprocessor=X), or pass "
                "pairs of shape (n_pairs, 2, n_features)."
            )
        if pairs.dtype.kind not in "iu":
            raise ValueError(
                "pairs of shape (n_pairs, 2) must hold integer row indices into "
                f"preprocessor; got dtype {pairs.dtype}."
            )
        if pairs.shape[0] == 0:
            raise ValueError("Found 0 pairs; at least 1 is required.")
        if callable(self.preprocessor) or isinstance(self.preprocessor, str):
            raise TypeError(
                "preprocessor must be an array of samples (n_samples, n_features) "
                f"that pairs index; got {type(self.preprocessor).__name__}."
            )
        if reset:
            check_pair_preparation(type(self).__name__, pairs, self.preprocessor)
        try:
            preprocessor = canonical_rows(validate_data(
                self, self.preprocessor, reset=reset, dtype=[np.float64, np.float32],
                accept_sparse="csr",
            ))
        except ValueError as error:
            raise ValueError(f"preprocessor: {error}") from error
        n_samples = preprocessor.shape[0]
        if pairs.min() < 0 or pairs.max() >= n_samples:
            raise ValueError(
                f"pairs index rows of preprocessor, which has {n_samples} rows; got "
                f"indices from {pairs.min()} to {pairs.max()}."
            )
        # the rows used, in increasing order, and each one's number among
        # them: what np.unique(pairs) gives, in O(n_pairs) without its sorts
        used = np.zeros(n_samples, dtype=bool)
        used[pairs] = True
        row_numbers = np.cumsum(used, dtype=np.intp)
        row_numbers -= 1
        positions = row_numbers[pairs]
        X = preprocessor if used.all() else preprocessor[used]
        if sp.issparse(X):
            X = X.tocsr()
        return X, positions[:, 0], positions[:, 1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags = None
        return tags


def _dense_pairs(pairs, name):
    """``pairs`` as an ndarray; a sparse matrix is named, not read as one object."""
    if sp.issparse(pairs):
        raise ValueError(
            f"pairs must be a dense array: for sparse samples, give them as {name}("
            "preprocessor=X_sparse) and pairs of row indices of shape (n_pairs, 2)."
        )
    return np.asarray(pairs)


def _check_groups(groups, n_pairs):
    """``groups`` as an array of shape (n_pairs,) or (n_pairs, 2)."""
    groups = np.asarray(groups)
    if groups.shape not in ((n_pairs,), (n_pairs, 2)):
        raise ValueError(
            f"groups must have shape (n_pairs,) = ({n_pairs},), one group per pair, "
            f"or (n_pairs, 2) = ({n_pairs}, 2), the class of each of the two samples "
            f"of a pair; got shape {groups.shape}."
        )
    if groups.dtype.kind == "f" and not np.all(np.isfinite(groups)):
        raise ValueError("groups must not contain NaN or infinity.")
    if groups.dtype.kind == "O":
        try:  # the split sorts them
            np.unique(groups)
        except TypeError as error:
            raise ValueError(
                "groups must be values of one kind that can be sorted (numbers or "
                f"strings, no None): {error}."
            ) from error
    return groups


def _preprocessor_features(preprocessor):
    """The number of columns of an array-like ``preprocessor`` (None if unset)."""
    if preprocessor is None or callable(preprocessor) or isinstance(preprocessor, str):
        return None
    shape = getattr(preprocessor, "shape", None) or np.shape(preprocessor)
    return shape[1] if len(shape) == 2 else None
