"""The documentation site and the example gallery build, and the demo runs bare.

The site is built the way ``doc/conf.py`` says (``-W``: any warning fails),
in quick mode, from a copy of the sources so that the checkout stays clean.
Building it runs every example of the gallery.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))

pytest.importorskip("sphinx", reason="the dev extra installs sphinx")
pytest.importorskip("sphinx_gallery", reason="the dev extra installs sphinx-gallery")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    sources = tmp_path_factory.mktemp("sources")
    shutil.copytree(ROOT / "doc", sources / "doc",
                    ignore=shutil.ignore_patterns("_build", "auto_examples", "generated"))
    shutil.copytree(ROOT / "examples", sources / "examples",
                    ignore=shutil.ignore_patterns("output", "__pycache__"))
    shutil.copytree(ROOT / "benchmarks" / "results", sources / "benchmarks" / "results")
    html = sources / "html"
    environment = dict(os.environ, SK_CONTRASTIVE_QUICK="1", MPLBACKEND="Agg")
    environment.pop("SK_CONTRASTIVE_FULL_GALLERY", None)
    completed = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(sources / "doc"), str(html)],
        capture_output=True, text=True, env=environment, timeout=1200,
    )
    assert completed.returncode == 0, completed.stdout[-5000:] + completed.stderr[-5000:]
    return html


def test_examples_exist():
    assert len(EXAMPLES) >= 12


def test_landing_page_shows_an_example_and_a_figure(built_site):
    page = (built_site / "index.html").read_text()
    assert "ContrastiveEmbedding" in page and 'class="highlight' in page
    shown = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert shown and all((built_site / source).is_file() for source in shown)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_gallery_page_says_it_shows_the_quick_run(built_site, example):
    page = (built_site / "auto_examples" / f"{example.stem}.html").read_text()
    assert "This page was built with" in page


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_gallery_page_has_the_example_output_and_figure(built_site, example):
    page = (built_site / "auto_examples" / f"{example.stem}.html").read_text()
    assert "sphx-glr-script-out" in page, "the example printed nothing"
    figures = list((built_site / "_images").glob(f"sphx_glr_{example.stem}_0*.png"))
    assert figures, f"{example.name} drew no figure"
    assert all(figure.stat().st_size > 5000 for figure in figures)


@pytest.mark.parametrize("estimator, methods", [
    ("ContrastiveEmbedding", {"fit", "partial_fit", "transform", "fit_transform", "score"}),
    ("ContrastivePairClassifier",
     {"fit", "predict", "decision_function", "pair_distance", "calibrate_threshold"}),
    ("ContrastivePairRegressor", {"fit", "predict", "score", "pair_distance", "transform"}),
])
def test_api_page_documents_the_public_methods(built_site, estimator, methods):
    page = (built_site / "generated" / f"sk_contrastive.{estimator}.html").read_text()
    documented = set(re.findall(rf'id="sk_contrastive\.{estimator}\.(\w+)"', page))
    assert methods <= documented
    assert not any(name.startswith("set_") and name.endswith("_request")
                   for name in documented), "scikit-learn's metadata methods leaked in"


@pytest.mark.parametrize("page", ["index", "install", "user_guide", "benchmarks", "api"])
def test_site_pages_exist(built_site, page):
    assert (built_site / f"{page}.html").stat().st_size > 2000


def test_quickstart_demo_runs_without_matplotlib(tmp_path):
    """The README's demo needs only the runtime dependencies."""
    script = ("import runpy, sys; sys.modules['matplotlib'] = None; "
              f"runpy.run_path({str(ROOT / 'examples' / 'plot_quickstart.py')!r}, "
              "run_name='__main__')")
    completed = subprocess.run(
        [sys.executable, "-c", script, "--quick"], capture_output=True, text=True,
        cwd=tmp_path, env=dict(os.environ, SK_CONTRASTIVE_QUICK="1"), timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "ContrastiveEmbedding" in completed.stdout
    assert "install matplotlib for the chart" in completed.stdout
    rows = dict(re.findall(r"^(raw features|ContrastiveEmbedding)\s+([\d.]+)",
                           completed.stdout, flags=re.MULTILINE))
    assert float(rows["ContrastiveEmbedding"]) > float(rows["raw features"])


NUMBER = re.compile(r"-?\d+\.\d+|-?\d+")


def readme_blocks():
    """Each ```python block of the README that the README says ``prints``, with that output."""
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```\s*\nprints\s*\n\s*```\n(.*?)```", readme, flags=re.S)


def test_readme_code_prints_what_the_readme_says(capsys):
    """Run the README's blocks in order, in one namespace, as a reader pastes them."""
    blocks = readme_blocks()
    assert len(blocks) >= 2
    namespace = {}
    for code, expected in blocks:
        exec(compile(code, "README.md", "exec"), namespace)
        printed = capsys.readouterr().out
        # the same words, and every figure within half a point of the README's;
        # a k-fold mean within its standard error, std / sqrt(k), where that
        # is more: an MLP's fit lands in another basin where another CPU's
        # BLAS rounds otherwise (digits to 4-D: 0.950 on one machine, 0.943
        # on another, over folds of spread 0.017), as another seed would
        assert NUMBER.sub("#", printed).split() == NUMBER.sub("#", expected).split(), printed
        got = [float(value) for value in NUMBER.findall(printed)]
        stated = [float(value) for value in NUMBER.findall(expected)]
        assert got == pytest.approx(stated, abs=0.005) or all(
            abs(a - b) <= tolerance
            for a, b, tolerance in zip(got, stated, figure_tolerances(expected, printed))
        ), printed


def figure_tolerances(expected, printed):
    """The tolerance of each figure of ``expected``, in order: 0.005, or for
    the mean of ``mean ± std (k-fold CV)`` the larger of that and
    ``std / sqrt(k)``, with the larger std of ``expected`` and ``printed``."""
    tolerances = []
    for stated, got in zip(expected.splitlines(), printed.splitlines()):
        found = [0.005] * len(NUMBER.findall(stated))
        folds = [re.search(r"(\d+\.\d+) ± (\d+\.\d+) \((\d+)-fold CV\)", line)
                 for line in (stated, got)]
        if all(folds):
            spread = max(float(match.group(2)) for match in folds)
            mean = NUMBER.findall(stated).index(folds[0].group(1))
            found[mean] = max(0.005, spread / np.sqrt(int(folds[0].group(3))))
        tolerances += found
    return tolerances
