"""The compiled pair pass against a plain float64 numpy reference."""

import tracemalloc

import numpy as np
import pytest
from scipy.optimize import check_grad

from sk_contrastive._loss import ContrastiveLoss, aligned_empty, pair_distances
from sk_contrastive._pairs import Pairs, graded_pairs


def reference(Z, pairs, margin, pos_margin):
    """The loss, its gradient and the distances, straight from the formula."""
    Z = Z.astype(np.float64)
    first, second, similar = pairs.first, pairs.second, pairs.similar
    w = np.ones(first.shape[0]) if pairs.weight is None else pairs.weight.astype(np.float64)
    normaliser = w.sum()
    diff = Z[first] - Z[second]
    d = np.sqrt((diff**2).sum(axis=1))
    h = np.where(similar, np.maximum(d - pos_margin, 0), -np.maximum(margin - d, 0))
    loss = (w * h**2).sum() / normaliser if normaliser else 0.0
    c = np.zeros_like(d)
    positive = d > 0
    if normaliser:
        c[positive] = 2 * w[positive] * h[positive] / d[positive] / normaliser
    G = np.zeros_like(Z)
    np.add.at(G, first, c[:, None] * diff)
    np.add.at(G, second, -c[:, None] * diff)
    return loss, G, d


def make_problem(rng, n, k, n_pairs, dtype, weighted=False, sort=True):
    Z = rng.standard_normal((n, k)).astype(dtype) * 0.5
    first = rng.integers(0, n, n_pairs)
    second = rng.integers(0, n, n_pairs)
    if sort:
        order = np.argsort(first, kind="stable")
        first, second = first[order], second[order]
    similar = rng.random(n_pairs) < 0.4
    second[:3] = first[:3]  # distance 0: self pairs ...
    Z[1] = Z[0]
    first[3], second[3] = 0, 1  # ... and duplicated rows
    weight = None
    if weighted:
        weight = rng.random(n_pairs)
        weight[::5] = 0.0
    return Z, Pairs(first, second, similar, weight)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 2, 3, 8, 16, 17, 32, 40, 64, 65, 100])
@pytest.mark.parametrize("pos_margin", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_gradient_and_distances_match_the_formula(dtype, k, pos_margin, weighted):
    rng = np.random.default_rng(k * 7 + weighted)
    Z, pairs = make_problem(rng, 50, k, 400, dtype, weighted)
    margin = float(np.median(np.linalg.norm(Z[pairs.first] - Z[pairs.second], axis=1)))
    loss, G = ContrastiveLoss(pairs, 50, margin, pos_margin)(Z)
    expected_loss, expected_G, expected_d = reference(Z, pairs, margin, pos_margin)
    rtol = 1e-4 if dtype == np.float32 else 1e-11
    assert G.dtype == dtype and G.shape == Z.shape
    assert loss == pytest.approx(expected_loss, rel=rtol)
    np.testing.assert_allclose(G, expected_G, rtol=10 * rtol,
                               atol=rtol * np.abs(expected_G).max())
    d = pair_distances(Z, pairs.first, pairs.second)
    assert d.dtype == dtype
    np.testing.assert_allclose(d, expected_d, rtol=rtol, atol=rtol)


def test_exactly_at_the_margins_and_at_distance_zero():
    Z = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0], [0.6, 0.8]])
    pairs = Pairs(np.zeros(5, int), np.array([1, 2, 1, 3, 2]),
                  np.array([False, False, True, True, True]))
    loss, G = ContrastiveLoss(pairs, 4, margin=5.0, pos_margin=1.0)(Z)
    # d = margin: 0; dissimilar at d = 0: 25 with gradient 0; similar at d = 5
    # with pos_margin 1: 16; d = pos_margin: 0; similar at d = 0: 0
    assert loss == pytest.approx((25 + 16) / 5)
    c = 2 * 4 / 5 / 5
    expected = np.zeros_like(Z)
    expected[0], expected[1] = c * (Z[0] - Z[1]), -c * (Z[0] - Z[1])
    np.testing.assert_allclose(G, expected)


