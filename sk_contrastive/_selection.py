"""The map chosen by the data: the held-out selection behind ``architecture="auto"``.

With ``architecture="auto"`` and ``hidden_layer_sizes="auto"`` (the
defaults) a fit chooses the capacity of its map on held-out data, as
scikit-learn's ``LogisticRegressionCV`` chooses its penalty, then fits the
chosen map once on all the data:

1. the linear candidates: the full linear map and, where ``n_components``
   is left to the library, ``X`` is dense and has at most 64 features, the
   diagonal map (one weight per feature), each with ``pos_margin`` 0 and
   the impostor rule when ``pos_margin="auto"``; below ``KFOLD_BELOW``
   samples also the full linear map learning from the dense pairs
   (``DENSE_PAIRS``, see :func:`select_map`);
2. the MLPs of ``MLP_WIDTHS``, (64,) and (128, 64), each with ``alpha``
   of ``MLP_ALPHAS``, 1e-3, 1e-2 and 1e-1, only when the best linear
   candidate scores below what the features allow on the held-out data by
   more than one binomial standard error, ``sqrt(p * (1 - p) / n_heldout)``
   of that score ``p``: a linear map that cannot keep what the input gives
   lacks capacity, while one that can is kept cheap. What the features
   allow is the raw features' score (distances of ``X`` itself; the cosine
   of its rows with ``metric="cosine"``) and, where
   ``n_components`` asks for fewer dimensions than the features' own (see
   ``default_n_components``), the score of the linear map that keeps them
   all (``n_components=None``, the *reference*, fitted beside the linear
   candidates and never chosen, since its output has another dimension):
   concentric spheres among noise features are better than their raw
   neighbours after any linear map, yet no linear map keeps them apart in
   2 dimensions, where an MLP does. The MLP is
   chosen only if it beats every linear candidate, and the wider MLP is
   tried only if the narrower one did, with a penalty weaker than the
   strongest of ``MLP_ALPHAS`` (on the benchmarks' 14,000-sample
   make_classification set, where no MLP beat the linear map, a default
   fit took a median 6.0 s with all six MLP candidates, 1.6 s with this
   rule), and then only with the penalty the narrower one chose and the
   next stronger one, together: with more capacity it wants no weaker
   penalty (on the four regression sets of ``bench_targets.py``, 5 splits
   each, the best of the wider MLP's three penalties was never weaker than
   the narrower one's choice). Each width's penalties go from the
   strongest down: the two strongest together, then each weaker one
   unless an MLP of that width already beat the linear maps and weakening
   then clearly hurt: the one
   before it scored more than one standard error (as above) below the one
   before that. A weak penalty costs the most iterations, and once
   weakening has clearly hurt a winning MLP (overfitting), a still weaker
   penalty has not won on any set measured; a dip that is not clear, or
   one among MLPs that all trail the linear maps (held back by their
   penalty), can precede the best (moons in one dimension: 0.840, 0.828,
   0.988; radial data in 2-D: 0.634, 0.607, 0.926). Graded targets always try the MLPs (see
   :func:`select_map`), and fit the first width's penalties all together
   with the linear candidates, so that the threads share more fits. Data
   with at least as many features as samples never escalate: a linear map
   can already separate any labelling of so few samples.

Where the candidates are fitted on several folds (below ``KFOLD_BELOW``
samples, or ``MAX_SELECTION_PAIRS`` pairs) the MLPs race,
as in successive halving: each batch's MLPs are fitted on the first fold,
and only those within ``RACE_ERRORS`` (2) of the largest binomial standard
errors of that fold, ``sqrt(1/4 / n_fold)``, of the best first-fold score
(of the batch and of the candidates fitted before) go on to the other
folds (see :func:`_race`); the linear maps, cheap, are fitted on every fold
at once, since an MLP is chosen only by beating them. A dropped candidate
is never chosen; its row in the results has NaN for the folds it skipped
and for its mean and standard deviation, ``dropped`` True, and ranks below
every row fitted on all the folds. On diabetes (``bench_targets.py``, 5 splits, with
5 folds, before ``N_GRADED_FOLDS``) the MLP (64,) with
``alpha=1e-3``, whose held-out R² over all five folds was 0.05 to 0.20
where the chosen candidate's was 0.41 to 0.45, was dropped after the first
fold on every split (and 3 other candidates on 2 splits, before the linear
maps were exempt), and every split kept its choice; with one standard
error instead of two, the diagonal map chosen on one split (0.454 over the
five folds) would have been dropped.

A chosen MLP's ``alpha`` is rescaled for the final fit by ``m / n``, the
candidates' training samples over the fit's (the loss is a mean, so the
penalty's weight against it falls as data grow). The final fit starts from
the chosen candidate's where that was fitted on at least
``MIN_SHARE_TO_RESUME`` of the data (see :func:`select_map`).

Each candidate is a clone of the estimator with its map fixed, fitted on
the training part of each split and scored on the held-out part by the
criterion of its estimator: kNN(5) neighbour agreement for class labels
(:func:`heldout_knn_score`; R² or the Jaccard index for graded
targets), ROC-AUC of pairs of held-out classes for
pairs (:func:`heldout_pair_splits`). Ties go to the earlier (smaller)
candidate: the linear map before the MLP, a stronger penalty before a
weaker one; and the dense pairs are kept unless another linear candidate
leads them by more than one held-out sample's weight
(:func:`_first_choice`). The chosen row of the results is therefore not
always the best-ranked: besides that rule, the raw features and the
reference are never chosen, an MLP only where it beats every linear map,
and a partly labelled fit's unlabelled samples are used unless they score
clearly lower. The candidates' fits run in parallel on the threads the
process allowed BLAS before the fit
(:func:`~sk_contrastive._threadpool.spare_threads`), each with its own copy
of a ``random_state`` generator, so that the choice does not depend on the
number of threads. Selection fits at most ``MAX_SELECTION_SAMPLES``
samples (or ``MAX_SELECTION_PAIRS`` pairs), so its cost is bounded
whatever the size of the data; below ``KFOLD_BELOW`` it uses every sample once in ``N_FOLDS``
folds (``N_GRADED_FOLDS`` for graded targets), since one small hold-out is
too noisy to choose by. Below ``THREADED_SELECTION_FROM`` entries of the
data a fit learns from, its selection's fits (the candidates, a partly
labelled fit's check of its unlabelled samples, the pair classifier's
cross-fitted maps) run on one thread (:func:`selection_threads`).

A partly labelled fit chooses its map on the labelled samples, then
whether its unlabelled samples help that map
(:func:`with_unlabelled_samples`).

A user-given ``architecture`` or ``hidden_layer_sizes`` turns the selection
off, so that a user's own search over them never nests one.
"""

