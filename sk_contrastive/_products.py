"""The dense products of a map over all samples, on the fit's spare threads.

A fit holds BLAS to one thread (``_threadpool``); the products of a map
over many samples (for a linear map ``X @ L.T`` forward and ``G.T @ X``
backward, for an MLP those of each layer) are then split into chunks of ``PRODUCT_ROWS`` rows, run on the threads the fit may
spare (``_threadpool.spare_threads``). The chunks depend only on the number
of rows and the backward partial products are summed in chunk order, so the
result does not depend on the number of threads. Below ``2 * PRODUCT_ROWS``
rows, and with a sparse operand, each product is one call, as it always was.
"""

import numpy as np
import scipy.sparse as sp

from ._threadpool import on_spare_threads

PRODUCT_ROWS = 2**16


def _chunks(n_rows):
    """The fixed row ranges of a product over ``n_rows`` rows, or None for one call."""
    if n_rows < 2 * PRODUCT_ROWS:
        return None
    bounds = list(range(0, n_rows, PRODUCT_ROWS)) + [n_rows]
    return list(zip(bounds[:-1], bounds[1:]))


def rows_times(X, B, out=None):
    """``X @ B`` (written into ``out`` if given), in chunks of rows of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._products import rows_times
    >>> rows_times(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    chunks = None if sp.issparse(X) else _chunks(X.shape[0])
    if chunks is None:
        return X @ B if out is None else np.matmul(X, B, out=out)
    if out is None:
        out = np.empty((X.shape[0], B.shape[1]), dtype=np.result_type(X, B))

    def chunk(start, stop):
        np.matmul(X[start:stop], B, out=out[start:stop])

    on_spare_threads(chunk, chunks, "products")
    return out


def transposed_times(A, X):
    """``A.T @ X`` for ``A`` and ``X`` of as many rows: the sum, in chunk
    order and in float64 across chunks, of the chunks' products.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._products import transposed_times
    >>> transposed_times(np.ones((3, 1)), np.arange(6.0).reshape(3, 2)).tolist()
    [[6.0, 9.0]]
    """
    chunks = None if sp.issparse(A) or sp.issparse(X) else _chunks(X.shape[0])
    if chunks is None:
        return (X.T @ A).T if sp.issparse(X) else A.T @ X

    def chunk(start, stop):
        return A[start:stop].T @ X[start:stop]

    partial = on_spare_threads(chunk, chunks, "products")
    total = partial[0].astype(np.float64)
    for product in partial[1:]:
        total += product
    return total