def test_unsorted_pairs_and_long_anchor_runs():
    rng = np.random.default_rng(3)
    for n, sort in ((40, False), (5, True)):  # 5 anchors: runs span several chunks
        Z, pairs = make_problem(rng, n, 16, 400, np.float64, sort=sort)
        loss, G = ContrastiveLoss(pairs, n, 1.5, 0.2)(Z)
        expected_loss, expected_G, _ = reference(Z, pairs, 1.5, 0.2)
        assert loss == pytest.approx(expected_loss, rel=1e-12)
        np.testing.assert_allclose(G, expected_G, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("pos_margin", [0.0, 0.4])
@pytest.mark.parametrize("k", [2, 16, 70])
def test_gradient_matches_finite_differences(pos_margin, k):
    rng = np.random.default_rng(5)
    Z, pairs = make_problem(rng, 25, k, 150, np.float64, weighted=True)
    Z[1] += 0.1  # away from the kink at d = 0
    keep = pairs.first != pairs.second
    pairs = Pairs(pairs.first[keep], pairs.second[keep], pairs.similar[keep],
                  pairs.weight[keep])
    margin = float(np.median(np.linalg.norm(Z[pairs.first] - Z[pairs.second], axis=1)))
    loss = ContrastiveLoss(pairs, 25, margin, pos_margin)

    def value(z):
        return loss(z.reshape(25, k))[0]

    def gradient(z):
        return loss(z.reshape(25, k))[1].ravel().copy()

    error = check_grad(value, gradient, Z.ravel(), epsilon=1e-7)
    assert error < 1e-5 * max(1.0, np.linalg.norm(gradient(Z.ravel())))


def test_float32_on_block_local_and_random_partners():
    rng = np.random.default_rng(7)
    n, k = 3000, 16
    Z = rng.standard_normal((n, k)).astype(np.float32) * 0.2
    first = np.repeat(np.arange(n), 12)
    local = np.minimum((first // 256) * 256 + rng.integers(0, 256, first.shape[0]), n - 1)
    second = np.where(np.arange(first.shape[0]) % 12 < 10, local,
                      rng.integers(0, n, first.shape[0]))
    pairs = Pairs(first, second, np.arange(first.shape[0]) % 12 < 4)
    loss, G = ContrastiveLoss(pairs, n)(Z)
    expected_loss, expected_G, _ = reference(Z, pairs, 1.0, 0.0)
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    np.testing.assert_allclose(G, expected_G, rtol=1e-3, atol=1e-6 * np.abs(expected_G).max())


def test_zero_total_weight_and_no_pairs_give_zero():
    rng = np.random.default_rng(4)
    Z, pairs = make_problem(rng, 20, 16, 50, np.float32)
    loss, G = ContrastiveLoss(pairs._replace(weight=np.zeros(50)), 20)(Z)
    assert loss == 0.0 and not G.any()
    empty = Pairs(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, bool))
    loss, G = ContrastiveLoss(empty, 20)(Z)
    assert loss == 0.0 and not G.any()
    assert pair_distances(Z, empty.first, empty.second).shape == (0,)


def test_indices_are_checked_once():
    pairs = Pairs(np.array([0, 1]), np.array([1, 5]), np.array([True, False]))
    with pytest.raises(ValueError, match="outside range\\(3\\)"):
        ContrastiveLoss(pairs, 3)


def test_buffers_are_aligned_and_reused_without_pair_sized_temporaries():
    rng = np.random.default_rng(8)
    n, k, n_pairs = 2000, 8, 34_000
    Z, pairs = make_problem(rng, n, k, n_pairs, np.float64)
    loss = ContrastiveLoss(pairs, n)
    _, first_gradient = loss(Z)  # builds the buffers
    assert first_gradient.ctypes.data % 64 == 0
    tracemalloc.start()
    try:
        _, gradient = loss(Z)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert gradient is first_gradient
    # an n_pairs x k work array would take 2.2 MB; an evaluation takes ~nothing
    assert peak < n_pairs * k * 8 / 20, peak
    for dtype in (np.float32, np.float64):
        assert aligned_empty((1000, 16), dtype).ctypes.data % 64 == 0


def graded(rng, pairs):
    """``pairs`` similar to degrees in [0, 1] (some exactly 0 or 1): the two
    terms of each, as ``graded_pairs`` makes them."""
    degree = rng.random(pairs.n_pairs)
    degree[::4] = rng.random(degree[::4].shape) < 0.5
    return graded_pairs(pairs.first, pairs.second, degree, pairs.weight)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 3, 16, 64, 65, 100])
