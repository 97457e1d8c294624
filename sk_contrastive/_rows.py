"""Fingerprints of rows: to recognise the same sample in another array."""

import numpy as np
import scipy.sparse as sp

# Rows fingerprinted at once hold at most this many entries (8 MB of uint64
# per temporary), whatever the size of X.
CHUNK_ENTRIES = 2**20


def _mix(z):
    """The splitmix64 finaliser (Steele, Lea & Flood 2014), in place on a
    uint64 array: every input bit changes each output bit with probability
    about one half."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _entry_hashes(values, columns):
    """A 64-bit hash of each entry (column, value); 0 for a zero value."""
    hashes = _mix(np.asarray(values, dtype=np.float64).view(np.uint64) ^ _mix(
        columns.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)))
    hashes[values == 0] = 0
    return hashes


def row_fingerprints(X):
    """A 64-bit fingerprint of each row of ``X``, from its values alone.

    A row's fingerprint mixes the hashes of its nonzero entries, each a hash
    of the entry's column and float64 value, so it is the same for the dense
    and the sparse form of a row (explicit zeros, ``-0.0`` and duplicate
    sparse entries included) and for its float32 and float64 forms when they
    hold the same values. Two different rows share a fingerprint with
    probability about ``2**-64``. Rows are taken a few at a time, so memory
    stays bounded whatever the size of ``X``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        float32 or float64.

    Returns
    -------
    fingerprints : ndarray of shape (n_samples,), dtype uint64

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sk_contrastive._rows import row_fingerprints
    >>> X = np.array([[0.0, 1.5], [2.0, 0.0], [0.0, 1.5]])
    >>> f = row_fingerprints(X)
    >>> bool(f[0] == f[2] != f[1])
    True
    >>> bool(np.all(row_fingerprints(sp.csr_matrix(X.astype(np.float32))) == f))
    True
    """
    n_samples, n_features = X.shape
    fingerprints = np.empty(n_samples, dtype=np.uint64)
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        if not X.has_canonical_format:  # a value stored in parts is summed first
            X = X.copy()
            X.sum_duplicates()
        starts = np.searchsorted(X.indptr, np.arange(0, X.nnz, CHUNK_ENTRIES), side="right") - 1
        bounds = np.unique(np.r_[0, starts, n_samples])
        for start, stop in zip(bounds[:-1], bounds[1:]):
            entries = slice(X.indptr[start], X.indptr[stop])
            sums = np.r_[np.uint64(0), np.cumsum(
                _entry_hashes(X.data[entries], X.indices[entries]), dtype=np.uint64)]
            ends = X.indptr[start : stop + 1] - X.indptr[start]
            fingerprints[start:stop] = sums[ends[1:]] - sums[ends[:-1]]
    else:
        rows = max(1, CHUNK_ENTRIES // max(n_features, 1))
        columns = np.arange(n_features)
        for start in range(0, n_samples, rows):
            chunk = X[start : start + rows]
            fingerprints[start : start + rows] = _entry_hashes(chunk, columns).sum(
                axis=1, dtype=np.uint64)
    return _mix(fingerprints)
