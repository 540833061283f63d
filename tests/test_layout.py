"""The layout's rules, checked: data flows dca -> flow, meshing; flow and meshing use dca
through public names only; only the command line and the case runner import all three."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


@pytest.mark.parametrize("package", ["flow", "meshing"])
def test_flow_and_meshing_use_only_public_dca_names(package):
    private = [(str(p.relative_to(ROOT)), name) for p in (ROOT / package).rglob("*.py") for name in _imports(p)
               if name.split(".")[0] == "dca" and any(part.startswith("_") for part in name.split(".")[1:])]
    assert private == []


def test_the_library_part_of_dca_never_imports_flow_or_meshing():
    top = {"cli", "run"}  # the command line and the case runner sit at the top of the stack
    upward = [(str(p.relative_to(ROOT)), name) for p in (ROOT / "dca").rglob("*.py")
              if p.relative_to(ROOT / "dca").parts[0] not in top
              for name in _imports(p) if name.split(".")[0] in ("flow", "meshing")]
    assert upward == []


def test_flow_and_meshing_do_not_import_each_other():
    crossed = [(str(p.relative_to(ROOT)), name) for package, other in (("flow", "meshing"), ("meshing", "flow"))
               for p in (ROOT / package).rglob("*.py") for name in _imports(p) if name.split(".")[0] == other]
    assert crossed == []


def test_the_citation_file_names_this_version():
    import yaml

    import dca

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["version"] == dca.__version__
    assert citation["title"].startswith("dca") and citation["authors"] and citation["license"] == "BSD-3-Clause"
