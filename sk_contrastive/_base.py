"""The fit engine every estimator of the library shares.

``BaseContrastive`` owns what does not depend on where pairs come from: the
parameters of the map, the loss and the optimiser and their validation; the
internal units of the data; the memory check; the rounds of pair building and
L-BFGS; the progress log and the warnings; the fitted map and ``transform``.
An estimator adds only how its input becomes pairs (a *pair source*) and
what is its own (its score, its extra methods), as scikit-learn's
``BaseMultilayerPerceptron`` serves ``MLPClassifier`` and ``MLPRegressor``.

Pair sources follow :class:`~sk_contrastive._pair_sources.PairSource`;
where the training data live (this process, a Dask cluster) is the training
data's concern (``_training_data``, ``_dask``).
"""

import functools
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._diagonal import DIAGONAL_INIT_OPTIONS, DiagonalProjection
from ._linear import INIT_OPTIONS, LinearProjection
from ._loss import ContrastiveLoss, auto_pos_margin
from ._memory import check_fit_memory, fit_memory_parts
from ._metric_api import MetricLearnerMixin
from ._mlp import ACTIVATIONS, MLP_INIT_OPTIONS, MLPProjection
from ._optimize import minimize_lbfgs
from ._progress import FitLog, log_fit_cost
from ._scaling import InputScaling
from ._threadpool import blas_single_threaded
from ._training_data import InMemoryData
from ._unit_norm import MAX_CHORD_DISTANCE, UnitNormProjection
from ._validation import (
    check_auto_string,
    check_bool,
    check_integer,
    check_option,
    check_real,
    is_auto,
)
from ._warnings import warn

# Bounds of the margin: its square must stay a normal float; an MLP, which is
# not fitted in units of the margin, was measured to fit well within its range.
MIN_MARGIN = 1e-150
MLP_MARGIN_RANGE = (0.1, 1000.0)

MLP_DEFAULT_ALPHA = 1e-3
# alpha="auto" of a linear map, times 1 / n_samples: a penalty whose weight
# against the mean loss falls as the data grow, like a prior in a MAP fit
LINEAR_ALPHA_PER_SAMPLE = 2.5
# A dissimilar pair this much closer than the margin counts as collapsed.
_COLLAPSE_TOLERANCE = 1e-6
ARCHITECTURES = ("auto", "linear", "diagonal", "mlp")
# pos_margin decided each round from the impostor-free anchors (auto_pos_margin)
IMPOSTOR_RULE = "impostor"
DEFAULT_HIDDEN_LAYER_SIZES = (64,)
# "cosine": the map's output divided by its norm (see _unit_norm)
METRICS = ("euclidean", "cosine")
# n_components=None gives at most this many dimensions (see default_n_components)
DEFAULT_MAX_COMPONENTS = 64


def default_n_components(n_samples, n_features):
    """The embedding dimension ``n_components=None`` stands for.

    ``min(n_features, n_samples, 64)``: ``n_samples`` points span at most
    that many directions, and the cap of 64 keeps the map of wide data small
    (``64 * n_features`` weights, and an MLP's output layer at most 64 units
    wide) while leaving every data set of at most 64 features as before. On
    1,500 x 20,000 dense samples a full ``1500 x 20000`` map took 317 s and
    9.7 GB for 15 iterations; 64 dimensions converged in about 30 at 0.84 GB
    and were as accurate as 128 in about half their time (see the user
    guide, "Large data: speed, memory, threads").

    Parameters
    ----------
    n_samples : int or float
        The samples as the fit counts them.
    n_features : int

    Returns
    -------
    n_components : int
    """
    return max(int(min(n_features, n_samples, DEFAULT_MAX_COMPONENTS)), 1)


def mlp_takes_margin(margin, metric):
    """Whether an MLP accepts ``margin``: any cosine margin, whose units the
    unit sphere fixes; else one within ``MLP_MARGIN_RANGE``."""
    return metric == "cosine" or MLP_MARGIN_RANGE[0] <= margin <= MLP_MARGIN_RANGE[1]


