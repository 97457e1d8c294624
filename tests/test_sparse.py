"""Sparse input: fitted, transformed and scored without densifying."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier

FORMATS = [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array, sp.coo_matrix,
           sp.coo_array]


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def centred_sparse():
    """Sparse data whose columns have mean exactly 0 (each row appears with
    both signs), so that the dense fit's centring changes nothing and both
    forms share one internal space."""
    half = sp.random(60, 30, density=0.2, format="csr", random_state=0,
                     data_rvs=lambda n: np.random.default_rng(0).uniform(0.5, 2, n))
    X = sp.vstack([half, -half]).tocsr()
    y = np.tile(np.arange(60) % 3, 2)
    return X, y


@pytest.mark.parametrize("container", FORMATS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_sparse_format_and_dtype_fits(centred_sparse, container, dtype):
    X, y = centred_sparse
    X = container(X.astype(dtype))
    model = fit_quietly(ContrastiveEmbedding(4, max_iter=20, random_state=0), X, y)
    Z = model.transform(X)
    assert isinstance(Z, np.ndarray) and Z.shape == (120, 4) and Z.dtype == dtype
    assert model.components_.dtype == dtype
    assert 0.0 <= model.score(X, y) <= 1.0 and 0.0 <= model.score(X) <= 1.0


@pytest.mark.parametrize(
    "params",
    [
        {"pair_strategy": "random", "init": "random"},
        {"mining_components": 8, "init": "random"},
        # alpha given: a selection's folds are not centred, so their dense and
        # sparse fits live in different internal units
        {"mining_components": 8, "init": "random", "hidden_layer_sizes": (6,), "alpha": 1e-3},
    ],
    ids=["random pairs", "mined in the same reduced space", "mlp"],
)
def test_sparse_and_dense_forms_give_the_same_embedding(centred_sparse, params):
    X, y = centred_sparse
    sparse_model = fit_quietly(ContrastiveEmbedding(4, random_state=0, **params), X, y)
    dense_model = fit_quietly(
        ContrastiveEmbedding(4, random_state=0, **params), X.toarray(), y)
    Z_sparse, Z_dense = sparse_model.transform(X), dense_model.transform(X.toarray())
    assert sparse_model.n_iter_ == dense_model.n_iter_
    # the products run in another order on sparse data: the same iterations,
    # agreeing to rounding amplified over them
    assert np.abs(Z_sparse - Z_dense).max() < 1e-4 * np.abs(Z_dense).max()


def test_sparse_unlabelled_partly_labelled_and_pair_fits(centred_sparse):
    X, y = centred_sparse
    unlabelled = fit_quietly(ContrastiveEmbedding(3, random_state=0), X)
    assert unlabelled.score(X) > 0.5
    y_partial = np.where(np.arange(120) % 4 == 0, y, -1)
    semi = fit_quietly(ContrastiveEmbedding(3, unlabeled_label=-1, random_state=0),
                       X, y_partial)
    assert np.all(np.isfinite(semi.transform(X)))
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, 120, (300, 2))
    same = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
    classifier = fit_quietly(
        ContrastivePairClassifier(3, architecture="linear", preprocessor=X, random_state=0),
        pairs, same)
    dense = fit_quietly(
        ContrastivePairClassifier(3, preprocessor=X.toarray(), random_state=0, init="random"),
        pairs, same)
    assert classifier.score(pairs, same) > 0.6 and dense.score(pairs, same) > 0.6
    np.testing.assert_allclose(classifier.transform(X), X @ classifier.components_.T)


def test_inits_on_sparse_data():
    X = sp.random(80, 40, density=0.1, format="csr", random_state=1)
    y = np.arange(80) % 4
    # "auto" picks the TruncatedSVD start (LDA takes dense data only)
    for init in ("auto", "pca", "identity", "random"):
        model = fit_quietly(ContrastiveEmbedding(3, architecture="linear", init=init,
                                                 max_iter=10, random_state=0), X, y)
        assert np.all(np.isfinite(model.components_))
    with pytest.raises(ValueError, match="init='lda' needs dense X"):
        ContrastiveEmbedding(3, init="lda").fit(X, y)


NO_DENSE_COPY = """
import resource, warnings
import numpy as np, scipy.sparse as sp
from sk_contrastive import ContrastiveEmbedding

def refusing(densify):
    # a dense copy of X (or of its transpose) is refused; scikit-learn 1.6's
    # score densifies products of chunks of X with X.T, 2,000 columns wide
    def refuse(self, *args, **kwargs):
        if max(self.shape) >= 100_000:
            raise AssertionError("the wide sparse matrix was densified")
        return densify(self, *args, **kwargs)
    return refuse

for container in (sp.csr_array, sp.csr_matrix, sp.csc_array, sp.csc_matrix):
    container.toarray = refusing(container.toarray)
    container.todense = refusing(container.todense)
rng = np.random.default_rng(0)  # sp.random would itself build a 1.6 GB array
X = sp.csr_array((rng.uniform(0.5, 2.0, 20_000),
                  (rng.integers(0, 2000, 20_000), rng.integers(0, 100_000, 20_000))),
                 shape=(2000, 100_000))
y = np.arange(2000) % 5
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model = ContrastiveEmbedding(2, max_iter=5, n_mining_rounds=1, random_state=0).fit(X, y)
Z = model.transform(X)
model.score(X, y)
model.score(X)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024, Z.shape, bool(np.isfinite(Z).all()))
"""


def test_no_dense_copy_of_a_wide_sparse_matrix():
    # 2,000 x 100,000 at 0.01 % density: 1.6 GB dense in float64, 0.3 MB
    # sparse. Fit, transform and both scores run in a child process, whose
    # peak memory is its own, with densification refused outright.
    result = subprocess.run([sys.executable, "-c", NO_DENSE_COPY], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    growth = result.stdout.split(" ", 1)[0]
    dense_bytes = 2000 * 100_000 * 8
    # what remains is O((n_samples + n_features) x 74) for the randomized SVD
    # of the neighbour search, and the map's L-BFGS history
    assert int(growth) < dense_bytes / 5, result.stdout
    assert "(2000, 2) True" in result.stdout


def test_a_sparse_fit_scores_dense_samples_as_their_sparse_form():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    model = ContrastiveEmbedding(2, random_state=0).fit(sp.csr_array(X))
    assert model.score(X) == pytest.approx(model.score(sp.csr_array(X)), abs=1e-3)
