"""Refuse, with a clear message, a fit that cannot fit in memory.

Before it allocates anything large, a fit adds up what it will hold at its
peak and compares the sum with the memory this process can still get (the
smallest of the system's available memory, the cgroup limit of a container
and the address-space limit ``ulimit -v``). Each part names the parameters
that set its size, so the error says what to lower.
"""

import os

import numpy as np

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no address-space limit
    resource = None

# scipy's L-BFGS-B keeps maxcor=10 pairs of correction vectors and a
# workspace of about 2 * maxcor + 5 vectors of n_params float64 values; our
# driver adds a handful more (parameters, gradient, scaled copies).
_LBFGS_VECTORS = 2 * 10 + 5 + 6
# The neighbour search ranks at most 2**18 candidates at once (or a whole
# block row when larger), next to the block's copy, class by class.
_MINING_ENTRIES = 2**18
# Per pair while mined pairs are built: the partner arrays of each kind and
# their concatenation, and the final arrays (sample indices, see _row_bytes);
# intp for given pairs.
_INDEX_BYTES = np.dtype(np.intp).itemsize


def _row_bytes(n_samples):
    """Bytes of a sample index in the mined partner arrays (int32 where
    ``n_samples`` allows, as ``_pairs`` builds them)."""
    return 4 if n_samples < 2**31 else _INDEX_BYTES


class MemoryPart:
    """One allocation of a fit: what it is, its size, what controls it."""

    def __init__(self, name, n_bytes, parameters):
        self.name = name
        self.n_bytes = int(n_bytes)
        self.parameters = parameters


def fit_memory_parts(
    *,
    n_samples,
    n_features,
    n_components,
    hidden_layer_sizes,
    n_pairs,
    itemsize,
    data_bytes,
    pair_bytes_per_pair,
    mining_block,
    reduced_space=0,
):
    """The large allocations of one fit at its peak.

    Parameters
    ----------
    n_samples, n_features, n_components : int
    hidden_layer_sizes : tuple of int
    n_pairs : int
        Pairs of one round.
    itemsize : int
        Bytes per value of the data's dtype (4 for float32, 8 for float64).
    data_bytes : int
        The fit's internal copy of ``X`` (dense or sparse).
    pair_bytes_per_pair : int
        Bytes the loss keeps per pair.
    mining_block : int or None
        Samples searched together for neighbours (``None``: no search).
    reduced_space : int
        Dimension of the reduced space the first mining round searches (0:
        none); its randomized SVD holds a few arrays of that many (plus 10)
        columns and ``n_samples`` or ``n_features`` rows.

    Returns
    -------
    parts : list of MemoryPart
    """
    mining = mining_block is not None
    n_params = map_parameters(n_features, hidden_layer_sizes, n_components)
    parts = [
        MemoryPart("the internal copy of X", data_bytes, "fit on fewer samples"),
        MemoryPart(
            f"{_count(n_params)} parameters and the L-BFGS history",
            n_params * 8 * _LBFGS_VECTORS,
            "n_components" + (", hidden_layer_sizes" if hidden_layer_sizes else ""),
        ),
        MemoryPart(
            "the embedding, its gradient and the mining space",
            3 * n_samples * n_components * itemsize,
            "n_components",
        ),
        MemoryPart(
            f"{_count(n_pairs)} training pairs",
            n_pairs * (pair_bytes_per_pair + (4 * _row_bytes(n_samples) if mining else 0)),
            "n_positives, n_negatives, n_random_negatives (pairs per sample)"
            if mining else "the number of pairs",
        ),
    ]
    if mining and mining_block < n_samples:
        parts.append(MemoryPart(
            "the internal copy of X in a later round's block order", data_bytes,
            "fit on fewer samples",
        ))
    if hidden_layer_sizes:
        parts.append(MemoryPart(
            "the hidden layers' activations over all samples",
            3 * n_samples * sum(hidden_layer_sizes) * itemsize,
            "hidden_layer_sizes",
        ))
    if reduced_space:
        parts.append(MemoryPart(
            "the reduced space of the neighbour search",
            4 * max(n_samples, n_features) * (reduced_space + 10) * 8,
            "mining_components",
        ))
    if mining:
        entries = min(mining_block**2, max(_MINING_ENTRIES, mining_block))
        parts.append(MemoryPart(
            "the neighbour search", 8 * entries + 2 * mining_block * n_features * itemsize,
            "mining_block_size",
        ))
    return parts


