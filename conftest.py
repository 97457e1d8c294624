"""Test-session set-up shared by the doctests and tests/."""

import os

import pytest

# scikit-learn's check_array_api_input skips itself unless scipy's array API
# mode is on, and scipy reads this variable once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test tests nothing: report it as a failure."""
    outcome = yield
    report = outcome.get_result()
    if (os.environ.get("CI") == "true" and report.skipped
            and not hasattr(report, "wasxfail")):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"
