"""Test-session set-up shared by the doctests and tests/."""

import importlib.util
import os

import pytest

from sk_contrastive._warnings import reset_warning_registry

# scikit-learn's check_array_api_input skips itself unless scipy's array API
# mode is on, and scipy reads this variable once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# The ONNX module's doctest needs the onnx extra; without it, as for the
# other optional parts, its tests are skipped (and in CI, failed: see below).
collect_ignore = ([] if importlib.util.find_spec("skl2onnx") else ["sk_contrastive/onnx.py"])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test tests nothing: report it as a failure."""
    outcome = yield
    report = outcome.get_result()
    if (os.environ.get("CI") == "true" and report.skipped
            and not hasattr(report, "wasxfail")):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


@pytest.fixture(autouse=True)
def fresh_warning_registry():
    """Each test (and doctest) starts with no library warning shown yet: the
    library warns once per cause and line of the caller, for the whole process."""
    reset_warning_registry()
