"""3-D scenes of networks, meshes and flow fields: interactive widgets in a Jupyter kernel,
static pictures in a script, and on every one axes in units and a colour legend with its unit."""

import base64
import io
import json
import zipfile

import numpy as np
import pytest
from matplotlib.figure import Figure

import dca
import flow
import meshing

SAMPLE = "dca.samples.sphere_pack(24, radius=4, porosity=0.35, voxel_size=5e-6, seed=0)"


@pytest.fixture(scope="module")
def sample():
    return eval(SAMPLE, {"dca": dca})


def _picture(fig):
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    image = np.asarray(fig.axes[0].get_images()[0].get_array())
    return image.reshape(-1, image.shape[-1])


@pytest.mark.parametrize("what", ["network", "mesh", "speed", "pressure"])
def test_in_a_script_plot_is_a_static_picture(sample, what):
    if what == "network":
        fig = dca.network.extract(sample).plot()
    elif what == "mesh":
        fig = meshing.tet_mesh(sample).plot()
    else:
        fig = flow.stokes(sample, tol=1e-4).plot(what)
    pixels = _picture(fig)
    white = np.all(pixels == 255, axis=1)
    assert 0.05 < 1 - white.mean() < 0.95  # something drawn on a white ground
    assert len(np.unique(pixels[~white], axis=0)) > 20  # shaded and coloured, not a flat silhouette


def test_a_stokes_field_is_speed_or_pressure(sample):
    with pytest.raises(dca.InputError, match="field must be 'speed' or 'pressure'"):
        flow.stokes(sample, tol=1e-4).plot("vorticity")


def _scene(state: dict, model_id: str) -> str:
    """The vtk.js scene a widget holds, as the text of its index.json."""
    data = base64.b64decode(state[model_id]["state"]["scene"])
    return zipfile.ZipFile(io.BytesIO(data)).read("index.json").decode()


@pytest.mark.slow
def test_in_a_kernel_plot_is_an_interactive_scene_with_axes_and_legends_in_units():
    pytest.importorskip("trame_pyvista")
    pytest.importorskip("anywidget")
    import nbformat
    from nbclient import NotebookClient

    cells = ["import dca, flow, meshing\n"
             f"v = {SAMPLE}\n"
             "dca.network.extract(v).plot()",
             "meshing.tet_mesh(v).plot()",
             "flow.stokes(v, tol=1e-4).plot()"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True).execute()
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    legends = ["pore inscribed diameter (um)", "region", "speed (um/s)"]
    for cell, legend in zip(notebook.cells, legends):
        shown = [o for o in cell.outputs if o["output_type"] == "execute_result"][0]["data"]
        scene = _scene(state, shown["application/vnd.jupyter.widget-view+json"]["model_id"])
        assert "vtkCubeAxesActor" in scene and "vtkScalarBarActor" in scene  # axes and a colour legend
        for title in ("x (um)", "y (um)", "z (um)", legend):
            assert json.dumps(title) in scene, title