def validated_bytes(X):
    """``(row_bytes, copy_bytes)`` of ``X`` as a fit's validation leaves it.

    ``row_bytes``: one sample (a row; for pairs of samples, one of the two),
    dense or its share of a CSR matrix's values, column indices and row
    starts. ``copy_bytes``: the float copy validation makes, 0 for a float32
    or float64 ndarray or CSR matrix, which it keeps as they are, else the
    whole of ``X`` (integer arrays, DataFrames, other sparse formats).
    ``None`` for a sequence without a ``shape``, whose size is unknown until
    it is converted.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._memory import validated_bytes
    >>> validated_bytes(np.zeros((10, 3))), validated_bytes(np.zeros((10, 3), dtype=int))
    ((24, 0), (24, 240))
    """
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) < 2:
        return None
    dtype = getattr(X, "dtype", None)
    itemsize = 4 if dtype == np.float32 else 8
    n_rows = int(np.prod(shape[:-1], dtype=np.float64))
    layout = getattr(X, "format", None)  # scipy.sparse
    if layout is None:
        row_bytes = shape[-1] * itemsize
    else:
        row_bytes = -(-X.nnz * (itemsize + _INDEX_BYTES) // max(n_rows, 1)) + _INDEX_BYTES
    kept = dtype in (np.float32, np.float64) and (
        isinstance(X, np.ndarray) or layout == "csr"
    )
    return row_bytes, 0 if kept else n_rows * row_bytes


def sample_preparation_parts(*, n_samples, row_bytes, copy_bytes, labels, label_bytes,
                             weights):
    """What ContrastiveEmbedding allocates before its fit's own check.

    Parameters
    ----------
    n_samples : int
    row_bytes, copy_bytes : int
        Bytes of one sample once validated, and of the copy validation
        makes (see :func:`validated_bytes`).
    labels : bool
        Whether ``y`` is given: its classes are found and encoded
        (``np.unique`` sorts copies of the labels).
    label_bytes : int
        Bytes per label.
    weights : bool
        Whether ``sample_weight`` is given: the samples of positive weight
        may be copied.

    Returns
    -------
    parts : list of MemoryPart
    """
    parts = [MemoryPart("the validated copy of X", copy_bytes, "fit on fewer samples")]
    if labels:
        parts.append(MemoryPart(
            "the encoding of the labels",
            n_samples * (6 * label_bytes + 5 * _INDEX_BYTES + 2),
            "fit on fewer samples",
        ))
    if weights:
        parts.append(MemoryPart(
            "the samples of positive weight",
            n_samples * (row_bytes + 3 * 8),
            "fit on fewer samples",
        ))
    return parts


def pair_preparation_parts(*, n_pairs, n_rows, row_bytes, copy_bytes, given_samples):
    """What ContrastivePairClassifier allocates before its fit's own check.

    Parameters
    ----------
    n_pairs : int
    n_rows : int
        Rows the pairs index (``2 * n_pairs`` for pairs of samples).
    row_bytes, copy_bytes : int
        Bytes of one sample once validated, and of the copy validation
        makes of the samples (see :func:`validated_bytes`).
    given_samples : bool
        Whether the pairs hold the samples themselves: the distinct ones are
        then found by ``np.unique`` over all ``2 * n_pairs`` samples (which
        sorts two copies of them); else a mask over the rows finds them.

    Returns
    -------
    parts : list of MemoryPart
    """
    parts = [
        MemoryPart("the validated copy of the samples", copy_bytes, "fit on fewer pairs"),
        MemoryPart(
            "the samples the pairs use",
            min(n_rows, 2 * n_pairs) * row_bytes,
            "fit on fewer pairs",
        ),
        # each pair's two row numbers, then the pairs sorted by their first
        # sample: an argsort and sorted copies of both rows and the labels
        MemoryPart(
            "the pairs' row numbers",
            n_pairs * (6 * _INDEX_BYTES + 2) + n_rows * (_INDEX_BYTES + 1),
            "fit on fewer pairs",
        ),
    ]
    if given_samples:
        parts.append(MemoryPart(
            "the search for distinct samples",
            2 * n_pairs * (2 * row_bytes + 4 * _INDEX_BYTES + 1),
            "fit on fewer pairs",
        ))
    return parts


def check_sample_preparation(name, X, y, sample_weight):
    """Refuse, before they are made, the copies that validation, the label
    encoding and the weights need (see :func:`sample_preparation_parts`)."""
    sizes = validated_bytes(X)
    if sizes is None:  # a sequence: its size is known once validation converts it
        return
    check_fit_memory(
        sample_preparation_parts(
            n_samples=X.shape[0],
            row_bytes=sizes[0],
            copy_bytes=sizes[1],
            labels=y is not None,
            label_bytes=getattr(getattr(y, "dtype", None), "itemsize", 8),
            weights=sample_weight is not None,
        ),
        name,
    )

def check_pair_preparation(name, pairs, samples=None):
    """Refuse, before they are made, the copies and index arrays the pairs
    need (see :func:`pair_preparation_parts`); ``samples``: the
    preprocessor the pairs index, or None for pairs of samples."""
    sizes = validated_bytes(pairs if samples is None else samples)
    if sizes is None:  # a sequence: its size is known once validation converts it
        return
    check_fit_memory(
        pair_preparation_parts(
            n_pairs=pairs.shape[0],
            n_rows=2 * pairs.shape[0] if samples is None else samples.shape[0],
            row_bytes=sizes[0],
            copy_bytes=sizes[1],
            given_samples=samples is None,
        ),
        name,
    )


def map_parameters(n_features, hidden_layer_sizes, n_components):
    """The number of parameters of the map: its weights, and an MLP's biases."""
    if not hidden_layer_sizes:
        return n_features * n_components
    sizes = (n_features, *hidden_layer_sizes, n_components)
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def available_memory_bytes():
    """Memory this process can still allocate, or None if unknown."""
    limits = [
        _meminfo_available(),
        _cgroup_available(),
        _address_space_available(),
    ]
    limits = [limit for limit in limits if limit is not None]
    return min(limits) if limits else None


def check_fit_memory(parts, name="ContrastiveEmbedding"):
    """Raise ValueError naming what to lower if ``parts`` exceed available memory.

    Examples
    --------
    >>> from sk_contrastive._memory import MemoryPart, check_fit_memory
    >>> check_fit_memory([MemoryPart("a small array", 1000, "nothing")])  # fits
    """
    needed = sum(part.n_bytes for part in parts)
    available = available_memory_bytes()
    if available is None or needed <= available:
        return
    raise ValueError(
        f"{name}: this fit would need about {_gib(needed)} GiB at its peak, "
        f"but only {_gib(available)} GiB of memory is available. Largest "
        f"parts: {describe_parts(parts, hints=True)}. Float32 data halves most of them."
    )


def describe_parts(parts, hints=False):
    """The largest of ``parts`` (at most 3, each at least a tenth of their
    sum) as text, with the parameters that lower them if ``hints``."""
    needed = sum(part.n_bytes for part in parts)
    largest = sorted(parts, key=lambda part: part.n_bytes, reverse=True)
    shown = [part for part in largest if 10 * part.n_bytes >= needed][:3]
    return "; ".join(
        f"{part.name}: {_gib(part.n_bytes)} GiB"
        + (f" (lower {part.parameters})" if hints else "")
        for part in shown
    )


def _count(number):
    """An integer as text, with thousands separators up to 15 digits."""
    return f"{number:,}" if number < 10**15 else f"about 10^{len(str(number)) - 1}"


def _gib(n_bytes):
    """``n_bytes`` in GiB as text; sizes from absurd parameters (``10**400``
    pairs per sample) are integers beyond the float range."""
    gib = n_bytes // 2**30
    if gib < 2**64:
        return f"{n_bytes / 2**30:.2f}"
    return f"10^{len(str(gib)) - 1}"


def _meminfo_available():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available():
    """Limit minus usage of this process's cgroup (v2, then v1), if any."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            with open(limit_file) as limit, open(usage_file) as usage:
                text = limit.read().strip()
                if text == "max":
                    return None
                bound = int(text)
                if bound >= 2**60:  # cgroup v1's "no limit"
                    return None
                return max(bound - int(usage.read().strip()), 0)
        except (OSError, ValueError):
            continue
    return None


def _address_space_available():
    """What ``ulimit -v`` leaves of the address space, if it is set."""
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
    return max(soft - used, 0)