import copy
import functools
import numbers
import time
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import accuracy_score, jaccard_score, roc_auc_score
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.utils import check_random_state

from ._base import (
    DEFAULT_MAX_COMPONENTS,
    IMPOSTOR_RULE,
    default_n_components,
    mlp_takes_margin,
    resolve_map,
)
from ._loss import auto_pos_margin
from ._scaling import distance_factor
from ._scoring import neighbor_label_agreement
from ._targets import target_r2
from ._threadpool import blas_single_threaded, spare_threads, thread_runner
from ._validation import MAX_NEIGHBORS, is_auto
from ._warnings import quiet

MAX_SELECTION_SAMPLES = 2000
MAX_SELECTION_PAIRS = 5000
KFOLD_BELOW = 600
N_FOLDS = 5
# Graded targets fit the MLPs on every fold (see select_map's always_escalate),
# so their folds cost several times those of class labels, where the linear
# maps are mostly all that is fitted. Every sample is held out once whatever
# the number of folds, and 3 folds fit 2 n training rows where 5 fit 4 n: on
# diabetes (20 splits) kNN R2 0.419 against 0.420 with 5, in half the time.
# (Class labels keep 5: with 3, wine scored 0.19 +- 0.32 points lower over
# 50 splits, where the defaults lead LDA by less than that.)
N_GRADED_FOLDS = 3
# Below this many entries (samples x features) of the data the selection's fits
# run one after the other, not on the spare threads: they are then mostly
# Python, whose threads take turns (2 threads against 1, median over
# splits: wine 124 x 13, 0.67 times the speed; diabetes 309 x 10, 0.85;
# Friedman #1 300 x 15, 0.94; 500 x 15, 1.10; breast cancer 398 x 30, 1.24).
THREADED_SELECTION_FROM = 5000
HELDOUT_SHARE = 0.25
KNN_NEIGHBORS = 5
RAW_FEATURES = "raw features"
# the key of the candidate that adds a partly labelled fit's unlabelled samples
UNLABELLED_SAMPLES = "unlabelled samples"
MLP_WIDTHS = ((64,), (128, 64))
# n_positives and n_negatives: "auto" where nothing chose, and the small data's
# dense candidate, as many as the compiled neighbour selection keeps
DEFAULT_PAIRS = (5, 10)
DENSE_PAIRS = (MAX_NEIGHBORS, MAX_NEIGHBORS)
MLP_ALPHAS = (1e-3, 1e-2, 1e-1)
# the standard errors of the first split below its best that drop a candidate
# from the race (see _race)
RACE_ERRORS = 2
# a candidate fitted on less of the data than this is no start for the final
# fit: on 1,500 of 14,000 samples, its resumed fit scored 0.57, a fresh one 0.81
MIN_SHARE_TO_RESUME = 0.5
# the fewest held-out samples of a fold of graded targets (an R² of one is undefined)
MIN_HELDOUT_SAMPLES = 5
# the architectures whose chosen map's final fit resumes its candidate's, by default
RESUMED_MAPS = ("linear", "diagonal", "mlp")


