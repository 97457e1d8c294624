"""Rows as values: fingerprints of samples, and exact duplicates merged.

A fit must not depend on how a sample is stored: ``k`` copies of a row and
one row of weight ``k`` are the same sample (scikit-learn's
``check_sample_weight_equivalence``), and copies must never become each
other's similar partners at distance 0 (which silences the pull term of the
loss). :func:`merge_duplicates` turns any training set into distinct samples
with weights; :func:`row_fingerprints` recognises a row by its values.
"""

import numpy as np
import scipy.sparse as sp

from ._row_hashes import dense_fingerprints

# Entries hashed at once (a test shrinks it): bounds the uint64 temporaries to a few tens of MiB.
CHUNK_ENTRIES = 2**21
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z):
    """The splitmix64 finaliser, in place on a uint64 array (wraps mod 2**64)."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _entry_hashes(values, columns):
    """A 64-bit hash of each ``(column, value)``; 0 where the value is 0."""
    # float64 bits of the value (float32 converts exactly; + 0.0 makes -0.0 +0.0)
    bits = (np.asarray(values, dtype=np.float64) + 0.0).view(np.uint64)
    hashes = _mix(bits ^ ((columns.astype(np.uint64) + np.uint64(1)) * _GOLDEN))
    hashes[bits == 0] = 0
    return hashes


def row_fingerprints(X):
    """A 64-bit fingerprint of each row of ``X``, from its values alone.

    The fingerprint is the sum (mod 2**64) of a hash of each nonzero
    ``(column, value)`` entry, so it is the same for a row stored dense or
    sparse, as float32 or float64 of the same values, with or without
    explicit zeros, and for ``-0.0`` and ``0.0``. Equal rows have equal
    fingerprints; two different rows share one with a probability of about
    ``2**-64``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        float32 or float64.

    Returns
    -------
    fingerprints : ndarray of shape (n_samples,), dtype uint64

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sk_contrastive._rows import row_fingerprints
    >>> X = np.array([[0.0, 1.5], [-0.0, 1.5], [1.5, 0.0]])
    >>> f = row_fingerprints(X)
    >>> bool(f[0] == f[1]), bool(f[0] == f[2])
    (True, False)
    >>> bool(np.all(row_fingerprints(sp.csr_matrix(X)) == f))
    True
    """
    n_samples, n_features = X.shape
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        if not X.has_canonical_format:  # a copy: the caller's matrix stays as it is
            X = X.copy()
            X.sum_duplicates()
        sums = np.zeros(X.nnz + 1, dtype=np.uint64)
        for start in range(0, X.nnz, CHUNK_ENTRIES):
            stop = min(start + CHUNK_ENTRIES, X.nnz)
            sums[start + 1 : stop + 1] = _entry_hashes(X.data[start:stop], X.indices[start:stop])
        np.cumsum(sums, out=sums)  # wraps mod 2**64, as the sums are meant to
        return sums[X.indptr[1:]] - sums[X.indptr[:-1]]
    fingerprints = np.empty(n_samples, dtype=np.uint64)
    if X.flags.c_contiguous and X.dtype in (np.float32, np.float64):
        dense_fingerprints(X, fingerprints)
        return fingerprints
    rows = max(1, CHUNK_ENTRIES // max(n_features, 1))
    columns = np.arange(n_features)
    for start in range(0, n_samples, rows):
        block = X[start : start + rows]
        hashes = _entry_hashes(block, np.broadcast_to(columns, block.shape))
        fingerprints[start : start + block.shape[0]] = hashes.sum(axis=1, dtype=np.uint64)
    return fingerprints


def merge_duplicates(X, labels=None, sample_weight=None):
    """Distinct samples of ``X`` (with their labels) and what each weighs.

    Rows with equal values and equal labels are one sample whose weight is
    the sum of theirs (``1`` each without ``sample_weight``), so that a row
    stored ``k`` times fits exactly as that row with weight ``k``. Rows with
    equal values and different labels stay distinct samples.

    Whenever anything is merged or weighed, the samples are taken in an
    order that depends on their values and labels alone (ascending
    fingerprint), so the fit does not depend on how the rows were ordered or
    repeated; unweighted data without duplicates keep their order.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    labels : ndarray of shape (n_samples,) of int, or None
        Class codes (``-1``: unlabelled).
    sample_weight : ndarray of shape (n_samples,) or None
        Positive weights.

    Returns
    -------
    rows : ndarray of shape (n_distinct,) of int, or None
        One row of ``X`` for each distinct sample, in the order to fit them;
        ``None`` when the samples are taken as they are.
    weight : ndarray of shape (n_distinct,) or None
        The summed weight of each distinct sample; ``None`` when every
        sample weighs 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._rows import merge_duplicates
    >>> X = np.array([[1.0], [2.0], [1.0], [1.0]])
    >>> labels = np.array([0, 1, 0, 1])
    >>> rows, weight = merge_duplicates(X, labels)
    >>> sorted(zip(X[rows, 0].tolist(), labels[rows].tolist(), weight.tolist()))
    [(1.0, 0, 2.0), (1.0, 1, 1.0), (2.0, 1, 1.0)]
    """
    keys = row_fingerprints(X)
    if labels is not None:
        keys = keys + _mix(labels.astype(np.int64).view(np.uint64) ^ _GOLDEN)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    if first.shape[0] == keys.shape[0] and sample_weight is None:
        return None, None
    # a fingerprint shared by different rows (a collision) keeps them apart
    same = _equal_rows(X, order, np.repeat(order[first], np.diff(np.r_[first, order.shape[0]])))
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]] | ~same)
    weight = np.ones(order.shape[0]) if sample_weight is None else sample_weight[order]
    return order[starts], np.add.reduceat(weight, starts)


def _equal_rows(X, rows, others):
    """Whether ``X[rows[i]]`` equals ``X[others[i]]``, for each ``i``."""
    equal = np.empty(rows.shape[0], dtype=bool)
    step = max(1, CHUNK_ENTRIES // max(X.shape[1], 1))
    for start in range(0, rows.shape[0], step):
        a, b = X[rows[start : start + step]], X[others[start : start + step]]
        if sp.issparse(X):
            equal[start : start + step] = np.diff((a != b).tocsr().indptr) == 0
        else:
            equal[start : start + step] = np.all(a == b, axis=1)
    return equal


def canonical_rows(X):
    """``X``, or for a sparse ``X`` whose indices are unsorted or repeated, a
    copy in canonical format: scipy's sparse products sort a matrix's
    indices in place, which would rewrite the caller's matrix."""
    if sp.issparse(X) and not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X
