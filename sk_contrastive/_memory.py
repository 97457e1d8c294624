"""Refuse, with a clear message, a fit whose pair arrays cannot fit in memory."""

import os

import numpy as np

# Per pair: anchor and partner indices (intp), the similarity flag, the
# incidence matrix's two entries (value and int32 column index each) and the
# COO row/column arrays (intp) it is built from.
_INDEX_BYTES = np.dtype(np.intp).itemsize
_BYTES_PER_PAIR_FIXED = 2 * _INDEX_BYTES + 1 + 2 * 4 + 4 * _INDEX_BYTES


def pair_memory_bytes(n_pairs, n_components, itemsize):
    """Bytes the pairs and the loss's work arrays take at their peak."""
    per_pair = _BYTES_PER_PAIR_FIXED + 2 * itemsize + n_components * itemsize
    return n_pairs * per_pair


def available_memory_bytes():
    """Memory the system can still give this process, or None if unknown."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_pair_memory(n_pairs, n_components, itemsize):
    """Raise ValueError, naming what to lower, if the pair arrays would not fit.

    Examples
    --------
    >>> from sk_contrastive._memory import check_pair_memory
    >>> check_pair_memory(n_pairs=1000, n_components=2, itemsize=8)  # fits
    """
    needed = pair_memory_bytes(n_pairs, n_components, itemsize)
    available = available_memory_bytes()
    if available is not None and needed > available:
        raise ValueError(
            f"The {n_pairs:,} training pairs would need about {needed / 2**30:.1f} GiB, "
            f"but only {available / 2**30:.1f} GiB of memory is available. Lower "
            "n_positives, n_negatives or n_random_negatives (pairs per sample), "
            "n_components, or fit on fewer samples or on float32 data."
        )
