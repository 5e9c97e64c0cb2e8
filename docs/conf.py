"""Sphinx configuration of the documentation (docs/). Build: `.venv/bin/sphinx-build -W -b html docs docs/_build/html`."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]

project = "django-twofactor-registry"
author = "The twofactor maintainers"
copyright = "2026, the twofactor maintainers"
release = "1.0.0"

extensions = ["myst_parser", "twofactor_docs"]  # twofactor_docs: docs/_ext/, pages made from the code
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# MyST: Markdown as written in the repository; `(label)=` targets and `#anchor` links to headings.
myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = "twofactor: two-factor authentication for Django"
html_static_path = []
html_show_sourcelink = False
