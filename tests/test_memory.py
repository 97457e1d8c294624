"""The memory check: what a fit will cost, told before anything large exists."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
from sk_contrastive._base import default_n_components
from sk_contrastive._memory import (
    pair_preparation_parts,
    sample_preparation_parts,
    validated_bytes,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's"
)

# A child makes its data, then limits its address space to what it has
# mapped plus HEADROOM, and fits; every case needs more than that before
# the fit engine's own check (a copy of X, np.unique over the pairs, ...).
HEADROOM_MB = 50
CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
    case = sys.argv[1]
    rng = np.random.default_rng(0)
    if case == "index pairs":  # 1.5 M pairs of rows of 100,000 samples
        X = rng.normal(size=(100_000, 8))
        pairs = rng.integers(0, 100_000, (1_500_000, 2))
        y = rng.integers(0, 2, 1_500_000)
        model, args = ContrastivePairClassifier(2, preprocessor=X), (pairs, y)
    elif case == "pairs of samples":  # 250,000 pairs of 8 features
        pairs = rng.normal(size=(250_000, 2, 8))
        y = rng.integers(0, 2, 250_000)
        model, args = ContrastivePairClassifier(2), (pairs, y)
    elif case == "integer X":  # validation makes a float copy of 64 MB
        X = rng.integers(0, 100, (500_000, 16))
        model, args = ContrastiveEmbedding(2), (X, rng.integers(0, 5, 500_000))
    else:  # a weight of 0 makes fit copy the other samples: 64 MB
        X = rng.normal(size=(500_000, 16))
        weight = np.ones(500_000)
        weight[0] = 0
        model, args = ContrastiveEmbedding(2), (X, rng.integers(0, 5, 500_000), weight)
    size = [line for line in open("/proc/self/status") if line.startswith("VmSize")]
    mapped = int(size[0].split()[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mapped + %d * 2**20,) * 2)
    try:
        model.fit(*args)
    except (ValueError, MemoryError) as error:
        print(type(error).__name__, error)
""" % HEADROOM_MB)


@pytest.mark.parametrize(
    "case", ["index pairs", "pairs of samples", "integer X", "weights with a zero"]
)
def test_a_fit_over_the_memory_limit_raises_a_named_value_error(case):
    output = subprocess.run(
        [sys.executable, "-c", CHILD, case], capture_output=True, text=True, timeout=120
    )
    assert output.stdout.startswith("ValueError"), output.stdout + output.stderr[-2000:]
    assert "GiB of memory is available" in output.stdout


def test_validation_copies_are_counted_only_where_validation_copies():
    X = np.zeros((10, 3))
    assert validated_bytes(X) == (24, 0)
    assert validated_bytes(X.astype(np.float32)) == (12, 0)
    assert validated_bytes(X.astype(np.int64)) == (24, 240)
    assert validated_bytes([[0.0] * 3] * 10) is None  # unknown until converted


def test_sparse_samples_are_counted_by_their_stored_values():
    # 1,000 samples of 10 M features, 10 values each
    X = sp.csr_matrix(
        (np.ones(10_000), np.arange(10_000) * 997, np.arange(0, 10_001, 10)),
        shape=(1000, 10**7),
    )
    row_bytes, copy_bytes = validated_bytes(X)
    assert (row_bytes, copy_bytes) == (10 * (8 + 8) + 8, 0)  # not 10 M dense values
    assert validated_bytes(X.tocsc())[1] > 0
    # 100,000 pairs of rows of 1,000 sparse samples of 10 M features
    parts = pair_preparation_parts(
        n_pairs=10**5, n_rows=1000, row_bytes=row_bytes, copy_bytes=0,
        given_samples=False,
    )
    assert sum(part.n_bytes for part in parts) < 2**24


def test_preparation_parts_grow_with_the_input():
    def total(parts):
        return sum(part.n_bytes for part in parts)

    samples = dict(row_bytes=80, copy_bytes=0, labels=True, label_bytes=8, weights=True)
    assert total(sample_preparation_parts(n_samples=2000, **samples)) == 2 * total(
        sample_preparation_parts(n_samples=1000, **samples)
    )
    pairs = dict(row_bytes=80, copy_bytes=0, given_samples=False)
    assert total(pair_preparation_parts(n_pairs=2000, n_rows=4000, **pairs)) == 2 * total(
        pair_preparation_parts(n_pairs=1000, n_rows=2000, **pairs)
    )


def test_verbose_tells_the_size_of_the_map_and_the_peak_memory(capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 100)), np.repeat([0, 1, 2], 20)
    ContrastiveEmbedding(verbose=1, max_iter=2, n_mining_rounds=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[ContrastiveEmbedding] Map: 100 -> 60 (linear), 6,000 parameters"
    assert out[1].startswith("[ContrastiveEmbedding] Estimated peak memory: ")
    assert "largest parts: " in out[1]


def test_index_pairs_fit_without_copying_a_fully_used_preprocessor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    pairs = np.column_stack([np.arange(50), rng.permutation(50)])
    y = (np.arange(50) % 2).astype(int)
    model = ContrastivePairClassifier(2, preprocessor=X, random_state=0).fit(pairs, y)
    by_samples = ContrastivePairClassifier(2, random_state=0).fit(X[pairs], y)
    np.testing.assert_allclose(model.transform(X), by_samples.transform(X), atol=1e-8)


def test_the_default_dimension_is_capped_on_wide_data_only():
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 40)
    fit = dict(max_iter=1, n_mining_rounds=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wide = ContrastiveEmbedding(**fit).fit(rng.normal(size=(80, 300)), y)
        narrow = ContrastiveEmbedding(**fit).fit(rng.normal(size=(80, 64)), y)
        few = ContrastiveEmbedding(**fit).fit(rng.normal(size=(30, 300)), y[:30])
        mlp = ContrastiveEmbedding(hidden_layer_sizes=(8,), **fit).fit(
            rng.normal(size=(80, 300)), y
        )
    assert wide.components_.shape == (64, 300)
    assert narrow.components_.shape == (64, 64)
    assert few.components_.shape == (30, 300)
    assert mlp.coefs_[-1].shape == (8, 64)
    assert default_n_components(n_samples=10.0, n_features=300) == 10
