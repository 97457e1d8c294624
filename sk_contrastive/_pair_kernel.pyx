# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False, cpow=True
"""The pair pass of the contrastive loss, compiled: loss, gradient, distances.

This is the only implementation of the loss over pairs; ``_loss.py`` wraps
it (and validates its inputs once per set of pairs).

For an embedding ``Z`` (n x k) and pairs ``(first[p], second[p], similar[p])``
with optional weights ``w[p]``::

    z_p   = Z[first[p]] - Z[second[p]],   d_p = ||z_p||
    h_p   = max(d_p - pos_margin, 0)      if similar[p]
          = -max(margin - d_p, 0)         otherwise
    loss  = sum_p w_p h_p**2 / normaliser                  (float64)
    G     = d loss / d Z:  G[first[p]] += c_p z_p,  G[second[p]] -= c_p z_p,
    c_p   = 2 w_p h_p / d_p / normaliser   (0 when d_p == 0)

Graded pairs (``similar`` of float64, each pair's degree s_p in [0, 1], in
place of the uint8 flags) take both terms of the source's loss, ``s_p a_p**2
+ (1 - s_p) b_p**2`` with ``a_p = max(d_p - pos_margin, 0)`` and ``b_p =
-max(margin - d_p, 0)``, in one visit where a similar and a dissimilar term
of the same pair would take two. With ``h_p = s_p a_p + (1 - s_p) b_p`` the
term is ``h_p**2 + s_p (1 - s_p) (a_p - b_p)**2``, whose derivative in d_p
is ``2 h_p``: the coefficient above, unchanged. The flags and the degrees
are two compiled versions of the pass, so the flags' pass does no work for
degrees.

One pass over the pairs, no n_pairs x k buffer, GIL released. Pairs sorted
by ``first`` (the library's order) let the anchor's gradient row be summed
locally and added to G once per anchor; unsorted pairs give the same result,
only slower. Indices are NOT bounds-checked here: the caller validates them
once (the pairs are fixed across evaluations).

On several threads (``_loss._Segments``) the pass runs in segments of
anchors, each writing only its own rows of G: ``segment_loss_gradient``
leaves the coefficient of a pair whose partner is another segment's row,
and ``outside_gradient`` adds those afterwards, grouped by the partner's
segment. Every row of G is then summed in one fixed order, whatever the
number of threads.

What made it fast, each measured against the alternatives: a branch-free
hinge (max(x, 0) = (x + |x|) / 2) instead of branches that mispredicted;
pairs in chunks of 32 in three phases (differences; then every sqrt and
division of the chunk, vectorised; then the scatter); the hinge in Z's
dtype; the anchor's row summed locally and flushed when the anchor changes;
software prefetch of the partner rows about a chunk ahead. A literal k = 16
copy, chunks of 16, 64 or 128, and sorting random pairs by partner were
slower. The figures are on the benchmarks page, "The
compiled kernels".
"""

from libc.math cimport sqrt, sqrtf, fabs, fabsf
from libc.string cimport memset
from libc.stdint cimport int32_t, int64_t, uint8_t

cdef extern from "_prefetch.h" nogil:
    void prefetch_read(const void *address)
    void prefetch_write(const void *address)

ctypedef fused floating:
    float
    double

ctypedef fused index_t:
    int32_t
    int64_t

# uint8 flags (similar or not), or float64 degrees of similarity
ctypedef fused similarity_t:
    uint8_t
    double

# Widest k handled with the anchor row and the difference in local arrays
# (registers for small k); wider k takes the generic loop.
cdef enum:
    KMAX = 64
    CHUNK = 32

PREFETCH_PAIRS = 32  # how far ahead partner rows are prefetched