def selection_seed(random_state):
    """The seed of the selection's splits for an estimator's ``random_state``:
    the int itself, ``None`` for ``None``, and for a ``RandomState`` a draw
    from a copy of it, which leaves the caller's generator where it was."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return random_state
    return copy.deepcopy(check_random_state(random_state)).randint(np.iinfo(np.int32).max)


class Selection(NamedTuple):
    """What a selection found."""

    chosen: dict  # the parameters of the chosen map
    results: dict  # ``selection_results_``
    start: object = None  # an MLP's start: its best-scoring candidate fit
    key: tuple = None  # the features and n_components it was made for


class Candidates(NamedTuple):
    """The settings a fit chooses among (parameter dicts)."""

    first: list
    escalation: list
    reference: dict = None  # the linear map to every dimension, or None


def map_candidates(estimator, n_samples, n_features, dense, impostor_rule=True,
                   dense_pairs=False):
    """The settings a fit chooses among: :class:`Candidates`, or ``None``
    when the parameters leave nothing to choose.

    Each parameter left ``"auto"`` varies, each one given stays: the
    architecture (with ``architecture``, ``hidden_layer_sizes`` and ``init``
    all ``"auto"``: the linear map, the diagonal map where ``n_components``
    is ``None``, ``X`` dense and ``n_features`` at most
    ``DEFAULT_MAX_COMPONENTS`` (its embedding has ``n_features`` dimensions,
    and wider data get at most that many), and in ``escalation`` the MLPs of
    ``MLP_WIDTHS``, where there are more samples than features (with as many
    features as samples, a linear map can already separate any labelling of
    them, so what it lacks there is data, not capacity) and ``margin`` is
    one an MLP takes); ``pos_margin`` (0,
    the plain contrastive loss, or, with ``impostor_rule``, the impostor rule, for
    the linear maps: graded pairs, each a similar and a dissimilar term of
    one pair, have no impostor-free anchor); an MLP's
    ``alpha`` (``MLP_ALPHAS``); with ``dense_pairs`` (the caller's
    ``n_positives`` and ``n_negatives`` left ``"auto"``), fewer than
    ``KFOLD_BELOW`` samples and ``pos_margin`` other than the impostor
    rule, also the linear map learning from
    ``DENSE_PAIRS`` (see :func:`select_map`). ``reference`` is the first linear setting
    with ``n_components=None``, where MLPs may follow and ``n_components``
    is below :func:`default_n_components` of the data; else None.
    """
    architecture, hidden = resolve_map(estimator.architecture, estimator.hidden_layer_sizes)
    if is_auto(estimator.architecture) and is_auto(estimator.hidden_layer_sizes) and (
        is_auto(estimator.init)
    ):
        maps = [("linear", ())]
        if estimator.n_components is None and dense and (
            n_features <= DEFAULT_MAX_COMPONENTS
        ):
            maps.append(("diagonal", ()))
        mlp_margin = mlp_takes_margin(estimator.margin, estimator.metric)
        escalation = [("mlp", widths) for widths in MLP_WIDTHS] if (
            n_features < n_samples and mlp_margin) else []
    else:
        maps, escalation = [(architecture, hidden)], []

    def settings(architecture, hidden):
        if architecture == "mlp":
            pos_margins = (0.0,) if is_auto(estimator.pos_margin) else (estimator.pos_margin,)
            # the strongest first, which takes ties
            alphas = tuple(sorted(MLP_ALPHAS, reverse=True)) if is_auto(estimator.alpha) else (
                estimator.alpha,)
        else:
            chosen_among = (0.0, _relaxed_pos_margin(estimator)) if impostor_rule else (0.0,)
            pos_margins = chosen_among if is_auto(estimator.pos_margin) else (
                estimator.pos_margin,)
            alphas = (estimator.alpha,)
        found = [
            {"architecture": architecture, "hidden_layer_sizes": hidden,
             "pos_margin": pos_margin, "alpha": alpha}
            for pos_margin in pos_margins for alpha in alphas
        ]
        if architecture == "linear" and is_auto(getattr(estimator, "n_positives", None)) and (
                is_auto(getattr(estimator, "n_negatives", None))):
            # each with its pairs given, so that its own fit selects no pairs
            found = [{**params, **_pair_counts(DEFAULT_PAIRS)} for params in found]
            # not with the impostor rule given: among 64 nearest negatives
            # few anchors are impostor-free, and the rule stays at 0
            if dense_pairs and n_samples < KFOLD_BELOW and (
                    estimator.pos_margin != IMPOSTOR_RULE):
                found.append({**found[0], **_pair_counts(DENSE_PAIRS)})
        return found

    first = [setting for found in maps for setting in settings(*found)]
    escalation = [setting for found in escalation for setting in settings(*found)]
    if len(first) == 1 and not escalation:
        return None
    reference = None
    if escalation and estimator.n_components is not None and (
        estimator.n_components < default_n_components(n_samples, n_features)
    ):
        reference = {**first[0], "n_components": None}
    return Candidates(first, escalation, reference)


def _pair_counts(counts):
    n_positives, n_negatives = counts
    return {"n_positives": n_positives, "n_negatives": n_negatives}


def _relaxed_pos_margin(estimator):
    """The linear candidates' positive ``pos_margin``: the impostor rule, or,
    with ``metric="cosine"``, the largest ``pos_margin`` that rule gives
    (0.6 at ``margin=1``), from the start. The rule raises ``pos_margin``
    after a first round at 0, once the training anchors are impostor-free;
    that round has gathered the similar pairs already, and a cosine linear
    map has no penalty to relax them afterwards (its later rounds with the
    rule ended where the first did: the candidates scored alike on every
    split). On a synthetic TF-IDF corpus (``bench_cosine.py``, 10 splits)
    it was chosen on every split, and the cosine model's kNN accuracy rose
    from 0.560 to 0.629; on scipy's docstrings 0 was chosen on 9 of 10."""
    if estimator.metric != "cosine":
        return IMPOSTOR_RULE
    return float(auto_pos_margin(1, 1, estimator.margin))


def _selection_key(estimator, n_features):
    """What a kept choice must have been made for: the same features,
    ``n_components`` and ``metric``."""
    return n_features, estimator.n_components, estimator.metric


def kept_choice(estimator, candidates, n_features):
    """What a ``warm_start`` refit keeps: the :class:`Selection` of the
    previous fit (with no ``start``: the refit starts from its own map), if
    it was made for the same features and ``n_components`` and its choice
    is still one of ``candidates`` (see :func:`map_candidates`); else None,
    and the refit selects anew (a parameter given since, such as
    ``hidden_layer_sizes``, takes effect)."""
    results = getattr(estimator, "selection_results_", None)
    if results is None or getattr(estimator, "_selected_for", None) != _selection_key(
            estimator, n_features):
        return None
    chosen = results["params"][int(np.flatnonzero(results["chosen"])[0])]
    chosen = {key: value for key, value in chosen.items() if key != UNLABELLED_SAMPLES}
    if chosen not in candidates.first + candidates.escalation:
        return None
    if chosen["architecture"] == "mlp" and is_auto(estimator.alpha):
        chosen = {**chosen, "alpha": estimator.alpha_}  # the penalty it was fitted with
    return Selection(chosen, results, key=estimator._selected_for)


