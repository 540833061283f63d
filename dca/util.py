"""Helpers that dca, flow and meshing share: the input rule, phases, progress and figures.

Every public function that takes an image accepts a :class:`dca.Volume`, or an array
together with ``voxel_size=`` (metres); :func:`as_volume` is that rule, in one place, so the
message a user gets for a missing or contradicting voxel size is the same everywhere.

>>> import numpy as np, dca
>>> v = dca.util.as_volume(np.ones((2, 3, 4), bool), voxel_size=5e-6)
>>> v.voxel_size
(5e-06, 5e-06, 5e-06)
>>> dca.util.as_volume(np.ones((2, 3, 4), bool))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
dca._errors.VoxelSizeError: voxel_size is missing: volume is a bare array. Pass voxel_size=(dz, dy, dx) in metres, ...
"""

from __future__ import annotations

import functools
import inspect
import os
import re

import numpy as np

from . import _check
from ._chunks import read_slab, slab_bounds
from ._errors import InputError, VoxelSizeError
from ._memory import BYTES_PER_VOXEL, MemoryLimitError, available_memory, require_bytes, require_memory
from ._memory import fits as fits_in_memory
from ._phase import field_of_view, grey_values, phase_label, phase_mask, phase_names, select
from ._progress import dask_progress
from ._progress import steps as progress_steps
from ._scene import legend, length_unit, show_scene
from ._units import format_length
from ._volume import Volume, is_lazy_array

__all__ = ["as_volume", "takes_volume", "check_axis", "check_positive", "check_fraction", "check_cubic",
           "phase_mask", "phase_names", "phase_label", "select", "field_of_view", "grey_values", "is_lazy_array",
           "natural_key", "natural_order", "short_repr", "show_progress", "progress_steps", "dask_progress",
           "figure_axes", "require_memory", "require_bytes", "BYTES_PER_VOXEL", "fits_in_memory", "available_memory",
           "MemoryLimitError", "marching_cubes", "slab_bounds", "read_slab", "show_scene", "length_unit", "legend"]

check_axis = _check.axis
check_positive = _check.positive
check_fraction = _check.fraction
check_cubic = _check.cubic


def as_volume(volume, *, voxel_size=None, name: str = "volume") -> Volume:
    """``volume`` as a :class:`dca.Volume`: a Volume as it is, an array with ``voxel_size``.

    Parameters
    ----------
    volume : Volume or (nz, ny, nx) array
        The image. An array (NumPy, dask or anything ``np.asarray`` takes) needs
        ``voxel_size``; a Volume carries its own.
    voxel_size : float or (3,) tuple of float, metres, optional
        Required with an array. With a Volume it may only repeat the Volume's own: a voxel
        size that contradicts the file's is refused, not silently applied (use
        ``volume.replace(voxel_size=...)`` to re-scale on purpose).
    name : str
        The argument's name in error messages.

    Raises
    ------
    VoxelSizeError
        An array without ``voxel_size``, or a ``voxel_size`` that contradicts the Volume's.
    InputError
        A path, or data that is not a 3-D numeric array.
    """
    if isinstance(volume, Volume):
        if voxel_size is not None:
            given = _check.voxel_size(voxel_size)
            if not np.allclose(given, volume.voxel_size, rtol=1e-9, atol=0):
                own = ", ".join(format_length(h) for h in volume.voxel_size)
                raise VoxelSizeError(f"voxel_size={voxel_size!r} contradicts the Volume's own voxel size ({own}); "
                                     "drop voxel_size=, or re-scale on purpose with volume.replace(voxel_size=...)")
        return volume
    if isinstance(volume, (str, bytes, os.PathLike)):
        raise InputError(f"{name} is a path ({os.fspath(volume)!r}), not an image: read it with dca.read(path) first")
    if voxel_size is None:
        raise VoxelSizeError(f"voxel_size is missing: {name} is a bare array. Pass voxel_size=(dz, dy, dx) in metres, "
                             "e.g. voxel_size=5.345e-6, or a dca.Volume (dca.read keeps the file's voxel size)")
    if not is_lazy_array(volume):
        try:
            volume = np.asarray(volume)
        except (TypeError, ValueError) as err:
            raise InputError(f"{name} must be a dca.Volume or a 3-D array, got {type(volume).__name__}") from err
    if volume.dtype == object:
        raise InputError(f"{name} must be a dca.Volume or a 3-D numeric array, got an object array")
    return Volume(volume, voxel_size=voxel_size)


def takes_volume(func):
    """Decorator for a public function whose first argument is the image: it then accepts a
    Volume, or an array with ``voxel_size=`` (added as a keyword), and gets a Volume."""
    signature = inspect.signature(func)
    if "voxel_size" in signature.parameters:
        raise TypeError(f"{func.__qualname__} already takes voxel_size")

    @functools.wraps(func)
    def wrapper(volume, *args, voxel_size=None, **kwargs):
        return func(as_volume(volume, voxel_size=voxel_size), *args, **kwargs)

    params = list(signature.parameters.values())
    extra = inspect.Parameter("voxel_size", inspect.Parameter.KEYWORD_ONLY, default=None)
    tail = [i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD]
    params.insert(tail[0] if tail else len(params), extra)
    wrapper.__signature__ = signature.replace(parameters=params)
    return wrapper


