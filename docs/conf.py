"""Sphinx configuration of the actloss documentation.

Build (warnings are errors, as CI runs it):

    pip install '.[docs]'
    python -m sphinx -W --keep-going -b html docs docs/_build/html

actloss must be importable (installed, or PYTHONPATH=src after an in-place build). Before
Sphinx reads any page, :mod:`_ext.pages` writes the generated ones into ``docs/_generated``:
the API reference (one autosummary entry per name of ``actloss.__all__`` and of the public
submodules, grouped by module), the gallery (``python -m actloss plot``'s PNGs), the guide
page (from ``actloss.guide``'s own tables) and the name map. Nothing is fetched from the
network.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import actloss  # noqa: E402  (the version below, and a clear error if it is not importable)

from _ext import pages  # noqa: E402

pages.generate(HERE)

project = "actloss"
author = "the actloss authors"
copyright = "the actloss authors"  # noqa: A001  (Sphinx's setting name)
release = actloss.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc", "_ext.plaintext"]

exclude_patterns = ["_build", "_ext", "_templates"]
templates_path = ["_templates"]
html_theme = "alabaster"
html_static_path = []
html_title = f"actloss {release}"

autosummary_generate = True
autosummary_generate_overwrite = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # signatures as written; types are in the Parameters sections
add_module_names = False
add_function_parentheses = False

numpydoc_show_class_members = False  # each class page lists its own members (template)
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# no intersphinx: the build reads nothing from the network