def select_map(estimator, X, n_fitted, make_splits, fit_and_score, raw_score,
               resume=RESUMED_MAPS, impostor_rule=True, always_escalate=False,
               dense_pairs=False):
    """The map chosen on held-out data: a :class:`Selection`, or None where
    the parameters fix the map, a ``warm_start`` refit keeps the previous
    choice (:func:`kept_choice`) or ``make_splits`` finds no split.

    Parameters
    ----------
    estimator : BaseContrastive
        Its parameters give the candidates (:func:`map_candidates`); copied
        for each candidate (its parameters, unfitted), with its map fixed,
        ``verbose=0``, no ``callback`` and no ``warm_start``.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The samples the fit embeds (their shape and storage decide the
        candidates).
    n_fitted : int
        How many samples (pairs, for pairs) the final fit learns from; the
        splits' training parts hold fewer.
    make_splits : callable
        ``make_splits() -> list of (ndarray, ndarray)``: training and
        held-out indices, called only when there is something to choose.
    fit_and_score : callable
        ``fit_and_score(model, train, test) -> float``: fits ``model`` on
        the training part and scores it on the held-out part.
    raw_score : callable
        ``raw_score(train, test) -> float``: the same criterion on the raw
        features.
    resume : tuple of str
        The architectures whose chosen map's final fit starts from its
        candidate's (see ``start`` below); the others start afresh.
        ``ContrastivePairClassifier`` leaves the MLP out: on the three
        product sets of ``bench_verification.py`` (10 splits each) its
        resumed final fits scored 0.7 to 1.4 points of ROC-AUC on unseen
        products below fresh ones with the same ``alpha`` (its candidates
        see the pairs of four fifths of the classes). ``ContrastiveEmbedding``
        with graded targets resumes none: on diabetes and two Friedman sets
        (3 folds each) fresh final fits scored 0.5 to 2.5 points of kNN R²
        above resumed ones.
    impostor_rule : bool
        Whether ``pos_margin="auto"`` chooses between 0 and the impostor
        rule (see :func:`map_candidates`), or takes 0.
    always_escalate : bool
        Whether the MLPs are tried whatever the linear maps score, not only
        where they fall behind what the features allow. Graded targets set
        it: a kNN regression on a nonlinear map can predict far more than
        the raw features allow (Friedman #1 with 25 noise features, 3
        splits: kNN R² 0.742 with the diagonal map, which is well above the
        raw features' 0.438 and so never escalated, and 0.889 with the MLP
        (64,)).
    dense_pairs : bool
        Whether, below ``KFOLD_BELOW`` samples, the linear map is also tried
        with ``n_positives`` and ``n_negatives`` of ``DENSE_PAIRS``: each
        sample paired with up to 64 of its class and its 64 nearest others,
        nearly every pair of a small set, as LDA uses every sample of a
        class for its mean and scatter. On small sets of few compact
        classes these generalise better than the 5 and 10 nearest (iris,
        50 splits: 0.968 against 0.958 on the test sets), and where classes
        are made of several clusters they do worse by far (make_classification
        with two clusters per class, 150 samples: 0.498 against 0.591), which
        the held-out score sees. ``ContrastiveEmbedding`` sets it for class
        labels with both parameters left ``"auto"`` and every sample
        labelled.

    Returns
    -------
    selection : Selection or None
        ``chosen``, the parameters of the chosen map; ``start``, the
        chosen candidate's model fitted on the split where it scored best,
        from which the final fit starts (as scikit-learn's
        ``LogisticRegressionCV`` starts its refit from the folds'
        coefficients): an MLP's loss has many basins, and a final fit from
        its own random start can land in a worse one than the candidate's
        (on radial data one scored 0.65 after its candidate's 0.95); a
        linear map resumed needs fewer iterations (digits: 15 instead of
        37). None where the candidates saw less than
        ``MIN_SHARE_TO_RESUME`` of the data (a subsample of large data), and
        for a linear or diagonal map whose ``init`` the user gave, or a map
        not in ``resume``: the final fit then starts from ``init``;
        ``results``,
        ``selection_results_``: ``params`` (a list of dicts, the raw
        features as ``{"architecture": "raw features"}``, the reference
        where it was fitted with its ``"n_components": None``),
        ``mean_test_score``, ``std_test_score``, ``split<i>_test_score``,
        ``mean_fit_time`` (seconds), ``rank_test_score``, ``dropped``
        (whether the race dropped that row after the first split: NaN for
        the splits it skipped and for its mean and standard deviation,
        ranked below the rows fitted on every split) and ``chosen``
        (whether that row is the chosen map) -- the layout of
        ``GridSearchCV.cv_results_``.
    """
    candidates = map_candidates(estimator, *X.shape, not sp.issparse(X), impostor_rule,
                                dense_pairs)
    if candidates is None:
        return None
    if estimator.warm_start:
        kept = kept_choice(estimator, candidates, X.shape[1])
        if kept is not None:
            return kept
    splits = make_splits()
    if not splits:
        return None
    # scikit-learn's neighbour search sets and restores its own BLAS limit;
    # inside ours, it restores ours, so concurrent fits leave none behind
    with blas_single_threaded():
        selection = _select(
            estimator, candidates, splits, fit_and_score, raw_score,
            selection_threads(X.shape[0] * X.shape[1]),
            always_escalate,
        )
    selection = selection._replace(key=_selection_key(estimator, X.shape[1]))
    share = min(1.0, np.mean([train.shape[0] for train, _ in splits]) / n_fitted)
    architecture = selection.chosen["architecture"]
    given_init = architecture != "mlp" and not is_auto(estimator.init)
    if share < MIN_SHARE_TO_RESUME or architecture not in resume or given_init:
        # (a given init is where the user's fit starts)
        selection = selection._replace(start=None)
    if architecture != "mlp":
        return selection
    if is_auto(estimator.alpha):
        # The loss is a mean over pairs, so a penalty that suits m training
        # samples is n / m times too strong for n: 1e-2, chosen on 1,500 of
        # 14,000 samples, cost an MLP 0.81 -> 0.46 held-out kNN accuracy
        selection = selection._replace(
            chosen={**selection.chosen, "alpha": selection.chosen["alpha"] * share})
    return selection


