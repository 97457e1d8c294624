"""Time of one loss-and-gradient evaluation against its physical floor.

The floor is what any implementation must do per evaluation: the dense
products of the map (for the linear map the two ``n x d x k`` products,
forward ``X @ L.T`` and backward ``G.T @ X``; for an MLP with one hidden layer
of ``h`` units the five GEMMs of its forward and backward passes) plus one
pass over the pairs' ``k``-dimensional differences (gather both ends,
subtract, square-sum). All are timed in the same run, medians over repeats.

Usage: python benchmarks/bench_evaluation.py [--n 100000] [--d 64] [--k 16]
       [--hidden 64] [--dtype float64] [--repeats 7]
"""

import argparse
import time

import numpy as np

from sk_contrastive._linear import LinearProjection
from sk_contrastive._loss import ContrastiveLoss
from sk_contrastive._mlp import MLPProjection
from sk_contrastive._objective import loss_and_gradient
from sk_contrastive._pairs import pairs_from_labels


def median_time(function, repeats):
    function()  # warm-up: buffers, caches, page faults
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(n, d, k, dtype, repeats, hidden=0, pairs_per_sample=(5, 10, 2)):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, 10, n)
    n_pos, n_neg, n_rand = pairs_per_sample
    pairs = pairs_from_labels(X, y, strategy="random", n_positives=n_pos,
                              n_negatives=n_neg, n_random_negatives=n_rand,
                              random_state=0)
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
    Z = np.ascontiguousarray(X[:, :k])
    ends = np.empty((2, pairs.n_pairs, k), dtype)

    def evaluation():
        loss_and_gradient(params, X, projection, loss)

    def pair_pass():
        np.take(Z, pairs.first, axis=0, out=ends[0])
        np.take(Z, pairs.second, axis=0, out=ends[1])
        np.subtract(ends[0], ends[1], out=ends[0])
        np.einsum("ij,ij->i", ends[0], ends[0])

    t_eval = median_time(evaluation, repeats)
    t_gemm = median_time(dense_products, repeats)
    t_pass = median_time(pair_pass, repeats)
    return {
        "n": n, "d": d, "k": k, "hidden": hidden or "linear", "dtype": np.dtype(dtype).name, "n_pairs": pairs.n_pairs,
        "evaluation_ms": 1e3 * t_eval, "dense_products_ms": 1e3 * t_gemm,
        "pair_pass_ms": 1e3 * t_pass,
        "ratio_to_dense_products": t_eval / t_gemm,
        "ratio_to_floor": t_eval / (t_gemm + t_pass),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=64)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=0,
                        help="units of one hidden layer; 0 for the linear map")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    result = measure(args.n, args.d, args.k, args.dtype, args.repeats, args.hidden)
    for key, value in result.items():
        print(f"{key:>24}: {value:.3f}" if isinstance(value, float) else f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