def _numbered(path) -> tuple:
    """A file name as text and numbers: 'step05.tif' -> ('step', 5, '.tif')."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", os.path.basename(os.fspath(path))))


def natural_key(path) -> tuple:
    """Sort key that orders file names as people number them: ``step2`` before ``step10``."""
    return tuple((1, "", p) if isinstance(p, int) else (0, p, 0) for p in _numbered(path))


def natural_order(paths) -> list[str]:
    """``paths`` in natural order (what a shell's glob does not give: step10 sorts before
    step5 there). Two names that number the same step (``step5``, ``step05``) are refused.

    >>> natural_order(["s10.tif", "s0.tif", "s5.tif"])
    ['s0.tif', 's5.tif', 's10.tif']
    """
    paths = [os.fspath(p) for p in paths]
    ordered = sorted(paths, key=natural_key)
    for a, b in zip(ordered, ordered[1:]):
        if _numbered(a) == _numbered(b):
            raise InputError(f"{a!r} and {b!r} number the same step; rename one so that the order of the "
                             "steps is unambiguous")
    return ordered


def _brief(value) -> str:
    """One value of a result, in a few characters: numbers to 4 digits, arrays and tables by shape."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    shape = getattr(value, "shape", None)
    if shape is not None:
        kind = "table" if hasattr(value, "columns") else "Volume" if hasattr(value, "voxel_size") else "array"
        return f"<{kind} {' x '.join(map(str, shape))}>"
    if isinstance(value, (tuple, list)) and len(value) <= 4 and all(isinstance(v, (int, float, str)) for v in value):
        return "(" + ", ".join(_brief(v) for v in value) + ")"
    if isinstance(value, (tuple, list, dict)):
        return f"<{type(value).__name__} of {len(value)}>"
    return f"<{type(value).__name__}>"


def short_repr(result) -> str:
    """The repr of a result dataclass: its name and fields, numbers rounded, arrays and
    tables by shape, in a few lines (the data stay reachable as attributes)."""
    import dataclasses

    fields = [f"{f.name}={_brief(getattr(result, f.name))}" for f in dataclasses.fields(result) if f.repr]
    lines, line = [], f"<{type(result).__name__}"
    for item in fields:
        if len(line) + len(item) > 100:
            lines.append(line)
            line = "  "
        line += (" " if line.strip() else "") + item
    return "\n".join(lines + [line + ">"])


def show_progress(progress: bool | None) -> bool:
    """Whether a long call shows its progress bar. ``None`` (the default of every function
    that has one) means: yes in a notebook or an interactive Python shell, no in scripts and
    tests. Bars appear only after a second, so quick calls stay silent either way."""
    if progress is not None:
        return bool(progress)
    import sys

    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    return hasattr(sys, "ps1") or "ipykernel" in sys.modules or bool(getattr(sys.flags, "interactive", 0))


def figure_axes(ax=None):
    """(figure, axes): a new 6 x 4 inch figure unless an axes to draw on is given."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    return fig, fig.subplots()


def marching_cubes(field: np.ndarray, level: float, *, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Marching-cubes isosurface (scikit-image's Lewiner) of ``field`` at ``level``: vertices
    in voxel units (float64, (z, y, x), z shifted by ``offset``) and triangles.

    Each vertex lies on a lattice edge; its position along the edge is recomputed in float64
    from the two field values, so a vertex comes out the same (bit for bit) whether the field
    is meshed whole or in slabs (skimage's float32 vertices round differently at each offset);
    a vertex inside a cube (Lewiner's ambiguous cases) is the mean of the cube's edge crossings.
    """
    from skimage.measure import marching_cubes as lewiner

    verts, faces, _, _ = lewiner(field, level=level, allow_degenerate=False)
    base = np.floor(verts).astype(np.int64)
    along = verts != base  # the coordinate that is not on the lattice
    shift = np.array([offset, 0, 0])
    out = (base + shift).astype(np.float64)  # integers: exact, whatever the offset
    on_edge = np.flatnonzero(along.sum(axis=1) == 1)
    axis = np.argmax(along[on_edge], axis=1)
    lower = base[on_edge]
    upper = lower.copy()
    upper[np.arange(len(axis)), axis] += 1
    f0 = field[tuple(lower.T)].astype(np.float64)
    f1 = field[tuple(upper.T)].astype(np.float64)
    out[on_edge, axis] += (level - f0) / (f1 - f0)
    for i in np.flatnonzero(along.sum(axis=1) > 1):  # a vertex inside a cube (Lewiner's ambiguous cases)
        out[i] = _cube_centre(field, base[i], level, shift)
    return out, faces


_CUBE_EDGES = [((a, b, c), axis) for axis in range(3) for a in range(2) for b in range(2) for c in range(2)
               if (a, b, c)[axis] == 0]


def _cube_centre(field: np.ndarray, corner: np.ndarray, level: float, shift: np.ndarray) -> np.ndarray:
    """The vertex Lewiner's marching cubes adds inside the cube at ``corner``: the mean of the
    points where the cube's edges cross the level."""
    points = []
    for start, axis in _CUBE_EDGES:
        p = corner + np.asarray(start)
        q = p.copy()
        q[axis] += 1
        f0, f1 = float(field[tuple(p)]) - level, float(field[tuple(q)]) - level
        if (f0 < 0) != (f1 < 0):
            point = (p + shift).astype(np.float64)
            point[axis] += -f0 / (f1 - f0)
            points.append(point)
    return np.mean(points, axis=0)