def _fit_on_split(estimator, fit_and_score, params, split):
    """``(score, seconds, model)`` of a copy of ``estimator`` with ``params``
    fitted and scored on ``split`` by ``fit_and_score``."""
    # the parameters as they are, not deep copies (a preprocessor of
    # millions of rows), as scikit-learn's clone would make; but a
    # generator is copied, as clone copies it, so that each candidate
    # draws the same numbers whatever thread or order it runs in
    settings = {
        **estimator.get_params(deep=False), **params,
        "verbose": 0, "callback": None, "warm_start": False,
    }
    if isinstance(settings.get("random_state"), np.random.RandomState):
        settings["random_state"] = copy.deepcopy(settings["random_state"])
    model = type(estimator)(**settings)
    start = time.perf_counter()
    with quiet():  # the final fit warns about what it meets
        score = fit_and_score(model, *split)
    return score, time.perf_counter() - start, model


def selection_threads(n_entries):
    """How many threads the selection's fits on data of ``n_entries``
    entries (samples times features) run on, called inside
    :func:`~sk_contrastive._threadpool.blas_single_threaded`: the spare ones
    (:func:`~sk_contrastive._threadpool.spare_threads`), or one below
    ``THREADED_SELECTION_FROM``."""
    return spare_threads() if n_entries >= THREADED_SELECTION_FROM else 1


def fit_on_splits(estimator, params, splits, fit_and_score, n_entries):
    """``[(result, seconds, model), ...]``, one per split: a copy of
    ``estimator`` with ``params`` (its map fixed), fitted and evaluated on
    each split by ``fit_and_score(model, train, test) -> result``, on the
    threads that data of ``n_entries`` entries (samples times features)
    allow (:func:`selection_threads`), as the selection's candidates are."""
    with blas_single_threaded(), thread_runner(selection_threads(n_entries),
                                               "selection") as run:
        return run(functools.partial(_fit_on_split, estimator, fit_and_score),
                   [(params, split) for split in splits])


def with_unlabelled_samples(estimator, selection, splits, fit_and_score, n_entries):
    """Whether a partly labelled fit learns from its unlabelled samples too.

    ``selection`` chose the map on the labelled samples alone, on
    ``splits`` of them. The chosen map is fitted once more on each split,
    ``fit_and_score`` adding the unlabelled samples to its training part,
    and scored on the same held-out labelled samples. The unlabelled samples
    are used unless that scores lower by more than one binomial standard
    error (as the selection escalates to an MLP). Where neighbours in the
    input space share no targets, they mislead, and clearly: on a Friedman
    regression set among 25 noise features, kNN R² 0.53 with them against
    0.72 for the labelled part alone. Where they share classes, they help,
    by more than a small held-out part can show: on digits with 90 % of the
    labels hidden (125 labelled samples, 25 held out per fold), fits with
    them scored 0 to 0.8 points above on the held-out folds and 3 to 6
    points above on the test set of two of three splits (1 below on the
    third); a rule that took them only where they clearly scored higher
    used them on none.
    ``n_entries``, the size (samples times features) of the data these fits
    learn from, decides their threads (:func:`selection_threads`).

    Returns
    -------
    selection : Selection
        With the candidate added to its ``results`` (its parameters with
        ``UNLABELLED_SAMPLES: "used"``), and, where it is chosen, no
        ``start`` (its final fit learns from other samples than the
        candidates').
    used : bool
    """
    results = selection.results
    chosen_row = int(np.flatnonzero(results["chosen"])[0])
    if any(UNLABELLED_SAMPLES in params for params in results["params"]):
        # a warm_start refit keeps the decision with the choice
        return selection, UNLABELLED_SAMPLES in results["params"][chosen_row]
    params = results["params"][chosen_row]
    scores, seconds, _ = zip(*fit_on_splits(estimator, params, splits, fit_and_score,
                                            n_entries))
    n_splits = len(splits)
    rows = [
        (found, [results[f"split{k}_test_score"][i] for k in range(n_splits)],
         results["mean_fit_time"][i])
        for i, found in enumerate(results["params"])
    ]
    n_heldout = sum(test.shape[0] for _, test in splits)
    used = not _clearly_below(float(np.mean(scores)), results["mean_test_score"][chosen_row],
                              n_heldout)
    rows.append(({**params, UNLABELLED_SAMPLES: "used"}, list(scores), float(np.mean(seconds))))
    chosen = rows[-1][0] if used else params
    selection = selection._replace(results=_results(rows, chosen))
    return (selection._replace(start=None), True) if used else (selection, False)