def resolve_map(architecture, hidden_layer_sizes):
    """The map that ``architecture`` and ``hidden_layer_sizes`` name, by fixed rules.

    Returns ``(architecture, hidden_layer_sizes)``, both explicit:
    ``"auto"`` architecture is ``"mlp"`` when hidden layers are given and
    ``"linear"`` otherwise; ``"auto"`` hidden layers are
    ``DEFAULT_HIDDEN_LAYER_SIZES`` for an MLP and ``()`` otherwise. A fit
    whose data can choose (see ``_selection``) replaces these rules by its
    choice.

    Raises
    ------
    ValueError
        For an unknown architecture, hidden layers that are not a tuple of
        positive integers, an MLP without hidden layers, or hidden layers
        with ``"linear"`` or ``"diagonal"``.
    """
    check_option(architecture, "architecture", ARCHITECTURES)
    if not (is_auto(hidden_layer_sizes) or (
        isinstance(hidden_layer_sizes, (tuple, list)) and all(
            isinstance(units, numbers.Integral) and not isinstance(units, bool)
            and units >= 1 for units in hidden_layer_sizes
        )
    )):
        raise ValueError(
            "hidden_layer_sizes must be 'auto' or a tuple of positive integers, such "
            f"as () for the linear map or (64,); got {hidden_layer_sizes!r}."
        )
    if is_auto(hidden_layer_sizes):
        hidden = DEFAULT_HIDDEN_LAYER_SIZES if architecture == "mlp" else ()
    else:
        hidden = tuple(int(units) for units in hidden_layer_sizes)
    if architecture == "auto":
        architecture = "mlp" if hidden else "linear"
    if architecture == "mlp" and not hidden:
        raise ValueError(
            "architecture='mlp' needs hidden layers: hidden_layer_sizes='auto' "
            f"(that is {DEFAULT_HIDDEN_LAYER_SIZES}) or a tuple such as (64,); got ()."
        )
    if architecture in ("linear", "diagonal") and hidden:
        raise ValueError(
            f"architecture={architecture!r} has no hidden layers; got "
            f"hidden_layer_sizes={hidden_layer_sizes!r}. Use architecture='mlp' "
            "or 'auto'."
        )
    return architecture, hidden


