"""Every public docstring passes numpydoc's validation, as scikit-learn's do.

The public objects are the estimators (``sk_contrastive.__all__``), each of
their public methods and properties (those inherited from scikit-learn too),
and the functions of ``sk_contrastive.metrics`` and ``sk_contrastive.datasets``.
"""

import inspect

import pytest

import sk_contrastive
from sk_contrastive import datasets, metrics

validate = pytest.importorskip("numpydoc.validate", reason="the dev extra installs numpydoc").validate

# The checks left out, as scikit-learn leaves them out
# (sklearn/tests/test_docstrings.py):
# - RT02: a Returns entry names what it returns, not only its type;
# - ES01, SA01, EX01 (extended summary, See Also, Examples) for methods:
#   the class's docstring has them (scikit-learn's inherited methods, such
#   as get_params and set_output, have none of the three).
IGNORED = {"RT02"}
IGNORED_FOR_METHODS = {"ES01", "SA01", "EX01"}


def public_objects():
    """``(import path, is a method)`` for each public object."""
    for name in sk_contrastive.__all__:
        estimator = getattr(sk_contrastive, name)
        if not inspect.isclass(estimator):
            continue
        path = f"{estimator.__module__}.{name}"
        yield path, False
        for member in sorted(dir(estimator)):
            if not member.startswith("_") and callable(getattr(estimator, member)):
                yield f"{path}.{member}", True
    for module in (metrics, datasets):
        for name in module.__all__:
            yield f"{module.__name__}.{name}", False


def test_public_objects_are_found():
    paths = [path for path, _ in public_objects()]
    assert "sk_contrastive._embedding.ContrastiveEmbedding.fit" in paths
    assert "sk_contrastive._embedding.ContrastiveEmbedding.get_params" in paths
    assert "sk_contrastive.metrics.retrieval_report" in paths
    assert "sk_contrastive.datasets.make_nonlinear" in paths
    # No public properties, which numpydoc validates as methods (scikit-learn
    # leaves out PR02 and GL08 for them): one added fails here first.
    for name in sk_contrastive.__all__:
        estimator = getattr(sk_contrastive, name)
        if inspect.isclass(estimator):
            assert not [member for member in dir(estimator) if not member.startswith("_")
                        and isinstance(inspect.getattr_static(estimator, member), property)]


@pytest.mark.parametrize("path, is_method",
                         [pytest.param(*case, id=case[0]) for case in public_objects()])
def test_docstring(path, is_method):
    ignored = IGNORED | (IGNORED_FOR_METHODS if is_method else set())
    errors = [f"{code}: {message}" for code, message in validate(path)["errors"]
              if code not in ignored]
    assert not errors, f"{path}:\n" + "\n".join(errors)
