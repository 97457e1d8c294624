"""scikit-learn's estimator checks, with no expected failure.

``check_sample_weight_equivalence_on_{dense,sparse}_data`` passes because
copies of a row are merged into one sample whose weight is their number
(``sk_contrastive._rows``): a row stored ``k`` times and the row with weight
``k`` are the same fit, exactly.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_contrastive import ContrastiveEmbedding


@parametrize_with_checks(
    [
        ContrastiveEmbedding(max_iter=20, random_state=0),
        ContrastiveEmbedding(
            n_components=1, architecture="linear", pos_margin=0.5, max_iter=20, random_state=0
        ),
        ContrastiveEmbedding(hidden_layer_sizes=(8,), max_iter=20, random_state=0),
        # a deeper tanh network with the values an MLP takes where no selection
        # runs given (the MLP above runs an MLP's selection through every check)
        ContrastiveEmbedding(
            n_components=3, hidden_layer_sizes=(6, 5), activation="tanh", alpha=1e-3,
            pos_margin=0.0, n_positives=5, n_negatives=10, max_iter=20, random_state=0,
        ),
        ContrastiveEmbedding(class_weight="balanced", max_iter=20, random_state=0),
        # the selection's maps under the division by the norm (test_cosine
        # checks an MLP's gradient and output through it)
        ContrastiveEmbedding(metric="cosine", max_iter=20, random_state=0),
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