class BaseContrastive(MetricLearnerMixin, BaseEstimator):
    """Shared fit engine; subclasses define ``__init__`` and their pair source.

    Not for direct use: see :class:`~sk_contrastive.ContrastiveEmbedding` and
    :class:`~sk_contrastive.ContrastivePairClassifier`.
    """

    # ---- validation --------------------------------------------------------

    def _check_engine_params(self, n_samples, n_features, n_classes=None, sparse=False,
                             chosen=None):
        """Validate the parameters of the map, loss and optimiser; return
        ``n_components``.

        Also decides the map of this fit, ``self._map_choice``
        (``(architecture, hidden_layer_sizes)``), and its
        ``self._pos_margin_choice`` and ``self._alpha_choice``: those in ``chosen`` (the parameters a
        selection chose, see ``_selection``), else the fixed rule of
        :func:`resolve_map` and ``pos_margin`` (``"auto"``: 0, the plain
        contrastive loss, where no selection chose; ``"impostor"``: the rule of
        :func:`~sk_contrastive._loss.auto_pos_margin`, decided each round).
        """
        architecture, hidden = resolve_map(self.architecture, self.hidden_layer_sizes)
        chosen = {} if chosen is None else chosen
        if chosen:
            architecture, hidden = chosen["architecture"], chosen["hidden_layer_sizes"]
        self._map_choice = (architecture, hidden)
        self._pos_margin_choice = chosen.get(
            "pos_margin", 0.0 if is_auto(self.pos_margin) else self.pos_margin
        )
        self._alpha_choice = chosen.get("alpha", self.alpha)
        if architecture == "diagonal":
            if self.n_components not in (None, n_features):
                raise ValueError(
                    f"architecture='diagonal' weighs each of the {n_features} features, "
                    f"so its embedding has n_features={n_features} dimensions; got "
                    f"n_components={self.n_components!r}. Leave n_components=None or "
                    "use architecture='linear'."
                )
            n_components = n_features
        elif self.n_components is None:
            array_init = not isinstance(self.init, str) and np.ndim(self.init) == 2
            n_components = (
                np.shape(self.init)[0] if array_init
                else default_n_components(n_samples, n_features)
            )
        else:
            n_components = check_integer(self.n_components, "n_components", min_val=1)
        check_option(self.activation, "activation", tuple(ACTIVATIONS))
        if n_components > n_features and architecture == "linear":
            raise ValueError(
                f"n_components={n_components} must be at most n_features="
                f"{n_features} for a linear map."
            )
        check_option(self.metric, "metric", METRICS)
        # the optimiser works in units of the margin, and squares it
        check_real(self.margin, "margin", min_val=MIN_MARGIN, max_val=1 / MIN_MARGIN)
        if self.metric == "cosine" and self.margin > MAX_CHORD_DISTANCE:
            raise ValueError(
                f"margin={self.margin} is beyond {MAX_CHORD_DISTANCE:g} for metric='cosine': "
                "distances between unit vectors are chord distances ||u - v|| = "
                "sqrt(2 - 2 cos(u, v)), in [0, 2], so no pair could reach it. A "
                "margin m pushes dissimilar pairs below cosine similarity 1 - m**2 / 2."
            )
        if hidden and not mlp_takes_margin(self.margin, self.metric):
            raise ValueError(
                f"margin={self.margin} is outside {MLP_MARGIN_RANGE} for an MLP: unlike "
                "the linear map, an MLP is not fitted in units of the margin, and its "
                "weight penalty and tolerance are set for margins near 1 (see the "
                "user guide, 'Nonlinear embeddings: a small MLP'). Rescale the margin "
                "into that range."
            )
        impostor_rule = isinstance(self.pos_margin, str) and self.pos_margin == IMPOSTOR_RULE
        if not impostor_rule and not check_auto_string(
            self.pos_margin, "pos_margin", f"a float in [0, margin), {IMPOSTOR_RULE!r}"
        ) and check_real(self.pos_margin, "pos_margin", min_val=0) >= self.margin:
            raise ValueError(
                f"pos_margin={self.pos_margin} must be smaller than margin={self.margin}: "
                "similar pairs would be allowed farther apart than dissimilar pairs "
                "are pushed, and the two terms of the loss would fight."
            )
        if not check_auto_string(self.alpha, "alpha", "a float >= 0"):
            check_real(self.alpha, "alpha", min_val=0)
        check_integer(self.max_iter, "max_iter", min_val=1)
        check_real(self.tol, "tol", min_val=0)
        check_integer(self.verbose, "verbose", min_val=0)
        check_bool(self.warm_start, "warm_start")
        if self.callback is not None and not callable(self.callback):
            raise ValueError(f"callback must be callable or None, got {self.callback!r}.")
        self._check_init(n_components, n_samples, n_features, n_classes, sparse)
        return n_components

    def _check_init(self, n_components, n_samples, n_features, n_classes, sparse):
        architecture, hidden = self._map_choice
        if architecture == "mlp":
            if not (isinstance(self.init, str) and self.init in MLP_INIT_OPTIONS):
                raise ValueError(
                    f"init must be one of {MLP_INIT_OPTIONS} for an MLP "
                    f"(hidden_layer_sizes={hidden!r}); got "
                    f"{self.init!r}. 'pca', 'lda', 'identity' and arrays apply to the "
                    "linear map only."
                )
            return
        if architecture == "diagonal":
            if isinstance(self.init, str):
                check_option(self.init, "init", DIAGONAL_INIT_OPTIONS + ("pca", "lda", "random"))
                if self.init not in DIAGONAL_INIT_OPTIONS:
                    raise ValueError(
                        f"init={self.init!r} does not apply to architecture='diagonal', "
                        f"which starts from {DIAGONAL_INIT_OPTIONS} or an array of "
                        "shape (n_features,) of feature weights."
                    )
                return
            init = check_array(self.init, dtype=np.float64, ensure_2d=False, input_name="init")
            if init.shape != (n_features,):
                raise ValueError(
                    f"init array has shape {init.shape}; architecture='diagonal' "
                    f"expects feature weights of shape (n_features,) = ({n_features},)."
                )
            return
        if isinstance(self.init, str):
            check_option(self.init, "init", INIT_OPTIONS)
            if self.init == "pca" and n_components > min(n_samples, n_features):
                raise ValueError(
                    f"init='pca' can give at most min(n_samples, n_features)="
                    f"{min(n_samples, n_features)} components; n_components="
                    f"{n_components}. Use init='identity' or 'random'."
                )
            if self.init == "lda":
                if sparse:
                    raise ValueError(
                        "init='lda' needs dense X (scikit-learn's LDA does not take "
                        "sparse input); use init='pca' (TruncatedSVD for sparse X), "
                        "'identity' or 'random'."
                    )
                if n_classes is None:
                    raise ValueError(
                        "init='lda' needs class labels; this fit has none. Use "
                        "init='pca', 'identity' or 'random'."
                    )
                if n_components > min(n_features, n_classes - 1):
                    raise ValueError(
                        f"init='lda' can give at most min(n_features, n_classes - 1)="
                        f"{min(n_features, n_classes - 1)} components; n_components="
                        f"{n_components}. Use init='pca' or 'identity'."
                    )
            return
        init = check_array(self.init, dtype=np.float64, input_name="init")
        if init.shape != (n_components, n_features):
            raise ValueError(
                f"init array has shape {init.shape}; expected (n_components, "
                f"n_features) = ({n_components}, {n_features})."
            )

    def _warn_about_ineffective_margin(self, pos_margin=None):
        """The margin of a plain linear map with ``pos_margin`` 0 only
        rescales it: say so where it is set. ``pos_margin``: the value the
        impostor rule chose in every round (``None``: before the fit, where
        only a given 0 is known to be ineffective). A 0 that a selection
        chose is no mistake of the user's, and is not warned about. On the
        unit sphere (``metric="cosine"``) the margin is in fixed units and
        always matters."""
        if self._map_choice[0] == "mlp" or self.margin == 1.0 or self.metric == "cosine":
            return
        if (pos_margin == 0 if self.pos_margin == IMPOSTOR_RULE else self.pos_margin == 0):
            warn(
                f"{type(self).__name__}: with the linear map and pos_margin="
                f"{self.pos_margin!r}{' (0 in every round)' if pos_margin == 0 else ''}, "
                "the margin only rescales the embedding, so neighbours and scores are "
                "the same for every margin. Set pos_margin > 0 to make it matter "
                "(user guide, 'The margin and the scale')."
            )

    # ---- the fit -----------------------------------------------------------

    def _fit_engine(self, X, source, n_components, sample_weight=None, total_weight=None,
                    start=None, scaling=None):
        """Learn the map from ``X`` (validated, dense or CSR) and ``source``.

        ``sample_weight`` (positive, one per row of ``X``, or None) weighs
        each pair by its anchor's weight (see ``_weights``); ``total_weight``
        is the number of samples the data stand for (their summed weights
        before any normalisation; ``None``: the rows of ``X``), which sets
        ``alpha="auto"``. ``start``, a fitted estimator of the same map (the
        selection's chosen candidate), is where the optimisation starts
        instead of ``init``, as a ``warm_start`` refit starts from its own.
        Sets the fitted attributes of the map, ``n_iter_``,
        ``n_iter_per_round_``, ``loss_``, ``loss_curve_`` and ``n_pairs_``,
        and forgets those of a previous fit (the estimator's ``fit`` is a
        :func:`fit_transaction`, which restores
        them on any exception). ``scaling``, an
        :class:`~sk_contrastive._scaling.InputScaling`, fixes the internal
        units instead of taking them from ``X`` (a stream keeps those of its
        first batch, see ``_streaming``). BLAS runs on one thread throughout (see
        ``_threadpool``), so that a fit gives the same result whether or not
        other fits run at the same time.
        """
        with blas_single_threaded():
            self._fit_engine_single_threaded(
                X, source, n_components, sample_weight, total_weight, start, scaling
            )

    def _fit_engine_single_threaded(self, X, source, n_components, sample_weight, total_weight,
                                    start, scaling=None):
        random_state = check_random_state(self.random_state)
        n_features = X.shape[1]
        # "auto" is decided each round, once the round's pairs exist
        pos_margin = (
            0.0 if self._pos_margin_choice == IMPOSTOR_RULE
            else check_real(self._pos_margin_choice, "pos_margin")
        )
        if _is_dask_collection(X):
            from ._dask import DaskData

            data = DaskData(X, source, sample_weight, self.margin, pos_margin, random_state,
                            centre=self._centres_input())
        else:
            self._check_memory(X, source, n_components)
            if scaling is None:
                scaling = InputScaling.from_data(X, sample_weight, centre=self._centres_input())
            scaling.check_representable(self.margin, X.dtype)
            data = InMemoryData(
                X, source, scaling, sample_weight, self.margin, pos_margin, random_state,
            )
        self._fit_data(
            data, n_features, n_components, random_state,
            data.n_samples if total_weight is None else total_weight, start,
        )

    def _centres_input(self):
        """Whether the fit's internal units centre ``X`` (see ``_scaling``).

        Centring shifts the embedding of a map without biases (linear,
        diagonal) by a constant: no Euclidean distance sees it, but the
        division by the norm of ``metric="cosine"`` does, and ``transform``,
        which applies ``components_`` to the caller's ``X``, would then
        normalise other vectors than the fit did. An MLP's first biases
        absorb the shift exactly, so it is centred either way.
        """
        return self.metric == "euclidean" or self._map_choice[0] == "mlp"

    def _check_memory(self, X, source, n_components, log=True):
        """Log what the fit will cost (``verbose`` and ``log``); refuse it if it
        does not fit. Called before a selection too, so that a map too large
        for the data is refused before the selection's fits, not after."""
        n_samples, n_features = X.shape
        hidden_layer_sizes = self._map_choice[1]
        parts = fit_memory_parts(
            n_samples=n_samples,
            n_features=n_features,
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            n_pairs=source.n_pairs_bound(n_samples),
            itemsize=X.dtype.itemsize,
            data_bytes=_data_bytes(X),
            pair_bytes_per_pair=ContrastiveLoss.bytes_per_pair(
                n_samples, X.dtype.itemsize, mined=source.mines, graded=source.graded
            ),
            mining_block=source.mining_block(n_samples),
            reduced_space=source.reduced_dimension(X),
        )
        log_fit_cost(
            self.verbose if log else 0, type(self).__name__,
            (n_features, *hidden_layer_sizes, n_components), parts,
            diagonal=self._map_choice[0] == "diagonal",
        )
        check_fit_memory(parts, type(self).__name__)

    def _fit_data(self, data, n_features, n_components, random_state, total_weight,
                  start=None):
        """Initialise the map (from ``start``, a fitted estimator, if given),
        run the rounds, set the fitted attributes."""
        log = FitLog(self.verbose, type(self).__name__)
        projection = self._make_projection(n_features, n_components, data.scaling)
        previous = getattr(self, "_projection", None)
        warm = self.warm_start and previous is not None and (
            previous.architecture == projection.architecture
        )
        if start is not None and start._n_features_out != n_components:
            # a candidate fitted on fewer samples than the features had fewer
            # dimensions where n_components was left to the library
            start = None
        if start is not None:
            params, warm = projection.params_from(start), True
        elif warm:
            params = projection.params_from(self)
        else:
            params = projection.initial_params(self.init, *data.init_sample(), random_state)
        log.start_ready()
        alpha = self._alpha(total_weight)

        params, rounds, n_pairs = self._fit_rounds(
            data, projection, params, alpha, warm, random_state, log
        )
        last = rounds[-1]
        n_iter = sum(result.n_iter for result in rounds)
        self._warn_about_the_optimisation(
            rounds, data.largest_dissimilar_distance(projection, params)
        )
        log.summary(n_iter, n_pairs, last.loss)

        self._clear_fitted_state()
        for attribute, value in projection.fitted_attributes(params, data.dtype).items():
            setattr(self, attribute, value)
        self._projection = self._make_projection(n_features, n_components)
        self._fitted_scaling = data.scaling
        self.n_iter_ = n_iter
        self.n_iter_per_round_ = np.array([result.n_iter for result in rounds])
        self.loss_ = last.loss
        self.loss_curve_ = np.array(log.loss_curve)
        self.n_pairs_ = n_pairs
        self.pos_margin_ = data.pos_margin
        self.alpha_ = alpha
        self.architecture_, self.hidden_layer_sizes_ = self._map_choice
        for attribute, value in self._fitted_settings().items():
            setattr(self, attribute, value)

    def _alpha(self, n_samples):
        """The penalty weight ``alpha`` stands for, for ``n_samples``
        samples (summed weights: a sample of weight 2 counts twice).

        0 for a linear or diagonal map with ``metric="cosine"``: its output
        is the same for ``c * components`` (``c > 0``), so the penalty could
        only shrink ``components`` towards 0, where the loss's curvature
        grows as ``1 / c**2``, and would regularise nothing; a given
        ``alpha > 0`` is warned about."""
        if self.metric == "cosine" and self._map_choice[0] != "mlp":
            if not is_auto(self._alpha_choice) and self._alpha_choice > 0:
                warn(
                    f"{type(self).__name__}: alpha={self._alpha_choice!r} has no effect on "
                    f"the {self._map_choice[0]} map with metric='cosine' (its output has "
                    "unit norm at any scale of the weights, so the penalty would only "
                    "shrink them); it is fitted with alpha_=0. Use an MLP for a penalty "
                    "that acts."
                )
            return 0.0
        if not is_auto(self._alpha_choice):
            return check_real(self._alpha_choice, "alpha")
        if self._map_choice[0] == "mlp":
            return MLP_DEFAULT_ALPHA
        return LINEAR_ALPHA_PER_SAMPLE / max(n_samples, 1)

    def _fit_rounds(self, data, projection, params, alpha, warm, random_state, log):
        """Build pairs and optimise, ``data.source.n_rounds`` times.

        Returns ``(params, results, n_pairs)``: the final parameters, the
        optimiser's result of each round that ran, and the last round's
        number of pairs. ``callback`` raising ``StopIteration`` ends the
        rounds; any other exception, ``KeyboardInterrupt`` included,
        propagates.
        """
        callback = None
        if self.callback is not None:
            def callback(flat_params, n_iter):
                self.callback(projection.to_input_units(flat_params), n_iter)

        n_rounds, mines = data.source.n_rounds, data.source.mines
        results, n_pairs, n_iter, largest_pos_margin = [], 0, 0, 0.0
        for mining_round in range(n_rounds):
            log.round_started(mining_round, n_rounds)
            n_pairs = data.build_pairs(projection, params, mining_round, warm, random_state)
            log.pairs_built(n_pairs, data.n_samples, mined=mines)
            if mining_round == 0 and not warm:
                params = self._starting_point(params, projection, data, random_state)
            if self._pos_margin_choice == IMPOSTOR_RULE:
                pos_margin = auto_pos_margin(
                    *data.impostor_free_anchors(projection, params), self.margin
                )
                data.set_pos_margin(pos_margin)
                log.pos_margin_chosen(pos_margin)
                largest_pos_margin = max(largest_pos_margin, pos_margin)
            result = minimize_lbfgs(
                lambda p: data.objective(projection, p, alpha),
                params,
                max_iter=self.max_iter,
                tol=self.tol,
                scale=self.margin if projection.scales_with_margin else 1.0,
                callback=callback,
                on_iteration=log.iteration,
                first_iteration=n_iter,
                name=type(self).__name__,
            )
            results.append(result)
            log.round_finished(result)
            params = result.params
            n_iter += result.n_iter
            if result.stop == "callback":
                break
        if self._pos_margin_choice == IMPOSTOR_RULE:
            self._warn_about_ineffective_margin(largest_pos_margin)
        return params, results, n_pairs

    def _starting_point(self, params, projection, data, random_state):
        """Scale a named init to the margin; move a collapsed start off its peak.

        Where every dissimilar pair starts at distance 0 (an all-zero init, a
        constant map) the loss has a finite but useless gradient there: the
        fit would stop at once at the worst point of the dissimilar term. A
        random start replaces it, with a warning.
        """
        largest = data.largest_dissimilar_distance(projection, params)
        # a named start is in internal units, where the data spread about 1,
        # and is rescaled to the margin below; an array is used as given
        unit = 1.0 if isinstance(self.init, str) else self.margin
        if largest is not None and largest <= _COLLAPSE_TOLERANCE * unit:
            warn(
                f"{type(self).__name__}: init={_describe(self.init)} maps every "
                "dissimilar pair to the same point, where the loss cannot improve; "
                "starting from init='random' instead."
            )
            X, _ = data.init_sample()
            params = projection.initial_params("random", X, None, random_state)
            return projection.scale_output(params, data.scale_to_margin(projection, params))
        if isinstance(self.init, str):
            return projection.scale_output(params, data.scale_to_margin(projection, params))
        return params

    def _warn_about_the_optimisation(self, rounds, largest_dissimilar):
        """One warning per fit: collapsed, or stopped at max_iter."""
        name = type(self).__name__
        n_rounds = len(rounds)
        n_iter = sum(result.n_iter for result in rounds)
        last = rounds[-1]
        if largest_dissimilar is not None and (
            largest_dissimilar <= _COLLAPSE_TOLERANCE * self.margin
        ):
            warn(
                f"{name}: the embedding collapsed: every dissimilar pair is at distance "
                f"0 after {n_iter} iterations. Try another init, a smaller alpha or "
                "standardised features.",
                ConvergenceWarning,
            )
            return
        if last.stop == "max_iter":
            limited = [i + 1 for i, result in enumerate(rounds) if result.stop == "max_iter"]
            where = (
                f"in mining round{'s' if len(limited) > 1 else ''} "
                f"{_join(limited)} of {n_rounds}" if n_rounds > 1 else ""
            )
            warn(
                f"{name}: L-BFGS reached max_iter={self.max_iter} {where} before "
                f"converging (final loss {last.loss:.6g}). Increase max_iter, or tol "
                "to accept a looser optimum.".replace("  ", " "),
                ConvergenceWarning,
            )

    def _fitted_settings(self):
        """The fitted attributes of settings only some estimators have
        (name: value)."""
        return {}

    def _clear_fitted_state(self):
        """Forget a previous fit's model, so that a refit replaces all of it."""
        kept = {"n_features_in_", "feature_names_in_", "target_type_"}
        for name in list(vars(self)):
            if (name.endswith("_") and not name.startswith("__") and name not in kept) or (
                name.startswith("_fitted") or name == "_projection"
            ):
                delattr(self, name)

    def _make_projection(self, n_features, n_components, scaling=None):
        """The map of this fit; with ``metric="cosine"``, followed by the
        division by the norm (:class:`~._unit_norm.UnitNormProjection`)."""
        architecture, hidden = self._map_choice
        if architecture == "mlp":
            projection = MLPProjection(n_features, hidden, n_components, self.activation,
                                       scaling)
        elif architecture == "diagonal":
            projection = DiagonalProjection(n_features, scaling)
        else:
            projection = LinearProjection(n_features, n_components, scaling)
        return UnitNormProjection(projection) if self.metric == "cosine" else projection

    # ---- the fitted map ----------------------------------------------------

    def _embed(self, X):
        """The fitted map applied to ``X`` (validated against the fit)."""
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, dtype=[np.float64, np.float32], accept_sparse="csr"
        )
        return self._projection.forward(self._projection.params_from(self), X)[0]

    @property
    def _n_features_out(self):
        return self._projection.n_components


def fit_transaction(fit):
    """Make an estimator's ``fit`` a transaction: it completes, or changes nothing.

    On any exception raised during ``fit`` (an invalid parameter, a memory
    error, a ``KeyboardInterrupt`` at any moment) the estimator gets back
    every attribute it had before the call, so it is unfitted again or keeps
    its previous model, and the exception propagates. The attributes come
    back in one assignment of the ``__dict__`` taken at the start, which a
    second signal cannot interrupt half-way through. A fit must therefore
    replace fitted attributes, never change them in place.
    """
    @functools.wraps(fit)
    def transactional_fit(self, *args, **kwargs):
        before = dict(vars(self))
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__ = before
            raise

    return transactional_fit


def _is_dask_collection(X):
    """Whether ``X`` is a Dask collection, without importing Dask."""
    return type(X).__module__.partition(".")[0] == "dask"


def _data_bytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def _describe(init):
    return repr(init) if isinstance(init, str) else "array"


def _join(numbers_):
    if len(numbers_) == 1:
        return str(numbers_[0])
    return ", ".join(map(str, numbers_[:-1])) + f" and {numbers_[-1]}"