def _select(estimator, candidates, splits, fit_and_score, raw_score, n_threads,
            always_escalate=False):
    rows = [({"architecture": RAW_FEATURES},
             [raw_score(train, test) for train, test in splits], 0.0)]
    starts = {}
    fit_on_split = functools.partial(_fit_on_split, estimator, fit_and_score)
    n_splits = len(splits)

    def evaluate(settings, run):
        """Fit ``settings`` on the splits, add their rows, return their mean
        scores: ``-inf`` for one the race dropped (see :func:`_race`)."""
        # the longest fits first, which started last would leave a thread
        # idle at the end
        order = sorted(range(len(settings)), key=lambda i: _longest_first(settings[i]))
        fitted = {i: [] for i in order}
        # only the MLPs race, on the first split; the linear maps, cheap, and
        # the reference (no candidate) run on every split at once: an MLP is
        # chosen only by beating the linear maps on every fold (when they
        # raced too, on 15 diabetes samples, folds of 5, an MLP's first fold
        # dropped them all, and an MLP scoring -0.24 on the other samples was
        # chosen over the diagonal map's 0.40, the best of them over the folds)
        racing = [i for i in order if settings[i]["architecture"] == "mlp"
                  and "n_components" not in settings[i]]
        tasks = [(i, k) for i in order for k in range(1 if i in racing else n_splits)]
        done = run(fit_on_split, [(settings[i], splits[k]) for i, k in tasks])
        for (i, _), result in zip(tasks, done):
            fitted[i].append(result)
        if racing and n_splits > 1:
            first_scores = [row[1][0] for row in rows[1:] if "n_components" not in row[0]] + [
                fitted[i][0][0] for i in order if i not in racing
                and "n_components" not in settings[i]]
            kept = _race([fitted[i][0][0] for i in racing], first_scores,
                         splits[0][1].shape[0])
            tasks = [(i, k) for i, keep in zip(racing, kept) if keep
                     for k in range(1, n_splits)]
            done = run(fit_on_split, [(settings[i], splits[k]) for i, k in tasks])
            for (i, _), result in zip(tasks, done):
                fitted[i].append(result)
        means = []
        for i, params in enumerate(settings):
            scores, seconds, models = zip(*fitted[i])
            scores = list(scores) + [np.nan] * (n_splits - len(scores))
            rows.append((params, scores, float(np.mean(seconds))))
            # the first split where it scored best
            starts[len(rows) - 1] = models[int(np.nanargmax(scores))]
            means.append(float(np.mean(scores)) if len(fitted[i]) == n_splits else -np.inf)
        return means

    n_heldout = sum(test.shape[0] for _, test in splits)

    def clearly_below(score, allowed):
        return _clearly_below(score, allowed, n_heldout)

    widths = list(dict.fromkeys(p["hidden_layer_sizes"] for p in candidates.escalation))
    # each width's penalties from the strongest down
    by_width = {found: sorted((p for p in candidates.escalation
                               if p["hidden_layer_sizes"] == found),
                              key=lambda p: p["alpha"], reverse=True)
                for found in widths}
    # fitted whatever the linear maps score, the first width's MLPs race
    # with them, and the threads have more fits to share
    early = by_width[widths[0]] if always_escalate and widths else []
    with thread_runner(n_threads, "selection") as run:
        reference = [] if candidates.reference is None else [candidates.reference]
        means = evaluate(candidates.first + early + reference, run)
        n_first = len(candidates.first)
        allowed = [float(np.mean(rows[0][1]))] + means[n_first + len(early):]
        early_means = means[n_first:n_first + len(early)]
        means = means[:n_first]
        chosen = candidates.first[_first_choice(candidates.first, means, n_heldout)]
        best = max(means)
        escalate = always_escalate or any(clearly_below(best, score) for score in allowed)
        if escalate:
            for index, found in enumerate(widths):
                improved = False
                settings = by_width[found]
                if index > 0 and chosen["alpha"] in [p["alpha"] for p in settings]:
                    # a wider network, with more capacity, needs no weaker
                    # penalty than the narrower one chose: it tries that one
                    # and the next stronger one
                    at = [p["alpha"] for p in settings].index(chosen["alpha"])
                    settings = settings[max(at - 1, 0):at + 1]
                # strongest penalty first; the two strongest together, then
                # each weaker one unless weakening clearly hurt an MLP that
                # already beat the linear maps (one that did not is held back
                # by its penalty: on radial data, 2-D, (64,) scored 0.634,
                # 0.607 and 0.926 held out at 1e-1, 1e-2 and 1e-3, the
                # linear map 0.653)
                if index == 0 and early:  # fitted with the linear maps
                    batches = [(settings, early_means)]
                else:
                    batches = [(settings[:2], None)] + [
                        ([params], None) for params in settings[2:]]
                means = []
                for batch, found_means in batches:
                    # (a candidate the race dropped is clearly below)
                    if means and improved and clearly_below(means[-1], means[-2]):
                        break
                    means += evaluate(batch, run) if found_means is None else found_means
                    for params, mean in zip(batch, means[-len(batch):]):
                        if mean > best:
                            chosen, best, improved = params, mean, True
                # a wider network is tried only while width helps, and not
                # where the narrower one wanted the strongest penalty (it
                # has capacity to spare: on diabetes, 309 samples, 5 folds,
                # (64,) chose 1e-1 in 2 of 5 splits, and (128, 64) then cost
                # 1.5 times the rest of the fit and never scored higher)
                strongest = max(params["alpha"] for params in by_width[found])
                if not improved or (len(by_width[found]) > 1 and chosen["alpha"] == strongest):
                    break
    start = starts[[found[0] for found in rows].index(chosen)]
    return Selection(chosen, _results(rows, chosen), start)


def _first_choice(settings, means, n_heldout):
    """The index of the chosen one of the first candidates (the linear maps,
    or a given map's penalties): the best-scoring one, ties to the earlier,
    except that the dense pairs (``DENSE_PAIRS``) are kept when they score
    within one held-out sample's weight (``1 / n_heldout``) of the best.

    The dense pairs learn from nearly every pair of a small set, so their
    map depends least on which neighbours a fold's training part holds, as
    a stronger penalty is preferred on a tie. On iris they tied the best
    candidate exactly, or trailed it by one or two of 525 neighbour votes,
    on 7 of 50 splits, and scored higher on the test sets of 5 of those 7
    (never lower). Over seven small sets (420 splits; see the user guide,
    "Capacity and the selection") this rule changed the choice on 69 splits
    and raised the test accuracy on 43 of them, lowered it on 26: where
    classes are compact (iris, wine, breast cancer) it gains, where each
    class is several clusters it can lose (0.4 points on two such sets).
    """
    best = int(np.argmax(means))
    dense = [i for i, params in enumerate(settings)
             if (params.get("n_positives"), params.get("n_negatives")) == DENSE_PAIRS]
    if dense and means[dense[0]] >= means[best] - 1 / n_heldout:
        return dense[0]
    return best


