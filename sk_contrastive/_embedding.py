"""ContrastiveEmbedding: metric learning from class labels, as a transformer."""

import functools
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    validate_data,
)

from ._base import BaseContrastive, _is_dask_collection, fit_transaction
from ._streaming import partial_fit
from ._labels import (
    MISSING_VALUES,
    check_label_types,
    check_labels,
    is_missing,
    missing_labels,
)
from ._memory import check_sample_preparation
from ._pair_sources import (
    GradedPairSource,
    LabelPairSource,
    NeighborPairSource,
    PartialGradedPairSource,
    PartialLabelPairSource,
)
from ._rows import canonical_rows, merge_duplicates, row_fingerprints
from ._selection import (
    DEFAULT_PAIRS,
    RESUMED_MAPS,
    heldout_knn_score,
    labelled_splits,
    select_map,
    selection_seed,
    with_unlabelled_samples,
)
from ._scoring import (
    neighbor_label_agreement,
    neighbor_target_score,
    reference_rows,
    trustworthiness,
)
from ._targets import (
    GRADED_TARGETS,
    check_graded_targets,
    check_targets_vary,
    missing_target_rows,
    read_targets,
    target_codes,
)
from ._unit_norm import unit_input_rows
from ._validation import (
    MAX_NEIGHBORS,
    check_auto_string,
    check_integer,
    check_option,
)
from ._weights import check_positive_weights, class_sample_weight, engine_weights

PAIR_STRATEGIES = ("neighbors", "random")
SCORE_N_NEIGHBORS = 5
# What n_random_negatives="auto" means for each map.
LINEAR_RANDOM_NEGATIVES, MLP_RANDOM_NEGATIVES = 2, 20