cdef inline double _runs(
    const floating *Z, floating *G,
    const index_t *first, const index_t *second, const similarity_t *similar,
    const floating *weights, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t k,
    double margin, double pos_margin, double scale, Py_ssize_t ahead,
    Py_ssize_t row_start, Py_ssize_t row_stop, floating *outside,
) noexcept nogil:
    """Loss sum of pairs [start, stop), and their gradient added into G
    (k <= KMAX).

    Partners outside rows [row_start, row_stop) get no gradient here: their
    coefficients are written to ``outside``, in pair order, for
    :func:`outside_gradient` (all partners are inside when the range covers Z).

    Pairs are taken in chunks of CHUNK consecutive pairs (whatever their
    anchors), in three phases: (1) differences and squared distances, kept in
    a small L1-resident buffer; (2) hinge and coefficient of every pair of the
    chunk, branch-free and vectorised, so that the sqrt/div latencies of
    consecutive pairs overlap; (3) scatter to the partners' rows, and into a
    local accumulator for the anchor's row, added to G when the anchor
    changes: once per anchor when the pairs are sorted by anchor.
    """
    cdef floating acc[KMAX]
    cdef floating difference[CHUNK * KMAX]
    cdef floating squared[CHUNK]
    cdef floating coefficient[CHUNK]
    cdef floating hinge[CHUNK]
    cdef floating spread[CHUNK]
    cdef floating factor[CHUNK]
    cdef floating fd, fhs, fhd, fsf, fsd, fh
    cdef floating fmargin = <floating>margin, fpos_margin = <floating>pos_margin
    cdef floating ftwice_scale = <floating>(2.0 * scale)
    cdef floating s, t, cf
    cdef floating *row
    cdef const floating *zb
    cdef double w, total = 0.0
    cdef Py_ssize_t p = start, e, m, i, j, a, q
    cdef Py_ssize_t row_bytes = k * sizeof(floating), line
    # Rows of arrays that start on a 64-byte line, with a size that divides
    # or is a multiple of 64, cover whole lines: prefetching every 64 bytes
    # from the row start gets all of them. Otherwise (numpy's large arrays
    # start 16 bytes into a line) also prefetch the row's last byte.
    cdef bint ragged = not (<size_t>Z % 64 == 0 and <size_t>G % 64 == 0
                            and (row_bytes % 64 == 0 or 64 % row_bytes == 0))
    cdef Py_ssize_t r, qe, next_anchor, b, n_outside = 0
    cdef floating scratch[KMAX]
    cdef floating unused
    cdef floating *kept
    cdef bint inside
    cdef const floating *za
    a = first[p] if p < stop else 0
    for j in range(k):
        acc[j] = 0
    while p < stop:
        e = p + CHUNK if p + CHUNK < stop else stop
        m = e - p
        # Partner rows `ahead` pairs on: the random partners miss every
        # cache level; their loads are started a chunk or so early.
        if ahead:
            qe = e + ahead if e + ahead < stop else stop
            for q in range(p + ahead, qe):
                r = second[q] * k
                for line in range(0, row_bytes, 64):
                    prefetch_read(<const char *>(Z + r) + line)
                    prefetch_write(<char *>(G + r) + line)
                if ragged:
                    prefetch_read(<const char *>(Z + r + k) - 1)
                    prefetch_write(<char *>(G + r + k) - 1)
        # (1) differences and squared distances, summed in Z's dtype.
        for i in range(m):
            za = Z + first[p + i] * k
            zb = Z + second[p + i] * k
            s = 0
            for j in range(k):
                t = za[j] - zb[j]
                difference[i * k + j] = t
                s = s + t * t
            squared[i] = s
        # (2) signed hinge and coefficient in Z's dtype, branch-free and
        # vectorisable (sqrt/div of float32 run 4 to an SSE register);
        # the loss is summed in double:
        # max(x, 0) = (x + |x|) / 2, min(x, 0) = (x - |x|) / 2 exactly,
        # and c = 0 where d = 0 (then z = 0 too).
        for i in range(m):
            if floating is float:
                fd = sqrtf(squared[i])
                fhs = fd - fpos_margin
                fhs = <floating>0.5 * (fhs + fabsf(fhs))
                fhd = fd - fmargin
                fhd = <floating>0.5 * (fhd - fabsf(fhd))
            else:
                fd = sqrt(squared[i])
                fhs = fd - fpos_margin
                fhs = 0.5 * (fhs + fabs(fhs))
                fhd = fd - fmargin
                fhd = 0.5 * (fhd - fabs(fhd))
            if similarity_t is uint8_t:
                fsf = <floating>(similar[p + i] != 0)
                fh = fsf * fhs + (1 - fsf) * fhd
            else:
                # 1 - s taken in double: a degree just below 1 rounded to
                # float32 first would lose the dissimilar term's weight
                fsf = <floating>similar[p + i]
                fsd = <floating>(1.0 - similar[p + i])
                fh = fsf * fhs + fsd * fhd
                spread[i] = fsf * fsd * (fhs - fhd) * (fhs - fhd)
            hinge[i] = fh
            factor[i] = ftwice_scale * fh * (<floating>(fd > 0) / (fd + <floating>(fd == 0)))
        if weights == NULL:
            for i in range(m):
                total += <double>hinge[i] * <double>hinge[i]
                coefficient[i] = factor[i]
        else:
            for i in range(m):
                w = <double>weights[p + i]
                total += w * <double>hinge[i] * <double>hinge[i]
                coefficient[i] = <floating>(w * factor[i])
        if similarity_t is double:
            for i in range(m):
                w = 1.0 if weights == NULL else <double>weights[p + i]
                total += w * <double>spread[i]
        # (3) scatter; the anchor's row is accumulated locally and added to G
        # when the anchor changes (pairs sorted by anchor: once per anchor).
        for i in range(m):
            next_anchor = first[p + i]
            if next_anchor != a:
                row = G + a * k
                for j in range(k):
                    row[j] += acc[j]
                    acc[j] = 0
                a = next_anchor
            cf = coefficient[i]
            b = second[p + i]
            # branch-free: an outside partner's share goes to a scratch row
            # and its coefficient to `outside`; an inside one's to G
            inside = (b >= row_start) & (b < row_stop)
            row = G + b * k if inside else scratch
            kept = &unused if inside else outside + n_outside
            kept[0] = cf
            n_outside += 1 - inside
            for j in range(k):
                t = cf * difference[i * k + j]
                acc[j] += t
                row[j] -= t
        p = e
    if stop > start:
        row = G + a * k
        for j in range(k):
            row[j] += acc[j]
    return total * scale


