"""The declared floors work: the suite passes with every dependency at its floor.

In CI (``CI=true``), or locally with ``SK_CONTRASTIVE_TEST_FLOORS=1``, a
second environment is made: a virtual environment with each ``>=`` floor of
pyproject.toml installed exactly (``name==floor``, read from the file, so the
check cannot drift from what is declared), for the runtime dependencies and
the extras the suite runs with (``FLOORS_EXTRAS``); the package built and
installed in it, from a copy of this tree, the README's way; and the suite run
there. Left out, and why:

- ``tests/test_docs.py`` and ``tests/test_docstrings.py``: building the site
  and validating the docstrings need the ``docs`` and ``examples`` extras
  (Sphinx, sphinx-gallery, numpydoc, myst-parser, pydata-sphinx-theme,
  matplotlib), which the rest
  of the suite does not need and whose floors are not what this checks;
- this module (it would recurse).

The floors run starts in the background as soon as the session has
collected its tests (``tests/conftest.py``), so that it runs beside the
main suite, each on about one of CI's two cores (the fits run BLAS on one
thread), rather than after it; its test is moved to the end of the session,
where it waits for the run and reports it.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "sk-contrastive"
# The extras of ``dev`` (the README's test command) that the suite, without
# the modules left out, needs.
FLOORS_EXTRAS = ("tests", "dask", "onnx")
LEFT_OUT = ["tests/test_docs.py", "tests/test_docstrings.py", "tests/test_floors.py"]

needs_floors_run = pytest.mark.skipif(
    not (os.environ.get("CI") == "true" or os.environ.get("SK_CONTRASTIVE_TEST_FLOORS") == "1"),
    reason="runs in CI, or with SK_CONTRASTIVE_TEST_FLOORS=1 (it installs a second "
           "environment from the package index)",
)


def extra_requirements(extras, optional):
    """The requirements of ``extras``, those of the extras they name by
    ``sk-contrastive[...]`` included."""
    requirements = []
    for extra in extras:
        for spec in optional[extra]:
            requirement = Requirement(spec)
            if canonicalize_name(requirement.name) == PROJECT:
                requirements += extra_requirements(sorted(requirement.extras), optional)
            else:
                requirements.append(requirement)
    return requirements


def declared_floors():
    """``{name: (requirement with extras, floor)}`` for the runtime dependencies
    and the extras the suite runs with (``FLOORS_EXTRAS``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for requirement in ([Requirement(spec) for spec in project["dependencies"]]
                        + extra_requirements(FLOORS_EXTRAS, project["optional-dependencies"])):
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == ">=", (
            f"{requirement}: declare each requirement with its floor alone, name>=version")
        (specifier,) = specifiers
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        name = canonicalize_name(requirement.name)
        assert floors.get(name, (None, specifier.version))[1] == specifier.version, (
            f"{requirement.name}: declared with two floors")
        floors[name] = (requirement.name + extras, specifier.version)
    return floors


def test_floors_are_read_from_pyproject():
    floors = declared_floors()
    assert {"numpy", "scipy", "scikit-learn", "joblib"} <= set(floors)
    assert {"pytest", "pandas", "hypothesis", "dask", "distributed", "skl2onnx",
            "onnxruntime"} <= set(floors)
    assert not {"sphinx", "numpydoc", "matplotlib"} & set(floors)


def test_dev_extra_holds_every_extra_the_suite_needs():
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    dev = {str(requirement) for requirement in extra_requirements(["dev"], optional)}
    needed = {str(requirement) for requirement in
              extra_requirements([*FLOORS_EXTRAS, "docs", "examples"], optional)}
    assert dev == needed


def run(command, log, timeout=900, **kwargs):
    """Run ``command``, appending its output to ``log``; the output if it failed
    or ran past ``timeout`` seconds (a hang fails here, with its log, rather
    than running into CI's own limit)."""
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(map(str, command))}\n")
        out.flush()
        try:
            completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                                       timeout=timeout, **kwargs)
        except subprocess.TimeoutExpired:
            return Path(log).read_text()[-12000:] + f"\n[still running after {timeout} s]"
    if completed.returncode:
        return Path(log).read_text()[-12000:]
    return None


def floors_run_enabled():
    return os.environ.get("CI") == "true" or os.environ.get("SK_CONTRASTIVE_TEST_FLOORS") == "1"


class FloorsRun:
    """The floors run (see the module docstring) on a thread of its own: its
    steps are child processes, so it costs this process nothing while the
    main suite runs. ``result()`` waits for it and returns ``(floors,
    installed, failure)``: the declared floors, the versions installed, and
    the log of the step that failed, or None."""

    _started = None

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="sk_contrastive-floors-"))
        self._outcome = None
        self._thread = threading.Thread(target=self._run, name="floors-run", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls):
        """Start the run once per session; the run."""
        if cls._started is None:
            cls._started = cls()
        return cls._started

    def result(self, timeout=3600):
        self._thread.join(timeout)
        if self._outcome is None:
            return declared_floors(), {}, f"the floors run did not end within {timeout} s"
        return self._outcome

    def _run(self):
        try:
            self._outcome = self._steps()
        except BaseException as error:  # reported by the test, not lost in a thread
            self._outcome = ({}, {}, f"the floors run failed: {error!r}")

    def _steps(self):
        folder = self.folder
        floors = declared_floors()
        pins, constraints = folder / "floors.txt", folder / "constraints.txt"
        pins.write_text("".join(f"{name}=={floor}\n" for name, floor in floors.values()))
        constraints.write_text("".join(f"{name}=={floor}\n"
                                       for name, (_, floor) in floors.items()))
        source = folder / "source"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "*.so", "*.c", "__pycache__",
            ".pytest_cache", ".hypothesis", ".venv*", "_build", "auto_examples", "generated",
            "output"))
        environment = {key: value for key, value in os.environ.items()
                       if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        environment["CI"] = "true"  # there too, a skipped test fails
        python = folder / "venv" / "bin" / "python"
        log = folder / "log.txt"
        failed = (
            run([sys.executable, "-m", "venv", folder / "venv"], log)
            # wheels only: a floor without a wheel for this Python fails here, fast
            or run([python, "-m", "pip", "install", "--only-binary", ":all:", "-r", pins],
                   log, env=environment)
            # the package the README's way, the floors held by the constraints
            or run([python, "-m", "pip", "install", "-c", constraints, "-e", "."], log,
                   cwd=source, env=environment)
        )
        if failed is not None:
            return floors, {}, f"installing the floors failed:\n{failed}"
        listed = subprocess.run([python, "-m", "pip", "list", "--format=json"],
                                env=environment, capture_output=True, text=True,
                                check=True).stdout
        installed = {canonicalize_name(package["name"]): package["version"]
                     for package in json.loads(listed)}
        failed = run([python, "-m", "pytest", "-p", "no:cacheprovider", "-rfE", "-v"]
                     + [f"--ignore={path}" for path in LEFT_OUT], log, timeout=2400,
                     cwd=source, env=environment)
        return floors, installed, (None if failed is None
                                   else f"the suite fails at the floors {floors}:\n{failed}")


@needs_floors_run
def test_suite_passes_with_every_dependency_at_its_floor():
    floors, installed, failure = FloorsRun.start().result()
    assert failure is None, failure
    for name, (_, floor) in floors.items():
        assert Requirement(f"{name}=={floor}").specifier.contains(installed[name]), (
            name, installed[name])
