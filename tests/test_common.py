"""scikit-learn's estimator checks.

One kind of check cannot pass, and is the only expected failure:
``check_sample_weight_equivalence_on_{dense,sparse}_data`` fits once with
integer weights and once with each sample repeated that many times, and
expects the same transform. Repeated copies of a sample are each other's
nearest neighbours at distance 0, so the mined pairs of the repeated data
are not the weighted pairs of the original (a copy takes a positive slot
that a true neighbour held), and the default ``n_components`` counts
samples (9 weighted rows against 27 repeated ones in that check). What does
hold is tested exactly in ``test_weights.py``: weight 0 is the same as
dropping the sample, and integer weights equal repeated pairs.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_contrastive import ContrastiveEmbedding

REPEATED_SAMPLES_ARE_NEIGHBOURS = (
    "repeated copies of a sample are each other's nearest neighbours, so mined "
    "pairs of repeated data differ from weighted pairs; see test_weights.py"
)


def expected_failed_checks(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": REPEATED_SAMPLES_ARE_NEIGHBOURS,
        "check_sample_weight_equivalence_on_sparse_data": REPEATED_SAMPLES_ARE_NEIGHBOURS,
    }


@parametrize_with_checks(
    [
        ContrastiveEmbedding(max_iter=20, random_state=0),
        ContrastiveEmbedding(n_components=1, pos_margin=0.5, max_iter=20, random_state=0),
        ContrastiveEmbedding(hidden_layer_sizes=(8,), max_iter=20, random_state=0),
        ContrastiveEmbedding(
            n_components=3, hidden_layer_sizes=(6, 5), activation="tanh", max_iter=20,
            random_state=0,
        ),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