@pytest.mark.parametrize("pos_margin", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_graded_pairs_in_one_visit_match_the_formula_of_their_two_terms(
        dtype, k, pos_margin, weighted):
    rng = np.random.default_rng(k * 3 + weighted)
    Z, pairs = make_problem(rng, 50, k, 400, dtype, weighted)
    pairs = graded(rng, pairs)
    loss = ContrastiveLoss(pairs, 50, 1.0, pos_margin)
    # each pair of two terms is passed once
    n_couples = int(np.sum((pairs.first[1:] == pairs.first[:-1])
                           & (pairs.second[1:] == pairs.second[:-1])
                           & pairs.similar[:-1] & ~pairs.similar[1:]))
    assert n_couples > 100 and loss._first.shape[0] == pairs.n_pairs - n_couples
    value, G = loss(Z)
    expected_loss, expected_G, _ = reference(Z, pairs, 1.0, pos_margin)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert value == pytest.approx(expected_loss, rel=rtol)
    np.testing.assert_allclose(G, expected_G, rtol=rtol, atol=rtol * np.abs(expected_G).max())
    # the binary pairs' half of the loss by itself is unchanged
    binary = pairs._replace(weight=None)
    assert ContrastiveLoss(binary, 50, 1.0, pos_margin)(Z)[0] == pytest.approx(
        reference(Z, binary, 1.0, pos_margin)[0], rel=rtol)



def test_weighted_pairs_given_twice_with_both_labels_take_the_flags_pass_bit_for_bit():
    """A pair labelled similar once and dissimilar once, with pair weights (a
    ContrastivePairClassifier fitted with sample_weight on pairs given twice
    with both labels), is two binary terms: the loss is the flags' pass over
    the terms as given, bit for bit, as before graded pairs were coupled."""
    from sk_contrastive import _pair_kernel

    rng = np.random.default_rng(0)
    Z, pairs = make_problem(rng, 50, 3, 400, np.float64)
    # each pair given twice, similar then dissimilar: neighbours after a stable sort by anchor
    first, second = np.repeat(pairs.first, 2), np.repeat(pairs.second, 2)
    weight = rng.random(800) + 0.1
    given = graded_pairs(first, second, np.tile([1.0, 0.0], 400), weight)
    value, G = ContrastiveLoss(given, 50, 1.0, 0.2)(Z)
    expected_G = np.empty_like(Z)
    expected = _pair_kernel.loss_gradient(
        Z, expected_G, first.astype(np.int32), second.astype(np.int32),
        given.similar.view(np.uint8), weight, 1.0, 0.2, 1.0 / float(np.sum(weight)),
        _pair_kernel.PREFETCH_PAIRS)
    assert value == expected
    np.testing.assert_array_equal(G, expected_G)


@pytest.mark.parametrize("kind", ["graded", "graded, one couple", "weighted binary"])
def test_the_pairs_and_their_loss_stay_within_bytes_per_pair(monkeypatch, kind):
    """``ContrastiveLoss.bytes_per_pair`` is the most the pairs and the loss
    take per pair at their peak (the memory check of a fit counts on it),
    graded pairs (their coupled copy the largest where few of them couple)
    and weighted binary ones alike."""
    from sk_contrastive import _loss

    monkeypatch.setattr(_loss, "SEGMENT_PAIRS", 2**12)
    rng = np.random.default_rng(0)
    n, n_pairs = 20000, 100000
    first = np.sort(rng.integers(0, n, n_pairs)).astype(np.int32)
    second = rng.integers(0, n, n_pairs).astype(np.int32)  # partners anywhere: the most outside
    if kind.startswith("graded"):
        degree = rng.random(n_pairs)
        if kind == "graded, one couple":
            degree[1:] = degree[1:] < 0.5
        pairs = graded_pairs(first, second, degree)
    else:  # one pair given twice with both labels
        first[1], second[1] = first[0], second[0]
        pairs = Pairs(first, second, np.arange(n_pairs) % 2 == 0, rng.random(n_pairs))
    Z = rng.standard_normal((n, 4))
    tracemalloc.start()
    try:
        loss = ContrastiveLoss(pairs, n)
        loss(Z)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    gradient = Z.nbytes + 64  # the loss's gradient buffer, not a pair's
    own = sum(array.nbytes for array in pairs[:4] if array is not None)
    bound = ContrastiveLoss.bytes_per_pair(n, 8, graded=pairs.graded)
    assert own + peak - gradient <= pairs.n_pairs * bound, (
        (own + peak - gradient) / pairs.n_pairs)


@pytest.mark.parametrize("gap", [1e-4, 1e-6, 1e-9])
def test_a_float32_graded_pair_nearly_similar_keeps_its_dissimilar_term(gap):
    """A degree ``s`` just below 1 leaves a dissimilar term of weight ``1 - s``;
    float32 embeddings must not round ``s`` to float32 before taking ``1 - s``
    (``1 - s`` would lose its digits, or become 0 below 2**-24)."""
    Z = np.array([[0.0, 0.0], [0.3, 0.0]], dtype=np.float32)
    pairs = graded_pairs(np.array([0]), np.array([1]), np.array([1.0 - gap]))
    # d = 0.3 < pos_margin: only the dissimilar term is not 0
    value, G = ContrastiveLoss(pairs, 2, margin=1.0, pos_margin=0.5)(Z)
    expected_loss, expected_G, _ = reference(Z, pairs, 1.0, 0.5)
    assert expected_loss > 0
    assert value == pytest.approx(expected_loss, rel=1e-5)
    np.testing.assert_allclose(G, expected_G, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [3, 16, 65])
@pytest.mark.parametrize("kind", ["unweighted", "weighted", "graded"])
def test_the_pass_in_segments_matches_the_formula_on_any_number_of_threads(
        monkeypatch, dtype, k, kind):
    from sk_contrastive import _loss, _threadpool

    rng = np.random.default_rng(k + len(kind))
    n, n_pairs = 400, 4000
    Z, pairs = make_problem(rng, n, k, n_pairs, dtype, kind == "weighted")
    # mostly partners a few rows away, as in the fit's block order; some anywhere
    near = np.clip(pairs.first + rng.integers(-20, 21, n_pairs), 0, n - 1)
    pairs = pairs._replace(second=np.where(rng.random(n_pairs) < 0.85, near, pairs.second))
    if kind == "graded":
        pairs = graded(rng, pairs)
    monkeypatch.setattr(_loss, "SEGMENT_PAIRS", 256)
    loss = ContrastiveLoss(pairs, n, 1.0, 0.2)
    segments = loss._segments
    assert segments.n_segments >= 10 and 0 < segments.n_outside < n_pairs // 2
    # ranks among the outside pairs, which may outnumber what int32 samples index
    assert segments.position.dtype == np.int64
    expected_loss, expected_G, _ = reference(Z, pairs, 1.0, 0.2)
    results = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(_threadpool, "spare_threads", lambda: threads)
        value, G = loss(Z)
        results.append((value, G.copy()))
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert results[0][0] == pytest.approx(expected_loss, rel=rtol)
    np.testing.assert_allclose(results[0][1], expected_G, rtol=rtol,
                               atol=rtol * np.abs(expected_G).max())
    for value, G in results[1:]:  # a fixed order of sums: equal, not close
        assert value == results[0][0]
        np.testing.assert_array_equal(G, results[0][1])


def test_pairs_not_sorted_by_anchor_or_too_few_make_one_segment(monkeypatch):
    from sk_contrastive import _loss

    monkeypatch.setattr(_loss, "SEGMENT_PAIRS", 256)
    rng = np.random.default_rng(0)
    _, unsorted = make_problem(rng, 400, 4, 4000, np.float64, sort=False)
    _, few = make_problem(rng, 400, 4, 500, np.float64)
    assert ContrastiveLoss(unsorted, 400)._segments.n_segments == 1
    assert ContrastiveLoss(few, 400)._segments.n_segments == 1
