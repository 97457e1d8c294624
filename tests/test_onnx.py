"""ONNX export (``sk_contrastive.onnx``): onnxruntime computes what scikit-learn does.

Tolerances: ``rtol=1e-4``. An embedding's or a similarity's entry near 0 is
a sum of terms of the output's size that cancel, so its rounding error is
relative to that size, not to the entry: ``atol`` is ``1e-4`` times the
largest magnitude of the output (float32 rounds a sum of ``n`` terms of
size ``M`` by at most about ``n * 6e-8 * M``: ``4e-6 * M`` for the 64
features here). A probability is computed from its own logit on both sides,
``1 / (1 + exp(-logit))``, so it keeps its relative precision down to the
smallest normal number of the output's type, which is its ``atol``.
"""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

onnxruntime = pytest.importorskip("onnxruntime", reason="the onnx extra installs onnxruntime")
to_onnx = pytest.importorskip("skl2onnx", reason="the onnx extra installs skl2onnx").to_onnx
import sk_contrastive.onnx  # noqa: E402, F401  (registers the converters)
from sk_contrastive import (
    ContrastiveEmbedding,
    ContrastivePairClassifier,
    ContrastivePairRegressor,
)

ROOT = Path(__file__).resolve().parents[1]
DTYPES = [np.float32, np.float64]
RTOL = 1e-4
MAPS = {
    "linear": dict(architecture="linear", n_components=8),
    "diagonal": dict(architecture="diagonal"),
    **{f"mlp-{activation}": dict(architecture="mlp", hidden_layer_sizes=(16,),
                                 activation=activation, n_components=4, alpha=1e-2)
       for activation in ("relu", "tanh", "softplus", "logistic")},
    "linear-cosine": dict(architecture="linear", n_components=8, metric="cosine"),
    "diagonal-cosine": dict(architecture="diagonal", metric="cosine"),
    "mlp-cosine": dict(architecture="mlp", hidden_layer_sizes=(16, 8), activation="tanh",
                       n_components=4, alpha=1e-2, metric="cosine"),
}


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


def run(model, X, **options):
    """The outputs of ``model`` converted with ``X[:1]`` as the example input,
    run by onnxruntime on ``X``."""
    onx = to_onnx(model, X[:1], options={id(model): options} if options else None)
    session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})


def assert_parity(actual, expected):
    """``rtol=1e-4``, ``atol`` ``1e-4`` of the output's scale (module docstring)."""
    assert actual.dtype == expected.dtype
    scale = np.abs(expected).max()
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale)
    error = np.abs(actual.astype(np.float64) - expected) / scale
    print(f"max error / scale: {error.max():.2e}")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: dtype.__name__)
@pytest.mark.parametrize("settings", MAPS.values(), ids=MAPS.keys())
def test_transform_parity(digits, settings, dtype):
    X, y = digits
    X = X.astype(dtype)
    model = quietly(ContrastiveEmbedding(max_iter=10, n_mining_rounds=1, pos_margin=0.0,
                                         random_state=0, **settings).fit, X, y)
    X_test = np.vstack([X, np.zeros((2, X.shape[1]), dtype=dtype)])  # rows of zeros
    embedded = run(model, X_test)[0]
    assert_parity(embedded, model.transform(X_test))
    if model.metric == "cosine" and model.architecture_ != "mlp":
        # a zero row stays 0; the others land on the unit sphere
        assert np.all(embedded[-2:] == 0)
        np.testing.assert_allclose(np.linalg.norm(embedded[:-2], axis=1), 1, rtol=RTOL)


def test_a_fit_on_sparse_input_exports_for_dense_input(digits):
    X, y = digits
    model = quietly(ContrastiveEmbedding(n_components=8, architecture="linear", max_iter=10,
                                         random_state=0).fit, sp.csr_matrix(X), y)
    assert_parity(run(model, X)[0], model.transform(X))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: dtype.__name__)
def test_pipeline_with_knn_on_digits_predicts_the_same_labels(dtype):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X.astype(dtype), y, stratify=y,
                                                   random_state=0)
    pipeline = quietly(make_pipeline(
        StandardScaler(),
        ContrastiveEmbedding(n_components=16, architecture="linear", pos_margin=0.0,
                             max_iter=30, random_state=0),
        KNeighborsClassifier()).fit, X_train, y_train)
    onx = to_onnx(pipeline, X_train[:1], options={id(pipeline[-1]): {"zipmap": False}})
    session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    labels = session.run(None, {"X": X_test})[0]
    agreement = np.mean(labels == pipeline.predict(X_test))
    print(f"{dtype.__name__}: ONNX and scikit-learn agree on {agreement:.2%} of "
          f"{len(X_test)} digits")
    assert agreement >= 0.995