cdef inline double _runs_wide(
    const floating *Z, floating *G,
    const index_t *first, const index_t *second, const similarity_t *similar,
    const floating *weights, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t k,
    double margin, double pos_margin, double scale,
    Py_ssize_t row_start, Py_ssize_t row_stop, floating *outside,
) noexcept nogil:
    """Same as _runs for any k, without local row buffers (k > KMAX)."""
    cdef const floating *za
    cdef const floating *zb
    cdef floating *ga
    cdef floating *gb
    cdef floating s, t, cf
    cdef double d, h, hs, hd, sf, w, total = 0.0
    cdef Py_ssize_t p, j, a, b
    cdef bint inside
    for p in range(start, stop):
        a = first[p]
        b = second[p]
        za = Z + a * k
        zb = Z + b * k
        s = 0
        for j in range(k):
            t = za[j] - zb[j]
            s = s + t * t
        d = sqrt(<double>s)
        w = 1.0 if weights == NULL else <double>weights[p]
        if similarity_t is uint8_t:
            if similar[p]:
                h = d - pos_margin
                if h < 0:
                    h = 0
            else:
                h = d - margin
                if h > 0:
                    h = 0
            total += w * h * h
        else:
            sf = similar[p]
            hs = d - pos_margin if d > pos_margin else 0.0
            hd = d - margin if d < margin else 0.0
            h = sf * hs + (1 - sf) * hd
            total += w * (h * h + sf * (1 - sf) * (hs - hd) * (hs - hd))
        inside = b >= row_start and b < row_stop
        cf = <floating>(2.0 * scale * w * h / d) if h != 0 and d > 0 else 0
        if not inside:
            outside[0] = cf
            outside += 1
        if cf != 0:
            ga = G + a * k
            gb = G + b * k
            for j in range(k):
                t = cf * (za[j] - zb[j])
                ga[j] += t
                if inside:
                    gb[j] -= t
    return total * scale


cdef inline double _loss_gradient_ptr(
    const floating *Z, floating *G, Py_ssize_t n,
    const index_t *first, const index_t *second, const similarity_t *similar,
    const floating *weights, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t k,
    double margin, double pos_margin, double scale, Py_ssize_t ahead,
    Py_ssize_t row_start, Py_ssize_t row_stop, floating *outside,
) noexcept nogil:
    """Runtime k (literal-k copies measured slower: gcc unrolls and scalarises them)."""
    if k <= KMAX:
        return _runs(Z, G, first, second, similar, weights, start, stop, k,
                     margin, pos_margin, scale, ahead, row_start, row_stop, outside)
    return _runs_wide(Z, G, first, second, similar, weights, start, stop, k,
                      margin, pos_margin, scale, row_start, row_stop, outside)


def loss_gradient(
    const floating[:, ::1] Z, floating[:, ::1] G,
    const index_t[::1] first, const index_t[::1] second,
    const similarity_t[::1] similar, const floating[::1] weights,
    double margin, double pos_margin, double scale, Py_ssize_t ahead,
):
    """Weighted loss sum times ``scale``; G (zeroed first) receives its gradient.

    ``similar``: uint8 flags, or float64 degrees of similarity in [0, 1].
    ``weights`` of length 0 means every pair weighs 1. Needs at least one
    pair and one row of ``Z``.
    """
    cdef Py_ssize_t n = Z.shape[0], k = Z.shape[1], n_pairs = first.shape[0]
    cdef const floating *w = &weights[0] if weights.shape[0] else NULL
    cdef double total
    with nogil:
        memset(&G[0, 0], 0, n * k * sizeof(floating))
        total = _loss_gradient_ptr(&Z[0, 0], &G[0, 0], n, &first[0], &second[0],
                                   &similar[0], w, 0, n_pairs, k,
                                   margin, pos_margin, scale, ahead, 0, n, NULL)
    return total


