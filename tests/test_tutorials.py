"""The tutorials (docs/tutorials): each .ipynb runs in a Jupyter kernel, paired with its script."""

from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
NAMES = sorted(p.stem for p in TUTORIALS.glob("*.ipynb"))


def test_there_is_a_tutorial_per_stage():
    assert NAMES == ["01_volumes", "02_segment_and_measure", "03_networks_and_flow", "04_meshes"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_tutorial_runs_in_a_kernel(name, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(TUTORIALS / f"{name}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # files go to tmp_path
    assert all(o.get("output_type") != "error" for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_is_paired_with_its_script(name):
    import jupytext

    ipynb, script = jupytext.read(TUTORIALS / f"{name}.ipynb"), jupytext.read(TUTORIALS / f"{name}.py")
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [(c.cell_type, c.source) for c in script.cells]
