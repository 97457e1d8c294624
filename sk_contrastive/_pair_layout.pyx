# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Pair lists laid out for the pair pass, compiled: each a pass over the pairs.

``count_partners`` and ``fill_pairs`` turn each sample's partner arrays into
the pair list sorted by anchor (``_pairs._pairs_from_rows``);
``count_outside`` and ``fill_outside`` find, for the segments of anchors of
the pair pass on several threads (``_loss._Segments``), the pairs whose
partner is another segment's row, ordered by that segment;
``count_couples`` and ``fill_couples`` make one pair of each graded pair's
two terms (``_loss._graded_couples``). Each replaces a
chain of numpy passes (masks, counts, gathers, a stable sort) over arrays
the size of the pair list, the serial part of a fit's mining round. The GIL
is released.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t

ctypedef fused index_t:
    int32_t
    int64_t


def count_partners(const index_t[:, ::1] partners, int64_t[::1] counts):
    """``counts[i]``: the entries of row ``i`` of ``partners`` that are not -1."""
    cdef Py_ssize_t i, j, c
    with nogil:
        for i in range(partners.shape[0]):
            c = 0
            for j in range(partners.shape[1]):
                c += partners[i, j] >= 0
            counts[i] = c


def fill_pairs(const index_t[:, ::1] partners, const uint8_t[::1] flags,
               index_t[::1] first, index_t[::1] second, uint8_t[::1] similar):
    """The pairs of ``partners`` row by row (-1 entries left out): anchor
    ``first``, partner ``second`` and ``similar = flags[column]``."""
    cdef Py_ssize_t i, j, p = 0
    cdef index_t partner
    with nogil:
        for i in range(partners.shape[0]):
            for j in range(partners.shape[1]):
                partner = partners[i, j]
                if partner >= 0:
                    first[p] = <index_t>i
                    second[p] = partner
                    similar[p] = flags[j]
                    p += 1


def count_outside(const index_t[::1] second, const int64_t[::1] pairs,
                  const int64_t[::1] rows, const int32_t[::1] row_segment,
                  int64_t[::1] per_segment, int64_t[::1] per_partner_segment):
    """For segments ``s`` of pairs ``[pairs[s], pairs[s+1])`` owning rows
    ``[rows[s], rows[s+1])``: count the pairs whose partner is outside, by
    the pair's segment (``per_segment``) and by the partner's
    (``per_partner_segment``, via ``row_segment``)."""
    cdef Py_ssize_t s, p
    cdef int64_t b
    with nogil:
        for s in range(pairs.shape[0] - 1):
            for p in range(pairs[s], pairs[s + 1]):
                b = second[p]
                if b < rows[s] or b >= rows[s + 1]:
                    per_segment[s] += 1
                    per_partner_segment[row_segment[b]] += 1


def fill_outside(const index_t[::1] first, const index_t[::1] second,
                 const int64_t[::1] pairs, const int64_t[::1] rows,
                 const int32_t[::1] row_segment, int64_t[::1] next_slot,
                 index_t[::1] anchors, index_t[::1] partners, int64_t[::1] position):
    """The outside pairs grouped by the partner's segment, in pair order
    within each: slot ``t`` (``next_slot[segment]`` counts up from where the
    segment's group starts) holds the anchor, the partner and ``position``,
    the pair's rank among the outside pairs in pair order (int64: there may
    be more outside pairs than int32 indexes, with int32 samples)."""
    cdef Py_ssize_t s, p, t
    cdef int64_t b, j = 0
    with nogil:
        for s in range(pairs.shape[0] - 1):
            for p in range(pairs[s], pairs[s + 1]):
                b = second[p]
                if b < rows[s] or b >= rows[s + 1]:
                    t = next_slot[row_segment[b]]
                    next_slot[row_segment[b]] += 1
                    anchors[t] = first[p]
                    partners[t] = <index_t>b
                    position[t] = j
                    j += 1


cdef inline bint _couple_at(const index_t[::1] first, const index_t[::1] second,
                            const uint8_t[::1] similar, Py_ssize_t p) noexcept nogil:
    return (p + 1 < first.shape[0] and first[p + 1] == first[p]
            and second[p + 1] == second[p] and similar[p + 1] != similar[p])


def count_couples(const index_t[::1] first, const index_t[::1] second,
                  const uint8_t[::1] similar):
    """How many couples ``fill_couples`` makes: neighbouring terms of the
    same pair with opposite flags, each term in one couple at most (taken
    from the first)."""
    cdef Py_ssize_t p = 0, n = 0
    with nogil:
        while p < first.shape[0]:
            if _couple_at(first, second, similar, p):
                n += 1
                p += 2
            else:
                p += 1
    return n


def fill_couples(const index_t[::1] first, const index_t[::1] second,
                 const uint8_t[::1] similar, const double[::1] weight,
                 index_t[::1] out_first, index_t[::1] out_second,
                 double[::1] degree, double[::1] total):
    """Each couple of ``count_couples`` as one pair of weight ``total`` (the
    sum of its terms') and ``degree`` (its similar term's share of it; its
    flag where the total is 0); every other term as it is, its flag as its
    degree."""
    cdef Py_ssize_t p = 0, q = 0
    cdef double w_similar, w_all, flag
    with nogil:
        while p < first.shape[0]:
            out_first[q] = first[p]
            out_second[q] = second[p]
            flag = 1.0 if similar[p] else 0.0
            w_similar = flag * weight[p]
            w_all = weight[p]
            if _couple_at(first, second, similar, p):
                w_similar += weight[p + 1] if similar[p + 1] else 0.0
                w_all += weight[p + 1]
                p += 2
            else:
                p += 1
            total[q] = w_all
            degree[q] = w_similar / w_all if w_all > 0 else flag
            q += 1
