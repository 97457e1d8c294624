"""The maps' products over many samples, in fixed chunks of rows on threads."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from sk_contrastive import ContrastiveEmbedding, _products, _threadpool
from sk_contrastive._products import rows_times, transposed_times


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_products_in_chunks_match_one_product_on_any_number_of_threads(monkeypatch, dtype):
    monkeypatch.setattr(_products, "PRODUCT_ROWS", 64)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 7)).astype(dtype)
    A = rng.standard_normal((1000, 3)).astype(dtype)
    B = rng.standard_normal((7, 3)).astype(dtype)
    assert len(_products._chunks(X.shape[0])) == 16
    found = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(_threadpool, "spare_threads", lambda: threads)
        out = np.empty((1000, 3), dtype=dtype)
        assert rows_times(X, B, out=out) is out
        found.append((out, transposed_times(A, X)))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(found[0][0], X @ B, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(found[0][1], A.T.astype(np.float64) @ X, rtol=rtol, atol=rtol * 30)
    for product, transposed in found[1:]:  # the same chunks, summed in the same order
        np.testing.assert_array_equal(product, found[0][0])
        np.testing.assert_array_equal(transposed, found[0][1])


def test_few_rows_and_sparse_operands_take_one_product(monkeypatch):
    monkeypatch.setattr(_products, "PRODUCT_ROWS", 64)
    rng = np.random.default_rng(0)
    X = sp.random(1000, 7, density=0.3, format="csr", random_state=0)
    A = rng.standard_normal((1000, 3))
    assert _products._chunks(127) is None and _products._chunks(128) is not None
    np.testing.assert_array_equal(rows_times(X, A[:7]), X @ A[:7])
    np.testing.assert_allclose(transposed_times(A, X), (X.T @ A).T)
    np.testing.assert_allclose(transposed_times(X, A), (A.T @ X).T)


@pytest.mark.parametrize("hidden_layer_sizes", [(), (8,)])
def test_a_fit_with_products_in_chunks_is_the_same_on_any_number_of_threads(
        monkeypatch, hidden_layer_sizes):
    monkeypatch.setattr(_products, "PRODUCT_ROWS", 50)
    X, y = make_classification(n_samples=400, n_features=10, n_informative=5,
                               n_classes=3, random_state=0)
    chunked = []
    real = _products._chunks
    monkeypatch.setattr(_products, "_chunks", lambda n: chunked.append(n) or real(n))
    embeddings = []
    for threads in (1, 2):
        monkeypatch.setattr(_threadpool, "spare_threads", lambda: threads)
        model = ContrastiveEmbedding(
            n_components=2, hidden_layer_sizes=hidden_layer_sizes, alpha=1e-4,
            pos_margin=0.0, n_positives=5, n_negatives=10, max_iter=15, random_state=0)
        embeddings.append(model.fit(X, y).transform(X))
    assert max(chunked) >= 100
    np.testing.assert_array_equal(embeddings[0], embeddings[1])
