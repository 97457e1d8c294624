"""The library's warnings: concise, once per cause and line, at the user's line."""

import subprocess
import sys
import textwrap
import warnings

import pytest
from joblib import parallel_backend
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_contrastive import ContrastiveEmbedding

MARGINS = {"contrastiveembedding__margin": [0.5, 1.0, 2.0, 5.0]}
# where the margin only rescales: the linear map with the plain contrastive loss
RESCALING_ONLY = {"architecture": "linear", "pos_margin": 0.0}


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def margin_search(n_jobs=None):
    """The issue's search: 3 folds x 4 margins of a pipeline; 10 of its 13
    fits (the refit included) have a margin other than 1."""
    pipeline = make_pipeline(
        StandardScaler(), ContrastiveEmbedding(2, random_state=0, **RESCALING_ONLY),
        KNeighborsClassifier(),
    )
    return GridSearchCV(pipeline, MARGINS, cv=3, n_jobs=n_jobs)


def ours(caught):
    return [w for w in caught if "ContrastiveEmbedding" in str(w.message)]


def test_a_margin_search_warns_once_at_the_callers_line_concisely(iris):
    with warnings.catch_warnings(record=True) as caught:
        margin_search().fit(*iris)
    (warning,) = ours(caught)
    assert warning.filename == __file__
    message = str(warning.message)
    assert len(message) < 250 and message.count(". ") <= 1, message


def test_a_search_on_threads_warns_once_at_the_callers_line(iris):
    with warnings.catch_warnings(record=True) as caught, parallel_backend("threading"):
        margin_search(n_jobs=2).fit(*iris)
    (warning,) = ours(caught)
    assert warning.filename == __file__


def test_a_search_on_worker_processes_does_not_point_into_multiprocessing():
    script = textwrap.dedent(f"""
        from sklearn.datasets import load_iris
        import sys
        sys.path.insert(0, {str(__file__.rsplit("/", 1)[0])!r})
        from test_warnings import margin_search
        margin_search(n_jobs=2).fit(*load_iris(return_X_y=True))
    """)
    stderr = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stderr
    lines = [line for line in stderr.splitlines() if "Warning:" in line]
    # at most once per process: the two workers and the refit in this one
    assert 1 <= len(lines) <= 3, stderr
    assert not any("multiprocessing" in line or "joblib" in line for line in lines), stderr
    assert any(line.startswith("<string>:") for line in lines), stderr


def test_the_registry_outlives_catch_warnings_and_keys_by_cause_not_message(iris):
    X, y = iris
    caught = []
    for margin in (2.0, 3.0):
        # scikit-learn's parallel helpers run each fit like this, which
        # resets Python's own registry of warnings shown
        with warnings.catch_warnings(record=True) as fit_caught:
            ContrastiveEmbedding(2, margin=margin, random_state=0, **RESCALING_ONLY).fit(X, y)
        caught += ours(fit_caught)
    assert len(caught) == 1


def test_each_line_of_the_users_code_is_told(iris):
    X, y = iris
    with warnings.catch_warnings(record=True) as caught:
        ContrastiveEmbedding(2, margin=2.0, random_state=0, **RESCALING_ONLY).fit(X, y)
        ContrastiveEmbedding(2, margin=2.0, random_state=0, **RESCALING_ONLY).fit(X, y)
    assert len({w.lineno for w in ours(caught)}) == 2


def test_an_error_filter_raises_every_time(iris):
    X, y = iris
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            with pytest.raises(ConvergenceWarning, match="max_iter=1"):
                ContrastiveEmbedding(2, max_iter=1, random_state=0).fit(X, y)
