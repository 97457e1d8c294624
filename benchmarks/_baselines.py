"""Optional comparison methods: metric-learn, supervised UMAP and a PyTorch
contrastive model.

None of these packages is a dependency of sk_contrastive; each factory
returns {} when its package is missing, and the benchmark leaves that column
out.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


def metric_learn_estimators(n_components, random_state=0):
    """LMNN and ITML from metric-learn, or {} when it is not installed."""
    try:
        import metric_learn
    except ImportError:
        return {}
    _patch_metric_learn_for_new_sklearn(metric_learn)
    return {
        "metric-learn LMNN": metric_learn.LMNN(
            n_neighbors=3, n_components=n_components, random_state=random_state
        ),
        "metric-learn ITML": metric_learn.ITML_Supervised(random_state=random_state),
    }


def metric_learn_pair_learners(preprocessor, quick=False, random_state=0):
    """metric-learn's ITML and (unless ``quick``) MMC pair learners on index
    pairs into ``preprocessor`` (labels +1 similar, -1 dissimilar), or {}
    without metric-learn."""
    try:
        import metric_learn
    except ImportError:
        return {}
    _patch_metric_learn_for_new_sklearn(metric_learn)
    learners = {"metric-learn ITML": metric_learn.ITML(preprocessor=preprocessor,
                                                       random_state=random_state)}
    if not quick:
        learners["metric-learn MMC"] = metric_learn.MMC(preprocessor=preprocessor,
                                                        random_state=random_state)
    return learners


def _patch_metric_learn_for_new_sklearn(metric_learn):
    """metric-learn 0.7.0 passes ``force_all_finite``, which scikit-learn 1.8
    renamed ``ensure_all_finite``; translate the keyword for its validation.
    SDML passes ``cov_init`` to ``graphical_lasso``, which scikit-learn 1.5
    removed (it was only the solver's start: the problem is convex); drop it."""
    from metric_learn import _util, sdml

    if getattr(_util, "_keyword_patched", False):
        return

    def renamed(function):
        def call(*args, **kwargs):
            if "force_all_finite" in kwargs:
                kwargs["ensure_all_finite"] = kwargs.pop("force_all_finite")
            return function(*args, **kwargs)
        return call

    _util.check_array = renamed(_util.check_array)
    _util.check_X_y = renamed(_util.check_X_y)
    graphical_lasso = sdml.graphical_lasso
    sdml.graphical_lasso = lambda *args, cov_init=None, **kwargs: graphical_lasso(
        *args, **kwargs)
    _util._keyword_patched = True


def umap_estimators(n_components, random_state=0):
    """Supervised UMAP (``fit(X, y)``, umap-learn's defaults), or {} without
    umap-learn."""
    try:
        import umap
    except ImportError:
        return {}
    return {"supervised UMAP": umap.UMAP(n_components=n_components,
                                         random_state=random_state)}


class TorchContrastive(TransformerMixin, BaseEstimator):
    """pytorch-metric-learning's ContrastiveLoss on a linear layer or a small MLP.

    Adam on mini-batches, all pairs within each batch (the library's default
    pair handling), one torch thread (steadier than two on this machine).
    """

    def __init__(self, n_components=2, hidden=0, epochs=30, batch_size=256,
                 learning_rate=1e-2, random_state=0):
        self.n_components = n_components
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X, y):
        import torch
        from pytorch_metric_learning.losses import ContrastiveLoss

        torch.set_num_threads(1)
        torch.manual_seed(self.random_state)
        X = torch.as_tensor(np.asarray(X, dtype=np.float32))
        y = torch.as_tensor(np.unique(y, return_inverse=True)[1])
        d = X.shape[1]
        if self.hidden:
            model = torch.nn.Sequential(
                torch.nn.Linear(d, self.hidden), torch.nn.ReLU(),
                torch.nn.Linear(self.hidden, self.n_components))
        else:
            model = torch.nn.Linear(d, self.n_components)
        loss_function = ContrastiveLoss(pos_margin=0.0, neg_margin=1.0)
        optimizer = torch.optim.Adam(model.parameters(), lr=self.learning_rate)
        generator = torch.Generator().manual_seed(self.random_state)
        for _ in range(self.epochs):
            for batch in torch.randperm(len(X), generator=generator).split(self.batch_size):
                optimizer.zero_grad()
                loss_function(model(X[batch]), y[batch]).backward()
                optimizer.step()
        self.model_ = model.eval()
        return self

    def transform(self, X):
        import torch

        with torch.no_grad():
            return self.model_(torch.as_tensor(np.asarray(X, dtype=np.float32))).numpy()


def torch_estimators(n_components, random_state=0):
    """Linear and MLP PyTorch contrastive baselines, or {} without torch/PML."""
    try:
        import pytorch_metric_learning  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return {}
    return {
        "PyTorch linear": TorchContrastive(n_components=n_components,
                                           random_state=random_state),
        "PyTorch MLP (64,)": TorchContrastive(n_components=n_components, hidden=64,
                                              random_state=random_state),
    }


class SDMLLargestBalance:
    """metric-learn's SDML (its defaults otherwise) with the largest
    ``balance_param`` of a ladder that fits: its default (0.5) and larger weights of the pair term make the
    graphical lasso's input too ill-conditioned on the verification sets
    ("Non SPD result"). The ladder is tried on the training pairs only;
    ``balance_param_`` is the weight used."""

    LADDER = (0.5, 0.1, 1e-2, 1e-3, 1e-4, 1e-5)

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, pairs, y):
        import metric_learn

        for balance_param in self.LADDER:
            learner = metric_learn.SDML(balance_param=balance_param,
                                        random_state=self.random_state)
            try:
                self.learner_ = learner.fit(pairs, y)
            except RuntimeError:
                continue
            self.balance_param_ = balance_param
            return self
        raise RuntimeError(f"SDML did not fit with any balance_param of {self.LADDER}")

    def decision_function(self, pairs):
        return self.learner_.decision_function(pairs)


def metric_learn_verification_learners(quick=False, random_state=0):
    """metric-learn's pair learners for pairs of samples (labels +1 similar,
    -1 dissimilar): ITML, SDML (:class:`SDMLLargestBalance`), MMC with a
    diagonal and (unless ``quick``: 20-60 s a fit) a full matrix; {} without
    metric-learn."""
    try:
        import metric_learn
    except ImportError:
        return {}
    _patch_metric_learn_for_new_sklearn(metric_learn)
    learners = {
        "metric-learn ITML": metric_learn.ITML(random_state=random_state),
        "metric-learn SDML": SDMLLargestBalance(random_state=random_state),
        "metric-learn MMC diagonal": metric_learn.MMC(diagonal=True,
                                                      random_state=random_state),
    }
    if not quick:
        learners["metric-learn MMC full"] = metric_learn.MMC(random_state=random_state)
    return learners