def _longest_first(params):
    """A key that sorts the fits likely to take longest first: the map to
    every dimension (the reference), then the MLPs, the wider and the weaker
    penalty first (its fit takes the most iterations: on Friedman #1 among
    25 noise features 260 at 1e-3, 110 at 1e-2, 35 at 1e-1), then the
    linear maps."""
    if "n_components" in params:
        return 0, 0, 0.0
    if params["architecture"] == "mlp":
        return 1, -len(params["hidden_layer_sizes"]), params["alpha"]
    return 2, 0, 0.0


def _race(scores, others, n_heldout):
    """Which of the MLPs scoring ``scores`` on the first split go on to the
    others: all but those below the best of them and of the other
    candidates (the ones fitted before and the linear maps beside them,
    whose first-split scores are ``others``) by more than
    ``RACE_ERRORS`` binomial standard errors on the split's ``n_heldout``
    samples, the largest one, ``sqrt(1/4 / n_heldout)`` (of a score of
    1/2), whatever the best scored: a small fold's R² can fall below 0,
    where the error of the score itself would be 0 (on diabetes with 80 %
    of the targets hidden, 12 held-out samples a fold, every first-fold R²
    was negative, and that error dropped all but the first fold's best,
    which scored 0.00 on the test set against the diagonal map's 0.27)."""
    best = max(list(scores) + list(others))
    margin = RACE_ERRORS * np.sqrt(0.25 / n_heldout)
    return [score >= best - margin for score in scores]


def _clearly_below(score, other, n_heldout):
    """Whether ``score`` is below ``other`` by more than one binomial standard
    error of ``other`` on ``n_heldout`` samples (for an R² or a Jaccard index
    a scale of the same order, and 0 outside [0, 1])."""
    return score < other - np.sqrt(max(other * (1 - other), 0.0) / n_heldout)


def _results(rows, chosen):
    scores = np.array([row[1] for row in rows], dtype=np.float64)
    # a candidate the race dropped has no score on the splits it skipped
    dropped = np.isnan(scores).any(axis=1)
    means = np.nanmean(scores, axis=1)
    # rank 1 is the best; equal scores share the better rank; a dropped
    # candidate ranks below every one fitted on all the splits (among
    # themselves, by their first split's score).
    # ahead[j, i]: row j ranks before row i
    ahead = (~dropped[:, None] & dropped[None, :]) | (
        (dropped[:, None] == dropped[None, :]) & (means[:, None] > means[None, :]))
    results = {
        "params": [row[0] for row in rows],
        # NaN for a dropped row, as GridSearchCV's for a failed fit: one
        # fold's score is no mean to sort beside the others'
        "mean_test_score": np.where(dropped, np.nan, means),
        "std_test_score": np.where(dropped, np.nan, np.nanstd(scores, axis=1)),
        "mean_fit_time": np.array([row[2] for row in rows]),
        "rank_test_score": (1 + ahead.sum(axis=0)).astype(np.int32),
        "dropped": dropped,
        "chosen": np.array([row[0] == chosen for row in rows]),
    }
    for split in range(scores.shape[1]):
        results[f"split{split}_test_score"] = scores[:, split]
    return results


# ---- class labels: held-out kNN agreement -----------------------------------