class ContrastiveEmbedding(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseContrastive):
    """Metric learning with the contrastive loss: a linear map or a small MLP.

    Learns a map ``f`` (the linear map ``f(X) = X @ components_.T``, a
    diagonal map that weighs each feature, or a small fully connected
    network; by default chosen on held-out data, see ``architecture``) that
    brings samples of
    the same class close together and pushes samples of different classes at
    least ``margin`` apart, by minimising over pairs built from the labels::

        mean_p( s_p * d_p**2 + (1 - s_p) * max(margin - d_p, 0)**2 )
            + alpha * ||weights||**2

    where ``d_p`` is the Euclidean distance between the two embedded samples
    of pair ``p`` and ``s_p = 1`` for a similar (same-class) pair, ``0`` for a
    dissimilar one: the contrastive loss of Hadsell, Chopra and LeCun [1]_.
    The gradient is computed in closed form and the problem is solved with
    scipy's L-BFGS-B.

    Read more in the :doc:`user guide </user_guide>`, "The loss and its
    conventions".

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the embedding. ``None`` means ``min(n_features,
        n_samples, 64)`` (or the rows of an ``init`` array): ``n_samples``
        points span at most that many directions, and the cap keeps the map
        of wide data small, ``64 * n_features`` weights, so that a default
        fit costs a bounded multiple of reading ``X`` (the time and memory
        of wide maps are in the user guide, "Large data: speed, memory,
        threads"). Data of at most 64 features keep every dimension.
        At most ``n_features`` for the linear map; any positive size for an
        MLP (whose output layer the cap bounds too). The diagonal map keeps
        the ``n_features`` dimensions (so the selection tries it only up to
        64 features, where the rule gives the same). ``verbose`` logs the
        size of the map and the estimated peak memory.

    architecture : {"auto", "linear", "diagonal", "mlp"}, default="auto"
        The family of the map. ``"linear"``: ``components_`` of shape
        ``(n_components, n_features)``. ``"diagonal"``: one weight per
        feature, ``X * w`` (``components_`` is ``diag(w)``), the capacity
        of metric-learn's ``MMC(diagonal=True)``; its embedding keeps the
        ``n_features`` dimensions, so ``n_components`` must be ``None`` or
        ``n_features``. ``"mlp"``: a fully connected network of
        ``hidden_layer_sizes``. ``"auto"``, with ``hidden_layer_sizes`` and
        ``init`` left ``"auto"`` and labels or targets: chosen in
        ``fit`` on held-out data (stratified 5-fold below 600 samples, else
        a 25 % hold-out, of at most 2,000 samples), by the kNN(5) neighbour
        agreement of the embedding (the share of each held-out sample's 5
        nearest training samples that share its class; kNN(5) accuracy in a
        partly labelled fit, see ``unlabeled_label``): the linear map (below
        600 samples also with the dense pairs, see ``n_positives``), the
        diagonal map (where
        ``n_components`` is ``None``, ``X`` is dense and has at most 64
        features) and, each with ``pos_margin`` 0 and ``"impostor"``, and
        only if the best of them scores more than one binomial standard
        error below the raw features (or, where ``n_components`` is below
        the features' dimension, below the linear map that keeps them all),
        the MLPs ``(64,)`` and ``(128, 64)`` with ``alpha`` 1e-3, 1e-2 and
        1e-1 (never where ``n_features >= n_samples`` or ``margin`` is
        outside an MLP's range). The chosen setting is then fitted on all
        the data; see ``selection_results_`` and the user guide, "Capacity
        and the selection". A given architecture fixes the map, not
        ``pos_margin``, ``alpha`` or the pairs: left ``"auto"``, they are
        still chosen on held-out data (give them too for a single fit). Partly labelled
        data choose on their labelled samples (see ``unlabeled_label``).
        Without a selection (unlabelled or Dask data, a class of one
        sample) ``"auto"`` is the linear map, or the MLP when
        ``hidden_layer_sizes`` is given.

    hidden_layer_sizes : "auto" or tuple of int, default="auto"
        Units of the hidden layers of an MLP: ``(64,)`` or ``(128, 64)``
        learns a fully connected network whose hidden layers apply
        ``activation`` and whose linear output layer has ``n_components``
        units (``coefs_``, ``intercepts_``); gradients are back-propagated
        analytically, all samples at once. A non-empty tuple implies
        ``architecture="mlp"``; ``()`` the linear map. ``"auto"``: chosen
        with the architecture, ``(64,)`` for a given ``architecture="mlp"``.

    activation : {"relu", "tanh", "softplus", "logistic"}, default="relu"
        Activation of the hidden layers (ignored by the linear map).
        ``"relu"`` was the most accurate and fastest on our nonlinear
        benchmarks with L-BFGS; the smooth ``"tanh"`` came close (see the
        user guide, "Nonlinear embeddings: a small MLP").

    metric : {"euclidean", "cosine"}, default="euclidean"
        The space of the embedding. ``"euclidean"``: the map's output as it
        is. ``"cosine"``: each output row divided by its Euclidean norm, in
        training and in ``transform``, so that samples live on the unit
        sphere and a Euclidean kNN on the output ranks neighbours by cosine
        similarity (as ``KNeighborsClassifier(metric="cosine")`` does). The
        normalisation is the last step of the map, and its Jacobian
        ``(I - u u^T) / ||z||`` is part of the analytic gradient. Distances
        are then *chord distances* ``d = ||u - v|| = sqrt(2 - 2 cos(u, v))``
        in [0, 2]: ``margin`` (at most 2), ``pos_margin`` and every distance
        the estimators report are in those units, ``cos = 1 - d**2 / 2``. In
        the terms of pytorch-metric-learning (``CosineSimilarity``,
        ``ContrastiveLoss(pos_margin, neg_margin)`` in similarity units)::

            here (chord distance)      cosine similarity    pytorch-metric-learning
            distance d                 1 - d**2 / 2         CosineSimilarity()(u, v)
            margin m                   1 - m**2 / 2         neg_margin
            pos_margin p               1 - p**2 / 2         pos_margin
            margin=1 (default)         0.5                  neg_margin=0.5
            margin=sqrt(2)             0 (orthogonal)       neg_margin=0
            margin=2                   -1 (opposite)        neg_margin=-1
            pos_margin=0               1                    pos_margin=1

        (its loss is the unsquared hinge ``relu(pos_margin - cos)`` and
        ``relu(cos - neg_margin)``, each kind averaged over its non-zero
        terms; its default ``LpDistance`` is the chord distance too, so its
        default ``ContrastiveLoss(pos_margin=0, neg_margin=1)`` has this
        library's ``margin=1``, unsquared). The margin is a real parameter
        on the sphere, also for a linear map. A linear or diagonal map is
        then fitted without ``alpha``'s penalty (``alpha_`` is 0: its output
        does not depend on the scale of its weights) and on ``X`` as given,
        not centred: ``transform`` is ``normalize(X @ components_.T)``,
        so centre dense ``X`` first (``StandardScaler``) where its origin
        means nothing; TF-IDF rows, whose origin is the empty document, are
        best left as they are. A row whose output is exactly 0 (an empty
        document under a linear map) stays 0: it is not on the sphere, is at
        chord distance 1 from every unit vector, and passes no gradient, as
        :func:`sklearn.preprocessing.normalize` leaves it. The MLP keeps
        ``alpha``, its biases and the centred internal units. See the user
        guide, "Cosine embeddings".

    margin : float, default=1.0
        Dissimilar pairs closer than ``margin`` are pushed apart; between
        1e-150 and 1e150 (so that its square is a normal float) for the
        linear map, between 0.1 and 1000 for an MLP; at most 2, a chord
        distance, with ``metric="cosine"``. For a linear or
        diagonal map with ``pos_margin=0`` the margin only sets the scale of
        the solution: the optimum for ``c * margin`` is exactly ``c`` times
        the optimum for ``margin`` (the loss and the penalty are both
        quadratic in the weights), so neighbours, and a downstream kNN, are
        the same for every margin; a given ``pos_margin=0`` then warns (with
        ``"impostor"``, only if it chose 0 in every round). With the default
        ``pos_margin="auto"`` the margin is a real parameter wherever the
        selection runs: it is scored with the impostor rule, in absolute
        units, among the candidates.

    pos_margin : float, "auto" or "impostor", default="auto"
        Similar pairs closer than ``pos_margin`` stop pulling: their term
        becomes ``s_p * max(d_p - pos_margin, 0)**2``. ``0`` gives the
        contrastive loss of [1]_ exactly. A positive value fixes the scale of
        the embedding, so that ``margin / pos_margin`` decides how far classes
        are pushed apart relative to how tightly they are gathered, and a search over
        ``margin`` compares different models. Must be smaller than ``margin``.
        ``"auto"``: chosen with the map on held-out data between ``0`` and
        ``"impostor"`` (see ``architecture``; with ``metric="cosine"``,
        between ``0`` and the largest value of the rule, from the start);
        ``0`` for an MLP and where no selection runs. ``"impostor"`` chooses it each mining round from the share of anchors
        without an impostor (every similar partner closer than every
        dissimilar one, in the embedding the round starts from; without
        labels, the dissimilar partners are the random ones): a target
        ``R``, ``0`` up to a share of one half, then ``0.6 * (share - 0.5) /
        0.5``, in absolute units: with ``P = R / (1 - R)``, ``1 / pos_margin
        = 1 / P + 1 / margin``. That is ``R`` at ``margin=1``, below any
        margin, and not proportional to it, so a search over ``margin``
        selects. The value of the last round is ``pos_margin_``. Clean
        neighbourhoods then stop being pulled tighter, which fits the
        training pairs less closely: on the quality benchmark it helped the
        linear map on digits and changed no other set by more than its
        spread; it lowered MLPs on digits (the figures are in the user
        guide, "Which option when").

    pair_strategy : {"neighbors", "random"}, default="neighbors"
        How training pairs are chosen from ``y``. ``"neighbors"``: each sample
        with its ``n_positives`` nearest same-class samples (similar), its
        ``n_negatives`` nearest other-class samples and ``n_random_negatives``
        random other-class samples (dissimilar), as LMNN picks target
        neighbours and impostors. ``"random"``: ``n_positives`` random
        same-class and ``n_negatives + n_random_negatives`` random
        other-class partners per sample (labelled data only). Without labels
        (``fit(X)``), as in DrLIM (Hadsell, Chopra & LeCun 2006), each sample
        is similar to its ``n_positives`` nearest neighbours in the input
        space and dissimilar to ``n_negatives + n_random_negatives`` other
        samples drawn at random each round (near non-neighbours made worse
        dissimilar partners: see the user guide, "Unlabelled and partly
        labelled data"). An unlabelled sample among
        labelled ones (``unlabeled_label``) is similar to its ``n_positives``
        nearest neighbours and dissimilar to ``n_random_negatives`` random
        samples.

    n_positives : int or "auto", default="auto"
        Similar partners per sample (fewer in classes that are too small); at
        least 1, since without similar pairs the loss only pushes samples
        apart, and at most 64 (the compiled neighbour selection keeps that
        many). ``"auto"``, with ``n_negatives`` also ``"auto"``: 5, and on
        data of fewer than 600 samples with class labels (every sample
        labelled; not continuous or multi-label targets; ``pos_margin`` not
        ``"impostor"``) the selection (see
        ``architecture``) also tries the linear map with 64 and 64, the
        *dense pairs*: nearly every pair of a small set, which on few
        compact classes generalises as LDA's class statistics do (the user
        guide, "Capacity and the selection"). The value used is
        ``n_positives_``. With ``n_negatives`` given, ``"auto"`` is 5.

    n_negatives : int or "auto", default="auto"
        Nearest dissimilar partners per sample (random ones without labels);
        at most 64. ``"auto"``: 10, or 64 where the selection chose the
        dense pairs (see ``n_positives``; with ``n_positives`` given,
        ``"auto"`` is 10); the value used is ``n_negatives_``.

    n_random_negatives : int or "auto", default="auto"
        Uniformly drawn dissimilar partners per sample. ``"auto"`` means 2 for
        the linear map and 20 for an MLP: 20 random partners instead of 2
        raised the MLP's kNN accuracy on every nonlinear and
        make_classification set of the quality benchmark and let its rounds
        converge within ``max_iter``, while for the linear map they did not
        help (the figures are in the user guide, "Nonlinear embeddings: a
        small MLP").

    n_mining_rounds : int, default=3
        Rounds of pair mining and optimisation. The first round mines
        neighbours in the input space; each later round mines the label pairs
        again in the embedding learned so far and continues the optimisation
        from it, as LMNN updates its impostors. Neighbours of unlabelled
        samples stay those of the input space; their random partners are
        drawn anew. Each round runs up to ``max_iter`` iterations. 3 rounds
        instead of 2 raised the make_classification sets of the quality
        benchmark and lowered none; a fourth added little at a higher cost
        (the figures are in the user guide, "How pairs are chosen").

    mining_block_size : int or None, default=2048
        Neighbour mining is exact for up to this many samples. Beyond, the
        samples are split into spatial blocks of at most this many nearby
        samples (recursive median splits along principal directions) and
        neighbours are searched within each block, so mining costs
        ``O(n_samples * mining_block_size)`` instead of ``O(n_samples**2)``.
        ``None`` always searches exactly.

    mining_components : int or None, default=None
        Dimension of the space where the first round searches neighbours.
        ``None``: the input space for dense ``X``, and the leading 64 singular
        directions (:class:`~sklearn.decomposition.TruncatedSVD`, as in latent
        semantic analysis) of sparse ``X``, whose neighbour search would
        otherwise need a dense copy. An int reduces dense ``X`` the same way,
        which makes the first search faster on data with many features.
        Later rounds search the learned embedding either way.

    alpha : float or "auto", default="auto"
        Weight of the squared L2 norm of the weights (``components_``, or the
        MLP's ``coefs_`` but not its biases) added to the loss; ``0`` leaves
        the contrastive loss alone. ``"auto"`` means ``2.5 / n_samples`` for
        the linear map (``n_samples`` counts sample weights: the sum of
        ``sample_weight`` times ``class_weight``): a ridge penalty whose weight against the mean loss
        falls as the training set grows, as a prior's does in a MAP fit (and
        as :class:`~sklearn.neural_network.MLPClassifier` with the lbfgs
        solver scales its penalty by ``1 / n_samples``). It matters most on
        small training sets; on larger ones it mostly moved accuracy within
        the spread over splits (the user guide, "Which option when", has the
        figures). For an MLP ``"auto"`` is chosen on held-out data among
        1e-3, 1e-2 and 1e-1 where the selection runs (see ``architecture``),
        else ``1e-3``: without weight decay an MLP overfits the mined pairs
        (user guide, "Nonlinear embeddings: a small MLP"). The weights are those of the standardised features (each divided by its
        standard deviation; for an MLP, in its first layer), so the penalty
        does not depend on the units of ``X``; the value used is ``alpha_``.

    init : {"auto", "pca", "lda", "identity", "random"} or ndarray of shape \
            (n_components, n_features), default="auto"
        Starting point of the map, as in
        :class:`~sklearn.neighbors.NeighborhoodComponentsAnalysis`. ``"auto"``
        picks ``"lda"`` if ``n_components <= min(n_features, n_classes - 1)``,
        else ``"pca"`` if ``n_components < min(n_features, n_samples)``, else
        ``"identity"``. ``"random"`` draws a Gaussian matrix from
        ``random_state``. ``"pca"``, ``"lda"`` and ``"random"`` are computed
        on the features centred and divided by the power of two nearest to
        their standard deviation (the fit's internal units); ``"identity"``
        and an array are in the units of ``X``. A named init is then rescaled
        so that the median distance of the dissimilar training pairs equals
        ``margin``, which makes the whole fit scale with the margin; an array
        is used as given. A start that maps every dissimilar pair to one point
        (an all-zero array) is replaced by ``"random"``, with a warning.
        For an MLP only ``"auto"`` and ``"random"`` are accepted. ``"random"``
        is a seeded Glorot (tanh, logistic) or He (relu, softplus) uniform
        draw of the weights with zero biases. ``"auto"`` starts from that draw
        and fits the network, by least squares (at most 50 L-BFGS iterations
        on at most 10,000 samples, unweighted), to a linear layout of the
        training data: its LDA coordinates (up to ``n_classes - 1``; none for
        sparse ``X`` or without labels), then its principal coordinates (a
        TruncatedSVD for sparse ``X``), so that the network starts from the
        arrangement of the classes a linear map finds, as t-SNE and UMAP start
        from PCA or spectral layouts (Kobak & Linderman, Nature Biotechnology,
        2021); the user guide, "Nonlinear embeddings: a small MLP", has its
        effect on the quality benchmark. Either way the output layer is then
        rescaled to the margin.

    max_iter : int, default=100
        Maximum number of L-BFGS iterations per mining round. Reaching it in
        the last round emits one :class:`~sklearn.exceptions.ConvergenceWarning`
        that names every round that reached it.

    tol : float, default=1e-5
        Convergence tolerance of L-BFGS (relative loss decrease and projected
        gradient).

    warm_start : bool, default=False
        If ``True`` and the estimator is already fitted with the same shape,
        start from the previous ``components_`` instead of ``init``, and mine
        every round's pairs in that embedding.

    memory_size : int, default=2000
        For :meth:`partial_fit` only: the most earlier samples a stream
        keeps (their rows as given, labels and weights) to train on with
        each new batch. Reservoir sampling keeps each sample seen so far
        with the same probability, drawn from ``random_state``; ``0``
        learns from each batch alone. Memory in use is that of the batch
        plus ``memory_size`` rows, whatever the length of the stream (user
        guide, "Streaming: partial_fit", has the measurements). ``fit``
        ignores it.

    callback : callable, default=None
        Called after every iteration as ``callback(params, n_iter)``, where
        ``params`` is the current flat parameter vector (for the linear map,
        reshape it to ``(n_components, n_features)``; for an MLP it holds each
        layer's weights, row-major, then its biases, layer by layer), in the
        units of ``X``; ``n_iter`` counts on across mining rounds. Raise
        ``StopIteration`` in it to end the fit early, keeping the current
        parameters.

    verbose : int, default=0
        If positive, log each mining round (pairs built and the time taken),
        one row per L-BFGS iteration (iteration, loss, gradient norm, seconds
        since the fit started), why each round stopped, and a closing summary
        (total time, pair building and optimisation times, iterations, pairs,
        final loss).

    random_state : int, RandomState instance or None, default=None
        Seeds the random pairs, the initialisation (random draws, PCA, the
        sample an MLP's start is fitted on) and the spatial blocks of the
        neighbour search.
        Pass an int for results that repeat exactly.

    unlabeled_label : int, str, float NaN, pandas.NA or None, default=None
        The label that marks an unlabelled sample in ``y``, such as ``-1``
        (the convention of scikit-learn's ``semi_supervised`` module, UMAP
        and ivis), or ``np.nan`` for missing labels. A missing value
        (``np.nan``, ``pandas.NA``, ``pandas.NaT``) marks every missing label
        of ``y``, whatever its form: ``None`` or NaN in a numpy array or a
        list, ``pandas.NA`` or NaN in a pandas Series of any dtype (object,
        string, categorical, nullable ``Int64`` or ``Float64``); all of
        numpy's and pandas' missing values count as one. ``None``: every
        label is a class, so binary labels ``{-1, +1}`` stay two classes
        unless you opt in. Missing labels that ``unlabeled_label`` does not
        mark are a ``ValueError`` that counts them. ``score`` leaves out the
        samples ``unlabeled_label`` marks. An unlabelled sample
        belongs to no class: it is paired, as similar, with its
        ``n_positives`` nearest neighbours in the input space and, as
        dissimilar, with ``n_random_negatives`` samples drawn at random (as
        in DrLIM), never with a sample because that one's label differs;
        labelled samples keep the pairs of their labels, among the labelled
        samples. Whether the unlabelled samples join the fit is chosen on
        held-out labelled samples (see ``architecture``): they do unless the
        map chosen on the labelled samples scores clearly lower with them
        (``selection_results_``'s last row). Class labels are scored there
        by held-out kNN(5) accuracy, not the neighbour agreement of a fully
        labelled fit, and the dense pairs are no candidate (see
        ``n_positives``). For graded targets (see
        ``target_type``) only ``np.nan`` marks a missing target: a whole row
        of NaN (or ``pandas.NA``); a row missing some of its values but not
        all is a ``ValueError``.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}`` (labels not named weigh
        1) or ``"balanced"``: each class weighs ``n_samples / (n_classes *
        n_samples_in_class)``, counting sample weights. As in scikit-learn's
        classifiers they multiply ``sample_weight``; unlabelled samples
        weigh 1. Since a pair weighs its anchor, ``"balanced"`` gives each
        class's anchors the same share of the loss. On a 1:100 imbalanced
        set it raised kNN's minority recall and balanced accuracy (the
        figures are in the user guide, "Robustness").

    target_type : {"auto", "binary", "multiclass", "continuous", \
            "continuous-multioutput", "multilabel-indicator"}, default="auto"
        What ``y`` is, in :func:`~sklearn.utils.multiclass.type_of_target`'s
        names. Class labels (``"binary"``, ``"multiclass"``) make similar
        and dissimilar pairs; the other kinds make pairs similar to a degree
        (see ``fit``). ``"auto"``: ``type_of_target``'s answer, except that
        integer-valued labels that look like quantities (at least 10 % of
        the samples alone under their value, and the values not the
        consecutive integers that ids numbered in turn are) are
        ``"continuous"``: diabetes' progression score is a quantity, 2,000
        identities of 2 photos each are classes. ``target_type_`` says what
        the fit decided.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned linear map, in the dtype of the training data; for the
        diagonal map, the diagonal matrix of its feature weights. Not for
        an MLP.

    coefs_ : list of ndarray
        For an MLP: the weight matrix of each layer, ``coefs_[i]`` of shape
        ``(units in, units out)`` as in
        :class:`~sklearn.neural_network.MLPClassifier`.

    intercepts_ : list of ndarray
        For an MLP: the bias vector of each layer.

    n_iter_ : int
        Number of L-BFGS iterations the last call to ``fit`` or
        ``partial_fit`` ran, over all its mining rounds.

    n_iter_per_round_ : ndarray of shape (n_rounds,), dtype int
        L-BFGS iterations run in each mining round, in order; they sum to
        ``n_iter_``.

    loss_ : float
        Final value of the objective (loss plus penalty).

    loss_curve_ : ndarray of shape (n_iterations,), dtype float64
        The objective (loss plus penalty) after each L-BFGS iteration of
        the last call to ``fit`` or ``partial_fit`` (``n_iter_`` values),
        over all mining rounds, like scikit-learn's
        :class:`~sklearn.neural_network.MLPClassifier` ``loss_curve_`` (which
        ``partial_fit`` extends; each call replaces this one). Each round
        minimises over its own pairs, so the curve can step up where a
        round starts (``np.cumsum(n_iter_per_round_)``); its last value is
        ``loss_`` (empty where no iteration ran).

    n_pairs_ : int
        Number of training pairs in the last mining round.

    pos_margin_ : float
        The ``pos_margin`` of the last mining round: the one the selection
        or the impostor rule chose, else ``pos_margin``.

    target_type_ : str or None
        The kind of ``y`` the fit learned from (see ``target_type``);
        None for ``fit(X)``.

    architecture_ : {"linear", "diagonal", "mlp"}
        The family of the fitted map (chosen by the selection, or given).

    hidden_layer_sizes_ : tuple of int
        The hidden layers of the fitted map (``()`` for a linear or
        diagonal map).

    selection_results_ : dict or None
        The held-out selection behind ``architecture="auto"``, in the layout
        of ``GridSearchCV.cv_results_``: ``params`` (one dict per candidate;
        the first row, ``{"architecture": "raw features"}``, scores the
        input itself), ``mean_test_score``, ``std_test_score``,
        ``split<k>_test_score`` (kNN(5) neighbour agreement on each
        held-out part; kNN(5) accuracy in a partly labelled fit; R² or the
        Jaccard index for graded targets),
        ``mean_fit_time`` (seconds per split), ``rank_test_score``,
        ``dropped`` (bool: the candidate scored far below the best on the
        first of several folds and was fitted on no other; its scores on
        those, its mean and its standard deviation are NaN, and it ranks
        below the rows fitted on every fold) and ``chosen`` (bool, the row
        that was fitted; not always rank 1: the raw features and, with
        ``n_components`` below the features', the reference row
        ``"n_components": None`` are never chosen, an MLP only where it
        beats every linear map, and the dense pairs keep a near-tie, see
        the user guide, "Capacity and the selection"). In a partly labelled
        fit the candidates learn from the labelled samples alone, and a last
        row, the chosen map's parameters with ``"unlabelled samples":
        "used"``, scores it fitted with the unlabelled samples too (see
        ``unlabeled_label``). ``None`` when nothing was selected.

    alpha_ : float
        The penalty weight used: the one ``alpha="auto"`` stands for, else
        ``alpha``.

    n_positives_ : int
        The similar partners per sample of the final fit: the ones
        ``n_positives="auto"`` stands for (see ``n_positives``), else
        ``n_positives``.

    n_negatives_ : int
        The nearest dissimilar partners per sample of the final fit, as
        ``n_positives_``.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.neighbors.NeighborhoodComponentsAnalysis : Linear metric learning
        with a softmax over all pairs (quadratic cost per iteration).

    Notes
    -----
    One loss-and-gradient evaluation costs two dense products of
    ``n_samples x n_features x n_components`` and a pass over the pairs'
    ``n_components``-dimensional differences; no array of size
    ``n_pairs x n_features`` is ever formed. Before allocating, the fit
    estimates its peak memory and raises ``ValueError`` naming the
    parameters to lower when it would not fit. BLAS runs on one thread
    during the fit; the limit is lifted when the last concurrent fit ends.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006. The contrastive loss, here
       in the convention ``mean(s * d**2 + (1 - s) * max(margin - d, 0)**2)``
       with ``s = 1`` for similar pairs (DrLIM labels similar pairs 0 and
       halves both terms).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sk_contrastive import ContrastiveEmbedding
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, stratify=y, test_size=0.3, random_state=0)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     ContrastiveEmbedding(n_components=32, random_state=0),
    ...     KNeighborsClassifier())
    >>> accuracy = model.fit(X_train, y_train).score(X_test, y_test)
    >>> accuracy > 0.97
    True
    """

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
        pair_strategy="neighbors",
        n_positives="auto",
        n_negatives="auto",
        n_random_negatives="auto",
        n_mining_rounds=3,
        mining_block_size=2048,
        mining_components=None,
        alpha="auto",
        init="auto",
        max_iter=100,
        tol=1e-5,
        warm_start=False,
        memory_size=2000,
        callback=None,
        verbose=0,
        random_state=None,
        unlabeled_label=None,
        class_weight=None,
        target_type="auto",
    ):
        self.n_components = n_components
        self.architecture = architecture
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.metric = metric
        self.margin = margin
        self.pos_margin = pos_margin
        self.pair_strategy = pair_strategy
        self.n_positives = n_positives
        self.n_negatives = n_negatives
        self.n_random_negatives = n_random_negatives
        self.n_mining_rounds = n_mining_rounds
        self.mining_block_size = mining_block_size
        self.mining_components = mining_components
        self.alpha = alpha
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.memory_size = memory_size
        self.callback = callback
        self.verbose = verbose
        self.random_state = random_state
        self.unlabeled_label = unlabeled_label
        self.class_weight = class_weight
        self.target_type = target_type

    @fit_transaction
    def fit(self, X, y=None, sample_weight=None):
        """Learn the embedding from labelled, unlabelled or partly labelled samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples. Sparse input (CSR, CSC, COO; matrices or
            arrays) is never densified: see ``mining_components``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
                sparse matrix, or None
            Class labels: samples with equal labels form similar pairs and
            samples with different labels dissimilar ones. ``None``: no
            labels; pairs come from the neighbourhood graph of ``X`` (DrLIM,
            see ``pair_strategy``). Samples labelled ``unlabeled_label``
            belong to no class; missing labels (NaN, ``None``, ``pandas.NA``)
            need ``unlabeled_label=np.nan``.

            Or graded targets (see ``target_type``): continuous values, one
            or several per sample, or a multi-label indicator matrix (dense
            or sparse, one column per label). Each sample is paired with its
            ``n_positives`` most similar samples by target, its
            ``n_negatives`` nearest in the embedding and
            ``n_random_negatives`` random ones, and each pair enters the loss
            with ``s`` its targets' similarity in [0, 1]: for continuous
            targets ``exp(-(delta / 0.1)**2 / 2)`` of ``delta``, the
            difference of their quantiles in the training targets (root
            mean square over the columns: independent of units and
            outliers); for labels the Jaccard index of the label sets. See
            the user guide, "Targets beyond class labels". Missing graded
            targets are rows of NaN with ``unlabeled_label=np.nan``. Graded
            targets cannot be weighed by ``class_weight``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, multiplied by its class's
            ``class_weight``. A sample of weight 0 is the same as no sample
            at all (it is dropped before anything else), and a sample of
            weight ``k`` the same as its row stored ``k`` times: exact copies
            of a row with the same label are merged into one sample whose
            weight is their number, so they never pair with each other. A
            pair's term in the loss weighs its anchor's weight and the loss
            is divided by the total pair weight; the weights sum to the
            number of samples ``alpha="auto"`` counts. The initialisation
            and the neighbour search ignore the weights.

        Returns
        -------
        self : object
            Fitted estimator.

        Raises
        ------
        ValueError
            For invalid parameters or data (NaN or infinity, fewer than 2
            samples of positive weight, a single class, no labelled sample
            or a single labelled class with ``unlabeled_label``, missing
            labels without ``unlabeled_label=np.nan``, negative weights), and
            when the fit would not fit in memory.
        KeyboardInterrupt
            Re-raised when the fit is interrupted (Ctrl-C), so that it also
            stops a surrounding search.

        Notes
        -----
        A fit is a transaction: if it raises, whatever the exception and
        whenever it comes (an interrupt, an invalid parameter, a memory
        error), the estimator is left exactly as it was before the call:
        unfitted, or with its previous fitted model (a ``warm_start`` refit
        included). ``StopIteration`` from ``callback`` is not an error: it
        ends the fit early with the current parameters.
        """
        if _is_dask_collection(X):
            from ._dask import fit_on_cluster

            return fit_on_cluster(self, X, y, sample_weight)
        check_sample_preparation(type(self).__name__, X, y, sample_weight)
        X = canonical_rows(validate_data(
            self, X, ensure_min_samples=2, dtype=[np.float64, np.float32], accept_sparse="csr"
        ))
        self.target_type_, y = (None, None) if y is None else read_targets(y, self.target_type)
        graded = self._graded
        labels = None
        if graded:
            missing = missing_target_rows(y, self.unlabeled_label)
            y = check_graded_targets(y, self.target_type_, X.shape[0], missing=missing)
            labels = target_codes(y, missing)
        elif y is not None:
            check_consistent_length(X, y)
            labels = self._encode_labels(y)
        sample_weight = self._sample_weight(sample_weight, X, y, labels)
        if sample_weight is not None:
            kept = sample_weight > 0
            check_positive_weights(int(kept.sum()))
            if not kept.all():  # a sample of weight 0 is no sample, nor its class
                X, sample_weight = X[kept], sample_weight[kept]
                y = None if y is None else y[kept]
                if graded:
                    labels = labels[kept]
                    check_targets_vary(y[labels >= 0])
                else:
                    labels = None if y is None else self._encode_labels(y)
        # k copies of a sample are one sample of weight k (see _rows)
        rows, sample_weight = merge_duplicates(X, labels, sample_weight)
        if rows is not None:
            X = X[rows]
            y, labels = (None, None) if y is None else (y[rows], labels[rows])
        weights_as_given = sample_weight
        total_weight, sample_weight = engine_weights(sample_weight, X.shape[0])
        n_classes = None if labels is None or graded else int(labels.max()) + 1
        n_components = self._check_engine_params(
            *X.shape, n_classes=n_classes, sparse=sp.issparse(X)
        )
        unlabelled = labels is None or bool(np.any(labels < 0))
        self._check_pair_params(unlabelled=unlabelled)
        make_source = self._pair_source_maker(
            labels is None, unlabelled, known=None if labels is None else labels >= 0)
        supervision = y if graded else labels
        selection = None
        if not unlabelled:
            self._check_memory(X, make_source(supervision), n_components, log=False)
            selection = self._select_map(X, y, weights_as_given)
        elif labels is not None:
            selection, used = self._select_partly_labelled(X, y, labels, weights_as_given)
            if not used:  # the final fit learns from the labelled samples alone
                known = labels >= 0
                X, y, labels = X[known], y[known], labels[known]
                supervision = y if graded else labels
                total_weight = X.shape[0] if weights_as_given is None else float(
                    np.sum(weights_as_given[known]))
                sample_weight = None if sample_weight is None else sample_weight[known]
                unlabelled = False
        if selection is not None:
            n_components = self._check_engine_params(
                *X.shape, n_classes=n_classes, sparse=sp.issparse(X),
                chosen=selection.chosen,
            )
            self._check_pair_params(unlabelled=unlabelled, chosen=selection.chosen)
            make_source = self._pair_source_maker(  # the chosen map's pairs
                False, unlabelled, known=labels >= 0)
        self._warn_about_ineffective_margin()
        source = make_source(supervision)
        self._fit_engine(
            X, source, n_components, sample_weight, total_weight,
            start=None if selection is None else selection.start,
        )
        self.selection_results_ = None if selection is None else selection.results
        self._selected_for = None if selection is None else selection.key
        if labels is None:
            self._fitted_reference = (None, None, None)
        elif graded:  # the reference subset is drawn at random, not by class
            known = labels >= 0
            self._keep_score_reference(X[known], y[known], np.zeros(known.sum(), dtype=np.intp))
        else:
            labelled = labels >= 0
            self._keep_score_reference(X[labelled], y[labelled], labels[labelled])
            self._fitted_classes = np.unique(y[labelled])  # where partial_fit continues
        return self

    @fit_transaction
    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        """Learn from one batch of a stream, and a memory of earlier samples.

        Each call trains on the batch together with at most ``memory_size``
        earlier samples (see ``memory_size``; the idea of
        pytorch-metric-learning's ``CrossBatchMemory``, with raw rows, so
        the remembered samples are embedded by the current map): pairs are
        mined within that training set as ``fit`` mines them (labelled,
        partly labelled with ``unlabeled_label``, or unlabelled), in the
        embedding of the current map, for one mining round of at most
        ``max_iter`` L-BFGS iterations warm-started from the current map.
        Then the batch enters the memory. Deterministic for a fixed
        ``random_state`` and order of the batches.

        The first call fixes what depends on the data: the internal units
        (features centred and scaled by the first batch), ``n_components``
        (its rule applied to the first batch), ``alpha="auto"`` (from the
        first batch's sample count), the start (``init``, on the first
        batch), the dtype (float32 or float64; later batches are cast) and
        the format (dense or CSR; later batches are converted), and whether
        the stream is labelled. Make the first batch representative; a
        feature constant in every call so far takes its units from the
        first call in which it varies. ``n_components``, ``architecture``,
        ``hidden_layer_sizes``, ``activation``, ``metric`` and
        ``memory_size`` must not change during the stream.
        ``architecture="auto"`` is the linear map (no held-out selection);
        an explicit MLP or diagonal map streams too. ``warm_start`` and
        ``n_mining_rounds`` do not apply.

        After :meth:`fit`, ``partial_fit`` continues from the fitted map,
        with that fit's internal units, map, ``alpha_``, ``pos_margin_``,
        ``n_positives_`` and ``n_negatives_`` (where left ``"auto"``),
        its classes (to which later ones may add) and an empty memory.
        :meth:`fit` after ``partial_fit`` starts over and forgets the
        stream.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The batch. Read it from a file too large to load with
            ``np.memmap``, one slice at a time.
        y : array-like of shape (n_samples,), default=None
            Class labels (samples that ``unlabeled_label`` marks are
            unlabelled), or ``None`` for an unlabelled stream. A stream
            keeps the kind of its first call. Continuous and multi-label
            targets are refused (their similarity needs the quantiles of
            the whole set: use ``fit``).
        classes : array-like of shape (n_classes,), default=None
            Every label of the stream, on the first call only, as
            scikit-learn's incremental classifiers take it: a later label
            outside it is a ``ValueError``. Without it, the classes are
            those seen so far, and new ones may come at any call (after
            ``fit``, those of the fit to begin with). Unlike
            :class:`~sklearn.linear_model.SGDClassifier`, whose weights are
            fixed per class, ``class_weight="balanced"`` does not need it:
            each call weighs the classes of its own training set (batch and
            memory) equally, which ``classes`` would change only by a common
            factor, so classes that arrive late or that the memory holds few
            of weigh as much as the others.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample of the batch (kept with it in
            the memory); weight 0 is no sample.

        Returns
        -------
        self : object
            The estimator, fitted on the stream so far.

        Raises
        ------
        ValueError
            For a batch of another kind (labelled or not) than the first,
            graded targets, labels outside ``classes``, other ``classes``
            on a later call, another number of features, a parameter of
            the map or ``memory_size`` changed since the first call, fewer
            than 2 samples or 2 classes in the batch and memory together,
            and whatever ``fit`` refuses.

        Notes
        -----
        Like ``fit``, a transaction: a call that raises leaves the
        estimator, its map and its memory, as before the call. The caller's
        arrays are never modified.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from sk_contrastive import ContrastiveEmbedding
        >>> X, y = make_classification(n_samples=1200, n_features=10, n_informative=4,
        ...                            n_classes=3, random_state=0)
        >>> model = ContrastiveEmbedding(n_components=3, max_iter=20, memory_size=300,
        ...                              random_state=0)
        >>> for batch in np.array_split(np.arange(1200), 4):
        ...     model = model.partial_fit(X[batch], y[batch], classes=[0, 1, 2])
        >>> model.transform(X[:2]).shape
        (2, 3)
        >>> model.score(X, y) > 0.8
        True
        """
        return partial_fit(self, X, y, classes, sample_weight)

    @property
    def _graded(self):
        """Whether this fit learns from graded targets (see ``target_type``)."""
        return getattr(self, "target_type_", None) in GRADED_TARGETS

    def _select_map(self, X, y, sample_weight, partly_labelled=False):
        """The :class:`~._selection.Selection` of the held-out choice of the map (see
        ``_selection``), scored by held-out kNN agreement (R² or the Jaccard
        index for graded targets), with the dense pairs among the candidates
        where the parameters allow them; None where the parameters fix the
        map, a ``warm_start`` refit keeps it or a class has a single sample.

        The labelled part of a partly labelled fit (``partly_labelled``)
        chooses as before both: by held-out kNN accuracy, without dense
        pairs (the unlabelled samples' ``n_positives`` nearest neighbours
        would be their similar partners). Whether its unlabelled samples
        help is decided on the same score, and by agreement they did not:
        on digits with 90 % of the labels hidden, held-out agreement fell
        from 0.843 to 0.805 with them while test accuracy rose (the user
        guide, "Unlabelled and partly labelled data")."""
        kind, graded = self.target_type_, self._graded
        # the raw features as the metric compares them
        raw = unit_input_rows if self.metric == "cosine" else (lambda rows: rows)

        def raw_score(train, test):
            weights = None if sample_weight is None else sample_weight[test]
            return heldout_knn_score(
                kind, raw(X[train]), y[train], raw(X[test]), y[test], weights,
                agreement=not partly_labelled)

        return select_map(
            self, X, y.shape[0], lambda: self._selection_splits(y),
            self._heldout_scorer(X, y, sample_weight, agreement=not partly_labelled),
            raw_score,
            resume=() if graded else RESUMED_MAPS, impostor_rule=not graded,
            always_escalate=graded,
            # (the candidates have them only with both counts left "auto")
            dense_pairs=not partly_labelled and not graded
            and self.pair_strategy == "neighbors",
        )

    def _selection_splits(self, y):
        return labelled_splits(y, selection_seed(self.random_state), stratify=not self._graded)

    def _heldout_scorer(self, X, y, sample_weight, extra_rows=None, agreement=True):
        """``fit_and_score(model, train, test)`` of the selection: ``model``
        fitted on the rows ``train`` of ``X`` (and ``extra_rows``, unlabelled
        ones), scored by held-out kNN on the rows ``test`` (class labels: by
        neighbour agreement, or accuracy without ``agreement``)."""
        kind = self.target_type_
        given = y[:, 0] if kind == "continuous" else y  # as a user gives it

        def weights(rows):
            return None if sample_weight is None else sample_weight[rows]

        def fit_and_score(model, train, test):
            # the weights hold class_weight already: once is enough; and a
            # part of y is read as the whole was
            model.set_params(class_weight=None, target_type=kind)
            fitted = train if extra_rows is None else np.concatenate([train, extra_rows])
            model.fit(X[fitted], given[fitted], sample_weight=weights(fitted))
            return heldout_knn_score(
                kind, model.transform(X[train]), y[train], model.transform(X[test]), y[test],
                weights(test), agreement=agreement,
            )

        return fit_and_score

    def _select_partly_labelled(self, X, y, labels, sample_weight):
        """``(selection, used)`` of a partly labelled fit: the map chosen on
        the labelled samples (:meth:`_select_map`), and whether the
        unlabelled samples help it on the same held-out splits
        (:func:`~._selection.with_unlabelled_samples`); ``(None, True)``
        where there is nothing to choose."""
        known = labels >= 0
        rows = np.flatnonzero(known)
        weights = None if sample_weight is None else sample_weight[known]
        selection = self._select_map(X[known], y[known], weights, partly_labelled=True)
        if selection is None:
            return None, True
        if self._graded:  # the unlabelled samples' targets as a user marks them
            y = np.asarray(y, dtype=np.float64)
            y[~known] = np.nan
        splits = [(rows[train], rows[test]) for train, test in self._selection_splits(y[known])]
        return with_unlabelled_samples(
            self, selection, splits,
            self._heldout_scorer(X, y, sample_weight, extra_rows=np.flatnonzero(~known),
                                 agreement=False),
            X.shape[0] * X.shape[1],
        )

    def _sample_weight(self, sample_weight, X, y, labels):
        """Each sample's weight, ``sample_weight`` times ``class_weight``
        (see ``_weights``), or None when neither is given."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        if self.class_weight is None:
            return sample_weight
        if self._graded:
            raise ValueError(
                f"class_weight={self.class_weight!r} weighs classes, but y holds "
                f"{self.target_type_} targets: pass sample_weight instead, or leave "
                "class_weight=None."
            )
        if labels is None:
            raise ValueError(
                f"class_weight={self.class_weight!r} weighs classes, but fit got no "
                "labels: pass y, or leave class_weight=None."
            )
        labelled = labels >= 0
        classes = np.empty(int(labels.max()) + 1, dtype=y.dtype)
        classes[labels[labelled]] = y[labelled]
        factor = class_sample_weight(self.class_weight, labels, classes, sample_weight)
        return factor if sample_weight is None else sample_weight * factor

    def _pair_source_maker(self, no_labels, unlabelled, known=None):
        """``make(labels)``: this fit's pair source for a set of samples' labels
        (for graded targets, their targets; ``known``: which samples have one)."""
        settings = self._pair_settings()
        if self._graded and unlabelled:
            return functools.partial(
                PartialGradedPairSource, known=known, kind=self.target_type_, **settings)
        if self._graded:
            return functools.partial(GradedPairSource, kind=self.target_type_, **settings)
        if no_labels:
            return functools.partial(NeighborPairSource, **settings)
        if unlabelled:
            return functools.partial(PartialLabelPairSource, **settings)
        return functools.partial(LabelPairSource, strategy=self.pair_strategy, **settings)

    def _fitted_settings(self):
        n_positives, n_negatives = self._pair_counts_choice
        return {"n_positives_": n_positives, "n_negatives_": n_negatives}

    def _pair_settings(self):
        """The parameters every pair source of this estimator takes."""
        return dict(
            n_positives=self._pair_counts_choice[0],
            n_negatives=self._pair_counts_choice[1],
            n_random_negatives=self._n_random_negatives(),
            n_rounds=self.n_mining_rounds,
            block_size=self.mining_block_size,
            mining_components=self.mining_components,
        )

    def _unlabelled(self, y, n_missing=None):
        """Mask of the samples ``unlabeled_label`` marks in ``y`` (an ndarray
        from ``check_labels``; ``n_missing``: how many labels are missing
        when ``y`` holds the distinct labels only).

        A missing ``unlabeled_label`` (``np.nan``, ``pandas.NA``) marks every
        missing label; any other leaves none allowed.
        """
        missing = missing_labels(y)
        marker = self.unlabeled_label
        if marker is not None and is_missing(marker):
            return missing
        if missing.any():
            n_missing = int(missing.sum() if n_missing is None else n_missing)
            unmarked = "" if marker is None else f" that unlabeled_label={marker!r} does not mark"
            raise ValueError(
                f"y holds {n_missing} missing label(s) ({MISSING_VALUES}){unmarked}. "
                "To fit them as unlabelled samples (partly labelled data), pass "
                "unlabeled_label=np.nan; otherwise drop those samples."
            )
        if marker is None:
            return missing
        if (y.dtype.kind in "US") != isinstance(marker, (str, bytes)):
            return missing  # (numpy < 2 warns on comparing text with a number)
        try:
            unlabelled = np.asarray(y == marker, dtype=bool)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"unlabeled_label={marker!r} cannot be compared with the labels in y "
                f"({error})."
            ) from error
        return unlabelled if unlabelled.shape == y.shape else missing

    def _encode_labels(self, y, n_missing=None):
        """Class codes ``0 .. n_classes - 1``, and ``-1`` for ``unlabeled_label``."""
        unlabelled = self._unlabelled(y, n_missing)
        check_label_types(y[~unlabelled])
        check_classification_targets(y[~unlabelled])
        classes, codes = np.unique(y[~unlabelled], return_inverse=True)
        if classes.shape[0] < 2:
            if self.unlabeled_label is not None and np.any(unlabelled):
                found = (
                    "no labelled sample" if classes.shape[0] == 0
                    else f"the single labelled class {classes[0].item()!r}"
                )
                raise ValueError(
                    f"With unlabeled_label={self.unlabeled_label!r}, y holds {found}: "
                    "partly labelled data needs labelled samples of at least 2 classes "
                    "(or 2 different continuous targets: give target_type='continuous') "
                    "to form dissimilar pairs. Use fit(X) to learn from unlabelled "
                    "data alone."
                )
            raise ValueError(
                "ContrastiveEmbedding needs samples of at least 2 classes to form "
                f"dissimilar pairs; y holds the single class {classes[0].item()!r}. Use "
                "fit(X), without y, to learn from unlabelled data."
            )
        labels = np.full(y.shape[0], -1, dtype=np.intp)
        labels[~unlabelled] = codes
        return labels

    def _check_pair_params(self, unlabelled, chosen=None):
        check_option(self.pair_strategy, "pair_strategy", PAIR_STRATEGIES)
        if self._graded and self.pair_strategy != "neighbors":
            raise ValueError(
                f"pair_strategy={self.pair_strategy!r} draws pairs by class; "
                f"{self.target_type_} targets take the pairs of pair_strategy='neighbors'."
            )
        if unlabelled and self.pair_strategy != "neighbors":
            raise ValueError(
                f"pair_strategy={self.pair_strategy!r} needs every sample labelled; "
                "unlabelled samples take their pairs from the neighbourhood graph "
                "(pair_strategy='neighbors')."
            )
        counts = []
        for name, floor, default in zip(("n_positives", "n_negatives"), (1, 0), DEFAULT_PAIRS):
            value = getattr(self, name)
            if check_auto_string(value, name, f"an integer in [{floor}, {MAX_NEIGHBORS}]",
                                 kind=numbers.Integral):
                # what a selection chose (or a fit a stream continues), else the rule
                value = (chosen or {}).get(name, default)
            check_integer(value, name, min_val=floor, max_val=MAX_NEIGHBORS)
            counts.append(int(value))
        self._pair_counts_choice = tuple(counts)
        if not check_auto_string(self.n_random_negatives, "n_random_negatives",
                                 "an integer >= 0", kind=numbers.Integral):
            check_integer(self.n_random_negatives, "n_random_negatives", min_val=0)
        if self._pair_counts_choice[1] + self._n_random_negatives() < 1:
            raise ValueError(
                "n_negatives + n_random_negatives must be at least 1: without "
                "dissimilar pairs the loss collapses the embedding to a point."
            )
        check_integer(self.n_mining_rounds, "n_mining_rounds", min_val=1)
        if self.mining_components is not None:
            check_integer(self.mining_components, "mining_components", min_val=1)
        if self.mining_block_size is not None:
            check_integer(self.mining_block_size, "mining_block_size", min_val=2)

    def _n_random_negatives(self):
        """``n_random_negatives`` with ``"auto"`` resolved for this map."""
        if isinstance(self.n_random_negatives, str):
            return (
                MLP_RANDOM_NEGATIVES if self._map_choice[0] == "mlp"
                else LINEAR_RANDOM_NEGATIVES
            )
        return self.n_random_negatives

    def _reference_row_bytes(self, X, y):
        """Bytes ``score`` keeps per training sample: its embedding, label
        (or targets) and row fingerprint."""
        label_bytes = y.dtype.itemsize * (y.shape[1] if y.ndim == 2 else 1)
        return self._projection.n_components * X.dtype.itemsize + label_bytes + 8

    def _keep_score_reference(self, X, y, codes):
        """Keep for ``score`` the labelled training samples (``codes``: their
        class codes), or a seeded stratified subset of them within
        ``_scoring.SCORE_REFERENCE_BYTES``: embedded, with their labels and
        row fingerprints."""
        rows = reference_rows(
            codes, self._reference_row_bytes(X, y), check_random_state(self.random_state)
        )
        X = X[rows]
        embedded = self._projection.forward(self._projection.params_from(self), X)[0]
        self._fitted_reference = (embedded, y[rows], row_fingerprints(X))

    def transform(self, X):
        """Embed samples with the learned map.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to embed.

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, n_components)
            For the linear map ``X @ components_.T``; for an MLP the output of
            the network ``coefs_``, ``intercepts_`` (hidden layers apply
            ``activation``, the output layer is linear); with
            ``metric="cosine"``, each row of that divided by its norm (a row
            of zeros stays 0). float32 for float32 input, else float64.

            For a Dask array, a Dask array of the embedding, computed where
            its chunks are.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            If ``X`` has another number of features than in ``fit``, no
            sample, NaN or infinity.
        """
        if _is_dask_collection(X):
            from ._dask import transform_on_cluster

            return transform_on_cluster(self, X)
        return self._embed(X)

    def score(self, X, y=None, sample_weight=None):
        """How well the embedding of ``X`` agrees with ``y``, or with ``X`` itself.

        With labels, the **neighbour label agreement**: each sample of ``X``
        is embedded and compared with its 5 nearest neighbours among the
        other samples of ``X`` and the labelled training samples ``fit``
        kept (embedded by the fitted map, with their labels; none after an
        unlabelled fit); its score is the fraction of those neighbours that
        share its label (the share of a 5-NN vote its true label gets), and
        the score is the mean over ``X``. It is higher for better
        embeddings, independent of the embedding's scale (so of a margin
        that only rescales it), deterministic, and ranks models on any
        cross-validation fold: a fold that holds one class scores how well
        that class stays apart from the training samples of the others.

        A kept training sample that is also a row of ``X`` (the same values,
        recognised by a 64-bit fingerprint of the row) counts once, as a row
        of ``X``: a sample is never its own neighbour, so on the training
        data the score is the leave-one-out 5-NN agreement, and the train
        and test scores of a cross-validation compare. ``fit`` keeps every
        labelled training sample while their embedding, label and
        fingerprint take at most 2 MiB, and beyond that a seeded subset of
        as many, stratified by class (a 100,000-sample fit in 50 dimensions
        keeps 5,041); the subset depends on the training data and
        ``random_state``, not on the learned map. Its samples are farther
        apart than the whole training set's, so on few held-out samples the
        score then reads lower than a kNN accuracy on the whole training
        set, alike for every model.

        Without labels, the **trustworthiness** of the embedding (Venna &
        Kaski 2001, as :func:`sklearn.manifold.trustworthiness`) with 5
        neighbours: 1 when the 5 nearest neighbours of every sample in the
        embedding are among its 5 nearest in the input space (measured, as
        the fit sees it, on features centred and scaled by powers of two),
        lower the more embedded neighbours are strangers there. Distances of
        ``X`` are computed in chunks of rows, so memory stays bounded;
        time grows as ``n_samples**2``.

        With graded targets (a fit on continuous or multi-label ``y``, see
        ``target_type_``), the **kNN prediction score** from the same
        neighbours: the R² of their mean target (scikit-learn's
        ``r2_score``, averaged over several targets; the leave-one-out R² of
        ``KNeighborsRegressor(5)`` on the training data), or the
        samples-averaged Jaccard index of their majority vote per label.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to embed and score.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
                sparse matrix, or None
            Class labels, or ``None`` for trustworthiness. Samples that
            ``unlabeled_label`` marks (with ``unlabeled_label=np.nan``, those
            whose label is missing) are left out: the score is that of the
            labelled samples of ``X``. After a fit on graded targets, targets
            of the same kind and number of columns.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the mean (with labels or targets only).

        Returns
        -------
        score : float
            In [0, 1]; an R² is at most 1 and below 0 when the neighbours
            predict worse than the mean target.

        Raises
        ------
        ValueError
            If ``X`` is invalid for ``transform``, ``y`` does not match it,
            holds no labelled sample or missing labels ``unlabeled_label``
            does not mark, or there are too few samples to compare (2 with
            labels after an unlabelled fit, 3 without labels).
        """
        Z = np.asarray(self.transform(X))  # an ndarray, whatever set_output says
        if y is None:
            X = validate_data(
                self, X, reset=False, dtype=[np.float64, np.float32], accept_sparse="csr"
            )
            return trustworthiness(self._fitted_scaling.apply(X), Z, SCORE_N_NEIGHBORS)
        if self._graded:
            return self._score_targets(X, Z, y, sample_weight)
        y = check_labels(y)
        check_consistent_length(Z, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, Z, ensure_non_negative=True)
        labelled = ~self._unlabelled(y)
        if not labelled.any():
            raise ValueError("y holds no labelled sample to score.")
        if not labelled.all():
            Z, y = Z[labelled], y[labelled]
            sample_weight = None if sample_weight is None else sample_weight[labelled]
        check_label_types(y)
        check_classification_targets(y)
        if sample_weight is not None and not sample_weight.max(initial=0) > 0:
            raise ValueError("sample_weight sums to 0: no sample to score.")
        reference, reference_labels, fingerprints = self._fitted_reference
        if reference is not None:
            seen = np.isin(fingerprints, self._row_fingerprints(X)[labelled])
            reference, reference_labels = reference[~seen], reference_labels[~seen]
        return neighbor_label_agreement(
            Z, y, reference, reference_labels, SCORE_N_NEIGHBORS, sample_weight
        )

    def _score_targets(self, X, Z, y, sample_weight):
        """``score`` of graded targets: kNN R² or Jaccard (see ``score``)."""
        reference, reference_y, fingerprints = self._fitted_reference
        missing = missing_target_rows(y, self.unlabeled_label)
        y = check_graded_targets(
            y, self.target_type_, Z.shape[0], reference_y.shape[1], missing=missing)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, Z, ensure_non_negative=True)
        if missing.all():
            raise ValueError("y holds no sample with a target to score.")
        known = ~missing
        Z, y = Z[known], y[known]
        sample_weight = None if sample_weight is None else sample_weight[known]
        if sample_weight is not None and not sample_weight.max(initial=0) > 0:
            raise ValueError("sample_weight sums to 0: no sample to score.")
        if self.target_type_ != "multilabel-indicator" and Z.shape[0] < 2:
            raise ValueError(f"R² needs at least 2 samples to score; got {Z.shape[0]}.")
        seen = np.isin(fingerprints, self._row_fingerprints(X)[known])
        return neighbor_target_score(
            Z, y, self.target_type_, reference[~seen], reference_y[~seen],
            SCORE_N_NEIGHBORS, sample_weight,
        )

    def _row_fingerprints(self, X):
        """``row_fingerprints`` of ``X`` as ``fit`` would see it; of a Dask
        array, computed on the workers."""
        if _is_dask_collection(X):
            from ._dask import row_fingerprints_on_cluster

            return row_fingerprints_on_cluster(X)
        return row_fingerprints(validate_data(
            self, X, reset=False, dtype=[np.float64, np.float32], accept_sparse="csr"
        ))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

