"""Sphinx configuration of dca's documentation site.

Built with ``make docs`` (or ``sphinx-build -W -b html docs docs/_build/html``) and, warnings as
errors, by the test suite (tests/test_docs.py). Pages that follow the code are generated here,
before the build, into folders git ignores: the API reference from each package's ``__all__``,
a page per volume format (``dca.io.formats()``) and per case study (its README).
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
# the tutorials' kernels draw figures with matplotlib's inline backend, as in JupyterLab (an Agg
# backend inherited from a test run would leave "<Figure size ...>" where the figure belongs)
os.environ.pop("MPLBACKEND", None)

import dca  # noqa: E402
import dca.io  # noqa: E402

project = "dca"
author = "the dca developers"
copyright = "2026, the dca developers"
release = version = dca.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "tutorials/*.py", "examples/*.py", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.codeobj.json"]
html_theme = "pydata_sphinx_theme"
html_title = f"dca {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2,
                      "secondary_sidebar_items": ["page-toc"]}
html_static_path: list[str] = []
suppress_warnings = ["myst.header",  # README sections included into pages start at ###
                     "config.cache"]  # sphinx_gallery_conf holds the scraper function

# -- API reference ------------------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- notebooks (the tutorials), executed on every build ------------------------------------
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True  # a tutorial that fails fails the build
nb_execution_in_temp = True  # files a tutorial writes go to a temporary folder
nb_merge_streams = True
nb_output_stderr = "remove"  # kernel noise (a trame server starting) is not part of a tutorial
# a 3-D scene's picture rather than its widget, whose viewer this static site cannot host; the
# notebooks themselves keep the interactive widget (JupyterLab prefers it)
nb_mime_priority_overrides = [("html", "image/png", 5)]  # widgets rank 10: lower comes first
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3


# -- the example gallery ------------------------------------------------------------------
def figure_scraper(block, block_vars, gallery_conf):
    """sphinx-gallery's pictures for dca: our functions return matplotlib Figures that pyplot
    does not know (``matplotlib.figure.Figure``), so the matplotlib scraper would miss them.
    Every Figure an example holds in a variable, or leaves as a code block's last value, is
    saved once."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    seen = block_vars.setdefault("dca_figures", set())
    values = list(block_vars["example_globals"].values())
    values.append(block_vars["example_globals"].get("___", None))  # the block's last expression
    paths = []
    for value in values:
        if isinstance(value, Figure) and id(value) not in seen:
            seen.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=90)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "image_scrapers": (figure_scraper,),
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "capture_repr": ("_repr_html_", "__repr__"),
    "ignore_repr_types": r"matplotlib\.(figure|axes|text)",
    "within_subsection_order": "FileNameSortKey",
}

# -- pages generated from the code ---------------------------------------------------------
API = ["dca", "dca.io", "dca.filters", "dca.segment", "dca.metrics", "dca.network", "dca.series", "dca.multiscale",
       "dca.samples", "dca.instrument", "dca.compute", "dca.util", "dca.run", "flow", "meshing", "meshing.export"]


def _write(path: Path, text: str) -> None:
    """Write only what changed, so Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _api_pages() -> None:
    documented: set[int] = set()
    for name in API:
        module = importlib.import_module(name)
        entries = []
        for attr in module.__all__:
            obj = getattr(module, attr)
            if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)) or id(obj) in documented:
                continue
            documented.add(id(obj))
            entries.append(f"   {attr}")
        body = f"{name}\n{'=' * len(name)}\n\n.. automodule:: {name}\n   :no-members:\n\n.. currentmodule:: {name}\n\n"
        if entries:
            body += ".. autosummary::\n   :toctree: generated\n   :nosignatures:\n\n" + "\n".join(entries) + "\n"
        _write(HERE / "api" / f"{name}.rst", body)


def _format_pages() -> None:
    for fmt in dca.io.formats():
        module = importlib.import_module(fmt.reader.__module__ if fmt.reader else fmt.writer.__module__)
        title = f"{fmt.name}: {fmt.description}" if fmt.description else fmt.name
        rows = [f"- Extensions: {', '.join(f'``{e}``' for e in fmt.extensions) or 'a folder'}",
                f"- Read: {'yes, ``dca.read(path)``' if fmt.reader else 'no'}",
                f"- Write: {'yes, ``dca.write(volume, path)``' if fmt.writer else 'no'}"]
        doc = inspect.cleandoc(module.__doc__ or "")
        _write(HERE / "formats" / f"{fmt.name}.rst",
               f"{title}\n{'=' * len(title)}\n\n" + "\n".join(rows) + "\n\n" + doc + "\n\n"
               f"Options of the reader: :func:`dca.read`; the module is ``{module.__name__}``.\n")


def _case_pages() -> None:
    for folder in sorted(p for p in (ROOT / "case_studies").iterdir() if (p / "case.toml").exists()):
        _write(HERE / "case_studies" / f"{folder.name}.md",
               f"```{{include}} ../../case_studies/{folder.name}/README.md\n```\n\n"
               f"Run it: `dca run case_studies/{folder.name}/case.toml`; open its notebook: "
               f"`make notebook CASE={folder.name}`.\n")


_api_pages()
_format_pages()
_case_pages()
