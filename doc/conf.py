"""Sphinx configuration of the sk_contrastive documentation.

Build it with ``python -m sphinx -W -b html doc doc/_build/html`` after
``pip install -e ".[docs]"``. The gallery runs the examples: in quick mode
(small data, few iterations) unless ``SK_CONTRASTIVE_FULL_GALLERY=1``.
"""

import os
import re

import sk_contrastive

QUICK_GALLERY = os.environ.get("SK_CONTRASTIVE_FULL_GALLERY") != "1"
if QUICK_GALLERY:
    os.environ["SK_CONTRASTIVE_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

project = "sk_contrastive"
author = "the sk_contrastive developers"
copyright = "2026, the sk_contrastive developers"
release = version = sk_contrastive.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5", "sg_execution_times.rst"]
myst_heading_anchors = 3
# $...$ and $$...$$ as formulas (MathJax), not code
myst_enable_extensions = ["dollarmath", "amsmath"]

autosummary_generate = True
# Methods the estimators inherit from the library's own bases (the pair
# estimators' pair_distance and transform) are documented; those of
# scikit-learn's bases and mixins are not.
_FOREIGN_BASES = sorted({
    base.__name__
    for estimator in (sk_contrastive.ContrastiveEmbedding, sk_contrastive.ContrastivePairClassifier,
                      sk_contrastive.ContrastivePairRegressor)
    for base in estimator.__mro__
    if not base.__module__.startswith("sk_contrastive")
})
autodoc_default_options = {"members": True, "inherited-members": ", ".join(_FOREIGN_BASES)}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "reset_modules": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
}

# the theme of scikit-learn and its ecosystem: a wide content column that
# tables and code scroll within, a page table of contents, light and dark modes
html_theme = "pydata_sphinx_theme"
html_title = "sk_contrastive"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# pages without sub-pages need no left sidebar: their wide tables and code
# get its room (the page's own contents stay on the right)
html_sidebars = {page: [] for page in ("index", "install", "user_guide", "benchmarks",
                                       "changelog")}
html_static_path = ["_static"]
html_css_files = ["custom.css"]


_TITLE_UNDERLINE = re.compile(r"^=+\n", re.MULTILINE)
_QUICK_RUN_NOTE = """
.. admonition:: Quick run
   :class: warning

   This page was built with ``--quick``: the smaller data and fewer
   iterations the description gives, so that the site builds in minutes.
   The numbers and figures below are that run's; run the script as it is
   for the full example, whose figures the user guide and the benchmarks
   page quote.

"""


def _say_the_example_ran_quick(app, docname, source):
    """Put a note under the title of each gallery example built in quick mode."""
    if QUICK_GALLERY and docname.startswith("auto_examples/plot_"):
        source[0] = _TITLE_UNDERLINE.sub(lambda match: match.group(0) + _QUICK_RUN_NOTE,
                                         source[0], count=1)


def setup(app):
    app.connect("source-read", _say_the_example_ran_quick)
