"""3-D scenes (networks, meshes, flow fields): interactive in a notebook, a picture elsewhere.

A scene is a function ``draw(plotter, scale, unit)`` that adds pyvista meshes whose
coordinates are metres times ``scale`` and names every coloured quantity with its unit in the
colour legend's title. :func:`show_scene` adds what every 3-D picture carries: axes along
the box labelled ``x (um)``, ``y (um)``, ``z (um)`` with their lengths (a scale in each
direction), the orientation triad, the iso view.

In a Jupyter kernel with pyvista's trame backend (``pip install "dca[notebook]"``)
:func:`show_scene` returns the interactive scene as a widget (drag to rotate, scroll to
zoom, in the browser). The default backend, ``"html"``, ships the scene into the widget's
state and renders it with vtk.js in the browser: no server, it keeps in the saved notebook and
works on a remote JupyterHub; ``"trame"``, ``"client"`` or ``"server"`` use a trame server in
the kernel instead (large scenes). Elsewhere (a script, a terminal, no trame) it returns the
same scene rendered off screen as a static matplotlib figure.
"""

from __future__ import annotations

import numpy as np

__all__ = ["length_unit", "legend", "show_scene"]

#: the backends of pyvista's jupyter display that give an interactive scene
INTERACTIVE_BACKENDS = ("html", "trame", "client", "server")


def length_unit(extent: float) -> tuple[float, str]:
    """The unit a 3-D picture of ``extent`` metres reads best in, as (scale, name): metres
    times scale are numbers in that unit (VTK's font has no µ, so micrometres read "um").

    >>> length_unit(2e-3), length_unit(4e-4), length_unit(3e-6)
    ((1000.0, 'mm'), (1000000.0, 'um'), (1000000000.0, 'nm'))
    """
    if extent >= 1e-3:
        return 1e3, "mm"
    if extent >= 1e-5:
        return 1e6, "um"
    return 1e9, "nm"


def legend(title: str, **options) -> dict:
    """pyvista's ``scalar_bar_args`` for a colour legend titled ``title`` (the quantity and
    its unit): upright at the right edge, clear of the axes' labels."""
    return {"title": title, "vertical": True, "position_x": 0.84, "position_y": 0.2, "width": 0.07, "height": 0.6,
            "title_font_size": 14, "label_font_size": 12, **options}


def _plotter(draw, box, *, notebook=False, window_size=(900, 700), title=None):
    import pyvista as pv

    low, high = np.asarray(box[0], float), np.asarray(box[1], float)
    scale, unit = length_unit(float(np.max(high - low)))
    plotter = pv.Plotter(off_screen=not notebook, notebook=notebook, window_size=window_size)
    draw(plotter, scale, unit)
    bounds = tuple(float(c) * scale for pair in zip(low, high) for c in pair)  # xmin, xmax, ymin, ...
    plotter.show_bounds(bounds=bounds, xtitle=f"x ({unit})", ytitle=f"y ({unit})", ztitle=f"z ({unit})", fmt="%.4g",
                        font_size=11, location="outer", ticks="outside", minor_ticks=False)
    plotter.add_axes(xlabel="x", ylabel="y", zlabel="z")
    if title:
        plotter.add_title(title, font_size=10)
    plotter.camera_position = "iso"
    return plotter


class Scene:
    """An interactive 3-D scene for Jupyter: pyvista's widget (``widget``), shown with its
    picture (``image``, RGB) as the fallback for front ends that draw no widgets (a static
    notebook viewer, GitHub, the documentation site)."""

    def __init__(self, widget, image):
        self.widget = widget
        self.image = image

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64
        import io

        from PIL import Image

        png = io.BytesIO()
        Image.fromarray(self.image).save(png, format="png")
        shown = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data, metadata = shown if isinstance(shown, tuple) else (shown, {})  # anywidget adds metadata
        data = {**data, "image/png": base64.b64encode(png.getvalue()).decode("ascii"), "text/plain": repr(self)}
        return data, metadata

    def __repr__(self) -> str:
        return f"<3-D scene {self.image.shape[1]} x {self.image.shape[0]} pixels>"


def _interactive_here(backend: str) -> bool:
    """A Jupyter kernel whose front end can draw pyvista's ``backend``."""
    from ._quicklook import _in_kernel

    if backend not in INTERACTIVE_BACKENDS or not _in_kernel():
        return False
    try:
        import anywidget  # noqa: F401  (the html backend's widget)
        import trame_pyvista  # noqa: F401
    except ImportError:
        return False
    return True


def show_scene(draw, *, box, interactive: bool | None = None, backend: str = "html", title=None,
               window_size=(900, 700)):
    """The scene ``draw(plotter, scale, unit)`` with axes in units, the orientation triad and
    the colour legends ``draw`` adds.

    Parameters
    ----------
    draw : callable
        Adds the meshes; coordinates in metres times ``scale``, titles with ``unit``.
    box : ((xmin, ymin, zmin), (xmax, ymax, zmax)), metres
        What the axes span (the sample's box); its largest side picks the unit (mm, um or nm).
    interactive : bool, optional
        Force the interactive widget (True) or the static figure (False). Default: the
        widget in a Jupyter kernel where pyvista's trame backend is installed.
    backend : {"html", "trame", "client", "server"}
        pyvista's jupyter backend for the widget.
    title : str, optional
    window_size : (int, int)
        Pixels.

    Returns
    -------
    Scene or matplotlib.figure.Figure
        In a kernel, the :class:`Scene` (its ``widget`` and its ``image``), which Jupyter shows
        as the interactive widget; elsewhere the picture as a figure.
    """
    from ._errors import InputError

    if backend not in INTERACTIVE_BACKENDS:
        raise InputError(f"backend must be one of {INTERACTIVE_BACKENDS}, got {backend!r}")
    import pyvista as pv
    from matplotlib.figure import Figure

    if interactive is None:
        interactive = _interactive_here(backend)
    with pv.vtk_verbosity("off"):  # no warning where VTK falls back from X to an off-screen context
        plotter = _plotter(draw, box, notebook=interactive, window_size=window_size, title=title)
        try:
            image = plotter.screenshot(None, return_img=True)
            if interactive:
                return Scene(plotter.show(jupyter_backend=backend, return_viewer=True), image)
        finally:
            if not interactive or backend == "html":  # the server backends keep rendering it
                plotter.close()
    fig = Figure(figsize=(window_size[0] / 100, window_size[1] / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(image)
    ax.set_axis_off()
    return fig
