"""Quickstart: kNN on handwritten digits, before and after metric learning.

Fits each embedding on a stratified 70/30 split of scikit-learn's bundled
digits (1,797 images, 64 pixels), standardised, with n_components=32, and
prints the test accuracy of a 5-nearest-neighbour classifier in that space
together with the time the whole pipeline took to fit.

Run it with ``python examples/quickstart.py``.
"""

import time

from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sk_contrastive import ContrastiveEmbedding

N_COMPONENTS = 32


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    embeddings = {
        "raw features": FunctionTransformer(),
        "PCA": PCA(n_components=N_COMPONENTS, random_state=0),
        "sklearn NCA": NeighborhoodComponentsAnalysis(
            n_components=N_COMPONENTS, random_state=0
        ),
        "ContrastiveEmbedding": ContrastiveEmbedding(
            n_components=N_COMPONENTS, random_state=0
        ),
    }
    print(f"digits: {len(X_train)} train / {len(X_test)} test samples, "
          f"kNN(5) after StandardScaler and each embedding ({N_COMPONENTS} dims)\n")
    print(f"{'embedding':<22} {'kNN accuracy':>12} {'fit time (s)':>12}")
    for name, embedding in embeddings.items():
        model = make_pipeline(StandardScaler(), embedding, KNeighborsClassifier())
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        print(f"{name:<22} {model.score(X_test, y_test):>12.3f} {fit_time:>12.2f}")

if __name__ == "__main__":
    main()
