"""Time of one loss-and-gradient evaluation against its physical floor.

The floor is what any implementation must do per evaluation, with BLAS on
one thread: the dense products of the map (for the linear map the two
``n x d x k`` products ``X @ L.T`` and ``G.T @ X``; for an MLP with one
hidden layer of ``h`` units the five GEMMs of its forward and backward
passes) plus one streaming pass over arrays the size of the pair list (read
both index arrays and the flags, read ``Z``, write ``G``). The pairs are
those of a default fit at scale: 17 per sample, 15 with partners in the
sample's own block of 2,048 consecutive rows (the fit orders samples block
by block) and 2 random. All figures come from one run, medians over repeats.

Usage: python benchmarks/bench_evaluation.py [--n 1000000] [--d 64] [--k 16]
       [--hidden 64] [--dtype float32] [--repeats 7]
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from sk_contrastive._linear import LinearProjection
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._mlp import MLPProjection
from sk_contrastive._objective import loss_and_gradient
from sk_contrastive._pairs import Pairs

BLOCK = 2048


def median_time(function, repeats):
    function()  # warm-up: buffers, caches, page faults
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def default_like_pairs(n, rng, n_local=15, n_random=2):
    """15 partners in the anchor's block of consecutive rows, 2 anywhere;
    the first 5 similar."""
    width = n_local + n_random
    first = np.repeat(np.arange(n), width)
    block_start = (first // BLOCK) * BLOCK
    block_size = np.minimum(BLOCK, n - block_start)
    local = block_start + rng.integers(0, 2**31, first.shape[0]) % block_size
    anywhere = rng.integers(0, n, first.shape[0])
    slot = np.tile(np.arange(width), n)
    second = np.where(slot < n_local, local, anywhere)
    return Pairs(first, second, slot < 5)


def measure(n, d, k, dtype, repeats, hidden=0):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)).astype(dtype)
    pairs = default_like_pairs(n, rng)
    loss = ContrastiveLoss(pairs, n, margin=1.0)
    G = rng.standard_normal((n, k)).astype(dtype)
    if hidden:
        projection = MLPProjection(d, (hidden,), k, "relu")
        params = projection.initial_params("auto", random_state=0)
        (W1, _), (W2, _) = projection.layers(params, X.dtype)

        def dense_products():
            H1 = X @ W1
            H1 @ W2
            H1.T @ G
            delta = G @ W2.T
            X.T @ delta
    else:
        projection = LinearProjection(d, k)
        params = rng.standard_normal(projection.n_params) * 0.1
        L = projection.components(params, X.dtype)

        def dense_products():
            X @ L.T
            G.T @ X

    first = pairs.first.astype(np.int32)
    second = pairs.second.astype(np.int32)
    similar = pairs.similar.view(np.uint8)
    Z = np.ascontiguousarray(X[:, :k])

    def streaming_pass():
        first.sum()
        second.sum()
        similar.sum()
        Z.sum()
        G.fill(0)

    def evaluation():
        loss_and_gradient(params, X, projection, loss)

    with threadpool_limits(limits=1, user_api="blas"):
        t_eval = median_time(evaluation, repeats)
        t_gemm = median_time(dense_products, repeats)
        t_pass = median_time(streaming_pass, repeats)
    return {
        "n": n, "d": d, "k": k, "hidden": hidden or "linear", "dtype": np.dtype(dtype).name,
        "n_pairs": pairs.n_pairs, "evaluation_ms": 1e3 * t_eval,
        "dense_products_ms": 1e3 * t_gemm, "streaming_pass_ms": 1e3 * t_pass,
        "floor_ms": 1e3 * (t_gemm + t_pass),
        "ratio_to_floor": t_eval / (t_gemm + t_pass),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=64)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=0,
                        help="units of one hidden layer; 0 for the linear map")
    parser.add_argument("--dtype", default="float32", choices=["float64", "float32"])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    result = measure(args.n, args.d, args.k, args.dtype, args.repeats, args.hidden)
    for key, value in result.items():
        print(f"{key:>20}: {value:.3f}" if isinstance(value, float) else f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
