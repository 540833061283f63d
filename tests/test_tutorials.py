"""The tutorials (docs/tutorials): one per stage, each .ipynb paired with its script. They are
executed in a Jupyter kernel by the documentation build (tests/test_docs.py), which fails on
any error in a cell."""

from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
NAMES = sorted(p.stem for p in TUTORIALS.glob("*.ipynb"))


def test_there_is_a_tutorial_per_stage():
    assert NAMES == ["01_volumes", "02_segment_and_measure", "03_networks_and_flow", "04_meshes"]


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_is_paired_with_its_script(name):
    import jupytext

    ipynb, script = jupytext.read(TUTORIALS / f"{name}.ipynb"), jupytext.read(TUTORIALS / f"{name}.py")
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [(c.cell_type, c.source) for c in script.cells]
