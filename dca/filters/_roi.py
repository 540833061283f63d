"""Regions of interest: crop by index box, by physical coordinates, or to the scan's cylinder."""

from __future__ import annotations

import numpy as np

from .. import _check
from .._errors import InputError
from ..util import takes_volume

__all__ = ["crop", "crop_physical", "crop_cylinder"]


@takes_volume
def crop(volume, *, z=(None, None), y=(None, None), x=(None, None)):
    """Crop by voxel index ranges ``(start, stop)`` along each axis (origin shifts accordingly)."""
    return volume[slice(*z), slice(*y), slice(*x)]


@takes_volume
def crop_physical(volume, *, z=None, y=None, x=None):
    """Crop to physical ranges ``(min, max)`` in metres; keeps every voxel whose centre lies inside."""
    key = []
    for axis, bounds in enumerate((z, y, x)):
        if bounds is None:
            key.append(slice(None))
            continue
        lo, hi = (float(b) for b in bounds)
        centres = volume.coordinates(axis)
        slack = 1e-9 * volume.voxel_size[axis]  # a centre on the bound counts as inside despite rounding
        inside = np.flatnonzero((centres >= lo - slack) & (centres <= hi + slack))
        if inside.size == 0:
            raise InputError(f"the range {bounds} m along {'zyx'[axis]} holds no voxel centre; the volume spans "
                             f"{centres[0]:.6g} .. {centres[-1]:.6g} m")
        key.append(slice(int(inside[0]), int(inside[-1]) + 1))
    return volume[tuple(key)]


@takes_volume
def crop_cylinder(volume, *, radius: float | None = None, centre=None, axis="z"):
    """Set the mask to a cylinder (the scan's field of view) and crop to its bounding box.

    Parameters
    ----------
    radius : float, metres, optional
        Default: the largest cylinder inscribed in the cross-section.
    centre : (2,) tuple of float, metres, optional
        Position of the cylinder axis in the other two coordinates; default the centre.
    axis : 'z', 'y' or 'x'
        Axis of the cylinder (the rotation axis of the scan).
    """
    a = _check.axis(axis)
    others = [i for i in range(3) if i != a]
    coords = [volume.coordinates(i) for i in others]
    if centre is None:
        centre = [(c[0] + c[-1]) / 2 for c in coords]
    if radius is None:
        radius = min((c[-1] - c[0]) / 2 + volume.voxel_size[i] / 2 for c, i in zip(coords, others))
    radius = _check.positive(radius, name="radius")
    u, v = np.meshgrid(coords[0] - centre[0], coords[1] - centre[1], indexing="ij")
    disc = u ** 2 + v ** 2 <= radius ** 2
    if not disc.any():
        raise InputError("the cylinder contains no voxel centre; check radius and centre (metres)")
    shape = [1, 1, 1]
    shape[others[0]], shape[others[1]] = disc.shape
    if volume.is_lazy:  # the mask stays lazy too, chunked as the voxels
        import dask.array as da

        chunks = [(1,) if n == 1 else c for n, c in zip(shape, volume.data.chunks)]
        mask = da.broadcast_to(da.from_array(disc.reshape(shape), chunks=chunks), volume.shape,
                               chunks=volume.data.chunks)
        if volume.mask is not None:
            mask = mask & da.asarray(volume.mask).rechunk(volume.data.chunks)
    else:
        mask = np.broadcast_to(disc.reshape(shape), volume.shape)
        if volume.mask is not None:
            mask = mask & np.asarray(volume.mask)
    rows, cols = np.flatnonzero(disc.any(axis=1)), np.flatnonzero(disc.any(axis=0))
    key = [slice(None)] * 3
    key[others[0]] = slice(int(rows[0]), int(rows[-1]) + 1)
    key[others[1]] = slice(int(cols[0]), int(cols[-1]) + 1)
    masked = volume.replace(mask=mask if volume.is_lazy else np.ascontiguousarray(mask)).with_step(
        "crop_cylinder", radius=radius, centre=list(centre), axis="zyx"[a])
    return masked[tuple(key)]
