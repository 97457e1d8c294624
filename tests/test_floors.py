"""The declared floors work: the suite passes with every dependency at its floor.

In CI (``CI=true``), or locally with ``SK_CONTRASTIVE_TEST_FLOORS=1``, a
second environment is made: a virtual environment with each ``>=`` floor of
pyproject.toml installed exactly (``name==floor``, read from the file, so the
check cannot drift from what is declared), for the runtime dependencies and
for the test tools; the package built and installed in it, from a copy of this
tree, the README's way; and the suite run there. Left out, and why:

- ``tests/test_docs.py``: building the site needs Sphinx, sphinx-gallery,
  numpydoc, myst-parser and matplotlib, which the suite does not otherwise
  need and whose floors (see ``DOCS_BUILD``) are not what this checks;
- this module (it would recurse).

It adds about 160 s to a CI run (measured from an unpacked sdist with
``CI=true`` on the shared 2-core machine: 160 s of pytest's 307 s, about 60 s
of them installing and building, 100 s running the suite).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOCS_BUILD = {"sphinx", "numpydoc", "sphinx-gallery", "myst-parser", "matplotlib"}
LEFT_OUT = ["tests/test_docs.py", "tests/test_floors.py"]

needs_floors_run = pytest.mark.skipif(
    os.environ.get("CI") != "true" and os.environ.get("SK_CONTRASTIVE_TEST_FLOORS") != "1",
    reason="runs in CI, or with SK_CONTRASTIVE_TEST_FLOORS=1 (it installs a second "
           "environment from the package index)",
)


def declared_floors():
    """``{name: (requirement with extras, floor)}`` for the runtime dependencies
    and the test tools the suite runs with (not the site build's)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["tests"]:
        requirement = Requirement(spec)
        if canonicalize_name(requirement.name) in DOCS_BUILD:
            continue
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == ">=", (
            f"{spec!r}: declare each requirement with its floor alone, name>=version")
        (specifier,) = specifiers
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        floors[canonicalize_name(requirement.name)] = (requirement.name + extras,
                                                       specifier.version)
    return floors


def test_floors_are_read_from_pyproject():
    floors = declared_floors()
    assert {"numpy", "scipy", "scikit-learn", "joblib"} <= set(floors)
    assert {"pytest", "pandas", "hypothesis", "dask", "distributed"} <= set(floors)


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


@needs_floors_run
def test_suite_passes_with_every_dependency_at_its_floor(tmp_path):
    floors = declared_floors()
    pins, constraints = tmp_path / "floors.txt", tmp_path / "constraints.txt"
    pins.write_text("".join(f"{name}=={floor}\n" for name, floor in floors.values()))
    constraints.write_text("".join(f"{name}=={floor}\n" for name, (_, floor) in floors.items()))
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "*.so", "*.c", "__pycache__", ".pytest_cache",
        ".hypothesis", ".venv*", "_build", "auto_examples", "generated", "output"))
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    environment["CI"] = "true"  # there too, a skipped test fails
    python = tmp_path / "venv" / "bin" / "python"
    log = tmp_path / "log.txt"
    failed = (
        run([sys.executable, "-m", "venv", tmp_path / "venv"], log)
        # wheels only: a floor without a wheel for this Python fails here, fast
        or run([python, "-m", "pip", "install", "--only-binary", ":all:", "-r", pins], log,
               env=environment)
        # the package the README's way, the floors held by the constraints
        or run([python, "-m", "pip", "install", "-c", constraints, "-e", "."], log, cwd=source,
               env=environment)
    )
    assert failed is None, f"installing the floors failed:\n{failed}"
    listed = subprocess.run([python, "-m", "pip", "list", "--format=json"], env=environment,
                            capture_output=True, text=True, check=True).stdout
    installed = {canonicalize_name(package["name"]): package["version"]
                 for package in json.loads(listed)}
    for name, (_, floor) in floors.items():
        assert Requirement(f"{name}=={floor}").specifier.contains(installed[name]), (
            name, installed[name])
    failed = run([python, "-m", "pytest", "-p", "no:cacheprovider", "-rfE", "-v"]
                 + [f"--ignore={path}" for path in LEFT_OUT], log, cwd=source, env=environment)
    assert failed is None, f"the suite fails at the floors {floors}:\n{failed}"
