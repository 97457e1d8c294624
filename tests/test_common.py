"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_contrastive import ContrastiveEmbedding


@parametrize_with_checks(
    [
        ContrastiveEmbedding(max_iter=20, random_state=0),
        ContrastiveEmbedding(n_components=1, pos_margin=0.5, max_iter=20, random_state=0),
        ContrastiveEmbedding(hidden_layer_sizes=(8,), max_iter=20, random_state=0),
        ContrastiveEmbedding(
            n_components=3, hidden_layer_sizes=(6, 5), activation="tanh", max_iter=20,
            random_state=0,
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