def segment_loss_gradient(
    const floating[:, ::1] Z, floating[:, ::1] G,
    const index_t[::1] first, const index_t[::1] second,
    const similarity_t[::1] similar, const floating[::1] weights,
    double margin, double pos_margin, double scale, Py_ssize_t ahead,
    Py_ssize_t start, Py_ssize_t stop, Py_ssize_t row_start, Py_ssize_t row_stop,
    floating[::1] outside,
):
    """One segment of a segmented pass: the pairs [start, stop), whose
    anchors are rows [row_start, row_stop) of Z.

    Zeroes those rows of G, then adds the segment's gradient to them: the
    anchors' and that of the partners inside the rows; the coefficient of
    each pair whose partner lies outside is written to ``outside`` (in pair
    order), for :func:`outside_gradient`. Returns the segment's weighted
    loss sum times ``scale``. Segments with disjoint rows write disjoint
    rows of G, so they may run at once on several threads.
    """
    cdef Py_ssize_t k = Z.shape[1]
    cdef const floating *w = &weights[0] if weights.shape[0] else NULL
    cdef floating *out = &outside[0] if outside.shape[0] else NULL
    cdef double total = 0.0
    with nogil:
        if row_stop > row_start:
            memset(&G[row_start, 0], 0, (row_stop - row_start) * k * sizeof(floating))
        if stop > start:
            total = _loss_gradient_ptr(&Z[0, 0], &G[0, 0], Z.shape[0], &first[0], &second[0],
                                       &similar[0], w, start, stop, k,
                                       margin, pos_margin, scale, ahead,
                                       row_start, row_stop, out)
    return total


def outside_gradient(
    const floating[:, ::1] Z, floating[:, ::1] G,
    const index_t[::1] anchors, const index_t[::1] partners,
    const int64_t[::1] position, const floating[::1] coefficient,
    Py_ssize_t start, Py_ssize_t stop, Py_ssize_t ahead,
):
    """``G[partners[t]] -= coefficient[position[t]] * (Z[anchors[t]] - Z[partners[t]])``
    for t in [start, stop), in that order: the partners' share of the pairs
    :func:`segment_loss_gradient` left outside its rows. Ranges whose
    partners are disjoint rows may run at once on several threads.
    """
    cdef Py_ssize_t k = Z.shape[1], t, j, line, q
    cdef Py_ssize_t row_bytes = k * sizeof(floating)
    cdef const floating *za
    cdef const floating *zb
    cdef floating *gb
    cdef floating cf
    cdef const floating *z0 = &Z[0, 0]
    with nogil:
        for t in range(start, stop):
            if ahead and t + ahead < stop:
                q = anchors[t + ahead] * k
                for line in range(0, row_bytes, 64):
                    prefetch_read(<const char *>(z0 + q) + line)
                prefetch_read(<const char *>(z0 + q + k) - 1)
            cf = coefficient[position[t]]
            if cf == 0:
                continue
            za = z0 + anchors[t] * k
            zb = z0 + partners[t] * k
            gb = &G[partners[t], 0]
            for j in range(k):
                gb[j] -= cf * (za[j] - zb[j])


def distances(
    const floating[:, ::1] Z, const index_t[::1] first, const index_t[::1] second,
    floating[::1] out, Py_ssize_t ahead,
):
    """``out[p] = ||Z[first[p]] - Z[second[p]]||``; needs at least one pair."""
    cdef Py_ssize_t k = Z.shape[1], n_pairs = first.shape[0], p, j, q, line
    cdef Py_ssize_t row_bytes = k * sizeof(floating)
    cdef const floating *za
    cdef const floating *zb
    cdef floating s, t
    with nogil:
        for p in range(n_pairs):
            if ahead and p + ahead < n_pairs:
                q = second[p + ahead] * k
                for line in range(0, row_bytes, 64):
                    prefetch_read(<const char *>(&Z[0, 0] + q) + line)
                prefetch_read(<const char *>(&Z[0, 0] + q + k) - 1)
            za = &Z[first[p], 0]
            zb = &Z[second[p], 0]
            s = 0
            for j in range(k):
                t = za[j] - zb[j]
                s = s + t * t
            if floating is float:
                out[p] = sqrtf(s)
            else:
                out[p] = sqrt(s)


