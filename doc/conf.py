"""Sphinx configuration of the sk_contrastive documentation.

Build it with ``python -m sphinx -W -b html doc doc/_build/html`` after
``pip install -e ".[docs]"``. The gallery runs the examples: in quick mode
(small data, few iterations) unless ``SK_CONTRASTIVE_FULL_GALLERY=1``.
"""

import os

import sk_contrastive

if os.environ.get("SK_CONTRASTIVE_FULL_GALLERY") != "1":
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

html_theme = "alabaster"
html_theme_options = {"description": "Contrastive metric learning for scikit-learn",
                      "fixed_sidebar": True}
html_static_path = []
