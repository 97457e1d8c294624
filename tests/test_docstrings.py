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

# The checks left out, scikit-learn's (sklearn/tests/test_docstrings.py):
# - RT02: a Returns entry names what it returns, not only its type;
# - GL01, GL02: where the summary starts and blank lines (short docstrings
#   of properties);
# - ES01, SA01, EX01 (extended summary, See Also, Examples) for methods and
#   properties: the class's docstring has them;
# - PR02, GL08 for properties: numpydoc reads no signature from them.
IGNORED = {"RT02", "GL01", "GL02"}
IGNORED_FOR_MEMBERS = {"ES01", "SA01", "EX01"}
IGNORED_FOR_PROPERTIES = {"PR02", "GL08"}


def public_objects():
    """``(import path, is a member, is a property)`` for each public object."""
    for name in sk_contrastive.__all__:
        estimator = getattr(sk_contrastive, name)
        if not inspect.isclass(estimator):
            continue
        path = f"{estimator.__module__}.{name}"
        yield path, False, False
        for member in sorted(dir(estimator)):
            if member.startswith("_"):
                continue
            is_property = isinstance(inspect.getattr_static(estimator, member), property)
            if is_property or callable(getattr(estimator, member)):
                yield f"{path}.{member}", True, is_property
    for module in (metrics, datasets):
        for name in module.__all__:
            yield f"{module.__name__}.{name}", False, False


def test_public_objects_are_found():
    paths = [path for path, _, _ in public_objects()]
    assert "sk_contrastive._embedding.ContrastiveEmbedding.fit" in paths
    assert "sk_contrastive._embedding.ContrastiveEmbedding.get_params" in paths
    assert "sk_contrastive.metrics.retrieval_report" in paths
    assert "sk_contrastive.datasets.make_nonlinear" in paths


@pytest.mark.parametrize("path, is_member, is_property",
                         [pytest.param(*case, id=case[0]) for case in public_objects()])
def test_docstring(path, is_member, is_property):
    ignored = (IGNORED | (IGNORED_FOR_MEMBERS if is_member else set())
               | (IGNORED_FOR_PROPERTIES if is_property else set()))
    errors = [f"{code}: {message}" for code, message in validate(path)["errors"]
              if code not in ignored]
    assert not errors, f"{path}:\n" + "\n".join(errors)
