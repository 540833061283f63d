"""Quick-look figure: the three orthogonal mid slices of a volume with a physical scale bar."""

from __future__ import annotations

import sys

import numpy as np

from ._units import format_length

__all__ = ["quicklook", "view"]


def _nice_length(span: float) -> float:
    """A round length (1, 2 or 5 times a power of ten) near a fifth of ``span``."""
    target = span / 5
    power = 10 ** np.floor(np.log10(target))
    for factor in (5, 2, 1):
        if factor * power <= target:
            return float(factor * power)
    return float(power)


def _slice(volume, axis: int, index: int) -> np.ndarray:
    key = [slice(None)] * 3
    key[axis] = index
    plane = volume.data[tuple(key)]
    plane = np.asarray(plane.compute() if volume.is_lazy else plane, dtype=float)
    if volume.mask is not None:
        mask = volume.mask[tuple(key)]
        mask = np.asarray(mask.compute() if hasattr(mask, "compute") else mask)
        plane = np.where(mask, plane, np.nan)
    return plane


def quicklook(volume, *, index=None, cmap: str = "gray", overlay=None, figsize=(12, 4.2), title=None):
    """Plot the mid slices XY (at z), XZ (at y) and YZ (at x) with a scale bar.

    Parameters
    ----------
    volume : Volume
    index : (3,) tuple of int, optional
        Voxel (z, y, x) through which the three planes pass; default the centre.
    cmap : str
        Colour map of the grey levels.
    overlay : Volume, optional
        A label volume on the same grid drawn semi-transparently on top (segmentation check).
    figsize, title
        Passed to matplotlib.

    Returns
    -------
    matplotlib.figure.Figure
        Only the three planes are read from a lazy volume.
    """
    from matplotlib.figure import Figure

    nz, ny, nx = volume.shape
    iz, iy, ix = index if index is not None else (nz // 2, ny // 2, nx // 2)
    dz, dy, dx = volume.voxel_size
    oz, oy, ox = volume.origin
    planes = [
        (0, iz, "XY", f"z = {format_length(oz + iz * dz)}", (ox, oy), (dx, dy)),
        (1, iy, "XZ", f"y = {format_length(oy + iy * dy)}", (ox, oz), (dx, dz)),
        (2, ix, "YZ", f"x = {format_length(ox + ix * dx)}", (oy, oz), (dy, dz)),
    ]
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 3)
    finite = [p for p in (_slice(volume, a, i) for a, i, *_ in planes)]
    values = np.concatenate([p[np.isfinite(p)].ravel() for p in finite]) if finite else np.zeros(1)
    vmin, vmax = (np.percentile(values, [0.5, 99.5]) if values.size else (0, 1))
    for ax, plane, (axis, _, name, where, (o0, o1), (h0, h1)) in zip(axes, finite, planes):
        n1, n0 = plane.shape
        extent = (o0 - h0 / 2, o0 + (n0 - 0.5) * h0, o1 + (n1 - 0.5) * h1, o1 - h1 / 2)
        ax.imshow(plane, cmap=cmap, vmin=vmin, vmax=vmax, extent=extent, interpolation="nearest")
        if overlay is not None:
            labels = _slice(overlay, axis, (iz, iy, ix)[axis])
            # label 0 stays transparent so the grey levels under it remain readable
            ax.imshow(np.ma.masked_where(~np.isfinite(labels) | (labels == 0), labels), cmap="tab10",
                      alpha=0.35, extent=extent, interpolation="nearest", vmin=0, vmax=9)
        ax.set_title(f"{name} at {where}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        width = extent[1] - extent[0]
        bar = _nice_length(width)
        x0 = extent[0] + 0.05 * width
        y0 = extent[2] - 0.06 * (extent[2] - extent[3])
        ax.plot([x0, x0 + bar], [y0, y0], color="yellow", linewidth=3)
        ax.text(x0 + bar / 2, y0 - 0.02 * (extent[2] - extent[3]), format_length(bar, 3),
                color="yellow", ha="center", va="bottom", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def _kernel_shell():
    """The IPython shell of the Jupyter kernel this runs in, or None (a script, a terminal, plain
    IPython). A kernel has imported IPython already, so nothing is imported where there is none."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    return shell if shell is not None and "IPKernelApp" in shell.config else None


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel with ipywidgets to draw into."""
    if _kernel_shell() is None:
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def show_figures_in_notebooks() -> None:
    """In a Jupyter kernel, draw the matplotlib figures dca returns as pictures.

    They are ``matplotlib.figure.Figure`` objects that pyplot does not manage (so a script that
    makes hundreds of them leaks none), and a kernel draws those only once its PNG formatter
    knows the type, as ``%matplotlib inline`` or importing pyplot would arrange; without it a
    figure shows as ``<Figure size 1000x400 with 2 Axes>``. Called on ``import dca``; outside
    a kernel it does nothing.
    """
    shell = _kernel_shell()
    if shell is None:
        return
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure

    if Figure not in shell.display_formatter.formatters["image/png"].type_printers:
        select_figure_formats(shell, {"png"})


def view(volume, *, overlay=None, cmap: str = "gray", interactive: bool | None = None):
    """Orthogonal slices with a slider per axis, the phase overlay and a scale bar.

    In a Jupyter kernel with ipywidgets: a panel (``ipywidgets.VBox``) of three index sliders, a
    check box for the overlay and the quick-look figure, redrawn as they move (only the three
    planes are read from a lazy volume). Elsewhere (a script, a terminal): the static quick-look
    figure at the centre. A segmented volume is its own overlay.

    Parameters
    ----------
    volume : Volume
    overlay : Volume, optional
        Labels on the same grid, drawn over the grey levels (a segmentation check).
    cmap : str
    interactive : bool, optional
        Force the panel (True) or the static figure (False); default: the panel in a kernel.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
    """
    if overlay is None and (volume.dtype == bool or volume.phases):
        overlay = volume
    if not (_in_kernel() if interactive is None else interactive):
        return quicklook(volume, overlay=overlay, cmap=cmap)
    import io

    import ipywidgets as widgets
    from IPython.display import Image, display

    sliders = [widgets.IntSlider(value=n // 2, min=0, max=n - 1, description=f"{axis} index",
                                 continuous_update=False) for axis, n in zip("zyx", volume.shape)]
    phases = widgets.Checkbox(value=overlay is not None, description="phases", disabled=overlay is None)
    out = widgets.Output()

    def draw(*_):
        figure = quicklook(volume, index=tuple(s.value for s in sliders), cmap=cmap,
                           overlay=overlay if phases.value else None)
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=80)  # a picture whatever matplotlib backend the kernel has
        with out:
            out.clear_output(wait=True)
            display(Image(data=png.getvalue(), format="png"))

    for control in (*sliders, phases):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([*sliders, phases]), out])
