# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""The selection step of the neighbour search, compiled.

Given the dot products of a chunk of rows with every sample of a block (one
BLAS product, done by the caller) and the samples' squared norms, each row's
nearest samples are those with the smallest ``norm[j] - 2 * dot[i, j]`` (the
squared distance up to a per-row constant). This keeps, for each row, the
``n_same`` smallest inside the column range of its own class and the
``n_other`` smallest outside it, nearest first, in one pass over the row: a
candidate is compared with the current worst of a short sorted list and
inserted only when better, so the pass costs about one comparison an entry,
where numpy's argpartition over the same rows, twice, plus the copies around
it, took a third of a large fit (the benchmarks page, "The compiled
kernels", has the figures).
"""

from libc.math cimport INFINITY

ctypedef fused floating:
    float
    double


cdef inline floating _insert(floating value, Py_ssize_t column, floating *values,
                             Py_ssize_t *columns, Py_ssize_t size) noexcept nogil:
    """Insert into the ascending list of ``size`` (its last entry is dropped);
    return the new last entry, the bar the next candidate must beat."""
    cdef Py_ssize_t position = size - 1
    while position > 0 and values[position - 1] > value:
        values[position] = values[position - 1]
        columns[position] = columns[position - 1]
        position -= 1
    values[position] = value
    columns[position] = column
    return values[size - 1]


cdef inline void _nearest(const floating *dots, const floating *norms, Py_ssize_t start,
                          Py_ssize_t stop, Py_ssize_t start2, Py_ssize_t stop2,
                          Py_ssize_t skip, Py_ssize_t size, floating *values,
                          Py_ssize_t *columns) noexcept nogil:
    """The ``size`` smallest ``norms[j] - 2 dots[j]`` over the columns of
    ``[start, stop)`` and ``[start2, stop2)`` but ``skip``, ascending.

    A candidate is compared with the current worst of the sorted list and
    inserted only when better. (Walking the columns 16 at a time with a
    vectorised test, or first picking a bar from 64 sampled columns and
    compacting the columns below it without branches, was no faster: see
    the benchmarks page, "The compiled kernels".)
    """
    cdef Py_ssize_t t, j
    cdef floating bar = INFINITY, value
    for t in range(size):
        values[t] = INFINITY
        columns[t] = -1
    for j in range(start, stop):
        value = norms[j] - (dots[j] + dots[j])  # in Z's dtype: no conversions
        if value < bar:
            if j != skip:
                bar = _insert(value, j, values, columns, size)
    for j in range(start2, stop2):
        value = norms[j] - (dots[j] + dots[j])
        if value < bar:
            if j != skip:
                bar = _insert(value, j, values, columns, size)


def nearest_by_class(
    const floating[:, ::1] dots,
    const floating[::1] norms,
    const Py_ssize_t[::1] self_column,
    const Py_ssize_t[::1] class_start,
    const Py_ssize_t[::1] class_stop,
    Py_ssize_t[:, ::1] same_out,
    Py_ssize_t[:, ::1] other_out,
):
    """Nearest same-class and other-class columns of every row of ``dots``.

    Parameters
    ----------
    dots : (n_rows, n_columns) float32 or float64
        ``x_i . x_j`` for the chunk's rows ``i`` and the block's samples ``j``.
    norms : (n_columns,)
        ``||x_j||**2``.
    self_column : (n_rows,)
        The column of row ``i`` itself (never its own neighbour), or -1.
    class_start, class_stop : (n_rows,)
        The columns ``[class_start[i], class_stop[i])`` hold row ``i``'s class.
    same_out : (n_rows, n_same)
        Receives the nearest same-class columns, nearest first; -1 where the
        class has too few other members.
    other_out : (n_rows, n_other)
        Receives the nearest columns of other classes, nearest first; -1
        where there are too few.
    """
    cdef Py_ssize_t n_rows = dots.shape[0], n_columns = dots.shape[1]
    cdef Py_ssize_t n_same = same_out.shape[1], n_other = other_out.shape[1]
    cdef Py_ssize_t i, j
    cdef floating values[64]
    cdef Py_ssize_t columns[64]
    if n_same > 64 or n_other > 64:
        raise ValueError("At most 64 neighbours of each kind are kept a row.")
    if n_rows == 0 or n_columns == 0:
        same_out[...] = -1
        other_out[...] = -1
        return
    with nogil:
        for i in range(n_rows):
            if n_same:
                _nearest(&dots[i, 0], &norms[0], class_start[i], class_stop[i], 0, 0,
                         self_column[i], n_same, values, columns)
                for j in range(n_same):
                    same_out[i, j] = columns[j]
            if n_other:
                _nearest(&dots[i, 0], &norms[0], 0, class_start[i], class_stop[i],
                         n_columns, -1, n_other, values, columns)
                for j in range(n_other):
                    other_out[i, j] = columns[j]


def project_rows(const floating[:, ::1] X, const Py_ssize_t[::1] indices,
                 const floating[::1] direction, floating[::1] out):
    """``out[i] = X[indices[i]] . direction`` (the spatial blocks' split
    projections), without gathering the rows into a copy."""
    cdef Py_ssize_t i, j, d = X.shape[1]
    cdef floating total
    cdef const floating *row
    with nogil:
        for i in range(indices.shape[0]):
            row = &X[indices[i], 0]
            total = 0
            for j in range(d):
                total = total + row[j] * direction[j]
            out[i] = total
