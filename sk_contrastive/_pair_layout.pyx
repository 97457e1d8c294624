# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Pair lists laid out for the pair pass, compiled: each a pass over the pairs.

``count_partners`` and ``fill_pairs`` turn each sample's partner arrays into
the pair list sorted by anchor (``_pairs._pairs_from_rows``);
``count_outside`` and ``fill_outside`` find, for the segments of anchors of
the pair pass on several threads (``_loss._Segments``), the pairs whose
partner is another segment's row, ordered by that segment. Each replaces a
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
