"""3-D scenes of networks, meshes and flow fields: interactive widgets in a Jupyter kernel,
static pictures in a script, and on every one axes in units and a colour legend with its unit."""

import base64
import io
import json
import shutil
import subprocess
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


@pytest.fixture(scope="module")
def kernel_notebook():
    """A notebook that plots a network, a mesh and a flow field, executed in a Jupyter kernel,
    with the widgets' state saved as JupyterLab saves it."""
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
    scenes = []
    for cell in notebook.cells:
        shown = [o for o in cell.outputs if o["output_type"] == "execute_result"][0]["data"]
        assert "image/png" in shown  # the picture, for front ends without widgets
        model = shown["application/vnd.jupyter.widget-view+json"]["model_id"]
        scenes.append(base64.b64decode(state[model]["state"]["scene"]))
    return scenes


@pytest.mark.slow
def test_in_a_kernel_plot_is_an_interactive_scene_with_axes_and_legends_in_units(kernel_notebook):
    legends = ["pore inscribed diameter (um)", "region: 1 pore, 2 solid", "speed (um/s)"]
    for data, legend in zip(kernel_notebook, legends):
        scene = zipfile.ZipFile(io.BytesIO(data)).read("index.json").decode()  # the vtk.js scene
        assert "vtkCubeAxesActor" in scene and "vtkScalarBarActor" in scene  # axes and a colour legend
        for title in ("x (um)", "y (um)", "z (um)", legend):
            assert json.dumps(title) in scene, title


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_the_saved_scene_draws_in_a_browser(kernel_notebook, tmp_path):
    """The network's scene, from the notebook's widget state, in trame's vtk.js viewer page (what
    the widget shows in JupyterLab), drawn by headless Chromium with software WebGL."""
    from PIL import Image
    from trame_vtk.tools.vtksz2html import embed_data_to_viewer_file

    page, shot = tmp_path / "scene.html", tmp_path / "scene.png"
    embed_data_to_viewer_file(kernel_notebook[0], page)
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--use-angle=swiftshader",
                          "--enable-unsafe-swiftshader",
                          "--no-first-run", "--disable-background-networking", "--disable-component-update",
                          f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,800",
                          "--virtual-time-budget=15000", f"--screenshot={shot}", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and shot.exists(), run.stderr[-1000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    colourful = np.mean(pixels.max(axis=1) - pixels.min(axis=1) > 60)
    assert colourful > 0.02, colourful  # the coloured balls and legend (measured 0.058); a blank page: 0
