# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Row fingerprints of dense data, compiled (see ``_rows.row_fingerprints``).

The same arithmetic as ``_rows``' numpy version, entry by entry, without its
uint64 temporaries: each nonzero entry's float64 bits, mixed with its
column, through the splitmix64 finaliser, summed mod 2**64 along the row.
"""

from libc.stdint cimport uint64_t
from libc.string cimport memcpy

ctypedef fused floating:
    float
    double

cdef uint64_t GOLDEN = 0x9E3779B97F4A7C15


cdef inline uint64_t _mix(uint64_t z) noexcept nogil:
    z ^= z >> 30
    z *= <uint64_t>0xBF58476D1CE4E5B9
    z ^= z >> 27
    z *= <uint64_t>0x94D049BB133111EB
    z ^= z >> 31
    return z


def dense_fingerprints(const floating[:, ::1] X, uint64_t[::1] out):
    """``out[i]``: the fingerprint of row ``i`` of ``X`` (0 and -0.0 add nothing)."""
    cdef Py_ssize_t i, j
    cdef double value
    cdef uint64_t bits, total
    with nogil:
        for i in range(X.shape[0]):
            total = 0
            for j in range(X.shape[1]):
                value = <double>X[i, j]
                if value != 0:  # also true of -0.0: a test, not `+ 0.0`, which
                    # the build's -fno-signed-zeros may drop
                    memcpy(&bits, &value, sizeof(double))
                    total += _mix(bits ^ ((<uint64_t>j + 1) * GOLDEN))
            out[i] = total