def labelled_splits(y, random_state, stratify=True):
    """Held-out splits of labelled samples, on a bounded subsample.

    At most ``MAX_SELECTION_SAMPLES`` samples (a seeded subset);
    ``N_FOLDS``-fold (``N_GRADED_FOLDS`` without ``stratify``) cross-validation
    below ``KFOLD_BELOW`` samples, one
    ``HELDOUT_SHARE`` hold-out above; stratified by class, or (without
    ``stratify``: graded targets) not. Returns the list of ``(train,
    test)`` index arrays into ``y``, or ``[]`` when a class has fewer than
    2 samples (no stratified split exists).
    """
    n_samples = y.shape[0]
    if not stratify:
        rows = np.arange(n_samples)
        if n_samples > MAX_SELECTION_SAMPLES:
            rows = np.sort(np.random.RandomState(random_state).choice(
                n_samples, MAX_SELECTION_SAMPLES, replace=False))
        n_folds = min(N_GRADED_FOLDS, rows.shape[0] // MIN_HELDOUT_SAMPLES)
        if n_folds < 2:  # too few samples to score a held-out part by
            return []
        folds = (KFold(n_splits=n_folds, shuffle=True, random_state=random_state)
                 if rows.shape[0] < KFOLD_BELOW
                 else ShuffleSplit(n_splits=1, test_size=HELDOUT_SHARE,
                                   random_state=random_state))
        return [(rows[train], rows[test]) for train, test in folds.split(rows)]
    counts = np.unique(y, return_counts=True)[1]
    if counts.min() < 2:
        return []
    rows = np.arange(n_samples)
    if n_samples > MAX_SELECTION_SAMPLES:
        rows, _ = next(StratifiedShuffleSplit(
            n_splits=1, train_size=MAX_SELECTION_SAMPLES, random_state=random_state,
        ).split(rows, y))
        rows = np.sort(rows)
        counts = np.unique(y[rows], return_counts=True)[1]
        if counts.min() < 2:
            return []
    if rows.shape[0] < KFOLD_BELOW:
        folds = StratifiedKFold(
            n_splits=int(min(N_FOLDS, counts.min())), shuffle=True,
            random_state=random_state,
        )
    else:
        folds = StratifiedShuffleSplit(
            n_splits=1, test_size=HELDOUT_SHARE, random_state=random_state
        )
    return [(rows[train], rows[test]) for train, test in folds.split(rows, y[rows])]


def heldout_knn_score(kind, Z_train, y_train, Z_test, y_test, sample_weight=None,
                      agreement=True):
    """The held-out score of kNN(5) fitted on ``Z_train`` and scored on
    ``Z_test``, for targets of ``kind`` (``target_type_``).

    For class labels, the *neighbour agreement*: the fraction of each
    held-out sample's 5 nearest training samples that share its class,
    averaged over the held-out samples (weighted by ``sample_weight``).
    It rewards what kNN accuracy rewards, neighbourhoods of the sample's own
    class, but counts every neighbour instead of the majority vote alone, so
    two candidates that classify alike still differ where one's
    neighbourhoods are purer, and its noise over a small held-out part is
    lower: on digits (32-D, 10 splits) it chose the impostor rule, better
    on 9 test sets and level on one, on all 10 splits where held-out kNN
    accuracy chose it on 7, and on iris (50 splits) the better dense pairs
    on 37 where the accuracy chose them on 18 (user guide, "Capacity and
    the selection"). Without ``agreement``, the accuracy of scikit-learn's
    :class:`~sklearn.neighbors.KNeighborsClassifier` (the score of a partly
    labelled fit's selection). For continuous targets the R² of scikit-learn's
    :class:`~sklearn.neighbors.KNeighborsRegressor` (averaged over several
    targets); for a multi-label indicator matrix the samples-averaged
    Jaccard index of :class:`~sklearn.neighbors.KNeighborsClassifier`'s
    prediction. Distances are taken in units where their squares neither
    underflow nor overflow (raw features of magnitude 1e-300 scored 0.333
    on iris, a tie of zeros)."""
    factor = distance_factor(Z_train, Z_test)
    n_neighbors = min(KNN_NEIGHBORS, Z_train.shape[0])
    # in float64: float32 entries of 1e-40 times the factor exceed float32
    Z_train = Z_train.astype(np.float64) * factor
    Z_test = Z_test.astype(np.float64) * factor
    if kind in ("continuous", "continuous-multioutput"):
        knn = KNeighborsRegressor(n_neighbors=n_neighbors).fit(Z_train, y_train)
        return target_r2(y_test, knn.predict(Z_test), sample_weight)
    if kind == "multilabel-indicator":
        knn = KNeighborsClassifier(n_neighbors=n_neighbors).fit(Z_train, y_train)
        return float(jaccard_score(y_test, knn.predict(Z_test), average="samples",
                                   sample_weight=sample_weight, zero_division=1.0))
    if not agreement:
        knn = KNeighborsClassifier(n_neighbors=n_neighbors).fit(Z_train, y_train)
        return float(accuracy_score(y_test, knn.predict(Z_test), sample_weight=sample_weight))
    if sample_weight is not None and not np.sum(sample_weight) > 0:
        sample_weight = None  # a held-out part of weight 0 counts its samples alike
    return neighbor_label_agreement(Z_test, np.asarray(y_test), Z_train, np.asarray(y_train),
                                    n_neighbors=n_neighbors, sample_weight=sample_weight,
                                    among_scored=False)


# ---- pairs: ROC-AUC on pairs of held-out classes -----------------------------


def pair_groups(first, second, similar, n_samples):
    """Class ids of the samples the pairs use, when the pairs carry none:
    the connected components of the graph whose edges are the similar pairs.
    Returns an int array of shape ``(n_samples,)``."""
    graph = sp.coo_matrix(
        (np.ones(int(similar.sum())), (first[similar], second[similar])),
        shape=(n_samples, n_samples),
    )
    return connected_components(graph, directed=False)[1]


def heldout_pair_splits(first_group, second_group, similar, random_state):
    """Splits of pairs by class: the held-out pairs join two held-out classes.

    ``first_group[p]`` and ``second_group[p]`` are the classes (groups) of
    the two samples of pair ``p``. The classes are split with
    scikit-learn's ``GroupKFold`` (``N_FOLDS`` folds); above
    ``MAX_SELECTION_PAIRS`` pairs, a seeded subset of that many is split
    once by ``GroupShuffleSplit`` with ``HELDOUT_SHARE`` of the classes held
    out. A training part keeps the pairs both of whose samples are in
    training classes, a held-out part the pairs both of whose samples are
    held out; pairs across the two are dropped, so that the held-out score
    measures pairs of classes the candidate never saw. A split whose parts
    lack similar or dissimilar pairs is skipped; returns ``[]`` when none
    remains (fewer than 2 classes, say).
    """
    rng = np.random.RandomState(random_state)
    n_pairs = similar.shape[0]
    pair_rows = np.arange(n_pairs)
    if n_pairs > MAX_SELECTION_PAIRS:
        pair_rows = np.sort(rng.choice(n_pairs, MAX_SELECTION_PAIRS, replace=False))
        folds = GroupShuffleSplit(n_splits=1, test_size=HELDOUT_SHARE, random_state=rng)
    first_group, second_group = first_group[pair_rows], second_group[pair_rows]
    classes = np.unique(np.concatenate([first_group, second_group]))
    if classes.shape[0] < 2:
        return []
    if n_pairs <= MAX_SELECTION_PAIRS:
        folds = GroupKFold(n_splits=int(min(N_FOLDS, classes.shape[0])))
    splits = []
    for _, heldout_classes in folds.split(classes, groups=classes):
        held_first = np.isin(first_group, classes[heldout_classes])
        held_second = np.isin(second_group, classes[heldout_classes])
        train = pair_rows[~held_first & ~held_second]
        test = pair_rows[held_first & held_second]
        if _both_kinds(similar[train]) and _both_kinds(similar[test]):
            splits.append((train, test))
    return splits


def _both_kinds(similar):
    return bool(similar.any()) and not bool(similar.all())


def heldout_roc_auc(distances, similar):
    """ROC-AUC of ``-distances`` for telling similar pairs from dissimilar
    ones (scikit-learn's :func:`~sklearn.metrics.roc_auc_score`)."""
    return float(roc_auc_score(similar, -np.asarray(distances)))