def pair_data(n_samples, n_pairs, seed, related=True):
    """Pairs of samples, similar where feature 0 of the two samples is
    close (``related``) or at random."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 3))
    pairs = rng.integers(0, n_samples, (n_pairs, 2))
    gap = X[pairs[:, 0], 0] - X[pairs[:, 1], 0]
    similar = np.abs(gap) < 0.5 if related else rng.random(n_pairs) < 0.5
    return X[pairs], similar.astype(int), np.exp(-gap**2)


# (pairs, labels, settings, the calibration mode the fit must reach)
PAIR_CASES = {
    "cross-fit": (200, 400, 0, True,
                  dict(architecture="linear", pos_margin=0.0), "cross-fit", True),
    "cross-fit-mlp-cosine": (200, 400, 0, True,
                             dict(architecture="mlp", hidden_layer_sizes=(8,),
                                  activation="softplus", alpha=1e-2, pos_margin=0.0,
                                  metric="cosine"), "cross-fit", True),
    "training-pairs": (12, 6, 0, True, dict(architecture="linear", pos_margin=0.0),
                       "training pairs", False),
    "cross-fit-without-maps": (80, 40, 15, False,
                               dict(architecture="linear", pos_margin=0.0), "cross-fit",
                               False),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: dtype.__name__)
@pytest.mark.parametrize("encoding", [(0, 1), (-1, 1)], ids=["0-1", "-1-1"])
@pytest.mark.parametrize("case", PAIR_CASES.values(), ids=PAIR_CASES.keys())
def test_pair_classifier_parity(case, encoding, dtype):
    n_samples, n_pairs, seed, related, settings, mode, with_maps = case
    pairs, similar, _ = pair_data(n_samples, n_pairs, seed, related)
    pairs = pairs.astype(dtype)
    y = np.where(similar == 1, encoding[1], encoding[0])
    model = quietly(ContrastivePairClassifier(max_iter=20, random_state=0, **settings).fit,
                    pairs, y)
    # each way predict_proba can be calibrated is exported
    assert model.calibrated_on_ == mode and bool(model.cross_fitted_maps_) == with_maps

    labels, probabilities = run(model, pairs, zipmap=False)
    # a distance within rounding of the threshold may fall either side
    decided = ~np.isclose(model.pair_distance(pairs), model.threshold_, rtol=RTOL)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels[decided], model.predict(pairs)[decided])
    expected = model.predict_proba(pairs)
    assert probabilities.dtype == dtype
    np.testing.assert_allclose(probabilities, expected, rtol=RTOL,
                               atol=np.finfo(dtype).tiny)
    print(f"max relative error of the probabilities: "
          f"{np.max(np.abs(probabilities - expected) / expected):.2e}")


def test_pair_classifier_options_of_skl2onnx():
    """skl2onnx's default for classifiers, ZipMap: one dictionary per pair,
    keyed by ``classes_``; ``nocl``: labels 0 and 1."""
    pairs, similar, _ = pair_data(200, 400, 0)
    pairs = pairs.astype(np.float32)
    model = quietly(ContrastivePairClassifier(architecture="linear", pos_margin=0.0,
                                              max_iter=20, random_state=0).fit,
                    pairs, 2 * similar - 1)
    labels, dictionaries = run(model, pairs[:5])
    assert [sorted(row) for row in dictionaries] == [[-1, 1]] * 5
    np.testing.assert_allclose([[row[-1], row[1]] for row in dictionaries],
                               model.predict_proba(pairs[:5]), rtol=RTOL)
    # skl2onnx's option nocl: labels are the classes' positions
    labels, _ = run(model, pairs, zipmap=False, nocl=True)
    np.testing.assert_array_equal(labels, model.predict(pairs) == 1)
    # ONNX's ZipMap takes float32 only: float64 input says what to do
    with pytest.raises(ValueError, match="'zipmap': False"):
        to_onnx(model, pairs[:1].astype(np.float64))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: dtype.__name__)
@pytest.mark.parametrize("thresholds", ["fitted", 2, 1])
def test_pair_regressor_parity(thresholds, dtype):
    pairs, _, similarity = pair_data(200, 400, 0)
    pairs = pairs.astype(dtype)
    model = quietly(ContrastivePairRegressor(architecture="linear", pos_margin=0.0,
                                             max_iter=20, random_state=0).fit,
                    pairs, similarity)
    distances = model.pair_distance(pairs).astype(np.float64)
    if thresholds != "fitted":
        # calibrations of two thresholds (one segment) and one (a constant),
        # which a fit on a few pairs can end with
        known = np.quantile(distances, [0.25, 0.75])[:thresholds]
        model.calibration_ = IsotonicRegression(
            y_min=0.0, y_max=1.0, increasing=False, out_of_bounds="clip"
        ).fit(known, [0.9, 0.2][:thresholds])
    else:
        # distances beyond the training range are clipped: refit on the middle half
        middle = (distances > np.quantile(distances, 0.25)) & (
            distances < np.quantile(distances, 0.75))
        model.calibration_.fit(distances[middle], similarity[middle])
        assert len(model.calibration_.X_thresholds_) > 10
    assert len(model.calibration_.X_thresholds_) == (
        thresholds if thresholds != "fitted" else len(model.calibration_.X_thresholds_))
    predicted = run(model, pairs)[0]
    assert predicted.shape == (len(pairs), 1)
    assert_parity(predicted.ravel(), model.predict(pairs).astype(dtype))


def test_index_pairs_into_a_preprocessor_are_refused_at_conversion():
    pairs, similar, _ = pair_data(200, 400, 0)
    X = pairs.reshape(-1, 3)
    index_pairs = np.arange(len(X)).reshape(-1, 2)
    model = quietly(ContrastivePairClassifier(architecture="linear", pos_margin=0.0,
                                              max_iter=20, random_state=0,
                                              preprocessor=X).fit, index_pairs, similar)
    with pytest.raises(ValueError, match="row indices into a preprocessor"):
        to_onnx(model, index_pairs[:1])
    # its pairs of samples convert
    labels, _ = run(model, X[index_pairs], zipmap=False)
    np.testing.assert_array_equal(labels, model.predict(index_pairs))


def test_input_of_another_width_is_refused(digits):
    X, y = digits
    model = quietly(ContrastiveEmbedding(n_components=2, architecture="linear", max_iter=5,
                                         random_state=0).fit, X, y)
    with pytest.raises(ValueError, match="fitted on 64 features"):
        to_onnx(model, X[:1, :10])
    with pytest.raises(NotFittedError):
        to_onnx(ContrastiveEmbedding(), X[:1])


def test_importing_the_package_does_not_import_skl2onnx():
    code = ("import sys, sk_contrastive; "
            "assert not {'skl2onnx', 'onnx', 'onnxruntime'} & set(sys.modules)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize("model, example", [
    (ContrastiveEmbedding(), np.zeros((1, 4), np.float32)),
    (ContrastivePairClassifier(), np.zeros((1, 2, 4), np.float32)),
    (ContrastivePairRegressor(), np.zeros((1, 2, 4), np.float32)),
])
def test_an_unfitted_estimator_is_refused_as_unfitted(model, example):
    with pytest.raises(NotFittedError):
        to_onnx(model, example)


def test_a_dataframe_example_input_is_refused_with_what_to_give(digits):
    pandas = pytest.importorskip("pandas", reason="the tests extra installs pandas")
    X, y = digits
    frame = pandas.DataFrame(X[:, :6], columns=[f"x{i}" for i in range(6)])
    model = quietly(ContrastiveEmbedding(n_components=2, architecture="linear", max_iter=5,
                                         random_state=0).fit, frame, y)
    with pytest.raises(ValueError, match=r"X\.to_numpy\(\)\[:1\]"):
        to_onnx(model, frame[:1])
    embedded = run(model, frame.to_numpy()[:5])[0]
    assert_parity(embedded, model.transform(frame[:5]))


def test_the_module_without_the_onnx_extra_says_what_to_install():
    code = ("import sys; sys.modules['skl2onnx'] = None; "
            "import sk_contrastive.onnx")
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                               text=True)
    assert completed.returncode != 0
    assert 'sk-contrastive[onnx]' in completed.stderr.strip().splitlines()[-1]
