"""Clean-up of a segmentation: small islands, enclosed voids, the cluster spanning the sample."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .. import _check
from .._errors import NotPercolatingError
from .._phase import phase_mask
from ..util import takes_volume

__all__ = ["remove_islands", "fill_enclosed", "keep_spanning", "structure"]


def structure(connectivity: int) -> np.ndarray:
    """Neighbourhood for 6, 18 or 26 connectivity."""
    rank = {6: 1, 18: 2, 26: 3}.get(int(connectivity))
    if rank is None:
        raise _check.InputError(f"connectivity must be 6, 18 or 26, got {connectivity!r}")
    return ndimage.generate_binary_structure(3, rank)


def _assign(volume, where: np.ndarray, step: str, **params):
    """Give the voxels ``where`` the label of their nearest voxel outside ``where``."""
    data = volume.to_numpy().copy()
    if data.dtype == bool:
        data[where] = ~data[where]
    elif where.any():
        _, idx = ndimage.distance_transform_edt(where, return_indices=True)
        data[where] = data[tuple(i[where] for i in idx)]
    return volume.with_data(data, step=step, **params)


@takes_volume
def remove_islands(volume, *, phase=None, min_size: int = 27, connectivity: int = 26):
    """Reassign clusters of ``phase`` smaller than ``min_size`` voxels to the surrounding phase."""
    selected = phase_mask(volume, phase)
    labels, n = ndimage.label(selected, structure=structure(connectivity))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    small = (sizes < min_size)
    small[0] = False
    return _assign(volume, small[labels], "remove_islands", phase=phase, min_size=min_size,
                   connectivity=connectivity)


@takes_volume
def fill_enclosed(volume, *, phase=None, connectivity: int = 6):
    """Give ``phase`` every voxel it encloses (clusters of other phases not touching the box faces)."""
    selected = phase_mask(volume, phase)
    # the complement's connectivity is the dual of the phase's (6 <-> 26)
    dual = {6: 26, 18: 18, 26: 6}[int(connectivity)]
    filled = ndimage.binary_fill_holes(selected, structure=structure(dual))
    holes = filled & ~selected
    data = volume.to_numpy().copy()
    label = 1 if data.dtype == bool and phase is None else volume.phase(phase if phase is not None else "pore")
    data[holes] = bool(label) if data.dtype == bool else label
    return volume.with_data(data, step="fill_enclosed", phase=phase, connectivity=connectivity)


def spanning(selected: np.ndarray, axis: int, connectivity: int = 26) -> np.ndarray:
    """Voxels of clusters that touch both faces normal to ``axis``."""
    labels, _ = ndimage.label(selected, structure=structure(connectivity))
    first = np.take(labels, 0, axis=axis)
    last = np.take(labels, -1, axis=axis)
    both = np.intersect1d(first[first > 0], last[last > 0])
    return np.isin(labels, both)


@takes_volume
def keep_spanning(volume, *, phase=None, axis="x", connectivity: int = 26):
    """Keep only the clusters of ``phase`` connecting the inlet and outlet faces along ``axis``.

    The removed clusters take the label of the surrounding phase. Raises NotPercolatingError
    if no cluster spans the sample.
    """
    a = _check.axis(axis)
    selected = phase_mask(volume, phase)
    keep = spanning(selected, a, connectivity)
    if not keep.any():
        raise NotPercolatingError(f"no cluster of the phase connects the two faces normal to {'zyx'[a]}; "
                                  "the sample does not percolate along that axis")
    return _assign(volume, selected & ~keep, "keep_spanning", phase=phase, axis="zyx"[a],
                   connectivity=connectivity)
