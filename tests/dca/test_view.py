"""volume.view(): a widget panel in a Jupyter kernel, the static quick-look figure elsewhere."""

import nbformat
import pytest
from matplotlib.figure import Figure

import dca


def test_outside_a_kernel_view_is_the_static_figure_with_its_scale_bar():
    v = dca.samples.blobs(24, seed=1, voxel_size=2e-6)
    fig = v.view()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert any(t.get_text().endswith("µm") for ax in fig.axes for t in ax.texts)  # the scale bar's label
    grey = dca.Volume(v.to_numpy().astype("float32"), voxel_size=2e-6)
    assert isinstance(grey.view(overlay=v), Figure)


def test_in_a_kernel_view_is_a_widget_whose_state_holds_the_slices():
    pytest.importorskip("ipywidgets")
    from nbclient import NotebookClient

    cells = ["import dca\n"
             "v = dca.samples.blobs(24, seed=1, voxel_size=2e-6)\n"
             "panel = v.view()\n"
             "panel",
             "sliders = panel.children[0].children\n"
             "sliders[0].value = 3  # move z: the figure is drawn again\n"
             "print(len(sliders), panel.children[1].outputs[0]['output_type'])",
             "dca.metrics.pore_size_distribution(v).plot()  # a Figure pyplot does not manage"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True).execute()
    shown = notebook.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in shown  # a live widget, not a picture
    assert notebook.cells[1].outputs[0]["text"].split() == ["4", "display_data"]  # z, y, x sliders and the box
    assert "image/png" in notebook.cells[2].outputs[0]["data"]  # drawn, not "<Figure size ...>"
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = {m["model_name"] for m in state.values()}
    assert {"VBoxModel", "IntSliderModel", "CheckboxModel", "OutputModel"} <= models
    drawn = [m for m in state.values() if m["model_name"] == "OutputModel"][0]["state"]["outputs"]
    assert "image/png" in drawn[0]["data"]  # the slices, kept in the notebook's widget state
